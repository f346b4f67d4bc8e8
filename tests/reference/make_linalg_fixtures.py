#!/usr/bin/python3
"""Golden values for matmul (2-D, batched with broadcasting, transposed operands) and linear.

Run with Debian's python3 (torch 1.13):  /usr/bin/python3 tests/reference/make_linalg_fixtures.py
Writes tests/fixtures/linalg.safetensors.
"""
import os

import torch

from safetensors_io import save

torch.manual_seed(7)
out = {}
a = torch.randn(5, 7)
b = torch.randn(7, 3)
out["mm.a"], out["mm.b"], out["mm.out"] = a, b, a @ b

a = torch.randn(2, 1, 4, 6)
b = torch.randn(3, 6, 5)
out["bmm_broadcast.a"], out["bmm_broadcast.b"], out["bmm_broadcast.out"] = a, b, torch.matmul(a, b)

a = torch.randn(6, 4)  # used transposed
b = torch.randn(5, 6)  # used transposed
out["mm_transposed.a"], out["mm_transposed.b"] = a, b
out["mm_transposed.out"] = a.t() @ b.t()

x = torch.randn(3, 2, 8, requires_grad=True)
w = torch.randn(4, 8, requires_grad=True)
bias = torch.randn(4, requires_grad=True)
y = torch.nn.functional.linear(x, w, bias)
g = torch.randn_like(y)
y.backward(g)
out.update({"linear.x": x.detach(), "linear.w": w.detach(), "linear.b": bias.detach(), "linear.out": y.detach(),
            "linear.grad_out": g, "linear.grad_x": x.grad, "linear.grad_w": w.grad, "linear.grad_b": bias.grad})

m = torch.randn(4, 3, 3, dtype=torch.float64) + 2 * torch.eye(3, dtype=torch.float64)
out["small3.m"], out["small3.det"], out["small3.inv"] = m, torch.linalg.det(m), torch.linalg.inv(m)
u, v = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
out["small3.u"], out["small3.v"], out["small3.cross"] = u, v, torch.linalg.cross(u, v)

here = os.path.dirname(os.path.abspath(__file__))
save(os.path.join(here, "..", "fixtures", "linalg.safetensors"), out,
     {"generator": "tests/reference/make_linalg_fixtures.py", "torch": torch.__version__})
