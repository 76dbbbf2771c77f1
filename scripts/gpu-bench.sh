#!/usr/bin/env bash
# The GPU benchmark, run on the GPU machine from the repository root after `npm run gpu:prepare`
# here (docs/performance.md, "On a GPU", has the device call). That machine has no Node: it runs the
# carried one. Prints, and writes to $OUT/gpu-bench.log:
#   1. gpu-check: the provider's gradient graph against CPU fp32 (fp32 and fp16) on small models;
#   2. large-model on random-weight Pythia-1.4B and Gemma-2-2B layouts generated there, in fp16
#      with the paper's defaults (M = 8, r = 32, n = 12): s/iteration and scoring TFLOP/s.
# Each step has its own time limit; the whole script stays under 10 minutes. The variables below
# (PROVIDER=cpu LAYERS_PYTHIA=1 ... UNPACK_GL=0) let it be tried on a CPU machine first.
set -uo pipefail
PROVIDER=${PROVIDER:-webgpu}
DTYPE=${DTYPE:-fp16}
LAYERS_PYTHIA=${LAYERS_PYTHIA:-}
LAYERS_GEMMA=${LAYERS_GEMMA:-}
ITERATIONS=${ITERATIONS:-3}
M=${M:-8}
R=${R:-32}
BATCH=${BATCH:-64}
UNPACK_GL=${UNPACK_GL:-1}
LOG=${OUT:-/tmp}/gpu-bench.log
RT=/tmp/reverie-runtime
: > "$LOG"
say() { echo "$@" | tee -a "$LOG"; }

mkdir -p "$RT"
xz -dc .gpu/node.xz > "$RT/node" && chmod +x "$RT/node"
tar -xJf .gpu/ort.tar.xz -C "$RT"
if [ "$UNPACK_GL" = 1 ] && [ -d .gl ] && [ "$(id -u)" = 0 ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
export NODE_PATH="$RT/node_modules" ORT_DISABLE_TELEMETRY=1
say "node $("$RT/node" --version); provider $PROVIDER; dtype $DTYPE; VK_DRIVER_FILES=${VK_DRIVER_FILES:-none}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee -a "$LOG"

step() {
  local limit=$1; shift
  say "== $*"
  timeout "$limit" env "$@" 2>&1 | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || say "(exit $rc$([ "$rc" = 124 ] && echo ": over ${limit} s"))"
}

step 90 REVERIE_BENCH_PROVIDER="$PROVIDER" "$RT/node" .gpu/bench.js gpu-check
common=(REVERIE_BENCH_PROVIDER="$PROVIDER" REVERIE_BENCH_DTYPE="$DTYPE" REVERIE_BENCH_M="$M" REVERIE_BENCH_R="$R" REVERIE_BENCH_N=12
  REVERIE_BENCH_ITERATIONS="$ITERATIONS" REVERIE_BENCH_BATCH="$BATCH" REVERIE_BENCH_TOKENIZER=test/fixtures/models/pythia-tiny)
step 210 "${common[@]}" REVERIE_BENCH_LAYOUT=pythia-1.4b ${LAYERS_PYTHIA:+REVERIE_BENCH_LAYERS=$LAYERS_PYTHIA} "$RT/node" --max-old-space-size=16384 .gpu/bench.js large-model
step 270 "${common[@]}" REVERIE_BENCH_LAYOUT=gemma-2-2b ${LAYERS_GEMMA:+REVERIE_BENCH_LAYERS=$LAYERS_GEMMA} "$RT/node" --max-old-space-size=16384 .gpu/bench.js large-model
say "done"
