// Opt-in CUDA support: `npm run gpu:install` (or `node scripts/install-gpu.mjs [--force]`).
//
// onnxruntime-node's Linux x64 binary can run on CUDA 12, but its CUDA provider libraries
// (libonnxruntime_providers_cuda.so, _shared.so, _tensorrt.so) are too large for npm. Its own
// postinstall script (node_modules/onnxruntime-node/script/install.js) downloads them from NuGet
// (package Microsoft.ML.OnnxRuntime.Gpu.Linux, same version as onnxruntime-node, from
// https://api.nuget.org) into node_modules/onnxruntime-node/bin/napi-v6/linux/x64/. This project's
// .npmrc sets `onnxruntime-node-install=skip` so that installs work offline; this script re-runs
// that install script with ONNXRUNTIME_NODE_INSTALL=true, which forces the download of the extra
// files for this platform (on linux/x64 exactly the CUDA 12 manifest). Not `=cuda12`: in 1.30 the
// script's parseInstallFlag drops named values (no `return flag`), so 'cuda12' acts like "unset",
// which downloads only outside a local `npm run` and is skipped under it.
//
// Environment: ONNXRUNTIME_NODE_INSTALL=true is set here (and npm's
// npm_config_onnxruntime_node_install=skip from .npmrc removed). Behind a proxy, set
// GLOBAL_AGENT_HTTPS_PROXY (the install script uses global-agent); HTTPS_PROXY is copied to it
// when only that is set. At run time the CUDA provider also needs an NVIDIA driver, the CUDA 12
// runtime and cuDNN 9 libraries on the library path (LD_LIBRARY_PATH).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'];
const NETWORK_ERRORS = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|Failed to download|HTTP status code/;
const TIMEOUT_MS = 20 * 60 * 1000;

function fail(message) {
  console.error(`gpu:install: ${message}`);
  process.exit(1);
}

const platform = `${process.platform}/${process.arch}`;
if (platform !== 'linux/x64') {
  fail(`onnxruntime-node provides CUDA only on linux/x64; this is ${platform}. Reverie runs on the CPU here.`);
}

const require = createRequire(import.meta.url);
let root;
try {
  root = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  fail('onnxruntime-node is not installed; run `npm install` first.');
}
const { version } = require(join(root, 'package.json'));
const installScript = join(root, 'script', 'install.js');
if (!existsSync(installScript)) fail(`${installScript} is missing; reinstall onnxruntime-node (npm install).`);
const binDir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
const installed = () => LIBS.every((f) => existsSync(join(binDir, f)));

if (installed() && !process.argv.includes('--force')) {
  console.log(`gpu:install: the CUDA provider for onnxruntime-node ${version} is already installed in ${binDir} (use --force to download it again).`);
  process.exit(0);
}

const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'true' };
delete env.npm_config_onnxruntime_node_install;
delete env.ONNXRUNTIME_NODE_INSTALL_CUDA;
if (!env.GLOBAL_AGENT_HTTPS_PROXY && (env.HTTPS_PROXY || env.https_proxy)) env.GLOBAL_AGENT_HTTPS_PROXY = env.HTTPS_PROXY || env.https_proxy;

console.log(`gpu:install: downloading the CUDA 12 provider for onnxruntime-node ${version} (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux ${version}, a few hundred MB)...`);
const child = spawn(process.execPath, [installScript], { cwd: root, env, stdio: ['ignore', 'inherit', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk) => { stderr += chunk; }); // shown below, unless the cause is only the network
const timer = setTimeout(() => {
  child.kill();
  fail(`the download did not finish in ${TIMEOUT_MS / 60000} minutes; check the network and try again.`);
}, TIMEOUT_MS);
child.on('error', (e) => fail(`could not start ${installScript}: ${e.message}`));
child.on('close', (code) => {
  clearTimeout(timer);
  if (code === 0 && installed()) {
    console.log(`gpu:install: done. The CUDA provider is in ${binDir}.`);
    console.log('It needs an NVIDIA driver, the CUDA 12 runtime and cuDNN 9 on the library path (LD_LIBRARY_PATH).');
    console.log('Choose it with the setting "reverie.executionProvider": "cuda" or the CLI option --provider cuda;');
    console.log('if it cannot load, Reverie says so once and runs on the CPU.');
    process.exit(0);
  }
  if (NETWORK_ERRORS.test(stderr)) {
    const cause = stderr.split('\n').find((l) => NETWORK_ERRORS.test(l))?.trim();
    fail(`could not download the CUDA provider from https://api.nuget.org (${cause}). ` +
      'No network access? Connect to the internet, or set GLOBAL_AGENT_HTTPS_PROXY (or HTTPS_PROXY) for a proxy, and run `npm run gpu:install` again. ' +
      'Nothing was changed; Reverie keeps running on the CPU.');
  }
  process.stderr.write(stderr);
  if (code === 0) fail(`the install script finished but ${LIBS.filter((f) => !existsSync(join(binDir, f))).join(', ')} are missing in ${binDir}.`);
  fail(`onnxruntime-node's install script failed (exit code ${code}); its output is above. Reverie keeps running on the CPU.`);
});
