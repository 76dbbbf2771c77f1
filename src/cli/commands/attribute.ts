/** `reverie attribute`: per-token attribution of a prompt for a feature (epo.md, "resample" view). */
import type { Command } from 'commander';
import { intArg } from '../numbers';
import { addModelOptions, loadModelForCli, parseIds, sessionOptions, ModelCliOptions } from '../model-options';
import { neuronFeature, logitFeature, dreamBackend, sessionFor, PreparedFeature } from '../../engine/dream/dream';
import { attributePrompt } from '../../engine/epo';
import { loadFileFeatureRef, prepareFileFeatureRef } from '../feature-ref';

interface AttributeOptions extends ModelCliOptions {
  neuron?: string;
  logit?: string;
  text?: string;
  ids?: string;
  k: number;
  json?: boolean;
}

export function registerAttribute(program: Command): void {
  const cmd = program.command('attribute [feature]')
    .description('which tokens of a prompt matter for a feature: per-token largest/smallest drop under substitution, NLL, saliency');
  addModelOptions(cmd)
    .option('--neuron <L.N>', 'MLP neuron N of layer L at the last token')
    .option('--logit <token>', 'the output logit of one token, named by its text as displayed (e.g. " happy")')
    .option('-t, --text <text>', 'the prompt')
    .option('--ids <ids>', 'the prompt as token ids')
    .option('-k, --substitutes <k>', 'substitutes tried per position (top-k of the λ=0 gradient)', intArg(1), 32)
    .option('--json', 'print JSON')
    .action(async (ref: string | undefined, o: AttributeOptions & { substitutes: number }) => {
      if ([ref, o.neuron, o.logit].filter((x) => x !== undefined).length !== 1) throw new Error('give exactly one feature: <file.ts>#<export>, --neuron or --logit');
      if ((o.text === undefined) === (o.ids === undefined)) throw new Error('give exactly one of --text or --ids');
      const fileFeature = ref !== undefined ? await loadFileFeatureRef(ref) : undefined;
      if (fileFeature && cmd.getOptionValueSource('model') !== 'cli') o.model = fileFeature.modelRef;
      const model = await loadModelForCli(o);
      const feature: PreparedFeature = o.neuron !== undefined ? neuronFeature(model, o.neuron)
        : o.logit !== undefined ? logitFeature(model, o.logit) : await prepareFileFeatureRef(fileFeature!, model);
      const ids = o.ids !== undefined ? parseIds(o.ids) : model.tokenizer.encode(o.text!);
      if (ids.length < 2) throw new Error(`the prompt must be at least 2 tokens, got ${ids.length}`);
      const backend = dreamBackend(model, feature.fn, ids.length, sessionFor(sessionOptions(o), feature));
      try {
        const a = await attributePrompt(backend, model.tokenizer, Int32Array.from(ids), { k: o.substitutes });
        if (o.json) {
          console.log(JSON.stringify({ model: model.id, feature: feature.info.name, ...a }, null, 2));
          return;
        }
        const unit = a.absolute ? '(absolute drops: baseline ≈ 0)' : '(drops as fractions of |baseline|)';
        console.log(`${feature.info.name} on ${model.id}: baseline ${a.baseline.toFixed(4)}, XE ${a.xe.toFixed(3)}, ${a.k} substitutes per position ${unit}`);
        console.log(['pos', 'token', 'nll', 'saliency', 'largest drop', 'smallest drop', 'worst substitute', 'best substitutes'].join('\t'));
        const f = (v: number | null, d = 3) => (v === null ? '—' : v.toFixed(d));
        for (const t of a.tokens) {
          const worst = t.worst ? `${JSON.stringify(t.worst.text)} ${t.worst.feature.toFixed(3)}` : '—';
          const best = t.best.map((b) => `${JSON.stringify(b.text)} ${b.feature.toFixed(3)}`).join(', ');
          console.log([t.position, JSON.stringify(t.text), f(t.nll), f(t.saliency), f(t.largestDrop), f(t.smallestDrop), worst, best].join('\t'));
        }
      } finally {
        await backend.dispose();
      }
    });
}
