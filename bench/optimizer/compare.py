#!/usr/bin/env python3
"""The optimizer comparison in one command: runs bayestune's optimizer_bench (sequential and
batches of 4) and Optuna's samplers (optuna_bench.py) on the suite and the same seeds, in parallel
processes, and prints regret_table.py's table (median, quartiles, global-basin rate per function
and method, BoTorch's stored figures, the targets).

  python3 bench/optimizer/compare.py --first-seed 1000 --seeds 60 --jobs 2 --out cmp1000

Results go to OUT/<method>.jsonl; a file that is already there is reused (delete it to rerun), so
that a second call only prints. --no-optuna leaves Optuna out (it needs `apt-get install
python3-optuna python3-cmaes`). Seeds 0-59 are for tuning; 1000-1059 give the headline figures.
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
FUNCTIONS = ["branin2", "hartmann6", "ackley5", "rosenbrock4", "styblinski4", "levy4"]
OPTUNA_SAMPLERS = ["tpe", "tpe-multivariate", "cmaes", "random"]


def tasks(args):
    """(method, part name, command) for every piece of work, split by function and seed chunk."""
    bench = str(pathlib.Path(args.build) / "bench" / "optimizer" / "optimizer_bench")
    chunks = []
    first = args.first_seed
    while first < args.first_seed + args.seeds:
        count = min(args.chunk, args.first_seed + args.seeds - first)
        chunks.append((first, count))
        first += count
    out = []
    for batch in (1, 4):
        method = "bayestune-gp" + ("-batch4" if batch > 1 else "")
        for fn in FUNCTIONS:
            for first, count in chunks:
                cmd = [bench, "--functions", fn, "--first-seed", str(first), "--seeds", str(count),
                       "--batch", str(batch)] + sum((["--gp-option", o] for o in args.gp_option), [])
                out.append((method, f"{fn}-{first}", cmd))
    if not args.no_optuna:
        for sampler in OPTUNA_SAMPLERS:
            for fn in FUNCTIONS:
                for first, count in chunks:
                    cmd = ["/usr/bin/python3", str(HERE / "optuna_bench.py"), "--samplers", sampler,
                           "--functions", fn, "--first-seed", str(first), "--seeds", str(count)]
                    out.append(("optuna-" + sampler, f"{fn}-{first}", cmd))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2, help="processes at once")
    parser.add_argument("--chunk", type=int, default=15, help="seeds per process")
    parser.add_argument("--out", required=True, help="folder of the JSON lines")
    parser.add_argument("--build", default="build", help="the CMake build folder")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--gp-option", action="append", default=[],
                        help="experiments only: passed to optimizer_bench")
    parser.add_argument("--baseline", nargs="*", default=[],
                        help="JSON lines of an earlier bayestune-gp, for the +10%% target")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    todo = {}
    for method, part, cmd in tasks(args):
        if (out / f"{method}.jsonl").exists():
            continue
        todo.setdefault(method, []).append((part, cmd))
    queue = [(m, part, cmd) for m, parts in todo.items() for part, cmd in parts]
    running = []
    failed = False
    start = time.time()
    while queue or running:
        while queue and len(running) < args.jobs:
            method, part, cmd = queue.pop(0)
            part_path = out / f"{method}.{part}.part"
            with open(part_path, "w") as f:
                proc = subprocess.Popen(["nice", "-n", "19"] + cmd, stdout=f)
            running.append((proc, method, part, cmd))
        time.sleep(0.2)
        for entry in list(running):
            proc = entry[0]
            if proc.poll() is None:
                continue
            running.remove(entry)
            if proc.returncode != 0:
                failed = True
                print(f"compare.py: {' '.join(entry[3])} exited with {proc.returncode}",
                      file=sys.stderr)
    if failed:
        sys.exit(1)
    for method, parts in todo.items():
        with open(out / f"{method}.jsonl", "w") as merged:
            for part, _ in parts:
                part_path = out / f"{method}.{part}.part"
                merged.write(part_path.read_text())
                part_path.unlink()
    if todo:
        print(f"(ran {sum(len(p) for p in todo.values())} processes in {time.time() - start:.0f} s)",
              file=sys.stderr)
    files = sorted(str(p) for p in out.glob("*.jsonl"))
    os.execv(sys.executable, [sys.executable, str(HERE / "regret_table.py")] + files +
             (["--baseline"] + args.baseline if args.baseline else []))


if __name__ == "__main__":
    main()
