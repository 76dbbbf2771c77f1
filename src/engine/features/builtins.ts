/** Built-in features that need nothing but a model: an MLP neuron and an output logit. */
import type { FeatureFn, PositionSpec } from './feature';
import { atPosition, component } from './feature';

/** The activation of MLP neuron `index` in `layer` (blocks.L.mlp.hook_post), at the last token by default. */
export function neuron(layer: number, index: number, position: PositionSpec = 'last'): FeatureFn {
  return (view) => component(atPosition(view, view.hook(`blocks.${layer}.mlp.hook_post`), position), index, `neuron ${layer}.${index}`);
}

/** The output logit of token id `tokenId` (the prediction made at the last token by default). */
export function logitOf(tokenId: number, position: PositionSpec = 'last'): FeatureFn {
  return (view) => component(atPosition(view, view.hook('logits'), position), tokenId, `logit of token ${tokenId}`);
}
