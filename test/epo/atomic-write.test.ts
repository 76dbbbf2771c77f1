/** writeFileAtomic and checkWritable: what is at the path is respected, not replaced blindly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWritable, writeFileAtomic } from '../../src/engine/epo/atomic-write';

const dir = mkdtempSync(join(tmpdir(), 'reverie-atomic-'));

test('a symbolic link is written through: the target gets the data, the link stays a link', async () => {
  const target = join(dir, 'target.json');
  writeFileSync(target, 'old');
  const link = join(dir, 'link.json');
  symlinkSync('target.json', link);
  await writeFileAtomic(link, 'new');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'new');
  // A dangling link creates its target.
  const dangling = join(dir, 'dangling.json');
  symlinkSync(join(dir, 'sub', 'made.json'), dangling);
  await writeFileAtomic(dangling, 'made');
  assert.ok(lstatSync(dangling).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'sub', 'made.json'), 'utf8'), 'made');
});

test('the new file keeps the old one\'s permissions', async () => {
  const p = join(dir, 'private.json');
  writeFileSync(p, 'secret');
  chmodSync(p, 0o600);
  await writeFileAtomic(p, 'still secret');
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.equal(readFileSync(p, 'utf8'), 'still secret');
});

test('a FIFO, a folder or a link to one is refused, never opened or replaced', { timeout: 10_000 }, async () => {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(writeFileAtomic(fifo, 'x'), /pipe is a FIFO \(named pipe\), not a regular file; refusing to replace it/);
  await assert.rejects(checkWritable(fifo), /cannot write .*pipe: .*is a FIFO/);
  assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
  const linkToFifo = join(dir, 'pipe-link');
  symlinkSync(fifo, linkToFifo);
  await assert.rejects(writeFileAtomic(linkToFifo, 'x'), /is a FIFO/);
  const folder = join(dir, 'folder.json');
  mkdirSync(folder);
  await assert.rejects(writeFileAtomic(folder, 'x'), /folder\.json is a folder, not a regular file/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');
});

test('checkWritable finds, before any work, a folder path through a file', async () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  await assert.rejects(checkWritable(join(file, 'run.json')), /cannot write .*plain-file\/run\.json: a part of its folder path is a file/);
  await checkWritable(join(dir, 'new', 'deeper', 'run.json')); // folders are made
  assert.deepEqual(readdirSync(join(dir, 'new', 'deeper')), [], 'the probe file is removed');
});
