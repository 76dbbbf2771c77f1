/**
 * Precision of the model's graphs, a dependency-free module (the extension host reads the
 * setting without loading ONNX Runtime).
 */
import type { ProviderChoice } from './ort';

/** What the model's graphs compute in (`--dtype`, setting `reverie.dtype`). */
export const PRECISIONS = ['auto', 'fp32', 'fp16', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * The graph dtype for a precision on a provider: `auto` is fp16 on CUDA and fp32 elsewhere (on the
 * CPU ONNX Runtime runs fp16 graphs by casting each op to fp32, slower and no smaller; WebGPU's
 * fp16 needs the adapter's shader-f16, so it is asked for explicitly). bf16 has no kernels in
 * ONNX Runtime's CPU and WebGPU providers (measured: MatMul, Gemm, Add, Tanh all refuse it).
 */
export function graphDtype(precision: Precision = 'auto', provider: ProviderChoice = 'cpu'): 'float32' | 'float16' {
  switch (precision) {
    case 'fp32': return 'float32';
    case 'fp16': return 'float16';
    case 'auto': return provider === 'cuda' ? 'float16' : 'float32';
    case 'bf16':
      throw new Error(`dtype bf16: ONNX Runtime's CPU and WebGPU providers have no bfloat16 kernels, and Reverie's CUDA graphs do not use it yet; use fp16 or fp32 (bf16 checkpoints load into either)`);
    default:
      throw new Error(`dtype '${String(precision)}': expected one of ${PRECISIONS.join(', ')}`);
  }
}
