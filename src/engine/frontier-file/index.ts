/** Frontier files: saving, merging and reading a feature's dreams (docs/frontier-format.md). No vscode here. */
export * from './format';
export { compressHistory, decompressHistory } from './history-codec';
export { parseFrontierFile, readFrontierFile } from './parse';
export type { ParseOptions } from './parse';
export { mergeFrontierFiles, mergeConflict } from './merge';
export { saveFrontierFile, frontierFileName, frontierSlug } from './save';
export type { SaveOutcome, SaveFrontierOptions } from './save';
export { buildFrontierFile } from './build';
export { frontierFromRun, parseResultsFile, readResultsFile } from './from-run';
export type { FrontierRunInput, BuildFrontierInput } from './build';
