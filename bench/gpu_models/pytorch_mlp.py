#!/usr/bin/env python3
"""PyTorch baseline for bench_mlp_throughput: the same residual MLP (docs/gpu_models.md), the same
synthetic MNIST-shaped data resident on the GPU, the same batch, SGD with momentum and weight decay,
and the same per-epoch work (shuffle, gather, forward, loss, backward, step, loss and accuracy sums
read once an epoch). FP32 without TF32, as bayestune's cuBLAS GEMMs. Prints one JSON line.

    python3 bench/gpu_models/pytorch_mlp.py [--n_layers 4 --hidden_units 512 --batch_size 256]
"""
import argparse
import json
import math
import time

import torch
from torch import nn


class ResidualMlp(nn.Module):
    """h = W_1 x + b_1; h += s (W_l act(h) + b_l) for l = 2..n; logits = W_out act(h) + b_out."""

    def __init__(self, features, hidden_units, n_layers, classes):
        super().__init__()
        self.first = nn.Linear(features, hidden_units)
        self.blocks = nn.ModuleList(nn.Linear(hidden_units, hidden_units) for _ in range(n_layers - 1))
        self.out = nn.Linear(hidden_units, classes)
        self.scale = 1.0 / math.sqrt(n_layers - 1) if n_layers > 1 else 1.0

    def forward(self, x):
        h = self.first(x)
        for block in self.blocks:
            h = h + self.scale * block(torch.relu(h))
        return self.out(torch.relu(h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n_layers", type=int, default=4)
    parser.add_argument("--hidden_units", type=int, default=512)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--samples", type=int, default=65536)
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs, after one untimed")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda")
    generator = torch.Generator(device=device).manual_seed(42)
    x = torch.rand(args.samples, args.features, device=device, generator=generator)
    y = torch.randint(0, args.classes, (args.samples,), device=device, generator=generator)
    model = ResidualMlp(args.features, args.hidden_units, args.n_layers, args.classes).to(device)
    step_model = torch.compile(model) if args.compile else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        loss_sum = torch.zeros((), device=device, dtype=torch.float64)
        correct = torch.zeros((), device=device, dtype=torch.int64)
        order = torch.randperm(args.samples, device=device, generator=generator)
        for start in range(0, args.samples, args.batch_size):
            index = order[start:start + args.batch_size]
            xb, yb = x[index], y[index]
            logits = step_model(xb)
            loss = loss_fn(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach().double() * yb.numel()
            correct += (logits.detach().argmax(1) == yb).sum()
        return loss_sum.item(), correct.item()  # one synchronisation an epoch

    epoch()  # warm-up: allocator, cuBLAS heuristics, compilation
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "pytorch" + ("-compile" if args.compile else ""),
        "device": "gpu",
        "device_name": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "n_layers": args.n_layers, "hidden_units": args.hidden_units,
        "batch_size": args.batch_size, "features": args.features, "classes": args.classes,
        "samples": args.samples, "epochs": args.epochs, "seconds": round(seconds, 4),
        "samples_per_s": round(args.samples * args.epochs / seconds, 1),
    }))


if __name__ == "__main__":
    main()
