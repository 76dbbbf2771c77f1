import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { resolveHubModel, resolveModelRef, ResolveOptions, DownloadProgress } from '../../src/engine/hub/resolve';
import { readHfConfig } from '../../src/engine/models/hf-config';
import { loadSafetensorsFolder, readSafetensorsFile } from '../../src/engine/models/safetensors';
import { HfTokenizer } from '../../src/engine/tokenizers/hf-tokenizer';
import { FixtureRepo, HubServer, HubServerOptions, startHubServer } from '../helpers/hub-server';

const TINY = '/work/shared/models/tinystories-656k';
const WEIGHTS_SHA256 = '187d0d5e8360d9625e40e0b35ec57d1ef0eea1a60ddcf09412246bed3484852f'; // from models/README.md
const WEIGHTS_BYTES = 2626168;
const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const REPO: FixtureRepo = { id: 'test-org/tinystories-656k', dir: TINY, commit: COMMIT };

/** Runs `fn` with a fresh cache folder and a fixture Hub; both are always cleaned up. */
async function withHub(opts: HubServerOptions, fn: (hub: HubServer, cacheDir: string, o: ResolveOptions) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reverie-dl-'));
  const hub = await startHubServer(opts);
  try {
    await fn(hub, join(dir, 'hub'), { cacheDir: join(dir, 'hub'), endpoint: hub.endpoint, allowDownload: true, env: {} });
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('download into the Hugging Face cache layout, load it, then reuse it without the network', async (t) => {
  await withHub({ repos: [REPO] }, async (hub, cacheDir, o) => {
    const progress: DownloadProgress[] = [];
    const t0 = performance.now();
    const dir = await resolveModelRef('test-org/tinystories-656k', { ...o, onProgress: (p) => progress.push(p) });
    const ms = performance.now() - t0;
    t.diagnostic(`download of 5 files (${(WEIGHTS_BYTES / 2 ** 20).toFixed(2)} MiB of weights): ${ms.toFixed(0)} ms, ${(WEIGHTS_BYTES / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s`);

    const root = join(cacheDir, 'models--test-org--tinystories-656k');
    assert.equal(dir, join(root, 'snapshots', COMMIT));
    assert.equal(readFileSync(join(root, 'refs', 'main'), 'utf8'), COMMIT);
    assert.equal(sha256(join(dir, 'model.safetensors')), WEIGHTS_SHA256);
    assert.ok(lstatSync(join(dir, 'model.safetensors')).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, 'model.safetensors')), `../../blobs/${WEIGHTS_SHA256}`);
    const configEtag = createHash('sha1').update(`blob ${readFileSync(join(TINY, 'config.json')).length}\0`).update(readFileSync(join(TINY, 'config.json'))).digest('hex');
    assert.equal(readlinkSync(join(dir, 'config.json')), `../../blobs/${configEtag}`);
    assert.ok(!existsSync(join(dir, 'generation_config.json')), 'only the files Reverie needs are fetched');

    const config = await readHfConfig(dir);
    assert.equal(config.family === 'llama' && config.hiddenSize, 128);
    const t1 = performance.now();
    const { weights } = await loadSafetensorsFolder(dir);
    t.diagnostic(`safetensors load from the cache: ${(performance.now() - t1).toFixed(0)} ms`);
    assert.equal(weights.size, 21);
    assert.equal((await HfTokenizer.load(dir)).bosId, 1);

    const last = progress.filter((p) => p.file === 'model.safetensors').at(-1)!;
    assert.deepEqual(last, { file: 'model.safetensors', done: WEIGHTS_BYTES, total: WEIGHTS_BYTES });
    assert.ok(hub.requests.every((r) => r.authorization === undefined), 'no token, no Authorization header');
    assert.deepEqual(hub.requests.filter((r) => r.method === 'GET').map((r) => r.path).sort(),
      ['/cdn/' + WEIGHTS_SHA256, '/test-org/tinystories-656k/resolve/main/config.json',
        ...['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => `/test-org/tinystories-656k/resolve/${COMMIT}/${f}`)].sort(),
      'after the first file, every request is pinned to the commit');

    const before = hub.requests.length;
    assert.equal(await resolveModelRef('test-org/tinystories-656k', o), dir);
    assert.equal(await resolveModelRef(`test-org/tinystories-656k@${COMMIT}`, { ...o, allowDownload: false }), dir);
    assert.equal(hub.requests.length, before, 'a cached model makes no requests');
  });
});

test('an interrupted transfer resumes with a Range request (absolute CDN redirects)', async () => {
  await withHub({ repos: [REPO], cutFirstTransferOf: 'model.safetensors', absoluteRedirects: true }, async (hub, _cacheDir, o) => {
    const dir = await resolveModelRef('test-org/tinystories-656k', o);
    assert.equal(sha256(join(dir, 'model.safetensors')), WEIGHTS_SHA256);
    const cdn = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
    assert.equal(cdn.length, 2);
    assert.equal(cdn[0].range, undefined);
    const from = Number(/^bytes=(\d+)-$/.exec(cdn[1].range ?? '')?.[1]);
    assert.ok(from > 0 && from <= WEIGHTS_BYTES / 2, `resumed from ${cdn[1].range}`);
    assert.equal(cdn[1].status, 206);
  });
});

test('a partial file left by an earlier run is resumed; a server ignoring Range restarts cleanly', async () => {
  const bytes = readFileSync(join(TINY, 'model.safetensors'));
  await withHub({ repos: [REPO] }, async (hub, cacheDir, o) => {
    const blobs = join(cacheDir, 'models--test-org--tinystories-656k', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${WEIGHTS_SHA256}.incomplete`), bytes.subarray(0, 1_000_000));
    const dir = await resolveModelRef('test-org/tinystories-656k', o);
    assert.equal(sha256(join(dir, 'model.safetensors')), WEIGHTS_SHA256);
    assert.deepEqual(hub.requests.filter((r) => r.path.startsWith('/cdn/')).map((r) => [r.range, r.status]), [['bytes=1000000-', 206]]);
    assert.ok(!existsSync(join(blobs, `${WEIGHTS_SHA256}.incomplete`)));
  });
  await withHub({ repos: [REPO], ignoreRange: true }, async (hub, cacheDir, o) => {
    const blobs = join(cacheDir, 'models--test-org--tinystories-656k', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${WEIGHTS_SHA256}.incomplete`), Buffer.alloc(1_000_000, 0xab));
    const dir = await resolveModelRef('test-org/tinystories-656k', o);
    assert.equal(sha256(join(dir, 'model.safetensors')), WEIGHTS_SHA256);
    assert.deepEqual(hub.requests.filter((r) => r.path.startsWith('/cdn/')).map((r) => [r.range, r.status]), [['bytes=1000000-', 200]]);
  });
});

test('optional files the repository lacks are remembered in .no_exist; sharded weights are fetched via the index', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reverie-shards-'));
  try {
    // A sharded copy of the real model, served without special_tokens_map.json.
    const { weights } = await readSafetensorsFile(join(TINY, 'model.safetensors'));
    const names = [...weights.keys()];
    const weightMap: Record<string, string> = {};
    for (const [i, part] of [names.slice(0, 10), names.slice(10)].entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      const header: Record<string, unknown> = {};
      let pos = 0;
      for (const n of part) {
        const w = weights.get(n)!;
        header[n] = { dtype: 'F32', shape: w.shape, data_offsets: [pos, pos + w.data.byteLength] };
        pos += w.data.byteLength;
        weightMap[n] = file;
      }
      const json = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      writeFileSync(join(dir, file), Buffer.concat([len, json, ...part.map((n) => Buffer.from(weights.get(n)!.data.buffer))]));
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) writeFileSync(join(dir, f), readFileSync(join(TINY, f)));

    await withHub({ repos: [{ id: 'org/sharded', dir, commit: COMMIT }] }, async (hub, cacheDir, o) => {
      const res = await resolveHubModel('org/sharded', 'main', o);
      assert.deepEqual(res.downloaded, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors.index.json',
        'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
      const root = join(cacheDir, 'models--org--sharded');
      assert.ok(existsSync(join(root, '.no_exist', COMMIT, 'special_tokens_map.json')));
      assert.ok(existsSync(join(root, '.no_exist', COMMIT, 'model.safetensors')));
      const loaded = await loadSafetensorsFolder(res.dir);
      assert.equal(loaded.weights.size, 20); // this copy has no tied-alias metadata
      assert.deepEqual(loaded.weights.get('model.norm.weight')!.data, weights.get('model.norm.weight')!.data);
      const before = hub.requests.length;
      assert.deepEqual((await resolveHubModel('org/sharded', 'main', o)).downloaded, []);
      assert.equal(hub.requests.length, before, 'known-missing files are not asked for again');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('downloads by commit, and clear errors for missing repos, revisions and files', async () => {
  const noWeights: FixtureRepo = { id: 'org/no-weights', dir: TINY, commit: COMMIT, files: ['config.json', 'tokenizer.json'] };
  const noTokenizer: FixtureRepo = { id: 'org/no-tokenizer', dir: TINY, commit: COMMIT, files: ['config.json', 'model.safetensors'] };
  await withHub({ repos: [REPO, noWeights, noTokenizer] }, async (hub, cacheDir, o) => {
    const dir = await resolveModelRef(`test-org/tinystories-656k@${COMMIT}`, o);
    assert.equal(dir, join(cacheDir, 'models--test-org--tinystories-656k', 'snapshots', COMMIT));
    assert.ok(!existsSync(join(cacheDir, 'models--test-org--tinystories-656k', 'refs', 'main')), 'a commit download writes no branch ref');
    assert.ok(hub.requests.every((r) => !r.path.includes('/resolve/main/')));

    await assert.rejects(resolveModelRef('test-org/missing', o), /Repository test-org\/missing was not found on http:\/\/127\.0\.0\.1:\d+/);
    await assert.rejects(resolveModelRef('test-org/tinystories-656k@v9', o), /Revision 'v9' was not found in test-org\/tinystories-656k/);
    await assert.rejects(resolveModelRef('org/no-tokenizer', o), /org\/no-tokenizer@main has no file 'tokenizer\.json'/);
    await assert.rejects(resolveModelRef('org/no-weights', o), /org\/no-weights@main has neither model\.safetensors nor model\.safetensors\.index\.json: only safetensors/);
    await assert.rejects(resolveModelRef('test-org/other', { ...o, allowDownload: false }),
      /test-org\/other@main is not in the Hugging Face cache .*Downloads are disabled/);
  });
});

test('gated repositories need HF_TOKEN; unreachable hosts say how to work offline', async () => {
  await withHub({ repos: [{ ...REPO, id: 'org/gated', gated: true }], token: 'hf_secret' }, async (hub, _cacheDir, o) => {
    await assert.rejects(resolveModelRef('org/gated', o), /Access to org\/gated was refused \(HTTP 401\): the repository is gated\. Set HF_TOKEN to a Hugging Face access token/);
    await assert.rejects(resolveModelRef('org/gated', { ...o, env: { HF_TOKEN: 'hf_wrong' } }), /the token in HF_TOKEN has no access to it/);
    const dir = await resolveModelRef('org/gated', { ...o, env: { HF_TOKEN: 'hf_secret' } });
    assert.equal(sha256(join(dir, 'model.safetensors')), WEIGHTS_SHA256);
    assert.ok(hub.requests.filter((r) => r.path.includes('/resolve/')).at(-1)!.authorization === 'Bearer hf_secret');
  });
  const dir = mkdtempSync(join(tmpdir(), 'reverie-dl-'));
  try {
    // A port that was just free: nothing listens there, so the connection is refused at once.
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', () => ok()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((ok) => probe.close(ok));
    await assert.rejects(resolveModelRef('org/name', { cacheDir: dir, allowDownload: true, endpoint: `http://127.0.0.1:${port}`, env: {} }),
      new RegExp(`Could not reach http://127\\.0\\.0\\.1:${port} to download org/name \\(ECONNREFUSED\\)\\. .*disable downloads and use a model that is already in the Hugging Face cache`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
