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
export { discoverFeatures } from './discover';
export type { DiscoveredFeature, Range, Position } from './discover';
export type { EpoOverrides } from './options';
