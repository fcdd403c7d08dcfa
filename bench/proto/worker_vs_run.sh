#!/bin/bash
# The same study through `bayestune run` and through `bayestune serve` + `bayestune worker`: 2
# trials of runner_fake_trainer writing STEPS steps each as fast as it can (2 at once, on the
# CPU), random search. Prints the wall time of each; never passes or fails on time.
#   bench/proto/worker_vs_run.sh [BUILD_DIR (build)] [STEPS (1000000)]
# BAYESTUNE=path runs another bayestune binary (an older build, for a before/after figure).
set -eu
BUILD=$(cd "${1:-build}" && pwd)
STEPS=${2:-1000000}
FAKE=$BUILD/tests/runner/runner_fake_trainer
BT=${BAYESTUNE:-$BUILD/cli/bayestune}
D=$(mktemp -d "$BUILD/worker_vs_run-XXXXXX")
trap 'kill "${SERVE:-}" 2>/dev/null || true; rm -rf "$D"' EXIT
cd "$D"
cat > s.yaml <<YAML
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: accuracy
    maxTrials: 2
    maxParallelTrials: 2
    algorithm: RANDOM_SEARCH
    params:
      - parameterName: x
        type: DOUBLE
        minValue: 0
        maxValue: 1
runner:
  command: [$FAKE, --steps=$STEPS]
  gpus: []
  cpuTrials: 2
YAML
export BAYESTUNE_GPU_LOCK_DIR=$D/locks
seconds() { date +%s.%N; }
start=$(seconds)
"$BT" run s.yaml --db run.db --progress plain > run.log 2>&1
echo "bayestune run:            $(echo "$(seconds) - $start" | bc) s"
"$BT" serve --db serve.db --listen 127.0.0.1:0 > serve.log 2>&1 &
SERVE=$!
for _ in $(seq 100); do grep -q '127.0.0.1:[0-9]' serve.log && break; sleep 0.1; done
ADDRESS=$(grep -o '127.0.0.1:[0-9]\+' serve.log | head -1)
start=$(seconds)
"$BT" worker --server "$ADDRESS" --study s --create s.yaml --gpus none --job-dir "$D/worker-jobs" \
  -- "$FAKE" --steps="$STEPS" > worker.log 2>&1
echo "bayestune serve + worker: $(echo "$(seconds) - $start" | bc) s"
"$BT" trials s --db serve.db | sed -n 2,3p
