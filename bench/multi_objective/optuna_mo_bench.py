#!/usr/bin/python3
"""Runs Optuna 3.1's samplers on the multi-objective problems of docs/benchmarks.md (those of
multi_objective_bench.cc, written again here) and prints multi_objective_bench's JSON lines:
  {"problem": "zdt1", "seed": 3, "method": "optuna-nsga2", "points": [[f1, f2], ...],
   "suggest_s": seconds}

Each sampler with its defaults, as a user would run it, seeded by the run's seed:
  optuna-nsga2   NSGAIISampler (population 50)
  optuna-motpe   MOTPESampler (3.1: TPESampler's multi-objective mode with MOTPE's defaults)
  optuna-tpe     TPESampler (multi-objective since 3.0)
  optuna-random  RandomSampler
Needs Optuna 3.1: `apt-get install python3-optuna` (Debian 12). A bench-only dependency.

Usage: optuna_mo_bench.py [--samplers nsga2,motpe,tpe,random] [--problems zdt1,...]
                          [--seeds 20] [--first-seed 0] [--trials 100]
"""
import argparse
import json
import math
import time
import warnings

import optuna


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a = x[0] * math.pi / 2
    b = x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b),
            (1 + g) * math.sin(a)]


def branin_currin(x):
    u = 15 * x[0] - 5
    v = 15 * x[1]
    t = v - 5.1 / (4 * math.pi ** 2) * u * u + 5 / math.pi * u - 6
    branin = t * t + 10 * (1 - 1 / (8 * math.pi)) * math.cos(u) + 10
    a = x[0]
    factor = 1.0 if x[1] == 0 else 1 - math.exp(-1 / (2 * x[1]))
    currin = factor * (2300 * a ** 3 + 1900 * a ** 2 + 2092 * a + 60) / (
        100 * a ** 3 + 500 * a ** 2 + 4 * a + 20)
    return [branin, currin]


PROBLEMS = {"zdt1": (zdt1, 4, 2), "zdt2": (zdt2, 4, 2), "dtlz2": (dtlz2, 4, 3),
            "branincurrin": (branin_currin, 2, 2)}

SAMPLERS = {
    "nsga2": lambda seed: optuna.samplers.NSGAIISampler(seed=seed),
    "motpe": lambda seed: optuna.samplers.MOTPESampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
}


def run(problem, sampler_name, seed, trials):
    f, dimensions, objectives = PROBLEMS[problem]
    study = optuna.create_study(directions=["minimize"] * objectives,
                                sampler=SAMPLERS[sampler_name](seed))
    points = []
    seconds = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float("x%d" % j, 0.0, 1.0) for j in range(dimensions)]
        seconds += time.perf_counter() - start
        values = f(x)
        study.tell(trial, values)
        points.append(values)
    return {"problem": problem, "seed": seed, "method": "optuna-" + sampler_name,
            "points": points, "suggest_s": seconds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samplers", default="nsga2,motpe,random")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    for problem in args.problems.split(","):
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for sampler in args.samplers.split(","):
                print(json.dumps(run(problem, sampler, seed, args.trials)), flush=True)


if __name__ == "__main__":
    main()
