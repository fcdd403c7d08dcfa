#!/usr/bin/env python3
"""PyTorch baseline for bench_mlp_throughput: the same residual MLP (docs/gpu_models.md), the same
synthetic MNIST-shaped data resident on the device, the same batch, optimiser (SGD with momentum
and weight decay, or Adam) and the same per-epoch work (shuffle, gather, forward, loss, backward,
step, loss and accuracy sums read once an epoch). FP32 without TF32, as bayestune's cuBLAS GEMMs.
Prints one JSON line, with the same fields as bench_mlp_throughput.

    python3 bench/gpu_models/pytorch_mlp.py --device cpu --threads 1   # CPU, one thread
    python3 bench/gpu_models/pytorch_mlp.py --device gpu               # CUDA device 0

On the CPU, PyTorch's GEMMs run in the BLAS that libblas.so.3 points to (Debian's python3-torch;
`update-alternatives --display libblas.so.3-x86_64-linux-gnu`), so its speed depends on that
choice: the JSON line names the BLAS library loaded and, for OpenBLAS, its kernels.
"""
import argparse
import ctypes
import json
import math
import os
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads (intra-op and BLAS); default: $OMP_NUM_THREADS, else 1")
    parser.add_argument("--n_layers", type=int, default=4)
    parser.add_argument("--hidden_units", type=int, default=512)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--samples", type=int, default=0,
                        help="samples per epoch (default: 4096 cpu, 65536 gpu)")
    parser.add_argument("--epochs", type=int, default=0,
                        help="timed epochs, after one untimed (default: 2 cpu, 10 gpu)")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    args = parser.parse_args()
    gpu = args.device == "gpu"
    args.samples = args.samples or (65536 if gpu else 4096)
    args.epochs = args.epochs or (10 if gpu else 2)
    if args.threads <= 0:
        args.threads = int(os.environ.get("OMP_NUM_THREADS", "1") or "1")
    return args


def blas_in_use():
    """The BLAS library this process loaded (via libblas.so.3) and OpenBLAS's kernels, if it is."""
    libraries = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) or "blis" in os.path.basename(path):
                libraries.add(os.path.realpath(path))
    text = ", ".join(sorted(libraries)) or "unknown"
    for library in sorted(libraries):
        try:
            blas = ctypes.CDLL(library, mode=os.RTLD_NOLOAD)
            blas.openblas_get_corename.restype = ctypes.c_char_p
            blas.openblas_get_config.restype = ctypes.c_char_p
        except (OSError, AttributeError):
            continue
        config = blas.openblas_get_config().decode().split()
        version = config[1] if len(config) > 1 else "?"
        return f"{text} (OpenBLAS {version}, {blas.openblas_get_corename().decode()} kernels)"
    return text


def main():
    args = parse_args()
    # Before torch loads OpenBLAS (whose thread pool reads these at load time): PyTorch built
    # against a generic BLAS does not tell it the thread count itself.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import torch
    from torch import nn

    class ResidualMlp(nn.Module):
        """h = W_1 x + b_1; h += s (W_l act(h) + b_l) for l = 2..n; logits = W_out act(h) + b_out."""

        def __init__(self, features, hidden_units, n_layers, classes):
            super().__init__()
            self.first = nn.Linear(features, hidden_units)
            self.blocks = nn.ModuleList(
                nn.Linear(hidden_units, hidden_units) for _ in range(n_layers - 1))
            self.out = nn.Linear(hidden_units, classes)
            self.scale = 1.0 / math.sqrt(n_layers - 1) if n_layers > 1 else 1.0

        def forward(self, x):
            h = self.first(x)
            for block in self.blocks:
                h = h + self.scale * block(torch.relu(h))
            return self.out(torch.relu(h))

    gpu = args.device == "gpu"
    if gpu:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if gpu else "cpu")
    generator = torch.Generator(device=device).manual_seed(42)
    x = torch.rand(args.samples, args.features, device=device, generator=generator)
    y = torch.randint(0, args.classes, (args.samples,), device=device, generator=generator)
    model = ResidualMlp(args.features, args.hidden_units, args.n_layers, args.classes).to(device)
    step_model = torch.compile(model) if args.compile else model
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-4)
    else:
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
    if gpu:
        torch.cuda.synchronize()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(args.epochs):
        epoch()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    trained = args.samples * args.epochs
    print(json.dumps({
        "impl": "pytorch" + ("-compile" if args.compile else ""),
        "device": args.device,
        "device_name": torch.cuda.get_device_name(device) if gpu else
        f"cpu (PyTorch {torch.__version__}, {args.threads} thread(s), BLAS {blas_in_use()})",
        "torch": torch.__version__,
        "threads": args.threads, "optimizer": args.optimizer,
        "n_layers": args.n_layers, "hidden_units": args.hidden_units,
        "batch_size": args.batch_size, "features": args.features, "classes": args.classes,
        "samples": args.samples, "epochs": args.epochs, "seconds": round(seconds, 4),
        "samples_per_s": round(trained / seconds, 1),
        "process_cpu_seconds": round(cpu_seconds, 4),
        "samples_per_cpu_s": round(trained / cpu_seconds, 1),
    }))


if __name__ == "__main__":
    main()
