/** Features: what a dream maximises. Built-ins for engine code, and feature files written in TypeScript. */
export type { FeatureFn, FeatureView, PositionSpec } from './feature';
export { atPosition, component } from './feature';
export { neuron, logitOf } from './builtins';
export { FeatureError } from './errors';
export type { FeatureErrorCode, SourceLocation } from './errors';
export { loadFeatureFile, DEFAULT_TIMEOUT_MS } from './load';
export type { LoadOptions, LoadedFeature, FeatureFileResult } from './load';
export { compileFeature } from './compile';
export type { CompiledFeature, CompileOptions, FeatureModel } from './compile';
export { featureFnFromSpec } from './spec';
export type { FeatureSpec, SpecNode } from './spec';
// discover.ts (TypeScript's parser, ≈ 10 MB bundled) is imported by path where it is used, so
// bundles that only run features (the dream worker) do not carry it.
export type { EpoOverrides } from './options';
