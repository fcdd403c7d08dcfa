#!/usr/bin/python3
"""Reads the JSON lines of multi_objective_bench and optuna_mo_bench.py (stdin or files) and prints
the hypervolume after --at trials (default 60 and 100) of each method on each problem: median and
quartiles over the seeds, as a Markdown table. All objectives are minimised; the hypervolume is
that of the trials' points dominating the fixed reference point of each problem (REFERENCE), with
Optuna's WFG algorithm. A point beyond the reference point adds nothing.

The s/run column is the wall time of one run's suggestions (the machine's load included).

Usage: hypervolume_table.py [--at 60,100] [--seeds N] FILE...
"""
import argparse
import collections
import fileinput
import json

import numpy as np
from optuna._hypervolume import WFG

# Fixed reference points: ZDT and DTLZ2 at 1.1 in every objective (their fronts lie in [0, 1]),
# BraninCurrin at BoTorch's (18, 6).
REFERENCE = {"zdt1": [1.1, 1.1], "zdt2": [1.1, 1.1], "dtlz2": [1.1, 1.1, 1.1],
             "branincurrin": [18.0, 6.0]}
# The hypervolume of the true front for the same reference point (ZDT1: 1.21 - 1/3, ZDT2:
# 1.21 - 2/3, DTLZ2: 1.331 - pi/6, BraninCurrin: BoTorch's max_hv).
OPTIMUM = {"zdt1": 1.21 - 1 / 3, "zdt2": 1.21 - 2 / 3, "dtlz2": 1.331 - np.pi / 6,
           "branincurrin": 59.36011874867746}


def hypervolume(points, reference):
    reference = np.asarray(reference, dtype=float)
    inside = [p for p in points if all(v < r for v, r in zip(p, reference))]
    if not inside:
        return 0.0
    return float(WFG().compute(np.asarray(inside, dtype=float), reference))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", default="60,100")
    parser.add_argument("--seeds", type=int, default=0,
                        help="only seeds below this (0: every seed), so that every method has "
                             "the same seeds")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    at = [int(v) for v in args.at.split(",")]
    values = collections.defaultdict(list)  # (problem, method, n) -> hypervolumes
    seconds = collections.defaultdict(list)
    for line in fileinput.input(args.files):
        line = line.strip()
        if not line.startswith("{"):
            continue
        run = json.loads(line)
        if args.seeds and run["seed"] >= args.seeds:
            continue
        for n in at:
            if len(run["points"]) >= n:
                values[(run["problem"], run["method"], n)].append(
                    hypervolume(run["points"][:n], REFERENCE[run["problem"]]))
        seconds[(run["problem"], run["method"])].append(run["suggest_s"])
    problems = [p for p in REFERENCE if any(k[0] == p for k in values)]
    methods = sorted({k[1] for k in values})
    print("| problem (ref, optimum) | method | " +
          " | ".join("HV at %d: median [q1, q3]" % n for n in at) + " | seeds | s/run |")
    print("|---|---|" + "---|" * len(at) + "---|---|")
    for problem in problems:
        best = {n: max(np.median(values[(problem, m, n)]) for m in methods
                       if values[(problem, m, n)]) for n in at}
        for method in methods:
            cells = []
            for n in at:
                v = values[(problem, method, n)]
                if not v:
                    cells.append("")
                    continue
                q1, med, q3 = np.percentile(v, [25, 50, 75])
                mark = "**" if med == best[n] else ""
                cells.append("%s%.4g%s [%.4g, %.4g]" % (mark, med, mark, q1, q3))
            label = "%s (%s, %.4g)" % (problem, ",".join("%g" % r for r in REFERENCE[problem]),
                                       OPTIMUM[problem])
            print("| %s | %s | %s | %d | %.1f |" % (
                label, method, " | ".join(cells), len(values[(problem, method, at[0])]),
                np.median(seconds[(problem, method)])))


if __name__ == "__main__":
    main()
