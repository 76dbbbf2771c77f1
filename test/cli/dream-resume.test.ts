/** `reverie dream --resume` continues only the run it was given: same model files, same feature, sane counters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-run';

const dir = mkdtempSync(join(tmpdir(), 'reverie-dream-resume-'));
const SMALL = ['--iterations', '4', '--population', '4', '--children', '8', '--threads', '1', '-q'];

async function firstRun(name: string): Promise<string> {
  const out = join(dir, name);
  const r = await runCli(['dream', '--neuron', '2.17', ...SMALL, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('resuming with a model of the same shape and tokenizer but other weights is refused, naming both', async () => {
  const out = await firstRun('a.json');
  // stories260K with one weight changed: same name, same tokenizer, same shapes.
  const other = join(dir, 'stories260K-retrained');
  mkdirSync(other);
  const bin = readFileSync('media/models/stories260K/stories260K.bin');
  bin.writeFloatLE(bin.readFloatLE(bin.length - 4) + 0.5, bin.length - 4);
  writeFileSync(join(other, 'stories260K.bin'), bin);
  copyFileSync('media/models/stories260K/tok512.bin', join(other, 'tok512.bin'));
  const before = readFileSync(out, 'utf8');
  const r = await runCli(['dream', '--neuron', '2.17', '--resume', out, '--model', other, '--iterations', '8', '--threads', '1', '-q']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a\.json was made with model stories260K \(stories260K\.bin [0-9a-f]{12}, tok512\.bin [0-9a-f]{12}\), but .*stories260K-retrained has other files .*Start a new run/);
  assert.equal(readFileSync(out, 'utf8'), before, 'the run file is untouched');
});

test('a run file whose resume counter is damaged is refused, naming the field', async () => {
  const out = await firstRun('b.json');
  const run = JSON.parse(readFileSync(out, 'utf8'));
  // A finished run extended by --iterations resumes: with nextIteration past its own iterations it must not.
  run.resume.nextIteration = 1_000_000;
  writeFileSync(out, JSON.stringify(run));
  const r = await runCli(['dream', '--neuron', '2.17', '--resume', out, '--iterations', '8', '--threads', '1', '-q']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nextIteration.*1000000/);
  run.resume.nextIteration = 1; // behind the iterations its history already holds
  writeFileSync(out, JSON.stringify(run));
  const r2 = await runCli(['dream', '--neuron', '2.17', '--resume', out, '--iterations', '8', '--threads', '1', '-q']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /nextIteration/);
});
