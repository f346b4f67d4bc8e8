"""Golden values for conv2d and 2-D pooling from PyTorch, for tests/ops/test_conv_pool.cpp.

Run with Debian's python (it has torch):  /usr/bin/python3 tests/reference/make_conv_pool_fixtures.py
Writes tests/fixtures/conv_pool.safetensors. For every case NAME it stores, in f32:
  NAME.x, NAME.w, NAME.b (conv, if a bias), NAME.y (output), NAME.gy (a fixed upstream gradient),
  NAME.gx, NAME.gw, NAME.gb (gradients of sum(y * gy)), NAME.indices (max pool, i64), and
  NAME.params (i64): conv  [stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups]
                     pools [kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode, count_include_pad]
                     adaptive [out_h, out_w]
"""
import os

import torch
import torch.nn.functional as F

from safetensors_io import save

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "conv_pool.safetensors"))

torch.manual_seed(1234)
tensors = {}


def grads_of(y, inputs):
    gy = torch.randn_like(y)
    wanted = [t for t in inputs if t is not None]
    gs = torch.autograd.grad(y, wanted, gy)
    return gy, gs


def conv_case(name, x_shape, w_shape, bias, stride=(1, 1), pad=(0, 0), dilation=(1, 1), groups=1):
    x = torch.randn(x_shape, requires_grad=True)
    w = (torch.randn(w_shape) * 0.3).requires_grad_(True)
    b = torch.randn(w_shape[0], requires_grad=True) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=pad, dilation=dilation, groups=groups)
    gy, gs = grads_of(y, [x, w, b])
    tensors[name + ".x"] = x
    tensors[name + ".w"] = w
    tensors[name + ".y"] = y
    tensors[name + ".gy"] = gy
    tensors[name + ".gx"] = gs[0]
    tensors[name + ".gw"] = gs[1]
    if bias:
        tensors[name + ".b"] = b
        tensors[name + ".gb"] = gs[2]
    tensors[name + ".params"] = torch.tensor([*stride, *pad, *dilation, groups], dtype=torch.int64)


def pool_params(kernel, stride, pad, dilation, ceil_mode, count_include_pad):
    return torch.tensor([*kernel, *stride, *pad, *dilation, int(ceil_mode), int(count_include_pad)],
                        dtype=torch.int64)


def max_pool_case(name, x_shape, kernel, stride, pad, dilation=(1, 1), ceil_mode=False):
    x = torch.randn(x_shape, requires_grad=True)
    y, idx = F.max_pool2d(x, kernel, stride, pad, dilation, ceil_mode=ceil_mode, return_indices=True)
    gy, (gx,) = grads_of(y, [x])
    tensors.update({name + ".x": x, name + ".y": y, name + ".indices": idx, name + ".gy": gy, name + ".gx": gx,
                    name + ".params": pool_params(kernel, stride, pad, dilation, ceil_mode, False)})


def avg_pool_case(name, x_shape, kernel, stride, pad, ceil_mode, count_include_pad):
    x = torch.randn(x_shape, requires_grad=True)
    y = F.avg_pool2d(x, kernel, stride, pad, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    gy, (gx,) = grads_of(y, [x])
    tensors.update({name + ".x": x, name + ".y": y, name + ".gy": gy, name + ".gx": gx,
                    name + ".params": pool_params(kernel, stride, pad, (1, 1), ceil_mode, count_include_pad)})


def adaptive_case(name, x_shape, out):
    x = torch.randn(x_shape, requires_grad=True)
    y = F.adaptive_avg_pool2d(x, out)
    gy, (gx,) = grads_of(y, [x])
    tensors.update({name + ".x": x, name + ".y": y, name + ".gy": gy, name + ".gx": gx,
                    name + ".params": torch.tensor(list(out), dtype=torch.int64)})


# conv2d
conv_case("conv_basic", (2, 3, 7, 7), (4, 3, 3, 3), True, pad=(1, 1))
conv_case("conv_stride2", (2, 4, 9, 8), (6, 4, 3, 3), False, stride=(2, 2), pad=(1, 1))
conv_case("conv_dilation_groups", (2, 4, 8, 8), (4, 2, 3, 3), True, pad=(2, 2), dilation=(2, 2), groups=2)
conv_case("conv_depthwise", (1, 6, 6, 6), (6, 1, 3, 3), False, pad=(1, 1), groups=6)
conv_case("conv_1x1", (3, 8, 5, 5), (16, 8, 1, 1), True)
conv_case("conv_1x1_wide", (2, 8, 16, 20), (6, 8, 1, 1), False)  # >= 256 columns: the direct 1x1 path
conv_case("conv_7x7s2", (2, 3, 16, 16), (8, 3, 7, 7), False, stride=(2, 2), pad=(3, 3))
conv_case("conv_rect", (2, 3, 6, 9), (5, 3, 2, 4), True, stride=(2, 1), pad=(1, 2), dilation=(1, 2))
conv_case("conv_odd_batch", (5, 8, 6, 6), (8, 8, 3, 3), False, pad=(1, 1))

# pools
max_pool_case("maxpool_k3s2p1", (2, 3, 9, 9), (3, 3), (2, 2), (1, 1))
max_pool_case("maxpool_ceil_dilation", (1, 2, 10, 9), (3, 3), (2, 2), (1, 1), dilation=(2, 2), ceil_mode=True)
max_pool_case("maxpool_rect", (2, 2, 7, 8), (2, 3), (1, 2), (1, 0))
avg_pool_case("avgpool_include_pad", (2, 3, 9, 9), (3, 3), (2, 2), (1, 1), False, True)
avg_pool_case("avgpool_exclude_pad_ceil", (2, 3, 8, 7), (3, 3), (2, 2), (1, 1), True, False)
avg_pool_case("avgpool_include_pad_ceil", (1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True, True)
adaptive_case("adaptive_nondivisible", (2, 3, 7, 10), (3, 4))
adaptive_case("adaptive_global", (2, 4, 5, 5), (1, 1))
adaptive_case("adaptive_upsample", (1, 2, 3, 5), (5, 7))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save(OUT, tensors, {"generator": "tests/reference/make_conv_pool_fixtures.py", "torch": torch.__version__})
print(f"wrote {OUT}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes")
