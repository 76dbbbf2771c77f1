// The folders of one run: a temporary root holding code-server's user data and extensions, the
// browser profile, and a COPY of examples/ (the journey writes dreams/ and a broken feature file
// into it), plus the artifacts folder under test-results/e2e.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A short run so the journey takes seconds: 20 iterations of a small population. Checkpoints every
 * 5 iterations so a reload finds one. The journey reads these numbers back from the saved file.
 */
export const EPO_SETTINGS = {
  'reverie.epo.iterations': 20,
  'reverie.epo.population': 4,
  'reverie.epo.childrenPerMember': 16,
  'reverie.epo.topK': 64,
  'reverie.epo.restartEvery': 10,
  'reverie.epo.seed': 0,
  'reverie.epo.checkpointEvery': 5,
  'reverie.threads': 1,
};

/** A quiet, offline workbench: no welcome page, no AI side bar, no update checks or downloads. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'window.restoreWindows': 'all',
};

/** The workspace's `reverie.datasetCorpus`, relative to the workspace folder. */
export const DATASET_CORPUS = 'e2e-corpus.txt';

const json = (v) => JSON.stringify(v, null, 2) + '\n';

export function prepareRun(repoRoot, resultsDir) {
  const root = mkdtempSync(join(tmpdir(), 'reverie-e2e-'));
  const dirs = {
    root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    xdgConfig: join(root, 'xdg-config'),
    chromiumProfile: join(root, 'chromium-profile'),
    workspace: join(root, 'workspace'),
    results: resultsDir,
    logs: join(resultsDir, 'logs'),
  };
  rmSync(resultsDir, { recursive: true, force: true });
  for (const d of [dirs.userData, dirs.extensions, dirs.xdgConfig, dirs.chromiumProfile, dirs.logs]) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), json(USER_SETTINGS));
  cpSync(join(repoRoot, 'examples'), dirs.workspace, { recursive: true });
  // A dreams/ folder already in examples/ would make "the save created the file" prove nothing.
  rmSync(join(dirs.workspace, 'dreams'), { recursive: true, force: true });
  mkdirSync(join(dirs.workspace, '.vscode'), { recursive: true });
  // The dataset baseline: a few of the bundled model's own stories, so the scan beside the dream takes a second.
  const stories = readFileSync(join(repoRoot, 'examples', 'corpus', 'stories260k-samples.txt'), 'utf8').split('\n\n').slice(0, 12);
  writeFileSync(join(dirs.workspace, DATASET_CORPUS), `${stories.join('\n\n')}\n`);
  writeFileSync(join(dirs.workspace, '.vscode', 'settings.json'), json({ ...EPO_SETTINGS, 'reverie.datasetCorpus': DATASET_CORPUS }));
  return dirs;
}

export function removeRun(dirs) {
  rmSync(dirs.root, { recursive: true, force: true });
}
