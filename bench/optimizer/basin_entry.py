#!/usr/bin/env python3
"""When do optimizer_bench's runs first reach the global basin, and in which phase of the study?

For each function and method of the JSON lines: the runs that reach the basin (regret below the
function's BASIN_THRESHOLD of regret_table.py), the median trial that first does, how many first
do so in each phase of the default designer (initial design, UCB phase, refinement box: the boxed
trials, a batch round's first, exploiting, point among them, and the free trials), and how the
regret falls afterwards (median decades per trial and per round of the batch, over the runs that
reach the basin before the last round). With optimizer_bench's --trace lines, the same for the
first trial in the optimum's well (in_well), and how many runs have reached the threshold and the
well by trial 20, 24, ..., 60.

The phases are those of the default GpBanditOptions (docs/optimizer.md, "How a suggestion is
made"), from the trial's index: the Sobol design's clamp(2d + 4, 5, 20) points, UCB until
ucb_share of the trials (0.75 sequential, 0.5 for batches), the box from 1 - share of them (0.25
sequential, 0.5 for batches) with every other trial free. A run's batch size is its trials over its
suggestions. The options change them for variants that move the shares.

Usage: basin_entry.py RESULTS.jsonl [MORE.jsonl ...] [--parallel-ucb-share S]
[--parallel-share S] [--initial-points N] [--free-every N]. Python 3 standard library only.
"""
import argparse
import json
import math
import statistics

from regret_table import BASIN_THRESHOLD

DIMENSIONS = {"branin2": 2, "hartmann6": 6, "ackley5": 5, "rosenbrock4": 4, "styblinski4": 4,
              "levy4": 4}
PHASES = ["design", "ucb", "box:exploit", "box:boxed", "box:free"]
HARTMANN6_OPTIMUM = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]


def in_well(fn, x):
    """Whether point x (the function's coordinates, --trace) lies in the global optimum's well:
    levy4 within 0.5 of x* = 1 on every axis (its local minima lie near the integers);
    styblinski4 within 1 of x* = -2.9035 on every axis (the bottom of the global well: the
    initial design's points fall on the well's side, x < 0.157 on every axis, in 49 of 60 runs,
    which says little); hartmann6 within 0.3 (Euclidean) of x*."""
    if fn == "levy4":
        return all(abs(v - 1.0) < 0.5 for v in x)
    if fn == "styblinski4":
        return all(abs(v + 2.9035) < 1.0 for v in x)
    if fn == "hartmann6":
        return math.dist(x, HARTMANN6_OPTIMUM) < 0.3
    return None


def phase(index, trials, batch, d, args):
    """The phase of trial `index` (0-based) of a study of `trials`, suggested `batch` at a time."""
    initial = args.initial_points or min(max(2 * d + 4, 5), 20)
    if index < initial:
        return "design"
    parallel = batch > 1
    ucb_share = args.parallel_ucb_share if parallel else 0.75
    box_share = args.parallel_share if parallel else 0.25
    box_first = math.ceil((1.0 - box_share) * trials - 1e-9)
    if index >= box_first:
        if args.free_every > 0 and (index - box_first) % args.free_every == args.free_every - 1:
            return "box:free"
        round_start = index - index % batch
        if parallel and index % batch == 0 and 2 * round_start >= trials:
            return "box:exploit"
        return "box:boxed"
    if index < ucb_share * trials:
        return "ucb"
    return "log-ei (free)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--parallel-ucb-share", type=float, default=0.5)
    parser.add_argument("--parallel-share", type=float, default=0.5)
    parser.add_argument("--initial-points", type=int, default=0)
    parser.add_argument("--free-every", type=int, default=2)
    args = parser.parse_args()
    groups = {}
    for path in args.files:
        with open(path) as f:
            for line in f:
                if line.strip():
                    run = json.loads(line)
                    groups.setdefault((run["fn"], run["method"]), []).append(run)
    print("| function | method | runs | reach the basin | median trial | quartiles | "
          "after trial 48 | " + " | ".join(PHASES) + " | decades/trial after | "
          "decades/round after |")
    print("| --- " * (10 + len(PHASES)) + "|")
    for (fn, method), runs in sorted(groups.items()):
        threshold = BASIN_THRESHOLD[fn]
        entries = []
        counts = {}
        per_trial = []
        per_round = []
        for run in runs:
            regret = run["regret"]
            trials = len(regret)
            batch = max(1, round(trials / max(1, len(run["suggest_s"]))))
            entry = next((i for i, r in enumerate(regret) if r < threshold), None)
            if entry is None:
                continue
            entries.append(entry + 1)
            p = phase(entry, trials, batch, DIMENSIONS[fn], args)
            counts[p] = counts.get(p, 0) + 1
            # The refinement from the end of the round that reached the basin to the end.
            round_end = entry - entry % batch + batch - 1
            left = trials - 1 - round_end
            if left >= 4 and regret[round_end] > 0 and regret[-1] > 0:
                decades = math.log10(regret[round_end] / regret[-1])
                per_trial.append(decades / left)
                per_round.append(decades / left * batch)
        q = statistics.quantiles(entries, n=4) if len(entries) > 1 else [None] * 3
        cells = [fn, method, str(len(runs)), f"{len(entries)} ({100 * len(entries) / len(runs):.0f}%)",
                 f"{statistics.median(entries):g}" if entries else "-",
                 f"{q[0]:g} / {q[2]:g}" if q[0] is not None else "-",
                 str(sum(1 for e in entries if e > 48))]
        cells += [str(counts.get(p, 0)) for p in PHASES]
        other = sum(v for k, v in counts.items() if k not in PHASES)
        if other:
            cells[-1] += f" (+{other} log EI free)"
        cells.append(f"{statistics.median(per_trial):.3f}" if per_trial else "-")
        cells.append(f"{statistics.median(per_round):.3f}" if per_round else "-")
        print("| " + " | ".join(cells) + " |")
    well_table(groups, args)
    by_trial_table(groups)


