#!/usr/bin/python3
"""The book's study (examples/book/tuning.yaml: n_layers 10-100, momentum 0.1-1 log, GP) on the
gpu_models trainer (bayestune-mlp, the digits data), each trial 27 epochs, with and without ASHA
(minStep 1, maxStep 27, reductionFactor 3), through `bayestune run` as a user runs it (issue 20,
"the real thing"). For each seed and mode: the best validation accuracy of a trial trained to the
end (27 epochs), the epochs run in all (the "epoch k/27" lines of every trial's stdout.log, so
epochs run past a rung before the stop count), trials stopped, and the wall time.

Usage: book_asha.py [--seeds 3] [--trials 30] [--parallel 2] [--build build]
Prints one JSON line per (seed, mode) and a table of medians. Runs on the CPU unless a GPU is
there (the trainer picks it); say which in the figures.
"""
import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def study_yaml(trials, parallel, seed, trainer, asha):
    stopping = "    enableTrialEarlyStopping: true\n" if asha else ""
    rule = ("  earlyStopping: {rule: ASHA, minStep: 1, maxStep: 27, reductionFactor: 3}\n"
            if asha else "")
    return ("trainingInput:\n"
            "  hyperparameters:\n"
            "    goal: MAXIMIZE\n"
            "    hyperparameterMetricTag: accuracy\n"
            f"    maxTrials: {trials}\n"
            f"    maxParallelTrials: {parallel}\n" + stopping +
            "    params:\n"
            "      - {parameterName: n_layers, type: INTEGER, minValue: 10, maxValue: 100,\n"
            "         scaleType: UNIT_LINEAR_SCALE}\n"
            "      - {parameterName: momentum, type: DOUBLE, minValue: 0.1, maxValue: 1.0,\n"
            "         scaleType: UNIT_LOG_SCALE}\n"
            "runner:\n"
            f"  command: [{trainer}, --epochs=27]\n"
            "  jobDir: jobs\n"
            f"  cpuTrials: {parallel}\n"
            f"  seed: {seed}\n" + rule)


def run_one(bayestune, trainer, seed, asha, args):
    folder = tempfile.mkdtemp(prefix="bayestune-book-asha-")
    try:
        with open(os.path.join(folder, "tuning.yaml"), "w") as f:
            f.write(study_yaml(args.trials, args.parallel, seed, trainer, asha))
        start = time.monotonic()
        run = subprocess.run([bayestune, "run", "tuning.yaml", "--study", "book", "--progress",
                              "plain"], cwd=folder, capture_output=True, text=True)
        seconds = time.monotonic() - start
        if run.returncode != 0:
            raise SystemExit(f"bayestune run failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        export = subprocess.run([bayestune, "export", "book", "--format", "csv"], cwd=folder,
                                capture_output=True, text=True, check=True)
        rows = list(csv.DictReader(io.StringIO(export.stdout)))
        trained = [float(r["objective"]) for r in rows
                   if r["state"] == "SUCCEEDED" and r["stopped_early"] == "false"
                   and r["objective"]]
        epochs = 0
        jobs = os.path.join(folder, "jobs")
        for root, _dirs, files in os.walk(jobs):
            if "stdout.log" in files:
                with open(os.path.join(root, "stdout.log"), errors="replace") as log:
                    epochs += sum(1 for line in log if line.startswith("epoch "))
        return {"seed": seed, "mode": "asha" if asha else "no stopping",
                "best_accuracy_trained_to_end": max(trained) if trained else None,
                "epochs": epochs, "trials": len(rows),
                "stopped": sum(1 for r in rows if r["stopped_early"] == "true"),
                "seconds": round(seconds, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--build", default="build")
    args = parser.parse_args()
    bayestune = os.path.abspath(os.path.join(args.build, "cli", "bayestune"))
    trainer = os.path.abspath(os.path.join(args.build, "gpu_models", "bayestune-mlp"))
    for program in (bayestune, trainer):
        if not os.access(program, os.X_OK):
            raise SystemExit(f"{program}: not built (targets bayestune and bayestune-mlp)")
    results = []
    for seed in range(1, args.seeds + 1):
        for asha in (False, True):
            result = run_one(bayestune, trainer, seed, asha, args)
            print(json.dumps(result), flush=True)
            results.append(result)
    print(f"\n| mode | best accuracy trained to 27 epochs (median of {args.seeds} seeds) | "
          f"epochs run ({args.trials} trials) | trials stopped | wall time |\n"
          "| --- | --- | --- | --- | --- |")
    for mode in ("no stopping", "asha"):
        mine = [r for r in results if r["mode"] == mode]
        best = statistics.median(r["best_accuracy_trained_to_end"] for r in mine
                                 if r["best_accuracy_trained_to_end"] is not None)
        print(f"| {mode} | {best:.4f} | {statistics.median(r['epochs'] for r in mine):.0f} | "
              f"{statistics.median(r['stopped'] for r in mine):.0f} | "
              f"{statistics.median(r['seconds'] for r in mine):.0f} s |")


if __name__ == "__main__":
    main()
