/** The dataset baseline: max-activating corpus windows for a feature (issue 7). No vscode here. */
export { scanCorpus, DEFAULT_SCAN_TOP, DEFAULT_SCAN_BATCH, DEFAULT_CHECKPOINT_EVERY, DEFAULT_DEDUPE_MEMORY } from './scan';
export type { ScanOptions, ScanProgress, ScanExample, ScanResult } from './scan';
export { datasetBaseline } from './baseline';
export type { BaselineOptions, Baseline } from './baseline';
export { corpusLabel, datasetPoints, writeDatasetToFrontierFile } from './dataset';
export type { DatasetWriteInput, DatasetWriteOutcome } from './dataset';
export { listCorpus, readDocuments } from './corpus';
export type { CorpusFile, CorpusDocument } from './corpus';
export { ScanStateMismatchError, readScanState } from './state';
export type { ScanCounts, ScanState } from './state';
export { TopK } from './top-k';
