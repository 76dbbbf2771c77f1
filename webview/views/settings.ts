/** The run's hyper-parameters, in a collapsible section (they rarely matter while watching). */
import type { RunConfig } from '../../src/protocol/panel';
import { h } from '../dom';
import { formatLambda } from '../format';
import { Dirty, runCaps, type PanelModel } from '../model';

function rows(c: RunConfig, lambdas: number[]): [string, string, string][] {
  const out: [string, string, string][] = [
    ['Iterations', 'T', String(c.iterations)],
    ['Population', 'M', (c.islands ?? 1) > 1 ? `${c.population} in ${c.islands} islands (slot j in island j mod ${c.islands})` : String(c.population)],
    ['Children per member', 'r', `${c.childrenPerMember} (${c.population * c.childrenPerMember} per iteration)`],
    ['Top-k', 'k', c.topKUsed !== undefined && c.topKUsed !== c.topK ? `${c.topK} (${c.topKUsed} used)` : String(c.topK)],
    ...(c.modelShare ? [['From the model', '', `${Math.round(c.modelShare * (c.topKUsed ?? c.topK))} of each position's k: its own most likely next tokens`] as [string, string, string]] : []),
    ...(c.shiftShare ? [['Shifts', '', `${Math.round(c.shiftShare * c.childrenPerMember)} of each member's children: one token deleted, one inserted elsewhere`] as [string, string, string]] : []),
    ['Prompt length', 'n', `${c.seqLen} tokens`],
    ['Restart every', 'T_restart', c.restartEvery > 0 ? `${c.restartEvery} iterations` : 'never'],
    ['Slot λ', 'λ_j', lambdas.length ? lambdas.map(formatLambda).join(', ') : `${formatLambda(c.lambdaMin)} … ${formatLambda(c.lambdaMax)}`],
    ...(c.cappedSlots ? [['XE caps', '', `the ${c.cappedSlots} most fluent slots take the best feature with XE ≤ ${runCaps(c).filter(Number.isFinite).reverse().map((x) => x.toFixed(2)).join(', ')}, and are not restarted`] as [string, string, string]] : []),
    ['Restart λ', 'λ_r', `U[${formatLambda(c.restartLambdaMin)}, ${formatLambda(c.restartLambdaMax)}]`],
    ['Seed', '', String(c.seed)],
  ];
  if (c.batchSize !== undefined) out.push(['Batch size', '', String(c.batchSize)]);
  if (c.retokenize !== undefined) out.push(['Round-trip check', '', c.retokenize ? 'on' : 'off']);
  if (c.bannedText && c.bannedText.length) out.push(['Banned text', '', c.bannedText.map((s) => JSON.stringify(s)).join(', ')]);
  return out;
}

export class SettingsView {
  readonly el: HTMLElement;
  private grid = h('dl', { class: 'settings-grid' });

  constructor() {
    const c = document.createElement('vscode-collapsible');
    c.heading = 'Run settings';
    c.description = 'EPO hyper-parameters';
    c.append(this.grid);
    this.el = h('section', { class: 'settings' }, c);
  }

  update(m: PanelModel, dirty: number): void {
    if (!(dirty & Dirty.run) || !m.init) return;
    this.grid.replaceChildren(...rows(m.init.config, m.init.lambdas).flatMap(([name, symbol, value]) => [
      h('dt', {}, name, symbol ? h('span', { class: 'symbol', text: ` ${symbol}` }) : null),
      h('dd', { text: value }),
    ]));
  }
}
