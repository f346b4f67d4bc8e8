// The per-element formulas of softmax / log_softmax (ops/softmax.h) and their backwards, shared by
// the CPU kernel (ops/cpu/softmax.cpp) and the CUDA kernels (ops/cuda/softmax.cu). A is the compute
// type (float for f32/f16/bf16, double for f64). No CUDA headers.
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

// The running maximum: (m < v) ? v : m, i.e. std::max(m, v) — a NaN v is skipped (the NaN still
// reaches the output through exp(NaN − m)).
template <class A>
HG_HOST_DEVICE A softmax_max(A m, A v) {
  return m < v ? v : m;
}
// exp(x − max): the unnormalised softmax term.
template <class A>
HG_HOST_DEVICE A softmax_exp(A x, A max) {
  using std::exp;
  return exp(x - max);
}
// log_softmax(x) = x − (max + log Σ exp(x − max)) = x − shift
template <class A>
HG_HOST_DEVICE A log_softmax_value(A x, A shift) {
  return x - shift;
}
// softmax backward: dx = y·(g − Σ g·y)
template <class A>
HG_HOST_DEVICE A softmax_grad(A y, A g, A sum_gy) {
  return y * (g - sum_gy);
}
// log_softmax backward: dx = g − exp(y)·Σ g
template <class A>
HG_HOST_DEVICE A log_softmax_grad(A y, A g, A sum_g) {
  using std::exp;
  return g - exp(y) * sum_g;
}

}  // namespace hg::fn
