"""Golden trajectories of the optimisers, from PyTorch 1.13 (float32).

Run with Debian's python (the one with torch):
    /usr/bin/python3 tests/reference/make_optim_fixtures.py
Writes tests/fixtures/optim.safetensors, read by tests/nn/test_optim_fixtures.cpp.

The problem: two parameters, w [3, 4] and a 1-D b [4], and five fixed per-step gradients for each
(stored as g_w_<k>, g_b_<k>; g_b_2 is all zeros, to exercise LARS's "norm is 0" rule). Each case
feeds the same gradients to an optimiser and stores the parameters after every step as
<case>_w_<k>, <case>_b_<k>. SGD, Adam and AdamW are torch.optim; LARS is written below from the
formulas of REFERENCE.md §8 on top of torch.optim (weight decay moved out of the inner optimiser).
"""
import os

import torch

import safetensors_io

torch.manual_seed(20240611)
f32 = torch.float32
STEPS = 5
out = {}

w0 = torch.randn(3, 4, dtype=f32)
b0 = torch.randn(4, dtype=f32) * 0.1
out.update(w0=w0, b0=b0)
grads = []
for k in range(STEPS):
    gw = torch.randn(3, 4, dtype=f32)
    gb = torch.randn(4, dtype=f32) * 0.5 if k != 2 else torch.zeros(4, dtype=f32)
    out[f"g_w_{k}"] = gw
    out[f"g_b_{k}"] = gb
    grads.append((gw, gb))
# learning rates set before each step in the "scheduled" cases (the first one is 0: warm-up start)
LRS = [0.0, 0.01, 0.05, 0.03, 0.02]
out["lrs"] = torch.tensor(LRS, dtype=torch.float64)


def lars_step(opt, eta, eps, mode, exclude):
    """LARS (mode 'scale') / LARC (mode 'clip') from the formulas; then the inner optimiser steps."""
    saved = []
    for group in opt.param_groups:
        wd, lr = group["weight_decay"], group["lr"]
        for p in group["params"]:
            if p.grad is None or exclude(p):
                continue
            wn = p.detach().double().norm().item()
            gn = p.grad.double().norm().item()
            if wn == 0 or gn == 0:
                f = 1.0
            else:
                trust = eta * wn / (gn + wd * wn + eps)
                f = trust if mode == "scale" else (1.0 if lr == 0 else min(trust / lr, 1.0))
            p.grad = f * (p.grad + wd * p.detach())
        saved.append(wd)
        group["weight_decay"] = 0.0
    opt.step()
    for group, wd in zip(opt.param_groups, saved):
        group["weight_decay"] = wd


def run(name, make, lars=None, scheduled=False):
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = make(w, b)
    for k in range(STEPS):
        if scheduled:
            for group in opt.param_groups:
                group["lr"] = LRS[k]
        w.grad, b.grad = grads[k][0].clone(), grads[k][1].clone()
        if lars is None:
            opt.step()
        else:
            lars_step(opt, *lars)
        out[f"{name}_w_{k}"] = w.detach().clone()
        out[f"{name}_b_{k}"] = b.detach().clone()


none = lambda p: False  # noqa: E731
one_d = lambda p: p.dim() <= 1  # noqa: E731
O = torch.optim

run("sgd", lambda w, b: O.SGD([w, b], lr=0.1))
run("sgd_momentum", lambda w, b: O.SGD([w, b], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01))
run("sgd_nesterov", lambda w, b: O.SGD([w, b], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
run("adam", lambda w, b: O.Adam([w, b], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01))
run("adam_groups", lambda w, b: O.Adam([{"params": [w], "weight_decay": 0.1},
                                        {"params": [b], "lr": 0.02, "betas": (0.8, 0.9)}],
                                       lr=0.01, eps=1e-6))
run("adamw", lambda w, b: O.AdamW([w, b], lr=0.01, weight_decay=0.1))
run("adamw_scheduled", lambda w, b: O.AdamW([w, b], lr=0.01, weight_decay=0.1), scheduled=True)
run("lars_sgd_scale", lambda w, b: O.SGD([w, b], lr=0.5, momentum=0.9, weight_decay=0.01),
    lars=(0.01, 1e-8, "scale", one_d))
run("lars_sgd_clip", lambda w, b: O.SGD([w, b], lr=0.1, momentum=0.9, weight_decay=0.01),
    lars=(0.02, 1e-8, "clip", none))
run("lars_adam_scale", lambda w, b: O.Adam([w, b], lr=0.01, weight_decay=0.01),
    lars=(0.1, 1e-8, "scale", none))
run("lars_adam_clip", lambda w, b: O.Adam([w, b], lr=0.01, weight_decay=1e-3),
    lars=(0.02, 1e-8, "clip", one_d), scheduled=True)

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "fixtures", "optim.safetensors")
safetensors_io.save(path, out, {"generator": "tests/reference/make_optim_fixtures.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)}")
