"""Golden outputs for padding, resampling and indexing (tests/ops/test_sample_fixtures.cpp).

Run with Debian's python (torch 1.13):  /usr/bin/python3 tests/reference/make_sample_fixtures.py
Writes tests/fixtures/sample_index.safetensors (f32). For each case it stores the inputs, the
forward output, and the gradients for a fixed upstream gradient `<case>.gy`:
  <case>.x / .grid / .theta   inputs          <case>.y          output
  <case>.dx / .dgrid / .dtheta gradients     (gy drawn once per case)
Case names encode the parameters (the C++ test spells them out again).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

torch.manual_seed(1234)
out = {}


def grads(y, inputs, name, names):
    gy = torch.randn_like(y)
    gs = torch.autograd.grad(y, inputs, gy)
    out[name + ".y"] = y
    out[name + ".gy"] = gy
    for n, g in zip(names, gs):
        out[name + ".d" + n] = g


# grid_sample: grid values in [-1.2, 1.2] so some points fall outside the image
x = torch.randn(2, 3, 5, 6)
grid = torch.rand(2, 4, 7, 2) * 2.4 - 1.2
for padding in ("zeros", "border"):
    for ac in (False, True):
        name = f"grid_sample.bilinear.{padding}.ac{int(ac)}"
        xi = x.clone().requires_grad_()
        gi = grid.clone().requires_grad_()
        out[name + ".x"] = x
        out[name + ".grid"] = grid
        y = F.grid_sample(xi, gi, mode="bilinear", padding_mode=padding, align_corners=ac)
        grads(y, (xi, gi), name, ("x", "grid"))
name = "grid_sample.nearest.zeros.ac0"
xi = x.clone().requires_grad_()
out[name + ".x"] = x
out[name + ".grid"] = grid
y = F.grid_sample(xi, grid, mode="nearest", padding_mode="zeros", align_corners=False)
grads(y, (xi,), name, ("x",))

# interpolate: up and down, nearest and bilinear (both align_corners), sizes and scale factors
x = torch.randn(2, 3, 5, 7)
cases = [
    ("nearest.up", dict(size=(8, 11), mode="nearest")),
    ("nearest.down", dict(size=(3, 4), mode="nearest")),
    ("nearest.double", dict(size=(10, 14), mode="nearest")),
    ("nearest.scale", dict(scale_factor=(1.7, 0.6), mode="nearest")),
    ("bilinear.up.ac0", dict(size=(8, 11), mode="bilinear", align_corners=False)),
    ("bilinear.up.ac1", dict(size=(8, 11), mode="bilinear", align_corners=True)),
    ("bilinear.down.ac0", dict(size=(3, 4), mode="bilinear", align_corners=False)),
    ("bilinear.down.ac1", dict(size=(3, 4), mode="bilinear", align_corners=True)),
    ("bilinear.scale.ac0", dict(scale_factor=(1.5, 0.7), mode="bilinear", align_corners=False)),
]
for tag, kw in cases:
    name = "interpolate." + tag
    xi = x.clone().requires_grad_()
    out[name + ".x"] = x
    y = F.interpolate(xi, **kw)
    grads(y, (xi,), name, ("x",))

# affine_grid: size [2, 3, 4, 5]
theta = torch.randn(2, 2, 3)
for ac in (False, True):
    name = f"affine_grid.ac{int(ac)}"
    ti = theta.clone().requires_grad_()
    out[name + ".theta"] = theta
    y = F.affine_grid(ti, [2, 3, 4, 5], align_corners=ac)
    grads(y, (ti,), name, ("theta",))

# pad: 2-D pads on NCHW and 1-D pads on NCW
x4 = torch.randn(2, 3, 4, 5)
x3 = torch.randn(2, 3, 5)
pads = [
    ("constant", x4, (1, 2, 2, 1), dict(mode="constant", value=0.5)),
    ("reflect", x4, (2, 1, 3, 0), dict(mode="reflect")),
    ("replicate", x4, (3, 1, 0, 2), dict(mode="replicate")),
    ("reflect1d", x3, (2, 4), dict(mode="reflect")),
    ("replicate1d", x3, (3, 0), dict(mode="replicate")),
]
for tag, xin, p, kw in pads:
    name = "pad." + tag
    xi = xin.clone().requires_grad_()
    out[name + ".x"] = xin
    y = F.pad(xi, p, **kw)
    grads(y, (xi,), name, ("x",))

out = {k: v.detach().float().contiguous() for k, v in out.items()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sample_index.safetensors")
safetensors_io.save(os.path.normpath(path), out, {"torch": torch.__version__, "script": "make_sample_fixtures.py"})
print(f"wrote {len(out)} tensors to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
