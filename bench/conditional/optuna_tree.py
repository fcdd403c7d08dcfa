#!/usr/bin/python3
"""Runs Optuna 3.1's samplers on the conditional benchmark's tree (tree_problem.h, written again
here) with define-by-run conditionals, and prints conditional_bench's JSON lines:
  {"fn": "tree", "seed": 3, "method": "optuna-tpe", "regret": [60 numbers]}

Samplers: tpe (defaults), tpe-multivariate-group (multivariate=True, group=True), random.
Needs Optuna 3.1 (`apt-get install python3-optuna`); a bench-only dependency.

Usage: optuna_tree.py [--samplers tpe,tpe-multivariate-group,random] [--seeds 20]
                      [--first-seed 0] [--trials 60]
"""
import argparse
import json
import math
import warnings

import optuna


def objective(trial):
    """The tree of tree_problem.h: the same parameters, ranges, scales and values."""
    model = trial.suggest_categorical("model", ["linear", "rbf", "poly", "mlp"])
    if model == "linear":
        slope = trial.suggest_float("slope", -5, 5)
        return 0.5 + 0.05 * (slope - 2.0) ** 2
    if model == "rbf":
        gamma = trial.suggest_float("gamma", 1e-4, 1, log=True)
        c = trial.suggest_float("c", 1e-2, 1e2, log=True)
        return 0.1 + 0.3 * (math.log10(gamma) + 2.0) ** 2 + 0.2 * (math.log10(c) - 1.0) ** 2
    if model == "poly":
        degree = trial.suggest_int("degree", 1, 5)
        f = 0.3 + 0.1 * (degree - 4.0) ** 2
        if degree >= 3:
            shift = trial.suggest_float("shift", -1, 1)
            f += (shift - 0.5) ** 2
        else:
            f += 0.5
        coef = trial.suggest_float("coef", 0, 10)
        return f + 0.02 * (coef - 7.0) ** 2
    layers = trial.suggest_int("layers", 1, 4)
    f = 0.1 * (layers - 3.0) ** 2
    if layers >= 2:
        units2 = trial.suggest_float("units2", 0, 1)
        f += 2.0 * (units2 - 0.7) ** 2
    else:
        f += 0.6
    if layers >= 3:
        units3 = trial.suggest_float("units3", 0, 1)
        f += 2.0 * (units3 - 0.2) ** 2
    else:
        f += 0.3
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    units1 = trial.suggest_float("units1", 0, 1)
    return f + 0.2 * (math.log10(lr) + 3.0) ** 2 + 2.0 * (units1 - 0.3) ** 2


def sampler_for(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-multivariate-group":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit(f"unknown sampler '{name}'; valid: tpe, tpe-multivariate-group, random")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samplers", default="tpe,tpe-multivariate-group,random")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=60)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    for name in args.samplers.split(","):
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            study = optuna.create_study(direction="minimize", sampler=sampler_for(name, seed))
            study.optimize(objective, n_trials=args.trials)
            best = math.inf
            regret = []
            for t in study.trials:
                best = min(best, t.value)
                regret.append(best)
            print(json.dumps({"fn": "tree", "seed": seed, "method": "optuna-" + name,
                              "regret": regret}), flush=True)


if __name__ == "__main__":
    main()
