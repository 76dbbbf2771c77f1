import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandHome, hubCacheDir } from '../../src/engine/hub/cache-layout';
import { parseModelRef, resolveModelRef } from '../../src/engine/hub/resolve';
import { readHfConfig } from '../../src/engine/models/hf-config';
import { loadSafetensorsFolder } from '../../src/engine/models/safetensors';
import { HfTokenizer } from '../../src/engine/tokenizers/hf-tokenizer';

const TINY = '/work/shared/models/tinystories-656k';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'model.safetensors'];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'reverie-hub-'));
}

/** The layout huggingface_hub writes: blobs named by ETag, relative symlinks from the snapshot, refs/main. */
function pythonStyleCache(cacheDir: string, repoId: string, files = FILES): string {
  const root = join(cacheDir, `models--${repoId.replace('/', '--')}`);
  const snapshot = join(root, 'snapshots', COMMIT);
  mkdirSync(join(root, 'blobs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(root, 'refs'), { recursive: true });
  for (const f of files) {
    const bytes = readFileSync(join(TINY, f));
    const etag = f.endsWith('.safetensors')
      ? createHash('sha256').update(bytes).digest('hex')
      : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    writeFileSync(join(root, 'blobs', etag), bytes);
    symlinkSync(`../../blobs/${etag}`, join(snapshot, f));
  }
  writeFileSync(join(root, 'refs', 'main'), COMMIT);
  return snapshot;
}

test('references: paths versus Hub ids', () => {
  assert.deepEqual(parseModelRef('EleutherAI/pythia-70m', '/w'), { kind: 'hub', repoId: 'EleutherAI/pythia-70m', revision: 'main' });
  assert.deepEqual(parseModelRef('org/name@v1.0', '/w'), { kind: 'hub', repoId: 'org/name', revision: 'v1.0' });
  assert.deepEqual(parseModelRef(`org/name@${COMMIT}`, '/w'), { kind: 'hub', repoId: 'org/name', revision: COMMIT });
  assert.deepEqual(parseModelRef('./org/name', '/w'), { kind: 'path', path: '/w/org/name' });
  assert.deepEqual(parseModelRef('/models/x', '/w'), { kind: 'path', path: '/models/x' });
  assert.deepEqual(parseModelRef('a/b/c', '/w'), { kind: 'path', path: '/w/a/b/c' });
  assert.deepEqual(parseModelRef('model.bin', '/w'), { kind: 'path', path: '/w/model.bin' });
  assert.deepEqual(parseModelRef('~/m', '/w'), { kind: 'path', path: join(homedir(), 'm') });
  assert.throws(() => parseModelRef('org/name@../../etc', '/w'), /invalid revision/);
  assert.equal(expandHome('~/x/y', '/home/u'), '/home/u/x/y');
  assert.equal(expandHome('~', '/home/u'), '/home/u');
  assert.equal(expandHome('a/~/b', '/home/u'), 'a/~/b');
});

test('cache folder: option, then HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, ~/.cache', () => {
  assert.equal(hubCacheDir('/c', { HF_HUB_CACHE: '/h' }), '/c');
  assert.equal(hubCacheDir(undefined, { HF_HUB_CACHE: '/h', HF_HOME: '/home' }), '/h');
  assert.equal(hubCacheDir(undefined, { HF_HOME: '/home' }), '/home/hub');
  assert.equal(hubCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' }), '/xdg/huggingface/hub');
  assert.equal(hubCacheDir(undefined, {}), join(homedir(), '.cache', 'huggingface', 'hub'));
});

test('filesystem paths are returned when they exist, with an error naming them when not', async () => {
  const dir = tmp();
  try {
    mkdirSync(join(dir, 'org', 'name'), { recursive: true });
    writeFileSync(join(dir, 'model.bin'), '');
    assert.equal(await resolveModelRef(TINY), TINY);
    assert.equal(await resolveModelRef('model.bin', { cwd: dir }), join(dir, 'model.bin'));
    // A folder spelled like a Hub id wins over the Hub (as in transformers).
    assert.equal(await resolveModelRef('org/name', { cwd: dir, cacheDir: join(dir, 'cache') }), join(dir, 'org', 'name'));
    await assert.rejects(resolveModelRef('./missing-model', { cwd: dir }), new RegExp(`Model not found: ${dir}/missing-model does not exist\\.$`));
    await assert.rejects(resolveModelRef('gpt2', { cwd: dir }), /gpt2 does not exist \(a Hugging Face model id has the form org\/name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache written by Python (symlinks into blobs/) is used offline, by branch or by commit', async () => {
  const dir = tmp();
  try {
    const cacheDir = join(dir, 'hub');
    const snapshot = pythonStyleCache(cacheDir, 'raincandy-u/TinyStories-656K');
    const env = { HF_HOME: dir };
    assert.equal(await resolveModelRef('raincandy-u/TinyStories-656K', { env }), snapshot);
    assert.equal(await resolveModelRef(`raincandy-u/TinyStories-656K@${COMMIT}`, { cacheDir }), snapshot);
    const config = await readHfConfig(snapshot);
    assert.equal(config.family, 'llama');
    const { weights } = await loadSafetensorsFolder(snapshot);
    assert.equal(weights.size, 21);
    const tok = await HfTokenizer.load(snapshot);
    assert.equal(tok.addsBos, true);
    assert.deepEqual(tok.encode('Once upon a time'), (await HfTokenizer.load(TINY)).encode('Once upon a time'));
    await assert.rejects(resolveModelRef('raincandy-u/TinyStories-656K@v2', { cacheDir }),
      /raincandy-u\/TinyStories-656K@v2 is not in the Hugging Face cache at .*models--raincandy-u--TinyStories-656K \(no snapshot for revision 'v2'\)\. Downloads are disabled: allow them \(the CLI option --allow-download/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('offline errors list what the cached snapshot lacks (a dangling link counts as missing)', async () => {
  const dir = tmp();
  try {
    const snapshot = pythonStyleCache(dir, 'org/partial', ['config.json', 'tokenizer.json', 'model.safetensors']);
    // Optional tokenizer files may be absent offline.
    assert.equal(await resolveModelRef('org/partial', { cacheDir: dir }), snapshot);
    rmSync(join(dir, 'models--org--partial', 'blobs'), { recursive: true });
    mkdirSync(join(dir, 'models--org--partial', 'blobs'));
    await assert.rejects(resolveModelRef('org/partial', { cacheDir: dir, offlineHint: 'pass --yes' }),
      /not in the Hugging Face cache .*\(missing config\.json, tokenizer\.json, model\.safetensors \(or model\.safetensors\.index\.json and its shards\)\)\. Downloads are disabled: pass --yes/);
    await assert.rejects(resolveModelRef('org/absent', { cacheDir: dir }), /org\/absent@main is not in the Hugging Face cache/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
