#!/usr/bin/env bash
# bayestune's CPU trainer beside PyTorch on this machine, in one run (docs/gpu_models.md, "CPU
# speed"): training samples/s of the same residual MLP, data, batch and SGD, at 1 and 2 threads,
# for the issue's 4 x 512 MLP (784 inputs, batch 256) and for the book's digits-shaped net
# (10 x 64, 64 inputs, batch 64, 1,437 samples); then the wall time of a 10-epoch digits run of
# bayestune-mlp and of the book's whole study (`bayestune run examples/book/tuning.yaml`).
#
#   bench/gpu_models/compare_cpu.sh [--rounds N] [--threads "1 2"] [--build DIR] [--no-study]
#
# Each configuration runs N times (default 3), bayestune and PyTorch interleaved; the table shows
# the median samples/s (wall clock) and, in brackets, samples per CPU second of the process, which
# a machine shared with other work disturbs less. PyTorch is Debian's python3-torch (a bench-only
# dependency: `apt-get install python3-torch`); $PYTHON names another interpreter. Without it the
# PyTorch column says so and the rest still runs. PyTorch's OpenMP threads spin while they wait,
# which on a machine shared with other work costs it several times its speed at 2 threads: it runs
# with OMP_WAIT_POLICY=PASSIVE unless OMP_WAIT_POLICY is set. The JSON lines go to
# $OUT/compare_cpu.jsonl (default: a temporary folder, removed).
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3
thread_counts="1 2"
build=build
study=1
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --threads) thread_counts=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --no-study) study=0; shift ;;
    *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

bench=$build/bench/gpu_models/bench_mlp_throughput
trainer=$build/gpu_models/bayestune-mlp
for binary in "$bench" "$trainer"; do
  if [[ ! -x $binary ]]; then
    echo "no $binary: build it first (cmake --build $build --target bench_mlp_throughput bayestune-mlp)" >&2
    exit 1
  fi
done

python=""
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$candidate" -c "import torch" 2>/dev/null; then
    python=$candidate
    break
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${OUT:-$work}
mkdir -p "$out"
jsonl=$out/compare_cpu.jsonl
: >"$jsonl"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)}  OMP_NUM_THREADS=${OMP_NUM_THREADS-(unset)}" \
  " OMP_WAIT_POLICY=$OMP_WAIT_POLICY (PyTorch's)"
echo "bayestune: $("$bench" --device=cpu --samples=256 --epochs=1 --n_layers=1 --hidden_units=8 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["device_name"])')"
if [[ -n $python ]]; then
  echo "pytorch:   $("$python" bench/gpu_models/pytorch_mlp.py --device cpu --samples 256 --epochs 1 \
    --n_layers 1 --hidden_units 8 | python3 -c 'import json, sys; print(json.load(sys.stdin)["device_name"])')"
else
  echo "pytorch:   not installed (apt-get install python3-torch), or set PYTHON"
fi
echo

# name and flags (the same for both programs)
shapes=(
  "mlp-4x512-b256|--n_layers 4 --hidden_units 512 --batch_size 256 --features 784 --samples 4096 --epochs 2"
  "digits-10x64-b64|--n_layers 10 --hidden_units 64 --batch_size 64 --features 64 --samples 1437 --epochs 10"
)
for shape in "${shapes[@]}"; do
  name=${shape%%|*}
  read -r -a flags <<<"${shape#*|}"
  for threads in $thread_counts; do
    for ((round = 1; round <= rounds; round++)); do
      "$bench" --device=cpu --threads="$threads" "${flags[@]}" |
        sed "s/^{/{\"shape\": \"$name\", /" >>"$jsonl"
      if [[ -n $python ]]; then
        "$python" bench/gpu_models/pytorch_mlp.py --device cpu --threads "$threads" "${flags[@]}" |
          sed "s/^{/{\"shape\": \"$name\", /" >>"$jsonl"
      fi
    done
  done
done

python3 - "$jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
keys = sorted({(r["shape"], r["threads"]) for r in rows}, key=lambda k: (k[0] != "mlp-4x512-b256", k))
def cell(impl, shape, threads):
    runs = [r for r in rows if r["impl"] == impl and r["shape"] == shape and r["threads"] == threads]
    if not runs:
        return None, "-"
    wall = statistics.median(r["samples_per_s"] for r in runs)
    cpu = statistics.median(r["samples_per_cpu_s"] for r in runs)
    return wall, f"{wall:>9,.0f} ({cpu:>7,.0f})"
print(f"{'shape':18s} {'threads':>7s}  {'bayestune samples/s (/CPU s)':>28s}  {'pytorch samples/s (/CPU s)':>26s}  {'ratio':>5s}")
for shape, threads in keys:
    ours, ours_text = cell("bayestune", shape, threads)
    theirs, theirs_text = cell("pytorch", shape, threads)
    ratio = f"{ours / theirs:5.2f}" if ours and theirs else "    -"
    print(f"{shape:18s} {threads:>7d}  {ours_text:>28s}  {theirs_text:>26s}  {ratio}")
EOF
echo

TIMEFORMAT="%R s wall, %U s user, %S s system"
for threads in $thread_counts; do
  echo -n "10-epoch digits run of bayestune-mlp (defaults, --threads=$threads): "
  { time "$trainer" --device=cpu --threads="$threads" >"$work/digits.txt"; } 2>&1
  grep '^done:' "$work/digits.txt" | sed 's/^/    /'
done
if ((study)); then
  if [[ -x $build/cli/bayestune ]]; then
    echo -n "book study (bayestune run examples/book/tuning.yaml: 10 trials, 2 at once): "
    { time "$build/cli/bayestune" run examples/book/tuning.yaml --db "$work/book.db" \
      --progress plain -- "$trainer" >"$work/study.txt" 2>&1; } 2>&1
    grep -E "^best|best trial|trials? (done|succeeded)" "$work/study.txt" | head -3 | sed 's/^/    /' || true
  else
    echo "book study: no $build/cli/bayestune (cmake --build $build --target bayestune)"
  fi
fi
