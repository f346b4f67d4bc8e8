// The per-element rules of the reductions, written once for the CPU (ops/cpu/reduce.cpp,
// ops/cpu/pointwise.cpp) and the CUDA kernels (ops/cuda/reduce_kernels.cu), so the CPU tests
// cover what the GPU runs. Each rule is order-independent where a GPU tree needs it to be.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace hg::fn {

// Whether candidate (v, i) beats the current best (b, j) of max/min with indices: NaN beats any
// number, and among NaNs or equal values the smaller index wins. Because the rule only compares,
// any combining order gives what a left-to-right scan gives: the first NaN if there is one, else
// the first occurrence of the extreme (torch semantics).
template <bool IsMax>
struct ExtremeBetter {
  template <class T>
  HG_HOST_DEVICE bool operator()(T v, int64_t i, T b, int64_t j) const {
    const bool v_nan = v != v, b_nan = b != b;
    if (v_nan || b_nan) return v_nan && (!b_nan || i < j);
    if (IsMax ? v > b : v < b) return true;
    return v == b && i < j;
  }
};

// max(m, v) that skips NaN candidates (the shift of logsumexp: NaNs still reach the sum).
template <class T>
HG_HOST_DEVICE T max_skipping_nan(T m, T v) { return v > m ? v : m; }

// max(m, v) where a NaN on either side wins (the infinity norm, like torch).
template <class T>
HG_HOST_DEVICE T max_keeping_nan(T m, T v) { return m != m ? m : (v != v || v > m ? v : m); }

// Σ(x − mean)² / (n − correction); NaN when n − correction <= 0 (torch).
HG_HOST_DEVICE double variance_from(double sum_sq_dev, int64_t n, int64_t correction) {
  const double denom = static_cast<double>(n - correction);
  return denom > 0 ? sum_sq_dev / denom : NAN;
}

// logsumexp = m + log Σ exp(x − m) with m the largest non-NaN value; an infinite m is the result
// itself (all −inf gives −inf, a +inf gives +inf) and the sum is not used.
HG_HOST_DEVICE double logsumexp_from(double m, double sum_exp_shifted) {
  using std::isinf;
  using std::log;
  return isinf(m) ? m : m + log(sum_exp_shifted);
}

// Neither inf nor NaN (x − x is NaN exactly for those).
template <class T>
HG_HOST_DEVICE bool is_finite(T x) { return x - x == T(0); }

}  // namespace hg::fn
