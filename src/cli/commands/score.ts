/** `reverie score`: per-token NLL, self cross-entropy and hook values of a text or id list. */
import type { Command } from 'commander';
import { intArg } from '../numbers';
import { addModelOptions, loadModelForCli, parseIds, sessionOptions, ModelCliOptions } from '../model-options';
import { scoreIds } from '../../engine/models/inspect';

interface ScoreOptions extends ModelCliOptions {
  text?: string;
  ids?: string;
  hook?: string;
  index?: number;
  json?: boolean;
}

export function registerScore(program: Command): void {
  addModelOptions(program.command('score').description('score a prompt: tokens, per-token NLL, self cross-entropy, hook values'))
    .option('-t, --text <text>', 'text to score')
    .option('--ids <ids>', 'token ids to score, e.g. 1,2,3')
    .option('--hook <name>', 'also print this hook per position, e.g. blocks.2.mlp.hook_post')
    .option('--index <i>', 'with --hook: the component to print (e.g. a neuron)', intArg(0))
    .option('--json', 'print JSON')
    .action(async (o: ScoreOptions) => {
      if ((o.text === undefined) === (o.ids === undefined)) throw new Error('give exactly one of --text or --ids');
      if (o.index !== undefined && !o.hook) throw new Error('--index needs --hook');
      const model = await loadModelForCli(o);
      const ids = o.ids !== undefined ? parseIds(o.ids) : model.tokenizer.encode(o.text!);
      const r = await scoreIds(model, ids, o.hook ? [o.hook] : [], sessionOptions(o));
      if (r.warning) process.stderr.write(`warning: ${r.warning}\n`);
      const hook = o.hook ? r.hooks[o.hook] : undefined;
      const width = hook ? hook.dims.slice(1).reduce((a, b) => a * b, 1) : 0;
      const index = o.index === undefined ? undefined : Number(o.index);
      if (hook && index !== undefined && !(Number.isInteger(index) && index >= 0 && index < width)) {
        throw new Error(`--index ${o.index} is out of range for ${o.hook} (0–${width - 1})`);
      }
      const hookAt = (i: number): number | number[] | undefined => {
        if (!hook) return undefined;
        const row = Array.from((hook.data as Float32Array).subarray(i * width, (i + 1) * width));
        return index === undefined ? row : row[index];
      };
      if (o.json) {
        console.log(JSON.stringify({
          model: model.id, provider: r.provider, ids: r.ids, tokens: r.tokens, text: model.tokenizer.decode(r.ids),
          nll: r.nll.map((v) => (Number.isNaN(v) ? null : v)), xe: r.xe,
          ...(hook ? { hook: o.hook, index, values: r.ids.map((_, i) => hookAt(i)) } : {}),
        }, null, 2));
        return;
      }
      console.log(`model ${model.id} · ${r.ids.length} tokens · self cross-entropy ${r.xe.toFixed(4)} nats`);
      const header = ['pos', 'id', 'token', 'nll'].concat(hook ? [index === undefined ? `${o.hook} (first 4)` : `${o.hook}[${index}]`] : []);
      console.log(header.join('\t'));
      r.ids.forEach((id, i) => {
        const v = hookAt(i);
        const hv = v === undefined ? [] : [Array.isArray(v) ? v.slice(0, 4).map((x) => x.toFixed(4)).join(' ') : v.toFixed(4)];
        console.log([i, id, JSON.stringify(r.tokens[i]), Number.isNaN(r.nll[i]) ? '—' : r.nll[i].toFixed(4), ...hv].join('\t'));
      });
    });
}
