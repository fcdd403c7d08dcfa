#!/usr/bin/env python3
"""Prints the conditional benchmark's table from conditional_bench's and optuna_tree.py's JSON
lines: per method, the runs, the median regret at 20, 40 and 60 trials and the quartiles at 60.

Usage: summary.py RESULTS.jsonl [MORE.jsonl ...]     (Python 3 standard library only)
"""
import json
import statistics
import sys


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def main():
    runs = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    r = json.loads(line)
                    runs.setdefault(r["method"], []).append(r["regret"])
    print("| method | runs | median @20 | median @40 | median @60 | quartiles @60 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for method, regrets in sorted(runs.items(), key=lambda kv: statistics.median(
            r[min(59, len(r) - 1)] for r in kv[1])):
        at = lambda n: [r[min(n, len(r)) - 1] for r in regrets]
        q1, median, q3 = quartiles(at(60))
        print(f"| {method} | {len(regrets)} | {statistics.median(at(20)):.4g} | "
              f"{statistics.median(at(40)):.4g} | {median:.4g} | {q1:.4g} - {q3:.4g} |")


if __name__ == "__main__":
    main()
