// The platforms Reverie's .vsix is built for: those onnxruntime-node 1.30 ships binaries for (no darwin-x64).
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
