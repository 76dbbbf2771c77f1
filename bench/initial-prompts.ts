/**
 * Random initial prompts: does every seed of the default dream start, and how many token draws does
 * a prompt take? Seeds 0–99 on the bundled model's SentencePiece vocabulary and on a byte-level BPE
 * model (tinystories-656k), with the default config (8 prompts of 12 tokens, retokenize on).
 */
import { randomInitialPrompts } from '../src/engine/epo/candidates';
import { PromptCache } from '../src/engine/epo/cache';
import { DEFAULT_EPO_CONFIG } from '../src/engine/epo/config';
import { PromptChecker } from '../src/engine/epo/hygiene';
import { Prng } from '../src/engine/epo/prng';
import { allowedTokens } from '../src/engine/dream/backend';
import { loadModel } from '../src/engine/models/load';

const SEEDS = 100;

export async function benchInitialPrompts(): Promise<void> {
  const cfg = DEFAULT_EPO_CONFIG;
  for (const ref of ['stories260K', '../shared/models/tinystories-656k']) {
    const model = await loadModel(ref);
    const tok = model.tokenizer;
    const allowed = allowedTokens(tok, model.arch.vocabSize);
    const allowedIds = Int32Array.from([...allowed].flatMap((a, v) => (a ? [v] : [])));
    let started = 0, rejected = 0;
    const failures: string[] = [];
    const t0 = performance.now();
    for (let seed = 0; seed < SEEDS; seed++) {
      const ctx = { rng: Prng.fromSeed(seed), cache: new PromptCache(cfg.seqLen), checker: new PromptChecker(tok, cfg) };
      try {
        const { counts } = randomInitialPrompts(cfg.population, cfg.seqLen, allowedIds, ctx);
        rejected += counts.rejectedRetokenize + counts.rejectedBanned;
        started++;
      } catch (e) {
        failures.push(`seed ${seed}: ${(e as Error).message}`);
      }
    }
    const ms = performance.now() - t0;
    const prompts = started * cfg.population;
    console.log(`${model.name}: ${started}/${SEEDS} seeds start; ${prompts} prompts of ${cfg.seqLen} tokens, ` +
      `${(rejected / Math.max(1, prompts)).toFixed(1)} rejected token draws per prompt, ${(ms / Math.max(1, prompts)).toFixed(2)} ms per prompt`);
    for (const f of failures) console.log(`  ${f}`);
  }
}
