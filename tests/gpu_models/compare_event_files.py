#!/usr/bin/env python3
"""Checks that two bayestune-mlp runs (CPU and GPU, same flags and seed) logged the same curves.

    compare_event_files.py CPU_JOB_DIR GPU_JOB_DIR [--epochs N]

Reads each job dir's event file with TensorBoard's own EventAccumulator (so it also checks that
TensorBoard reads what bayestune-mlp writes), falling back to a plain TFRecord parser when
tensorboard is not installed. Prints one JSON line; exits 1 when the runs disagree beyond
floating-point drift: accuracy and train_accuracy within 0.02, loss within 3% (training is chaotic
in the last bits, docs/gpu_models.md); param_count equal; train_seconds positive and increasing in
both.
"""
import argparse
import glob
import json
import os
import struct
import sys

TAGS = ("accuracy", "loss", "train_accuracy", "param_count", "train_seconds")
COMPARED = ("accuracy", "loss", "train_accuracy", "param_count")


def read_with_tensorboard(path):
    from tensorboard.backend.event_processing import event_accumulator

    accumulator = event_accumulator.EventAccumulator(path, size_guidance={"scalars": 0})
    accumulator.Reload()
    return {tag: {e.step: e.value for e in accumulator.Scalars(tag)} for tag in TAGS}


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def read_plainly(path):
    """Event{1: wall_time, 2: step, 5: Summary{1: Value{1: tag, 2: simple_value}}}"""
    curves = {tag: {} for tag in TAGS}
    data = open(path, "rb").read()
    at = 0
    while at < len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        event = data[at + 12:at + 12 + length]
        at += 12 + length + 4
        step, tag, value, i = 0, None, None, 0
        while i < len(event):
            key, i = varint(event, i)
            if key == 0x09:
                i += 8
            elif key == 0x10:
                step, i = varint(event, i)
            elif key & 7 == 2:
                size, i = varint(event, i)
                body = event[i:i + size]
                i += size
                if key >> 3 == 5:  # summary -> value -> tag, simple_value
                    _, j = varint(body, 0)
                    _, j = varint(body, j)
                    _, j = varint(body, j)
                    tag_size, j = varint(body, j)
                    tag = body[j:j + tag_size].decode()
                    (value,) = struct.unpack_from("<f", body, j + tag_size + 1)
            else:
                raise ValueError(f"{path}: unexpected field key {key}")
        if tag in curves:
            curves[tag][step] = value
    return curves


def read_curves(job_dir):
    files = sorted(glob.glob(os.path.join(job_dir, "events.out.tfevents.*")))
    if len(files) != 1:
        raise SystemExit(f"{job_dir}: expected one event file, found {len(files)}")
    try:
        return read_with_tensorboard(files[0]), "tensorboard", None
    except ImportError:
        return read_plainly(files[0]), "plain parser", None
    except Exception as error:  # TensorBoard could not read it: a finding, but still compare
        return read_plainly(files[0]), "plain parser", f"TensorBoard failed on {files[0]}: {error!r}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cpu_job_dir")
    parser.add_argument("gpu_job_dir")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    cpu, reader, cpu_problem = read_curves(args.cpu_job_dir)
    gpu, _, gpu_problem = read_curves(args.gpu_job_dir)
    problems = [p for p in (cpu_problem, gpu_problem) if p]
    worst = {tag: 0.0 for tag in COMPARED}
    for tag in COMPARED:
        for step in range(1, args.epochs + 1):
            if step not in cpu[tag] or step not in gpu[tag]:
                problems.append(f"{tag} step {step} missing")
                continue
            a, b = cpu[tag][step], gpu[tag][step]
            difference = abs(a - b) / max(abs(a), 1e-6) if tag == "loss" else abs(a - b)
            worst[tag] = max(worst[tag], difference)
    if worst["accuracy"] > 0.02 or worst["train_accuracy"] > 0.02 or worst["loss"] > 0.03:
        problems.append("curves differ beyond floating-point drift")
    if worst["param_count"] != 0:
        problems.append("param_count differs")
    for name, curves in (("cpu", cpu), ("gpu", gpu)):
        seconds = [curves["train_seconds"].get(step) for step in range(1, args.epochs + 1)]
        if None in seconds or seconds[0] <= 0 or any(b <= a for a, b in zip(seconds, seconds[1:])):
            problems.append(f"{name} train_seconds not positive and increasing: {seconds}")
    print(json.dumps({
        "reader": reader,
        "epochs": args.epochs,
        "final_accuracy": {"cpu": cpu["accuracy"].get(args.epochs), "gpu": gpu["accuracy"].get(args.epochs)},
        "worst_accuracy_difference": round(worst["accuracy"], 6),
        "worst_train_accuracy_difference": round(worst["train_accuracy"], 6),
        "worst_loss_relative_difference": round(worst["loss"], 6),
        "param_count": {"cpu": cpu["param_count"].get(args.epochs), "gpu": gpu["param_count"].get(args.epochs)},
        "train_seconds": {"cpu": cpu["train_seconds"].get(args.epochs), "gpu": gpu["train_seconds"].get(args.epochs)},
        "agree": not problems,
        "problems": problems,
    }))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
