#!/usr/bin/python3
"""Optuna 3.1's TPE with SuccessiveHalvingPruner and with HyperbandPruner on the curves of
multi_fidelity_bench (issue 20), counted the same way, for the table in docs/optimizer.md.

The curves are the same program: each trial runs learning_curve_trainer (built in
build/bench/multi_fidelity/) with --print, so values, noise, curve families (--slow) and final
values (--landscape; the trainer prints each trial's true final value first) are exactly
multi_fidelity_bench's. Each value is reported to Optuna (trial.report) as it comes;
should_prune() is asked below the last step only (the last step is no rung, as in bayestune's
ASHA), and a pruned trial's process is killed. Steps consumed: each trial's last step reported,
summed in finishing order; the run stops launching once the budget is consumed (running trials
finish), and the best true (noise-free) final value among trials trained to the last step is read
at 25/50/75/100% of the budget and at a third of it (issue 20's target point), as
multi_fidelity_bench does. One trainer process per trial,
--parallel at once (Optuna's n_jobs threads); seeds are the bench's (TPESampler(seed=1000+s)).

Prints multi_fidelity_bench's JSON lines and its table of medians.

Usage: optuna_multi_fidelity.py [--seeds 20] [--budget 540] [--steps 27] [--sleep-ms 10]
                                [--parallel 2] [--slow a|c|mild|instant]
                                [--landscape quadratic3|hartmann6] [--methods optuna-tpe+sha,...]
                                [--trainer build/bench/multi_fidelity/learning_curve_trainer]
Needs Debian's python3-optuna (3.1); run it with /usr/bin/python3.
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import warnings

import optuna

METHODS = ("optuna-tpe+sha", "optuna-tpe+hyperband")


PARAMETERS = {"quadratic3": ("a", "b", "c"), "hartmann6": ("x1", "x2", "x3", "x4", "x5", "x6")}


def pruner_of(method, steps):
    if method == "optuna-tpe+sha":
        # Rungs at 1, 3, 9 (and 27, never asked): bayestune's ASHA with minStep 1, factor 3.
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=1, reduction_factor=3, min_early_stopping_rate=0)
    if method == "optuna-tpe+hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=steps, reduction_factor=3)
    raise SystemExit(f"unknown method {method}; valid: {', '.join(METHODS)}")


def run_one(method, seed, args, folder):
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=1000 + seed),
                                pruner=pruner_of(method, args.steps))
    lock = threading.Lock()
    state = {"spent": 0, "over": False}
    finished = []  # (last step, trained to the end, true final value), in finishing order

    def objective(trial):
        values = {name: trial.suggest_float(name, 0, 1) for name in PARAMETERS[args.landscape]}
        job_dir = os.path.join(folder, f"trial-{trial.number}")
        os.makedirs(job_dir)
        process = subprocess.Popen(
            [args.trainer, f"--job-dir={job_dir}", f"--landscape={args.landscape}"] +
            [f"--{name}={value!r}" for name, value in values.items()] +
            [f"--steps={args.steps}", f"--sleep-ms={args.sleep_ms}", f"--slow={args.slow}",
             "--print"],
            stdout=subprocess.PIPE, text=True)
        last, value, pruned, truth = 0, None, False, math.nan
        try:
            for line in process.stdout:
                step_text, value_text = line.split()
                if step_text == "final":
                    truth = float(value_text)
                    continue
                step, value = int(step_text), float(value_text)
                with lock:
                    state["spent"] += max(0, step - last)
                    state["over"] = state["over"] or state["spent"] >= args.budget
                last = step
                trial.report(value, step)
                if step < args.steps and trial.should_prune():
                    pruned = True
                    process.kill()
                    break
        finally:
            process.stdout.close()
            process.wait()
        with lock:
            finished.append((last, last >= args.steps and not pruned, truth))
        if pruned:
            raise optuna.TrialPruned()
        return value

    def stop_when_spent(study, _trial):
        with lock:
            if state["over"]:
                study.stop()

    start = time.monotonic()
    study.optimize(objective, n_trials=2000, n_jobs=args.parallel, callbacks=[stop_when_spent])
    seconds = time.monotonic() - start

    fractions = (0.25, 0.5, 0.75, 1.0)
    best_at = [math.nan] * len(fractions)
    best_at_third = math.nan
    spent, best = 0, math.nan
    full = stopped = 0
    for last, trained, truth in finished:
        spent += last
        if trained:
            full += 1
            if math.isnan(best) or truth > best:
                best = truth
        else:
            stopped += 1
        for k, fraction in enumerate(fractions):
            if spent <= fraction * args.budget:
                best_at[k] = best
        if 3 * spent <= args.budget:
            best_at_third = best
    return {"method": method, "seed": seed,
            "best_at_quarter_budgets": [round(v, 4) for v in best_at],
            "best_at_third_of_budget": round(best_at_third, 4),
            "trials": len(finished), "trained_to_end": full, "stopped": stopped,
            "seconds": round(seconds, 1)}


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=540)
    parser.add_argument("--steps", type=int, default=27)
    parser.add_argument("--sleep-ms", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--slow", default="a", choices=("a", "c", "mild", "instant"))
    parser.add_argument("--landscape", default="quadratic3", choices=tuple(PARAMETERS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--trainer", default="build/bench/multi_fidelity/learning_curve_trainer")
    args = parser.parse_args()
    if not os.access(args.trainer, os.X_OK):
        raise SystemExit(f"--trainer {args.trainer}: not an executable; build the target "
                         "learning_curve_trainer, or give its path")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")  # ExperimentalWarning and the like
    methods = args.methods.split(",")
    for method in methods:
        pruner_of(method, args.steps)
    print(f"# the optimum's final value is 0.9; budget {args.budget} steps "
          f"({args.budget // args.steps} full trials of {args.steps}); Optuna {optuna.__version__}",
          flush=True)
    results = {method: [] for method in methods}
    for seed in range(args.seeds):
        for method in methods:
            folder = tempfile.mkdtemp(prefix="bayestune-optuna-mf-")
            try:
                result = run_one(method, seed, args, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            print(json.dumps(result), flush=True)
            results[method].append(result)
    print(f"\n| method | best final value, median over {args.seeds} seeds, at 25% | 50% | 75% | "
          "100% of the budget | trials | trained to the end | at 1/3 of the budget |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for method in methods:
        row = [median([r["best_at_quarter_budgets"][k] for r in results[method]])
               for k in range(4)]
        trials = median([r["trials"] for r in results[method]])
        full = median([r["trained_to_end"] for r in results[method]])
        third = median([r["best_at_third_of_budget"] for r in results[method]])
        print(f"| {method} | " + " | ".join(f"{v:.4f}" for v in row) +
              f" | {trials:.0f} | {full:.0f} | {third:.4f} |")


if __name__ == "__main__":
    main()