def well_table(groups, args):
    """With --trace lines: the first trial in the optimum's well (in_well), its phase, and the
    trials from it to the regret threshold."""
    rows = []
    for (fn, method), runs in sorted(groups.items()):
        if not all("points" in r for r in runs) or in_well(fn, [0.0] * DIMENSIONS[fn]) is None:
            continue
        threshold = BASIN_THRESHOLD[fn]
        entries, lags, counts = [], [], {}
        for run in runs:
            regret = run["regret"]
            trials = len(regret)
            batch = max(1, round(trials / max(1, len(run["suggest_s"]))))
            entry = next((i for i, x in enumerate(run["points"]) if in_well(fn, x)), None)
            if entry is None:
                continue
            entries.append(entry + 1)
            p = phase(entry, trials, batch, DIMENSIONS[fn], args)
            counts[p] = counts.get(p, 0) + 1
            below = next((i for i, r in enumerate(regret) if r < threshold), None)
            if below is not None:
                lags.append(below - entry)
        q = statistics.quantiles(entries, n=4) if len(entries) > 1 else [0, 0, 0]
        cells = [fn, method, f"{len(entries)} ({100 * len(entries) / len(runs):.0f}%)",
                 f"{statistics.median(entries):g}" if entries else "-",
                 f"{q[0]:g} / {q[2]:g}", str(sum(1 for e in entries if e > 48))]
        cells += [str(counts.get(p, 0)) for p in PHASES]
        cells.append(f"{statistics.median(lags):g}" if lags else "-")
        rows.append(cells)
    if not rows:
        return
    print()
    print("| function | method | runs with a trial in the well | median first trial in it | "
          "quartiles | after trial 48 | " + " | ".join(PHASES) +
          " | median trials from the well to the threshold |")
    print("| --- " * (7 + len(PHASES)) + "|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


def by_trial_table(groups):
    """How many runs have reached the regret threshold (and, with --trace, the well) by trial k."""
    ks = list(range(20, 61, 4))
    print()
    print("| function | method | runs that reached it by trial: | " +
          " | ".join(str(k) for k in ks) + " |")
    print("| --- " * (3 + len(ks)) + "|")
    for (fn, method), runs in sorted(groups.items()):
        threshold = BASIN_THRESHOLD[fn]
        below = [next((i + 1 for i, r in enumerate(run["regret"]) if r < threshold), None)
                 for run in runs]
        rows = [("the threshold", below)]
        if all("points" in r for r in runs) and in_well(fn, [0.0] * DIMENSIONS[fn]) is not None:
            rows.append(("the well", [next((i + 1 for i, x in enumerate(run["points"])
                                            if in_well(fn, x)), None) for run in runs]))
        for what, entries in rows:
            counts = [sum(1 for e in entries if e is not None and e <= k) for k in ks]
            print(f"| {fn} | {method} | {what} | " + " | ".join(str(c) for c in counts) + " |")


if __name__ == "__main__":
    main()
