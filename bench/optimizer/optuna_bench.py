#!/usr/bin/python3
"""Runs Optuna's samplers on the suite of docs/benchmarks.md (the functions of
benchmark_functions.cc, written again here) and prints optimizer_bench's JSON lines:
  {"fn": "levy4", "seed": 3, "method": "optuna-tpe", "regret": [60 numbers], "suggest_s": [...]}

Each sampler with its defaults, as a user would run it, seeded by the run's seed.
Needs Optuna 3.1 and, for CMA-ES, cmaes: `apt-get install python3-optuna python3-cmaes`
(Debian 12). A bench-only dependency: nothing else in bayestune uses Python packages.

Usage: optuna_bench.py [--samplers tpe,tpe-multivariate,cmaes,random] [--functions a,b]
                       [--seeds 60] [--first-seed 0] [--trials 60] [--batch 4] [--constant-liar]

--batch k asks k trials, then tells the k values (a batch of k in parallel; the method name gets
"-batchk"); --constant-liar makes TPE treat the asked trials as pending with the worst value seen
(TPESampler(constant_liar=True), Optuna's rule for parallel TPE; the name gets "-cl").
"""
import argparse
import json
import math
import sys
import time
import warnings

import optuna

FUNCTIONS = {}


def function(name, lower, upper, optimum):
    def register(f):
        FUNCTIONS[name] = (f, lower, upper, optimum)
        return f
    return register


@function("branin2", [-5, 0], [10, 15], 0.397887)
def branin(x):
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    u = x[1] - b * x[0] ** 2 + c * x[0] - 6
    return u * u + 10 * (1 - t) * math.cos(x[0]) + 10


@function("hartmann6", [0] * 6, [1] * 6, -3.32237)
def hartmann6(x):
    alpha = [1.0, 1.2, 3.0, 3.2]
    a = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
         [17, 8, 0.05, 10, 0.1, 14]]
    p = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
    total = 0.0
    for i in range(4):
        inner = sum(a[i][j] * (x[j] - 1e-4 * p[i][j]) ** 2 for j in range(6))
        total += alpha[i] * math.exp(-inner)
    return -total


@function("ackley5", [-32.768] * 5, [32.768] * 5, 0.0)
def ackley(x):
    d = len(x)
    squares = sum(v * v for v in x)
    cosines = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(squares / d)) - math.exp(cosines / d) + 20 + math.e


@function("rosenbrock4", [-5] * 4, [10] * 4, 0.0)
def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


@function("styblinski4", [-5] * 4, [5] * 4, -156.664664)
def styblinski(x):
    return 0.5 * sum(v ** 4 - 16 * v * v + 5 * v for v in x)


@function("levy4", [-10] * 4, [10] * 4, 0.0)
def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for i in range(len(w) - 1):
        total += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    total += (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return total


SAMPLERS = {
    "tpe": lambda seed, liar: optuna.samplers.TPESampler(seed=seed, constant_liar=liar),
    "tpe-multivariate": lambda seed, liar: optuna.samplers.TPESampler(
        seed=seed, multivariate=True, constant_liar=liar),
    "cmaes": lambda seed, liar: optuna.samplers.CmaEsSampler(seed=seed),
    "random": lambda seed, liar: optuna.samplers.RandomSampler(seed=seed),
}


def run(fn, sampler_name, seed, trials, batch=1, constant_liar=False):
    f, lower, upper, optimum = FUNCTIONS[fn]
    study = optuna.create_study(direction="minimize",
                                sampler=SAMPLERS[sampler_name](seed, constant_liar))
    distributions = {f"x{j + 1}": optuna.distributions.FloatDistribution(lower[j], upper[j])
                     for j in range(len(lower))}
    best = math.inf
    regret = []
    suggest_s = []
    while len(regret) < trials:
        asked = []
        for _ in range(min(batch, trials - len(regret))):
            start = time.perf_counter()
            asked.append(study.ask(distributions))
            suggest_s.append(time.perf_counter() - start)
        for trial in asked:
            value = f([trial.params[f"x{j + 1}"] for j in range(len(lower))])
            study.tell(trial, value)
            best = min(best, value)
            regret.append(best - optimum)
    return regret, suggest_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--constant-liar", action="store_true")
    args = parser.parse_args()
    if args.batch < 1:
        sys.exit(f"optuna_bench.py: --batch {args.batch}: must be 1 or more")
    suffix = (f"-batch{args.batch}" if args.batch > 1 else "") + ("-cl" if args.constant_liar else "")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    for name in args.samplers.split(","):
        if name not in SAMPLERS:
            sys.exit(f"optuna_bench.py: unknown sampler '{name}'; valid: {', '.join(SAMPLERS)}")
    for fn in args.functions.split(","):
        if fn not in FUNCTIONS:
            sys.exit(f"optuna_bench.py: unknown function '{fn}'; valid: {', '.join(FUNCTIONS)}")
    for name in args.samplers.split(","):
        for fn in args.functions.split(","):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                regret, suggest_s = run(fn, name, seed, args.trials, args.batch,
                                        args.constant_liar)
                print(json.dumps({"fn": fn, "seed": seed, "method": "optuna-" + name + suffix,
                                  "regret": regret, "suggest_s": suggest_s}), flush=True)


if __name__ == "__main__":
    main()
