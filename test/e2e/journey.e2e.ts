/**
 * The user's journey in a real VS Code (code-server in headless Chromium, the extension installed
 * from the packaged .vsix): open a feature file, dream a feature from its context menu, watch the
 * population and the frontier fill, save the frontier, reload the window, open the saved file; a
 * broken feature file shows its problem at the right line; a run can be cancelled and stopped.
 *
 * Started by scripts/e2e.mjs (`npm run test:e2e`), never by `npm test`. Each step leaves
 * test-results/e2e/NN-step.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { e2eEnv } from './support/env';
import { launchBrowser } from './support/browser';
import { Journey } from './support/steps';
import { Workbench } from './support/workbench';
import { clickPanelButton, describePanel, iterationOf, parseCaption, snapshotOf, waitForPanel, type FoundPanel } from './support/panel';
import { reverieProblems } from './support/reverie-log';
import { sleep, waitUntil } from './support/wait';

const env = e2eEnv();
let context: BrowserContext;
let page: Page;
let wb: Workbench;
/** For failure messages: an error opening a panel shows up as a notification and in the Reverie log. */
const notificationsSeen = async () =>
  `notifications ${JSON.stringify(await wb.notifications())}; Reverie log problems ${JSON.stringify(reverieProblems(env.userData))}`;

/** The feature the journey dreams: the first of examples/features.ts. */
const FEATURE = 'neuron2_17';
const FEATURE_LINE = 'objective: neuron(2, 17),';
const FRONTIER_FILE = `${FEATURE}.frontier.json`;

/** The panel shows the run Stopped, and two seconds later it still shows the same iteration. */
async function expectStoppedForGood(p: FoundPanel, after: string): Promise<void> {
  const stopped = await waitUntil('the panel to show the run Stopped', async () => {
    const s = await snapshotOf(p.frame);
    return { ok: s.state === 'stopped', seen: describePanel(s), value: s };
  }, 30_000);
  await sleep(2000);
  const later = await snapshotOf(p.frame);
  assert.equal(later.iterLabel, stopped.iterLabel, `iterations went on after ${after}: "${stopped.iterLabel}" then "${later.iterLabel}"`);
}

/** 1-based line of the first line of a workspace file containing `text`. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(join(env.workspace, file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${file} has no line containing ${JSON.stringify(text)}`);
  return i + 1;
}

/** The short run configured in the workspace copy's .vscode/settings.json (infra/workspace.mjs). */
const ITERATIONS = 20;
const POPULATION = 4;
/** The workspace copy's reverie.datasetCorpus (a few stories, written by infra/workspace.mjs). */
const DATASET_CORPUS = 'e2e-corpus.txt';

before(async () => {
  ({ context, page } = await launchBrowser(env));
  wb = new Workbench(page, env.url, env.workspace);
  await wb.open();
});

after(async () => {
  await context?.close();
});

