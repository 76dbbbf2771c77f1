/** The differentiable graph engine: trace ops on symbolic tensors, differentiate, serialise. */
export * from './dtype';
export * from './shape';
export { Graph, SymTensor, attr } from './graph';
export type { OpNode, Initializer, TapeEntry, Vjp, AttrValue } from './graph';
export * from './ops/elementwise';
export * from './ops/reduce';
export * from './ops/shape-ops';
export * from './ops/linalg';
export * from './ops/nn';
export { grad } from './autodiff';
export { toOnnx, OPSET } from './onnx';
export { ExternalStore, EXTERNAL_ALIGNMENT, EXTERNAL_MIN_BYTES } from './external-store';
