/** MLP activations by their Hugging Face config names (`hidden_act` / `hidden_activation`), for every family. */
import { gelu, geluTanh, relu, silu, type SymTensor } from '../graph';

const ACTIVATIONS: Record<string, (x: SymTensor) => SymTensor> = {
  silu, swish: silu,
  gelu,
  gelu_new: geluTanh, gelu_fast: geluTanh, gelu_pytorch_tanh: geluTanh,
  relu,
};

export function activation(name: string, x: SymTensor): SymTensor {
  const f = ACTIVATIONS[name];
  if (!f) throw new Error(`unsupported activation '${name}' (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return f(x);
}
