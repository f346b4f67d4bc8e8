"""Golden values for handgrad's ResNet family from torchvision, for tests/nn/test_resnet_golden.cpp
and tests/nn/test_resnet.cpp.

Run with Debian's python (it has torch + torchvision 0.14):
    /usr/bin/python3 tests/reference/make_resnet_fixtures.py
writes
    tests/fixtures/resnet_names.safetensors   every depth's state_dict names, dtypes and shapes (metadata
                                              "resnet18" ... "resnet152", one "name dtype d0,d1,..." per
                                              line) and "param_counts" (i64 [5], with fc 1000 classes)
    tests/fixtures/resnet18_golden.safetensors, resnet50_golden.safetensors  (see below)

Reverse check (handgrad -> torchvision), by hand:
    /usr/bin/python3 tests/reference/make_resnet_fixtures.py --check FILE DEPTH
loads a state_dict saved by handgrad (Module::save_weights) into torchvision's resnet<DEPTH>
(num_classes 16) with strict=True and checks every value against the weight rule below and the
fixture's post-training running statistics (test_resnet_golden writes such a file when the environment
variable HG_RESNET_EXPORT_DIR is set).

THE WEIGHT RULE (the weights are not stored: ResNet-50 alone is 100 MB). Both sides compute, for the
k-th entry of the state_dict (k = 0, 1, ... in torchvision's order) and its element i (row-major):
    h = (i * 0x9E3779B1 + (k + 1) * 0x85EBCA77) mod 2^32
    h ^= h >> 16;  h = h * 0x7FEB352D mod 2^32;  h ^= h >> 15;  h = h * 0x846CA68B mod 2^32;  h ^= h >> 16
    r = (h >> 8) / 2^24                                  (exact, in [0, 1))
and then, in float64, rounded once to float32:
    weights with >= 2 dims (conv, fc):   (2r - 1) * sqrt(6 / fan_in),   fan_in = numel / size(0)
    1-D "...weight" (BatchNorm gamma):   0.5 + 0.5 r
    1-D "...bias" (BatchNorm beta, fc):  0.1 (2r - 1)
    running_mean:                        0.1 (2r - 1)
    running_var:                         0.75 + 0.5 r
    num_batches_tracked:                 0
Integer hashing, exact scaling and one correctly rounded multiply/sqrt make the two sides bit-identical.
The C++ twin is apply_golden_weight_rule() in tests/nn/resnet_weight_rule.h.

The reference runs in float64 (model.double(); the f32 rule weights convert exactly) and every tensor
below is stored in f64 (num_batches_tracked i64):
    input [2, 3, 64, 64], out_grad [2, 16]               x and the projection R of the loss sum(y * R)
    eval.output [2, 16]                                  eval-mode forward with the rule's running stats
    train.output [2, 16]                                 then a train-mode forward (batch statistics) ...
    grad.<param>         full gradient of the loss, for parameters with <= 4096 elements
    grad_sample.<param>  elements 0, s, 2s, ..., 255 s (s = numel // 256) of a larger parameter's gradient
    grad_stats.<param>   [sum, sum |g|, sum g^2] of that gradient
    after.<buffer>       every BatchNorm buffer after that one train-mode forward
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

from safetensors_io import save

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
NUM_CLASSES = 16
FULL_GRAD_LIMIT = 4096
SAMPLES = 256
M32 = np.uint64(0xFFFFFFFF)


def rule_uniform(k, n):
    """r in [0, 1) for elements 0..n-1 of state_dict entry k (see the module docstring)."""
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(0x9E3779B1) + np.uint64(((k + 1) * 0x85EBCA77) & 0xFFFFFFFF)) & M32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x7FEB352D)) & M32
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x846CA68B)) & M32
    h ^= h >> np.uint64(16)
    return (h >> np.uint64(8)).astype(np.float64) * (1.0 / 16777216.0)


def rule_value(k, name, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    if name.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=torch.int64)
    r = rule_uniform(k, n)
    if len(shape) >= 2:
        v = (2.0 * r - 1.0) * np.sqrt(6.0 / (n // shape[0]))
    elif name.endswith("running_mean") or name.endswith("bias"):
        v = 0.1 * (2.0 * r - 1.0)
    elif name.endswith("running_var"):
        v = 0.75 + 0.5 * r
    elif name.endswith("weight"):
        v = 0.5 + 0.5 * r
    else:
        raise ValueError("no rule for " + name)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def build(depth, num_classes):
    return getattr(torchvision.models, "resnet%d" % depth)(weights=None, num_classes=num_classes)


def apply_rule(model):
    state = {}
    for k, (name, t) in enumerate(model.state_dict().items()):
        state[name] = rule_value(k, name, tuple(t.shape))
    model.load_state_dict(state, strict=True)


def golden(depth):
    torch.manual_seed(depth)
    model = build(depth, NUM_CLASSES)
    apply_rule(model)
    # Reference arithmetic in float64 (the f32 rule weights convert exactly): in float32 a pre-ReLU value
    # within rounding noise of 0 flips its mask and moves a gradient by percents, in torch as in handgrad.
    model.double()
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    r = torch.randn(2, NUM_CLASSES, dtype=torch.float64)
    out = {"input": x, "out_grad": r}
    model.eval()
    with torch.no_grad():
        out["eval.output"] = model(x)
    model.train()
    y = model(x)
    out["train.output"] = y.detach()
    (y * r).sum().backward()
    for name, p in model.named_parameters():
        g = p.grad.detach().reshape(-1)
        if g.numel() <= FULL_GRAD_LIMIT:
            out["grad." + name] = p.grad.detach()
        else:
            s = g.numel() // SAMPLES
            out["grad_sample." + name] = g[0:s * SAMPLES:s].clone()
            out["grad_stats." + name] = torch.stack([g.sum(), g.abs().sum(), (g * g).sum()])
    for name, b in model.named_buffers():
        out["after." + name] = b.detach().clone()
    print("resnet%d: eval |y| max %.3g, train |y| max %.3g" %
          (depth, out["eval.output"].abs().max(), out["train.output"].abs().max()))
    save(os.path.join(FIXTURES, "resnet%d_golden.safetensors" % depth), out,
         {"depth": depth, "num_classes": NUM_CLASSES, "torchvision": torchvision.__version__})


def names():
    meta, counts = {}, []
    for depth in (18, 34, 50, 101, 152):
        model = build(depth, 1000)
        lines = ["%s %s %s" % (n, str(t.dtype).replace("torch.", ""), ",".join(str(s) for s in t.shape))
                 for n, t in model.state_dict().items()]
        meta["resnet%d" % depth] = "\n".join(lines)
        counts.append(sum(p.numel() for p in model.parameters()))
        print("resnet%d: %d state_dict entries, %d parameters" % (depth, len(lines), counts[-1]))
    save(os.path.join(FIXTURES, "resnet_names.safetensors"),
         {"param_counts": torch.tensor(counts, dtype=torch.int64)}, meta)


_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[b:end], dtype=_DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def check(path, depth):
    """Loads handgrad's file into torchvision strictly and compares every entry with what it must hold."""
    model = build(depth, NUM_CLASSES)
    model.load_state_dict(load_safetensors(path), strict=True)
    after = load_safetensors(os.path.join(FIXTURES, "resnet%d_golden.safetensors" % depth))
    worst = 0.0
    for k, (name, t) in enumerate(model.state_dict().items()):
        want = after["after." + name] if "after." + name in after else rule_value(k, name, tuple(t.shape))
        scale = max(want.double().abs().max().item(), 1e-30)
        worst = max(worst, (t.double() - want.double()).abs().max().item() / scale)
    model.eval()
    with torch.no_grad():
        y = model(after["input"].float())
    print("%s loads into torchvision resnet%d (strict); max relative difference from the expected state %.3g; "
          "eval output max %.4g" % (path, depth, worst, y.abs().max().item()))
    # The rule weights must be bit-exact; the running statistics come from a float32 forward in handgrad
    # against the float64 reference (ResNet-50's layer4 statistics agree to ~5e-5 relative).
    assert worst <= 5e-4, "state differs"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        check(sys.argv[2], int(sys.argv[3]))
    else:
        names()
        golden(18)
        golden(50)
