/** `reverie generate`: continue a prompt, greedily by default. */
import type { Command } from 'commander';
import { intArg, numArg } from '../numbers';
import { addModelOptions, loadModelForCli, parseIds, sessionOptions, ModelCliOptions } from '../model-options';
import { generate } from '../../engine/models/inspect';

interface GenerateCliOptions extends ModelCliOptions {
  text?: string;
  ids?: string;
  tokens: number;
  temperature: number;
  seed: number;
  json?: boolean;
}

export function registerGenerate(program: Command): void {
  addModelOptions(program.command('generate').description('continue a prompt (greedy unless --temperature > 0)'))
    .option('-t, --text <text>', 'prompt text', '')
    .option('--ids <ids>', 'prompt token ids instead of text')
    .option('-n, --tokens <n>', 'tokens to generate', intArg(0, 1_000_000), 40)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', numArg(0), 0)
    .option('--seed <n>', 'sampling seed', intArg(0), 0)
    .option('--json', 'print JSON')
    .action(async (o: GenerateCliOptions) => {
      if (!(o.tokens > 0)) throw new Error('--tokens must be a positive integer');
      const model = await loadModelForCli(o);
      const prompt = o.ids ? parseIds(o.ids) : model.tokenizer.encode(o.text ?? '');
      const out = await generate(model, prompt, { tokens: o.tokens, temperature: o.temperature, seed: o.seed }, sessionOptions(o));
      const text = model.tokenizer.decode(out);
      if (o.json) console.log(JSON.stringify({ model: model.id, promptIds: prompt, ids: out, text }, null, 2));
      else console.log(text);
    });
}
