/**
 * Writes the direction vectors the examples workspace uses, one per supported file format:
 *   examples/vectors/happy.npy                    the ' happy' unembedding row times the final
 *                                                 norm's weight: standardised final residual · v
 *                                                 tracks the ' happy' logit (float32 .npy)
 *   examples/vectors/big.json                     decoder direction of the example SAE's " big"
 *                                                 latent (JSON array)
 *   examples/vectors/directions.safetensors       'mom_minus_friend' (embedding of ' mom' minus
 *                                                 ' friend') and 'lily' (embedding of ' Lily')
 *
 *   npx tsx scripts/make-example-vectors.ts   (after scripts/train-sae.ts)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLlama2c } from '../src/engine/models/llama2c';
import { readSafetensorsFile } from '../src/engine/models/safetensors';
import { SentencePieceTokenizer } from '../src/engine/tokenizers/sentencepiece';
import { resolveTokenText } from '../src/engine/features/tokens';
import { encodeNpy, encodeSafetensors } from '../src/engine/features/write-tensors';

const MODEL_DIR = 'media/models/stories260K';
const OUT = join('examples', 'vectors');
const SAE = join('examples', 'saes', 'stories260K-blocks.2.hook_resid_post', 'sae_weights.safetensors');
/** The example SAE's latent that fires on " big" after "a" (see its README.md). */
export const BIG_LATENT = 93;

async function main(): Promise<void> {
  const { config, weights } = await readLlama2c(join(MODEL_DIR, 'stories260K.bin'));
  const tokenizer = await SentencePieceTokenizer.load(join(MODEL_DIR, 'tok512.bin'), config.vocabSize);
  const d = config.hiddenSize;
  const E = weights.get('model.embed_tokens.weight')!.data;
  const norm = weights.get('model.norm.weight')!.data;
  const row = (text: string) => {
    const id = resolveTokenText(tokenizer, text, 'stories260K');
    return Float32Array.from(E.subarray(id * d, (id + 1) * d));
  };
  mkdirSync(OUT, { recursive: true });

  const happy = row(' happy').map((v, i) => v * norm[i]);
  writeFileSync(join(OUT, 'happy.npy'), encodeNpy(happy));

  const sae = (await readSafetensorsFile(SAE)).weights.get('W_dec')!;
  writeFileSync(join(OUT, 'big.json'), `${JSON.stringify(Array.from(sae.data.subarray(BIG_LATENT * d, (BIG_LATENT + 1) * d)))}\n`);

  const mom = row(' mom'), friend = row(' friend');
  writeFileSync(join(OUT, 'directions.safetensors'), encodeSafetensors({
    mom_minus_friend: { shape: [d], data: mom.map((v, i) => v - friend[i]) },
    lily: { shape: [d], data: row(' Lily') },
  }));
  console.log(`wrote happy.npy, big.json and directions.safetensors to ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
