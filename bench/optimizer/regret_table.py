#!/usr/bin/env python3
"""Prints the comparison table of optimizer_bench's and optuna_bench.py's JSON lines: per function
and method, the median regret at 20, 40 and 60 trials, the quartiles at 60, the global-basin rate
(the share of runs whose regret at 60 is below the function's BASIN_THRESHOLD), and the median
time of one suggestion; then BoTorch's stored figures (docs/benchmarks.md) and the targets of
docs/optimizer.md, each marked met or not.

Usage: regret_table.py RESULTS.jsonl [MORE.jsonl ...] [--baseline OLD.jsonl ...]
--baseline: runs of an earlier version of bayestune-gp (method names as in the files, compared by
name) for the "no median worse by more than 10%" target. Python 3 standard library only.
"""
import json
import statistics
import sys

FUNCTIONS = ["branin2", "hartmann6", "ackley5", "rosenbrock4", "styblinski4", "levy4"]
# docs/benchmarks.md: BoTorch @20/@40/@60 (8 seeds).
BOTORCH = {
    "branin2": (0.0892, 0.00273, 0.000491),
    "hartmann6": (1.39, 0.0674, 0.0327),
    "ackley5": (16.0, 5.70, 3.42),
    "rosenbrock4": (676, 561, 128),
    "styblinski4": (38.8, 17.9, 15.2),
    "levy4": (3.44, 1.23, 0.304),
}
# A regret at 60 below this is in the global basin (docs/optimizer.md says why each).
BASIN_THRESHOLD = {
    "branin2": 0.01,
    "hartmann6": 0.05,
    "ackley5": 1.0,
    "rosenbrock4": 1.0,
    "styblinski4": 7.0,
    "levy4": 0.1,
}
OURS = "bayestune-gp"


def fmt(x):
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def quantile(values, q):
    values = sorted(values)
    if not values:
        return None
    position = q * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def load(paths):
    runs = {}  # (method, fn) -> list of runs
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    run = json.loads(line)
                    runs.setdefault((run["method"], run["fn"]), []).append(run)
    return runs


def at(group, k):
    return [r["regret"][k - 1] for r in group if len(r["regret"]) >= k]


def summary(group):
    r60 = at(group, 60)
    times = [t for r in group for t in r["suggest_s"]]
    return {
        "seeds": len(group),
        "m20": statistics.median(at(group, 20)),
        "m40": statistics.median(at(group, 40)),
        "m60": statistics.median(r60),
        "q1": quantile(r60, 0.25),
        "q3": quantile(r60, 0.75),
        "basin": sum(v < BASIN_THRESHOLD[group[0]["fn"]] for v in r60) / len(r60),
        "suggest": statistics.median(times) if times else 0.0,
        "seed_set": sorted({r["seed"] for r in group}),
    }


def method_order(methods):
    def key(m):
        return (not m.startswith("bayestune"), m.startswith("optuna"), m)
    return sorted(methods, key=key)


def main(argv):
    paths = [a for a in argv if not a.startswith("--")]
    baseline_paths = []
    if "--baseline" in argv:
        i = argv.index("--baseline")
        paths = [a for a in argv[:i] if not a.startswith("--")]
        baseline_paths = argv[i + 1:]
    runs = load(paths)
    baseline = load(baseline_paths) if baseline_paths else {}
    methods = method_order({m for m, _ in runs})
    stats = {key: summary(group) for key, group in runs.items()}
    seeds = sorted({s for st in stats.values() for s in st["seed_set"]})
    print(f"Seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}); regret = best value of the first k trials"
          " minus f*; basin: share of runs with regret@60 below the threshold")
    print()
    print("| function (basin below) | method | seeds | @20 | @40 | median @60 | quartiles @60 |"
          " basin rate | median suggest s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for fn in FUNCTIONS:
        for method in methods:
            st = stats.get((method, fn))
            if not st:
                continue
            print(f"| {fn} (< {fmt(BASIN_THRESHOLD[fn])}) | {method} | {st['seeds']} | "
                  f"{fmt(st['m20'])} | {fmt(st['m40'])} | {fmt(st['m60'])} | "
                  f"{fmt(st['q1'])} / {fmt(st['q3'])} | {100 * st['basin']:.0f}% | "
                  f"{st['suggest']:.4f} |")
        b = BOTORCH[fn]
        print(f"| {fn} | BoTorch 0.18 (stored, 8 seeds) | 8 | {fmt(b[0])} | {fmt(b[1])} | "
              f"{fmt(b[2])} | - | - | - |")
    print()

    # The targets, for each bayestune method present.
    for ours in [m for m in methods if m.startswith(OURS)]:
        print(f"Targets for {ours}:")
        optuna_methods = [m for m in methods if m.startswith("optuna-")]
        for fn in FUNCTIONS:
            st = stats.get((ours, fn))
            if not st:
                continue
            notes = []
            below_botorch = st["m60"] < BOTORCH[fn][2]
            notes.append(f"{'below' if below_botorch else 'NOT below'} BoTorch ({fmt(BOTORCH[fn][2])})")
            worse = [m for m in optuna_methods
                     if (m, fn) in stats and not st["m60"] < stats[(m, fn)]["m60"]]
            if optuna_methods:
                notes.append("below every Optuna sampler" if not worse
                             else "NOT below " + ", ".join(
                                 f"{m} ({fmt(stats[(m, fn)]['m60'])})" for m in worse))
            if fn in ("levy4", "styblinski4"):
                notes.append(f"basin {100 * st['basin']:.0f}% "
                             f"({'>=' if st['basin'] >= 0.7 else 'below'} 70%)")
            old = baseline.get((ours, fn))
            if old:
                old_median = statistics.median(at(old, 60))
                ratio = st["m60"] / old_median if old_median > 0 else float("inf")
                notes.append(f"against the baseline {fmt(old_median)}: x{ratio:.2f}"
                             f" ({'within' if ratio <= 1.1 else 'WORSE than'} +10%)")
            if "-batch" in ours:
                seq = stats.get((ours.split("-batch")[0], fn))
                if seq:
                    ratio = st["m60"] / seq["m60"] if seq["m60"] > 0 else float("inf")
                    notes.append(f"batch/sequential median x{ratio:.2f}"
                                 f" ({'within' if ratio <= 1.5 else 'ABOVE'} 1.5)")
            print(f"- {fn}: {fmt(st['m60'])}; " + "; ".join(notes))
        print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1:])
