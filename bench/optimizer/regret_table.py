#!/usr/bin/env python3
"""Prints the median-regret table of optimizer_bench's JSON lines next to the numbers of
docs/benchmarks.md (BoTorch, Optuna, random), and the median time of one suggestion.

Usage: regret_table.py RESULTS.jsonl [MORE.jsonl ...]
Each method found in the files gets its own rows. Python 3 standard library only.
"""
import json
import statistics
import sys

FUNCTIONS = ["branin2", "hartmann6", "ackley5", "rosenbrock4", "styblinski4", "levy4"]
# benchmarks.md: BoTorch @20/@40/@60, Optuna TPE, TPE multivariate, CMA-ES, random @60.
REFERENCE = {
    "branin2": (0.0892, 0.00273, 0.000491, 0.0522, 0.146, 0.335, 0.668),
    "hartmann6": (1.39, 0.0674, 0.0327, 0.462, 0.285, 0.556, 1.33),
    "ackley5": (16.0, 5.70, 3.42, 12.0, 11.1, 8.98, 17.7),
    "rosenbrock4": (676, 561, 128, 261, 159, 101, 1930),
    "styblinski4": (38.8, 17.9, 15.2, 25.8, 22.2, 32.8, 38.5),
    "levy4": (3.44, 1.23, 0.304, 0.939, 0.773, 0.400, 3.42),
}


def fmt(x):
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def main(paths):
    runs = {}  # (method, fn) -> list of runs
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                run = json.loads(line)
                runs.setdefault((run["method"], run["fn"]), []).append(run)
    methods = sorted({m for m, _ in runs})
    for method in methods:
        print(f"## {method}")
        print()
        print("| function | seeds | @20 | @40 | @60 | BoTorch @60 | best Optuna @60 | beats BoTorch"
              " | beats every Optuna | median suggest s | median last suggest s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        wins_botorch = 0
        wins_optuna = 0
        for fn in FUNCTIONS:
            group = runs.get((method, fn))
            if not group:
                continue
            at = {}
            for k in (20, 40, 60):
                values = [r["regret"][k - 1] for r in group if len(r["regret"]) >= k]
                at[k] = statistics.median(values) if values else None
            times = [t for r in group for t in r["suggest_s"]]
            last = [r["suggest_s"][-1] for r in group if r["suggest_s"]]
            ref = REFERENCE[fn]
            best_optuna = min(ref[3:6])
            beats_botorch = at[60] is not None and at[60] < ref[2]
            beats_optuna = at[60] is not None and at[60] < best_optuna
            wins_botorch += beats_botorch
            wins_optuna += beats_optuna
            print(f"| {fn} | {len(group)} | {fmt(at[20])} | {fmt(at[40])} | {fmt(at[60])} | "
                  f"{fmt(ref[2])} | {fmt(best_optuna)} | {'yes' if beats_botorch else 'no'} | "
                  f"{'yes' if beats_optuna else 'no'} | "
                  f"{statistics.median(times) if times else 0:.4f} | "
                  f"{statistics.median(last) if last else 0:.4f} |")
        print()
        print(f"lower than BoTorch @60 on {wins_botorch} functions; lower than every Optuna sampler"
              f" on {wins_optuna}")
        print()
    # Batch against sequential at 60, where both are present.
    for method in methods:
        if "-batch" not in method:
            continue
        base = method.split("-batch")[0]
        if base not in methods:
            continue
        print(f"## {method} against {base} at 60 (ratio of median regrets)")
        print()
        for fn in FUNCTIONS:
            a = runs.get((method, fn))
            b = runs.get((base, fn))
            if not a or not b:
                continue
            ma = statistics.median(r["regret"][59] for r in a if len(r["regret"]) >= 60)
            mb = statistics.median(r["regret"][59] for r in b if len(r["regret"]) >= 60)
            ratio = ma / mb if mb > 0 else float("inf") if ma > 0 else 1.0
            print(f"- {fn}: batch {fmt(ma)}, sequential {fmt(mb)}, ratio {ratio:.2f}")
        print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1:])
