// Prepares what scripts/gpu-bench.sh needs on the GPU machine (the device tool's), which has no
// Node and reaches no registry. Everything goes into two folders git ignores (.git/info/exclude):
//   .gpu/  node.xz (this Node), ort.tar.xz (onnxruntime-node's JS with its linux-x64 binaries, and
//          onnxruntime-common), bench.js (the benchmark bundle)
//   .gl/   Debian's Vulkan loader (libvulkan1), which Dawn, ORT's WebGPU provider, needs there
// What travels is capped at 64 MiB with the tracked files, so the big pieces are xz-compressed.
// Usage: npm run gpu:prepare; then the device call in docs/performance.md ("On a GPU").
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const gpu = join(root, '.gpu'), gl = join(root, '.gl');
const MiB = 2 ** 20;
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });

const exclude = join(root, '.git', 'info', 'exclude');
const excluded = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
for (const line of ['/.gpu/', '/.gl/']) if (!excluded.split('\n').includes(line)) appendFileSync(exclude, `${line}\n`);

rmSync(gpu, { recursive: true, force: true });
mkdirSync(gpu, { recursive: true });
sh(process.execPath, [join(root, 'scripts', 'build.mjs'), '--only=bench'], { stdio: 'inherit' });
copyFileSync(join(root, 'dist', 'bench.js'), join(gpu, 'bench.js'));
writeFileSync(join(gpu, 'node.xz'), sh('xz', ['-9', '-T0', '-c', process.execPath], { maxBuffer: 512 * MiB }));
const ortFiles = ['node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64', 'node_modules/onnxruntime-common'];
sh('tar', ['-cJf', join(gpu, 'ort.tar.xz'), ...ortFiles], { cwd: root });

if (!existsSync(gl) || !readdirSync(gl).some((f) => f.startsWith('libvulkan1'))) {
  mkdirSync(gl, { recursive: true });
  const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/amd64'];
  mkdirSync('/tmp/amd64/partial', { recursive: true });
  try {
    sh('apt-get', [...apt, 'update'], { stdio: 'ignore' });
    sh('apt-get', [...apt, 'download', 'libvulkan1'], { cwd: gl, stdio: 'ignore' });
  } catch (e) {
    console.error(`could not download libvulkan1 into .gl (${e.message.split('\n')[0]}); the GPU machine may have its own loader`);
  }
}

const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size);
const tracked = sh('git', ['ls-files', '-z'], { cwd: root }).toString().split('\0').filter(Boolean).reduce((s, f) => s + (existsSync(join(root, f)) ? statSync(join(root, f)).size : 0), 0);
const carried = size(gpu) + (existsSync(gl) ? size(gl) : 0);
console.log(`.gpu ${(size(gpu) / MiB).toFixed(1)} MiB, .gl ${existsSync(gl) ? (size(gl) / MiB).toFixed(1) : 0} MiB; with the tracked files ${((tracked + carried) / MiB).toFixed(1)} MiB of the 64 MiB a device call carries`);
if (tracked + carried > 64 * MiB) process.exitCode = 1;
