"""Golden values for NT-Xent and the PeCLR loss, from PyTorch 1.13 (float64).

Run with Debian's python (the one with torch):
    /usr/bin/python3 tests/reference/make_contrastive_fixtures.py
Writes tests/fixtures/contrastive.safetensors, read by tests/nn/test_contrastive.cpp and
tests/hand/test_peclr_latent.cpp. Written from the formulas of REFERENCE.md §1 (PeCLR supp. eq. 1, 4),
independently of the C++ code: NT-Xent as cross-entropy over similarity logits with the anchor masked.
"""
import math
import os

import torch
import torch.nn.functional as F

import safetensors_io

torch.manual_seed(4321)
f64 = torch.float64
out = {}


def nt_xent(z, tau):
    """SimCLR's loss: logits = cosine similarities / tau, anchor excluded, target = the other view."""
    two_n = z.shape[0]
    n = two_n // 2
    zn = F.normalize(z, dim=1)
    logits = zn @ zn.t() / tau
    logits = logits.masked_fill(torch.eye(two_n, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(n, two_n), torch.arange(0, n)])
    return F.cross_entropy(logits, target)


def invert(z, angle, translation, scale, side):
    """Undo translate(v) ∘ scale(s) ∘ rotate(a) on the 2-D points of z (REFERENCE.md §1)."""
    b = z.shape[0]
    q = z.reshape(b, -1, 2)
    if translation is not None:
        d = q.detach()
        extent = d.max(dim=1, keepdim=True).values - d.min(dim=1, keepdim=True).values
        q = q - (translation / side).reshape(b, 1, 2) * extent
    c = q.mean(dim=1, keepdim=True)
    d = q - c
    if scale is not None:
        d = d / scale.reshape(b, 1, 1)
    if angle is not None:
        co, si = torch.cos(angle).reshape(b, 1), torch.sin(angle).reshape(b, 1)
        d = torch.stack([co * d[..., 0] + si * d[..., 1], -si * d[..., 0] + co * d[..., 1]], dim=2)
    return (d + c).reshape(b, -1)


for tau in (0.5, 0.1):
    key = "ntxent_tau%g" % tau
    z = torch.randn(8, 16, dtype=f64, requires_grad=True)
    loss = nt_xent(z, tau)
    (g,) = torch.autograd.grad(loss, z)
    out[key + "_z"], out[key + "_loss"], out[key + "_grad"] = z.detach(), loss.detach().reshape(1), g

# PeCLR: two views of N = 3 images, 128-d projections, rotation + translation (+ scale in a second case).
side = 128.0
for with_scale in (False, True):
    key = "peclr_scale" if with_scale else "peclr"
    z1 = torch.randn(3, 128, dtype=f64, requires_grad=True)
    z2 = torch.randn(3, 128, dtype=f64, requires_grad=True)
    a1, a2 = torch.empty(3, dtype=f64).uniform_(-math.pi / 4, math.pi / 4), torch.empty(3, dtype=f64).uniform_(-math.pi / 4, math.pi / 4)
    t1, t2 = torch.empty(3, 2, dtype=f64).uniform_(-15, 15), torch.empty(3, 2, dtype=f64).uniform_(-15, 15)
    s1 = torch.empty(3, dtype=f64).uniform_(0.6, 2.0) if with_scale else None
    s2 = torch.empty(3, dtype=f64).uniform_(0.6, 2.0) if with_scale else None
    p1 = F.normalize(invert(F.normalize(z1, dim=1), a1, t1, s1, side), dim=1)
    p2 = F.normalize(invert(F.normalize(z2, dim=1), a2, t2, s2, side), dim=1)
    loss = nt_xent(torch.cat([p1, p2]), 0.5)
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    out.update({key + "_z1": z1.detach(), key + "_z2": z2.detach(), key + "_a1": a1, key + "_a2": a2,
                key + "_t1": t1, key + "_t2": t2, key + "_p1": p1.detach(), key + "_loss": loss.detach().reshape(1),
                key + "_g1": g1, key + "_g2": g2})
    if with_scale:
        out[key + "_s1"], out[key + "_s2"] = s1, s2

here = os.path.dirname(os.path.abspath(__file__))
safetensors_io.save(os.path.join(here, "..", "fixtures", "contrastive.safetensors"), out)
print("wrote", len(out), "tensors")
