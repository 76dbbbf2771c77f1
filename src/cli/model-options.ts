/** Options every model-using command shares, and loading with download progress on stderr. */
import { Command, Option } from 'commander';
import { loadModel, LoadedModel, BUNDLED_MODEL } from '../engine/models/load';
import { PRECISIONS, PROVIDER_CHOICES, type SessionOptions, type ProviderChoice, type Precision } from '../engine/runtime/ort';
import { defaultGraphCacheDir } from '../engine/runtime/graph-cache';
import { intArg } from './numbers';

export interface ModelCliOptions {
  model: string;
  allowDownload?: boolean;
  cacheDir?: string;
  provider: ProviderChoice;
  threads: number;
  dtype: Precision;
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <ref>', `model: '${BUNDLED_MODEL}' (bundled), a path, or a Hub id org/name[@revision]`, BUNDLED_MODEL)
    .option('--allow-download', 'download a Hub model, or a feature file\'s named SAE, into the Hugging Face cache when it is missing')
    .option('--cache-dir <dir>', 'Hugging Face hub cache (default $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub)')
    .addOption(new Option('--provider <name>', 'ONNX Runtime execution provider (auto: WebGPU where an adapter exists, else CPU)').choices([...PROVIDER_CHOICES]).default('cpu'))
    .option('--threads <n>', 'CPU threads (0 = one per core)', intArg(0, 1024), 0)
    .addOption(new Option('--dtype <type>', 'what the model computes in: auto = fp16 on CUDA, fp32 elsewhere (norms, softmax, logits and the feature stay fp32)').choices([...PRECISIONS]).default('auto'));
}

export function sessionOptions(o: ModelCliOptions): SessionOptions {
  // Optimised graphs are kept between runs (start-up: docs/performance.md); REVERIE_GRAPH_CACHE=off turns it off.
  return { provider: o.provider, threads: o.threads, dtype: o.dtype, graphCache: defaultGraphCacheDir() };
}

export async function loadModelForCli(o: ModelCliOptions): Promise<LoadedModel> {
  let last = 0;
  return loadModel(o.model, {
    allowDownload: !!o.allowDownload,
    cacheDir: o.cacheDir,
    onStage: (message) => process.stderr.write(`${message}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 250 && p.done !== p.total) return;
      last = now;
      const pct = p.total ? ` ${((100 * p.done) / p.total).toFixed(0)}%` : '';
      process.stderr.write(`\rdownloading ${p.file}${pct} (${(p.done / 2 ** 20).toFixed(1)} MiB)   `);
      if (p.done === p.total) process.stderr.write('\n');
    },
  });
}

/** Parses "1,2,3" into token ids. */
export function parseIds(s: string): number[] {
  const ids = s.split(/[\s,]+/).filter(Boolean).map(Number);
  const bad = ids.findIndex((v) => !Number.isInteger(v) || v < 0);
  if (bad >= 0) throw new Error(`--ids: '${s.split(/[\s,]+/).filter(Boolean)[bad]}' is not a token id`);
  return ids;
}
