/**
 * scripts/install-gpu.mjs fails with one clear message when NuGet cannot be reached. The network
 * is made unreachable on purpose (a proxy on a closed local port), so the test never downloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cudaProviderLibrary } from '../../src/engine/runtime/ort';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

test('gpu:install without network explains the failure and changes nothing', { skip: (!linuxX64 || existsSync(cudaProviderLibrary())) && 'not linux/x64, or CUDA already installed' }, () => {
  const dead = 'http://127.0.0.1:9';
  const r = spawnSync(process.execPath, ['scripts/install-gpu.mjs'], {
    encoding: 'utf8',
    env: { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: dead, GLOBAL_AGENT_HTTP_PROXY: dead },
    timeout: 60_000,
  });
  assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
  assert.match(r.stdout, /downloading the CUDA 12 provider for onnxruntime-node/);
  assert.match(r.stderr, /^gpu:install: could not download the CUDA provider from https:\/\/api\.nuget\.org \(.*ECONNREFUSED/m);
  assert.match(r.stderr, /npm run gpu:install/);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one message only, got:\n${r.stderr}`);
  assert.equal(existsSync(cudaProviderLibrary()), false);
});

test('gpu:install on a platform without CUDA builds says so', { skip: linuxX64 && 'this is linux/x64' }, () => {
  const r = spawnSync(process.execPath, ['scripts/install-gpu.mjs'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /CUDA only on linux\/x64/);
});
