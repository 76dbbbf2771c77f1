/** Whether prompts of n tokens (plus BOS where the tokenizer adds one) fit a model's context. */
import type { LoadedModel } from './load';

/** Throws, naming the model, when `what` of n tokens does not fit its positions. */
export function checkFitsContext(model: Pick<LoadedModel, 'name' | 'arch' | 'tokenizer'>, n: number, what: string): void {
  const t = model.tokenizer;
  const bos = t.addsBos && t.bosId !== undefined ? 1 : 0;
  if (n + bos > model.arch.maxPositions) {
    throw new Error(`${what} of ${n} tokens${bos ? ' plus BOS' : ''} exceeds ${model.name}'s context of ${model.arch.maxPositions} tokens`);
  }
}
