"""Golden values for normalisation, softmax and losses, from PyTorch 1.13 (float32).

Run with Debian's python (the one with torch):
    /usr/bin/python3 tests/reference/make_norm_loss_fixtures.py
Writes tests/fixtures/norm_loss.safetensors, read by tests/ops/test_norm_loss_fixtures.cpp.
Every case stores its inputs, the upstream gradient it backpropagates (names ending in _gy) and
the outputs / input gradients torch computed.
"""
import os

import torch
import torch.nn.functional as F

import safetensors_io

torch.manual_seed(1234)
f32 = torch.float32
out = {}


def leaf(*shape, scale=1.0, shift=0.0):
    return (torch.randn(*shape, dtype=f32) * scale + shift).requires_grad_(True)


def grads(y, inputs, name):
    """Backpropagates a stored random upstream gradient; returns the input gradients."""
    gy = torch.randn(y.shape, dtype=f32)
    out[name + "_gy"] = gy
    return torch.autograd.grad(y, inputs, gy)


# ---- batch_norm 4-D: train (running stats updated in place) and eval ----
x = leaf(4, 3, 3, 2, scale=2.0, shift=0.5)
w = leaf(3, scale=0.5, shift=1.0)
b = leaf(3)
rm0 = torch.randn(3, dtype=f32) * 0.1
rv0 = torch.rand(3, dtype=f32) + 0.5
out.update(bn_x=x, bn_w=w, bn_b=b, bn_rm0=rm0, bn_rv0=rv0)
rm, rv = rm0.clone(), rv0.clone()
y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
gx, gw, gb = grads(y, (x, w, b), "bn_train")
out.update(bn_train_y=y, bn_train_rm=rm, bn_train_rv=rv, bn_train_gx=gx, bn_train_gw=gw, bn_train_gb=gb)
y = F.batch_norm(x, rm0.clone(), rv0.clone(), w, b, training=False, eps=1e-5)
gx, gw, gb = grads(y, (x, w, b), "bn_eval")
out.update(bn_eval_y=y, bn_eval_gx=gx, bn_eval_gw=gw, bn_eval_gb=gb)

# ---- batch_norm 2-D, no affine, train ----
x = leaf(6, 4, scale=3.0, shift=-1.0)
rm, rv = torch.zeros(4), torch.ones(4)
y = F.batch_norm(x, rm, rv, None, None, training=True, momentum=0.3)
(gx,) = grads(y, (x,), "bn2d")
out.update(bn2d_x=x, bn2d_y=y, bn2d_rm=rm, bn2d_rv=rv, bn2d_gx=gx)

# ---- layer_norm over the last two dims ----
x = leaf(3, 4, 5, scale=1.5, shift=0.3)
w = leaf(4, 5, scale=0.5, shift=1.0)
b = leaf(4, 5)
y = F.layer_norm(x, (4, 5), w, b, eps=1e-5)
gx, gw, gb = grads(y, (x, w, b), "ln")
out.update(ln_x=x, ln_w=w, ln_b=b, ln_y=y, ln_gx=gx, ln_gw=gw, ln_gb=gb)

# ---- softmax / log_softmax along a middle dim ----
x = leaf(2, 5, 3, scale=3.0)
y = torch.softmax(x, 1)
(gx,) = grads(y, (x,), "sm")
out.update(sm_x=x, sm_y=y, sm_gx=gx)
y = torch.log_softmax(x, 1)
(gx,) = grads(y, (x,), "lsm")
out.update(lsm_y=y, lsm_gx=gx)

# ---- cross_entropy: reductions, ignore_index, label smoothing, 4-D ----
logits = leaf(6, 5, scale=2.0)
target = torch.tensor([1, 4, -100, 0, 2, 4])
out.update(ce_logits=logits, ce_target=target)
for red in ("mean", "sum", "none"):
    out["ce_" + red] = F.cross_entropy(logits, target, reduction=red)
loss = F.cross_entropy(logits, target)
(out["ce_mean_gx"],) = torch.autograd.grad(loss, logits)
loss = F.cross_entropy(logits, target, label_smoothing=0.1)
out["ce_ls"] = loss
(out["ce_ls_gx"],) = torch.autograd.grad(loss, logits)
y = F.cross_entropy(logits, target, reduction="none", label_smoothing=0.2)
(gx,) = grads(y, (logits,), "ce_none_ls")
out.update(ce_none_ls=y, ce_none_ls_gx=gx)
logits = leaf(2, 4, 3, 2)
target = torch.randint(0, 4, (2, 3, 2))
target[0, 1, 1] = 3
target[1, 0, 0] = 3
loss = F.cross_entropy(logits, target, ignore_index=3, label_smoothing=0.05)
(gx,) = torch.autograd.grad(loss, logits)
out.update(ce4_logits=logits, ce4_target=target, ce4_loss=loss, ce4_gx=gx)

# ---- regression losses ----
a = leaf(4, 5)
t = leaf(4, 5)
out.update(reg_a=a, reg_t=t)
cases = {
    "mse": lambda r: F.mse_loss(a, t, reduction=r),
    "l1": lambda r: F.l1_loss(a, t, reduction=r),
    "sl1": lambda r: F.smooth_l1_loss(a, t, reduction=r, beta=1.0),
    "sl1b05": lambda r: F.smooth_l1_loss(a, t, reduction=r, beta=0.5),
}
for name, f in cases.items():
    for red in ("mean", "sum", "none"):
        out[name + "_" + red] = f(red)
    ga, gt = torch.autograd.grad(f("mean"), (a, t))
    out[name + "_mean_ga"], out[name + "_mean_gt"] = ga, gt

# ---- cosine_similarity (incl. a row whose norm is below eps) and normalize ----
a = leaf(4, 6)
b = leaf(4, 6)
with torch.no_grad():
    a[3] *= 1e-9
y = F.cosine_similarity(a, b, dim=1, eps=1e-8)
ga, gb = grads(y, (a, b), "cos")
out.update(cos_a=a, cos_b=b, cos_y=y, cos_ga=ga, cos_gb=gb)
x = leaf(3, 4)
y = F.normalize(x, p=2.0, dim=1)
(gx,) = grads(y, (x,), "nz")
out.update(nz_x=x, nz_y=y, nz_gx=gx)
y = F.normalize(x, p=1.0, dim=0)
(gx,) = grads(y, (x,), "nz1")
out.update(nz1_y=y, nz1_gx=gx)

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "fixtures", "norm_loss.safetensors")
safetensors_io.save(path, {k: v.detach() for k, v in out.items()},
                    {"generator": "tests/reference/make_norm_loss_fixtures.py", "torch": torch.__version__})
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes,", len(out), "tensors")