test('dream a feature from the editor, save, reload, reopen', async (t) => {
  const j = new Journey(t, () => page, env.results);
  let live: FoundPanel | undefined;
  /** What the live panel showed when the run was done: the file, the restored panel and the saved view must agree. */
  let shown: { prompts: number; frontier: number } | null = null;

  await j.step('open features.ts', async () => {
    await wb.openFile('features.ts');
    await wb.editorLine(FEATURE_LINE).waitFor({ state: 'visible', timeout: 10_000 });
  });

  await j.step('the Dream CodeLens appears above each feature', async () => {
    const declarations = readFileSync(join(env.workspace, 'features.ts'), 'utf8').split('\n')
      .filter((l) => /^export const \w+ = defineFeature\(\{$/.test(l));
    let rendered = 0;
    for (const d of declarations) {
      if (!(await wb.editorLine(d).count())) continue; // scrolled out of view
      await wb.codeLensAbove(d, '▶ Dream');
      rendered++;
    }
    assert.ok(rendered >= 3, `expected at least 3 feature declarations on screen to check their CodeLens, saw ${rendered}`);
    // A feature file's editor title carries the Dream action too.
    await waitUntil('the editor title to offer Dream Feature', async () => {
      const actions = await wb.editorTitleActions();
      return { ok: actions.some((a) => a.includes('Dream Feature')), seen: JSON.stringify(actions) };
    }, 15_000);
  });

  await j.step('right-click inside the feature offers Reverie: Dream Feature', async () => {
    const line = wb.editorLine(FEATURE_LINE);
    // A user's click puts the cursor in the feature; the menu's `when` clause reads the context key
    // the extension sets from the cursor position.
    await line.click();
    await sleep(500);
    await line.click({ button: 'right' });
    await wb.waitContextMenuItem('Dream Feature');
  });

  await j.step('Dream Feature opens the panel and the population table fills', async () => {
    await wb.clickContextMenuItem('Dream Feature');
    await wb.waitTab(`Dream: ${FEATURE}`);
    live = await waitForPanel(page, `the panel for ${FEATURE} with ${POPULATION} population rows holding prompts and numbers`, (s) =>
      s.featureName === FEATURE && s.rows.length === POPULATION &&
      s.rows.every((r) => r.prompt.length > 0 && /\d/.test(r.feature) && /\d/.test(r.xe) && /\d/.test(r.lambda)), 60_000, notificationsSeen);
  });

  await j.step('the frontier plot shows points', async () => {
    const p = live!;
    await waitUntil('the frontier chart to draw frontier (orange) and evaluated (blue) points, with its caption counting them', async () => {
      const s = await snapshotOf(p.frame);
      const c = parseCaption(s.frontierCaption);
      const ok = !!c && c.prompts > 0 && c.frontier > 0 && !!s.pixels && s.pixels.frontier > 20 && s.pixels.cloud > 20;
      return { ok, seen: describePanel(s) };
    }, 60_000);
    // reverie.datasetCorpus is set in the workspace: its max-activating windows are listed beside the dream.
    await waitUntil(`the Dataset examples from ${DATASET_CORPUS} to be listed`, async () => {
      const s = await snapshotOf(p.frame);
      return { ok: s.dataset.rows > 0 && s.dataset.caption.startsWith(DATASET_CORPUS), seen: describePanel(s) };
    }, 60_000);
    await p.frame.locator('.frontier .chart').scrollIntoViewIfNeeded(); // for the screenshot
  });

  await j.step(`after ${ITERATIONS} iterations Save frontier writes dreams/${FRONTIER_FILE}`, async () => {
    const p = live!;
    const done = await waitUntil(`the run to finish ${ITERATIONS} iterations (state Done)`, async () => {
      const s = await snapshotOf(p.frame);
      const it = iterationOf(s.iterLabel);
      return { ok: s.state === 'done' && it?.done === ITERATIONS && it.total === ITERATIONS, seen: describePanel(s), value: s };
    }, 180_000);
    shown = parseCaption(done.frontierCaption);
    await clickPanelButton(p.frame, 'Save frontier');
    const said = new RegExp(`^Saved (\\d+) frontier points? from 1 run to dreams/${FRONTIER_FILE.replace(/\./g, '\\.')}`);
    await waitUntil(`the panel to tell where it saved (a notice matching ${said})`, async () => {
      const s = await snapshotOf(p.frame);
      return { ok: s.notices.some((n) => said.test(n)), seen: `notices ${JSON.stringify(s.notices)}` };
    }, 30_000);
  });

  await j.step('the saved file exists with valid content', async () => {
    const path = join(env.workspace, 'dreams', FRONTIER_FILE);
    assert.ok(existsSync(path), `expected ${path} after Save frontier`);
    const f = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(f.format, 'reverie.frontier');
    assert.equal(f.version, 1);
    assert.equal(f.feature?.name, FEATURE);
    assert.equal(f.feature?.kind, 'file');
    assert.equal(f.feature?.exportName, FEATURE);
    assert.equal(f.feature?.file, 'features.ts');
    assert.match(f.feature?.source ?? '', /export const neuron2_17 = defineFeature/);
    assert.equal(f.model?.id, 'stories260K');
    assert.ok(Array.isArray(f.model?.files) && f.model.files.length > 0 && f.model.files.every((x: { sha256: string }) => /^[0-9a-f]{64}$/.test(x.sha256)),
      `model.files must list the model's files with sha256s: ${JSON.stringify(f.model?.files)}`);
    assert.equal(f.runs?.length, 1, 'one run saved');
    const run = f.runs[0];
    assert.equal(run.iterationsDone, ITERATIONS);
    assert.equal(run.cancelled, false);
    assert.equal(run.seed, 0);
    assert.equal(run.config?.iterations, ITERATIONS);
    assert.equal(run.config?.population, POPULATION);
    assert.ok(run.evaluations > 0, `runs[0].evaluations = ${run.evaluations}`);
    assert.ok(run.history?.count > 0, 'the run history is saved (reverie.frontier.includeHistories defaults to true)');
    const fr = f.frontier as { ids: number[]; text: string; feature: number; xe: number; run: number }[];
    assert.ok(fr.length > 0, 'the frontier has points');
    for (const [i, pt] of fr.entries()) {
      assert.ok(Array.isArray(pt.ids) && pt.ids.length === run.config.seqLen && pt.ids.every(Number.isInteger), `frontier[${i}].ids: ${JSON.stringify(pt.ids)}`);
      assert.ok(typeof pt.text === 'string' && pt.text.length > 0, `frontier[${i}].text`);
      assert.ok(Number.isFinite(pt.feature) && Number.isFinite(pt.xe), `frontier[${i}] feature/xe must be finite: ${pt.feature}, ${pt.xe}`);
      assert.equal(pt.run, 0);
      // Non-dominated and XE ascending: each next point is less fluent, so it must have a higher feature.
      if (i > 0) assert.ok(pt.xe >= fr[i - 1].xe && pt.feature > fr[i - 1].feature, `frontier[${i - 1}..${i}] is not a Pareto frontier: ${JSON.stringify([fr[i - 1], pt])}`);
    }
    assert.ok(Array.isArray(f.dataset) && f.dataset.length > 0 && f.dataset.every((d: { source: string; ids: number[] }) =>
      d.source === DATASET_CORPUS && d.ids.length === run.config.seqLen), `the dataset baseline is saved with the frontier: ${JSON.stringify(f.dataset?.slice(0, 2))}`);
    assert.equal(fr.length, shown?.frontier, `the file's frontier (${fr.length} points) must be what the panel showed (${JSON.stringify(shown)})`);
    // The editor learns about the save: an "Open last frontier" CodeLens joins "▶ Dream".
    await wb.clickTab('features.ts');
    await wb.codeLensAbove(`export const ${FEATURE} = defineFeature({`, 'Open last frontier');
  });

  await j.step('Developer: Reload Window restores the panel', async () => {
    await wb.runCommand('Developer: Reload Window');
    await wb.waitReady();
    await wb.waitTab(`Dream: ${FEATURE}`, 60_000);
    await wb.clickTab(`Dream: ${FEATURE}`);
    live = await waitForPanel(page, `the restored panel for ${FEATURE} showing the run's ${JSON.stringify(shown)} prompts/frontier`, (s) => {
      const c = parseCaption(s.frontierCaption);
      return s.featureName === FEATURE && !!c && c.prompts === shown?.prompts && c.frontier === shown?.frontier &&
        !!s.pixels && s.pixels.frontier > 20;
    }, 90_000, notificationsSeen);
  });

  await j.step(`opening dreams/${FRONTIER_FILE} shows it in the panel`, async () => {
    await wb.openFile(FRONTIER_FILE);
    const file = JSON.parse(readFileSync(join(env.workspace, 'dreams', FRONTIER_FILE), 'utf8'));
    const best6 = Math.max(...file.frontier.filter((p: { xe: number }) => p.xe < 6).map((p: { feature: number }) => p.feature));
    assert.ok(Number.isFinite(best6), 'the saved frontier has a point at XE < 6');
    const shownNumber = (v: string | undefined) => Number((v ?? '').replace('\u2212', '-').replace('+', ''));
    // A saved run has no live statistics: the headline numbers must come from its points.
    await waitForPanel(page, `the saved frontier of ${FEATURE} (subtitle "saved run", ${file.frontier.length} points on the frontier, Best · XE < 6 ≈ ${best6.toFixed(3)})`, (s) => {
      const c = parseCaption(s.frontierCaption);
      return s.featureName === FEATURE && s.subtitle.includes('saved run') && !!c && c.frontier === file.frontier.length &&
        !!s.pixels && s.pixels.frontier > 20 &&
        Math.abs(shownNumber(s.stats['Best · XE < 6']) - best6) <= 0.01 * Math.max(1, Math.abs(best6)) && s.stats['Evaluated'] !== '—';
    }, 60_000, notificationsSeen);
  });

  await j.step('the Reverie view in the activity bar lists the feature and its saved frontier', async () => {
    await wb.runCommand('View: Show Reverie');
    const saved = FRONTIER_FILE.replace(/\.frontier\.json$/, '');
    await waitUntil(`the Features view to list ${FEATURE} and Saved Results ${saved} (frontier · dreams)`, async () => {
      const rows = await wb.sideBarRows();
      const ok = rows.some((r) => r.startsWith(FEATURE) && !r.includes('frontier ·')) && rows.some((r) => new RegExp(`^${saved}\\s*frontier · dreams`).test(r));
      return { ok, seen: JSON.stringify(rows) };
    }, 30_000);
  });
});

test('a right-click inside a feature offers Dream Feature even when the cursor was elsewhere', async (t) => {
  const j = new Journey(t, () => page, env.results);
  const target = "objective: logit(' happy'),";

  await j.step('cursor at the top of features.ts, right-click inside happyLogit', async () => {
    await wb.openFile('features.ts');
    await wb.goToLine(1);
    // No click first: VS Code moves the cursor to where the right-click lands, and the menu must
    // already know it is inside a feature.
    await wb.editorLine(target).click({ button: 'right' });
    await wb.waitContextMenuItem('Dream Feature');
  });
});

test('a feature on a layer the model does not have shows a problem at its line', async (t) => {
  const j = new Journey(t, () => page, env.results);
  const name = 'wrong-layer.ts';
  // stories260K has layers 0–4; line 6 is the objective.
  const source = [
    "import { defineFeature, neuron } from 'reverie';",
    '',
    '/** Layer 7 does not exist in stories260K (layers 0–4). */',
    'export const wrongLayer = defineFeature({',
    "  model: 'stories260K',",
    '  objective: neuron(7, 0),',
    '});',
    '',
  ].join('\n');
  const line = 6;
  const column = 14; // where neuron(7, 0) starts

  await j.step(`open ${name} with neuron(7, 0)`, async () => {
    writeFileSync(join(env.workspace, name), source);
    await wb.openFile(name);
  });

  await j.step(`the Problems view lists the layer error at line ${line}`, async () => {
    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await waitUntil(`a Reverie problem in ${name} at [Ln ${line}, Col ${column}] that names layer 7`, async () => {
      const rows = await wb.problemAriaLabels();
      const text = await wb.problemRows();
      const hit = text.some((r) => /layer 7/i.test(r) && r.includes('reverie') && r.includes(`[Ln ${line}, Col ${column}]`));
      return { ok: hit, seen: `Problems rows ${JSON.stringify(text)} (aria ${JSON.stringify(rows)})` };
    }, 60_000);
  });
});

test('a running dream can be cancelled from its notification and stopped from the panel', async (t) => {
  const j = new Journey(t, () => page, env.results);
  const feature = 'happyLogit';
  let p: FoundPanel | undefined;

  await j.step(`a long run of ${feature} from its CodeLens`, async () => {
    // Long enough that it is still running when cancelled.
    const settingsPath = join(env.workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
    writeFileSync(settingsPath, JSON.stringify({ ...settings, 'reverie.epo.iterations': 100_000 }, null, 2));
    await sleep(1500); // the configuration watcher picks the file up
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('features.ts');
    const declaration = `export const ${feature} = defineFeature({`;
    await wb.goToLine(lineOf('features.ts', declaration));
    const lens = await wb.codeLensAbove(declaration, '▶ Dream');
    await lens.click();
    await wb.waitTab(`Dream: ${feature}`);
    p = await waitForPanel(page, `a running panel for ${feature} past its first iterations of 100,000`, (s) => {
      const it = iterationOf(s.iterLabel);
      return s.featureName === feature && s.state === 'running' && !!it && it.total === 100_000 && it.done >= 2;
    }, 90_000, notificationsSeen);
    await wb.waitNotification(`Reverie: dreaming ${feature}`);
    // The status bar says where the run is while it goes.
    await wb.waitStatusBarItem(new RegExp(`Reverie: ${feature} \\d+/100000 · f@XE<4`));
  });

  await j.step("the progress notification's Cancel stops the run", async () => {
    await wb.clickNotificationButton(`Reverie: dreaming ${feature}`, 'Cancel');
    await expectStoppedForGood(p!, 'Cancel');
    await wb.waitStatusBarItem(/Reverie: /, false);
    const left = await wb.notifications();
    assert.ok(!left.some((m) => m.includes(`dreaming ${feature}`)), `the progress notification must end with the run: ${JSON.stringify(left)}`);
  });

  await j.step("Run again, then the panel's Stop stops it", async () => {
    await clickPanelButton(p!.frame, 'Run again');
    await waitUntil('the run to be running again', async () => {
      const s = await snapshotOf(p!.frame);
      const it = iterationOf(s.iterLabel);
      return { ok: s.state === 'running' && !!it && it.done >= 1, seen: describePanel(s) };
    }, 60_000);
    await clickPanelButton(p!.frame, 'Stop');
    await expectStoppedForGood(p!, 'Stop');
  });
});
