/**
 * Example features for the bundled model, stories260K — one per built-in, plus combinations and a
 * hand-written objective. Dream one with `reverie dream examples/features.ts#happyMargin`; list
 * them with `reverie list examples/features.ts`.
 *
 * The vectors come from scripts/make-example-vectors.ts, the SAE from scripts/train-sae.ts and the
 * transcoder from scripts/train-sae.ts --transcoder.
 */
import { defineFeature, neuron, logit, logitMargin, direction, attention, saeLatent, transcoderLatent, combine, vector } from 'reverie';

const MODEL = 'stories260K';
const SAE = './saes/stories260K-blocks.2.hook_resid_post';
const TRANSCODER = './saes/stories260K-blocks.2.mlp-transcoder';

/** An MLP neuron, read at the last prompt token. */
export const neuron2_17 = defineFeature({
  model: MODEL,
  objective: neuron(2, 17),
  description: 'MLP neuron 17 of layer 2 at the last token',
});

/** The same neuron at its strongest position anywhere in the prompt. */
export const neuron2_17Anywhere = defineFeature({
  model: MODEL,
  objective: neuron(2, 17, 'max'),
  seqLen: 8,
});

/** The raw logit of " happy" as the next token. The word itself is banned by default. */
export const happyLogit = defineFeature({
  model: MODEL,
  objective: logit(' happy'),
});

/** " happy" must beat every other token: positive exactly when it is the top prediction. */
export const happyMargin = defineFeature({
  model: MODEL,
  objective: logitMargin(' happy'),
  seqLen: 8,
  epo: { iterations: 100 },
  description: 'Prompts after which the model predicts " happy"',
});

/** The paper's residual direction: standardised final residual · the " happy" unembedding (.npy). */
export const happyDirection = defineFeature({
  model: MODEL,
  objective: direction('blocks.4.hook_resid_post', './vectors/happy.npy'),
});

/** The SAE's " big" decoder direction in the raw (unstandardised) residual stream (.json). */
export const bigDirection = defineFeature({
  model: MODEL,
  objective: direction('blocks.2.hook_resid_post', './vectors/big.json', { standardize: false }),
});

/** A difference of two token embeddings, from a safetensors file (file#tensor). */
export const momNotFriend = defineFeature({
  model: MODEL,
  objective: direction('blocks.3.hook_resid_post', './vectors/directions.safetensors#mom_minus_friend'),
  bannedText: ['mom', 'friend'],
});

/** How much head 3 of layer 1 attends from the last token to the one before it. */
export const attendToPrevious = defineFeature({
  model: MODEL,
  objective: attention(1, 3, 'last', -2),
});

/** An SAE latent (SAELens format) that fires on " big" after "a". */
export const bigLatent = defineFeature({
  model: MODEL,
  objective: saeLatent(SAE, 93),
  description: 'SAE latent 93: " big" in "there was a big …"',
});

/** The same latent before its ReLU: it also rewards getting closer to firing. */
export const bigLatentPre = defineFeature({
  model: MODEL,
  objective: saeLatent(SAE, 93, { preActivation: true }),
});

/**
 * A transcoder latent (SAELens format): block 2's MLP rewritten as sparse latents, read from the
 * MLP's input. Latent 212 fires on " g" after "a little" — the start of "girl".
 */
export const littleGirlTranscoder = defineFeature({
  model: MODEL,
  objective: transcoderLatent(TRANSCODER, 212),
  description: 'transcoder latent 212 of block 2\'s MLP: " g" in "there was a little g…"',
});

/** Weighted sums of features and built-ins. */
export const happyButNotBig = defineFeature({
  model: MODEL,
  objective: combine([[happyMargin, 1], [bigLatent, -0.5]]),
});

/**
 * Any differentiable expression of the model's hooks: the neuron, minus a quarter of the
 * residual norm, plus the mean of the " Lily" embedding direction over the prompt.
 */
export const custom = defineFeature({
  model: MODEL,
  objective: (m) => {
    const lily = vector('./vectors/directions.safetensors#lily');
    return m.blocks[2].mlp.post.at('last').neuron(17)
      .sub(m.blocks[2].resid.post.at('last').norm().mul(0.25))
      .add(m.blocks[1].resid.post.at('mean').standardize().dot(lily).div(m.dModel));
  },
});

/** A hook by its TransformerLens name: neuron 100 of layer 4 before its activation, at its strongest position. */
export const byHookName = defineFeature({
  model: MODEL,
  objective: (m) => m.hook('blocks.4.mlp.hook_pre').at('max').index(100),
});
