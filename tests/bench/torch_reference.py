#!/usr/bin/python3
"""handgrad vs PyTorch on the `handgrad bench` workload, side by side.

Run with Debian's python, which has torch 1.13 and torchvision 0.14:

    /usr/bin/python3 tests/bench/torch_reference.py [build/handgrad] --arch resnet18 --batch 32 --size 128 \
        [--amp bf16] [--steps 5] [--warmup 1] [--threads 2] [--repeat R] [--json]

The workload (identical on both sides):
  model      torchvision resnet18 / resnet50 with its default 1000-class fc (handgrad builds the same net)
  data       one random batch x ~ N(0, 1) [batch, 3, size, size], targets uniform in [0, 1000)
  train step zero_grad, forward (train mode), cross-entropy, backward, Adam(lr 1e-3) step
  inference  forward in eval mode under no_grad
  bf16       torch.autocast('cpu', dtype=torch.bfloat16) / `handgrad bench --amp bf16`
  timing     wall clock per step after the warm-up steps; the median is compared
Each side runs in its own child process (PyTorch: this script with --worker), so its peak RSS is
that process's alone: os.wait4 returns the child's own rusage, whose ru_maxrss (KiB) is its high-water mark.
The ratio column is handgrad / PyTorch (below 1: handgrad is faster / smaller).
"""
import argparse
import json
import os
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("handgrad", nargs="?", default="build/handgrad", help="path to the handgrad binary")
    p.add_argument("--arch", choices=["resnet18", "resnet50"], default="resnet18")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--amp", choices=["bf16"], default=None,
                   help="bf16 autocast (PyTorch 1.13's CPU autocast supports bf16 only)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=1,
                   help="run the pair R times, alternating PyTorch and handgrad, and keep each side's fastest "
                        "time per row and its highest peak RSS (the host is shared: the best of several "
                        "alternating runs is the least disturbed)")
    p.add_argument("--json", action="store_true", help="print both results as one JSON object")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # internal: run the PyTorch side
    a = p.parse_args()
    for name, lo in (("batch", 1), ("size", 32), ("steps", 1), ("warmup", 0), ("threads", 1), ("repeat", 1)):
        if getattr(a, name) < lo:
            p.error(f"--{name} must be >= {lo}, got {getattr(a, name)}")
    return a


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def torch_worker(a):
    """The PyTorch side; prints one JSON object (same keys as `handgrad bench --json`)."""
    import torch
    import torch.nn.functional as F
    import torchvision

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = getattr(torchvision.models, a.arch)()  # num_classes=1000, torchvision's init
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 1000, (a.batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    amp = dict(device_type="cpu", dtype=torch.bfloat16, enabled=a.amp == "bf16")

    def timed(f):
        ms = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            f()
            if i >= a.warmup:
                ms.append((time.perf_counter() - t0) * 1e3)
        return ms

    losses = []
    phases = [[], [], []]  # forward + loss, backward, optimiser step (ms)

    def train_step():
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(**amp):
            loss = F.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        for i, d in enumerate((t1 - t0, t2 - t1, t3 - t2)):
            phases[i].append(d * 1e3)
        losses.append(loss.item())

    def infer():
        with torch.no_grad(), torch.autocast(**amp):
            model(x)

    model.train()
    train = timed(train_step)
    model.eval()
    inf = timed(infer)
    out = {"framework": f"PyTorch {torch.__version__}", "arch": a.arch, "batch": a.batch, "size": a.size,
           "amp": a.amp or "off", "steps": a.steps, "warmup": a.warmup, "threads": torch.get_num_threads(),
           "parameters": sum(p.numel() for p in model.parameters()),
           "train_ms": median(train), "train_ms_mean": sum(train) / len(train), "train_ms_all": train,
           "infer_ms": median(inf), "infer_ms_mean": sum(inf) / len(inf), "infer_ms_all": inf,
           "train_forward_ms": median(phases[0][a.warmup:]), "train_backward_ms": median(phases[1][a.warmup:]),
           "train_optimizer_ms": median(phases[2][a.warmup:]),
           "train_images_per_s": a.batch * 1e3 / median(train), "infer_images_per_s": a.batch * 1e3 / median(inf),
           "final_loss": losses[-1]}
    print(json.dumps(out))


def run_child(cmd, threads):
    """Runs cmd, returns (its JSON output, its own peak RSS in MiB from wait4)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"torch_reference: {' '.join(cmd)} exited with {proc.returncode}")
    return json.loads(out), usage.ru_maxrss / 1024.0


def main():
    a = parse_args()
    if a.worker:
        torch_worker(a)
        return
    if not os.access(a.handgrad, os.X_OK):
        sys.exit(f"torch_reference: {a.handgrad}: not an executable (build it: ninja -C build handgrad_cli)")
    common = ["--arch", a.arch, "--batch", str(a.batch), "--size", str(a.size), "--steps", str(a.steps),
              "--warmup", str(a.warmup), "--threads", str(a.threads)]
    amp = ["--amp", a.amp] if a.amp else []
    torch_runs, hg_runs = [], []
    for _ in range(a.repeat):
        res, rss = run_child([sys.executable, os.path.abspath(__file__), "--worker", "--seed", str(a.seed)]
                             + common + amp, a.threads)
        res["peak_rss_mib"] = rss
        torch_runs.append(res)
        res, rss = run_child([a.handgrad, "bench", "--json", "--seed", str(a.seed)] + common + amp, a.threads)
        res["peak_rss_mib_self"] = res["peak_rss_mib"]  # VmHWM as handgrad read it
        res["peak_rss_mib"] = rss
        hg_runs.append(res)
    # Each timing is the side's fastest over its runs, independently (the least disturbed one); the
    # peak RSS is the side's highest (memory is not disturbed by other processes; report the worst).
    def summarise(runs):
        res = dict(min(runs, key=lambda r: r["train_ms"]))
        for key in ("train_ms", "train_forward_ms", "train_backward_ms", "train_optimizer_ms", "infer_ms"):
            res[key] = min(r[key] for r in runs)
        res["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        res["train_images_per_s"] = a.batch * 1000.0 / res["train_ms"]
        res["infer_images_per_s"] = a.batch * 1000.0 / res["infer_ms"]
        return res
    torch_res, hg_res = summarise(torch_runs), summarise(hg_runs)
    for res, runs in ((torch_res, torch_runs), (hg_res, hg_runs)):
        res["train_ms_per_repeat"] = [r["train_ms"] for r in runs]
        res["infer_ms_per_repeat"] = [r["infer_ms"] for r in runs]
    if a.json:
        print(json.dumps({"handgrad": hg_res, "pytorch": torch_res}, indent=2))
        return

    prec = f"{a.amp} autocast" if a.amp else "f32"
    print(f"{a.arch} (fc 1000), batch {a.batch}, {a.size}x{a.size}, {prec}, {a.threads} threads, "
          f"{a.steps} steps after {a.warmup} warm-up; {torch_res['framework']}"
          + (f"; each time the fastest and the RSS the highest of {a.repeat} alternating runs per side"
             if a.repeat > 1 else ""))
    print(f"  {'':32} {'handgrad':>10} {'PyTorch':>10} {'handgrad/PyTorch':>17}")
    rows = [("train step ms (median)", "train_ms", True), ("  of which forward + loss", "train_forward_ms", True),
            ("  of which backward", "train_backward_ms", True), ("  of which Adam step", "train_optimizer_ms", True),
            ("inference ms (median)", "infer_ms", True),
            ("peak RSS MiB", "peak_rss_mib", True),
            ("train images/s", "train_images_per_s", False), ("inference images/s", "infer_images_per_s", False)]
    for label, key, ratio in rows:
        h, t = hg_res[key], torch_res[key]
        r = f"{h / t:17.2f}" if ratio else f"{'':17}"
        print(f"  {label:32} {h:10.1f} {t:10.1f} {r}")
    if a.repeat > 1:
        for name, res in (("handgrad", hg_res), ("PyTorch", torch_res)):
            print(f"  {name} train ms per run: {', '.join(f'{v:.0f}' for v in res['train_ms_per_repeat'])}; "
                  f"inference ms per run: {', '.join(f'{v:.0f}' for v in res['infer_ms_per_repeat'])}")
    print(f"  final training loss: handgrad {hg_res['final_loss']:.4f}, PyTorch {torch_res['final_loss']:.4f}")


if __name__ == "__main__":
    main()
