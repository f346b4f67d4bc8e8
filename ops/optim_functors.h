// Element-wise update formulas of the optimisers, LARS and the loss scaler, written once for every
// backend (HG_HOST_DEVICE): nn/optim_foreach.h runs them on the CPU (strided loop) and on CUDA
// (ops/cuda/foreach.cu instantiates one fused kernel per functor), so the CPU tests cover the
// arithmetic the GPU runs. They live in the ops layer so the CUDA backend can compile them; nn
// code names them as nn::fn::... (nn/optim_functors.h).
//
// Each functor takes references to one element of every tensor involved, in compute precision
// (float for f32/f16/bf16, double for f64); the first arguments are the ones it updates.
// Per-step scalars (lr, bias corrections, ...) are fields, computed once per step on the host.
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

// SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD semantics):
//   g   <- g + wd·w
//   buf <- g                         on the first step with momentum
//   buf <- μ·buf + (1 − dampening)·g  afterwards
//   d   <- g + μ·buf (Nesterov)  or  buf  (or g when μ = 0)
//   w   <- w − lr·d
struct SgdMomentumUpdate {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step;
  template <class T> HG_HOST_DEVICE void operator()(T& w, T& buf, T g) const {
    g += T(weight_decay) * w;
    buf = first_step ? g : T(momentum) * buf + T(1.0 - dampening) * g;
    const T d = nesterov ? g + T(momentum) * buf : buf;
    w -= T(lr) * d;
  }
};
// The same without momentum (no buffer): w <- w − lr·(g + wd·w).
struct SgdUpdate {
  double lr, weight_decay;
  template <class T> HG_HOST_DEVICE void operator()(T& w, T g) const { w -= T(lr) * (g + T(weight_decay) * w); }
};

// Adam / AdamW (torch.optim.Adam / AdamW semantics), at step t = 1, 2, ...:
//   Adam  (L2):        g <- g + wd·w
//   AdamW (decoupled): w <- w − lr·wd·w          (before the moment update, on the old w)
//   m <- β1·m + (1 − β1)·g
//   v <- β2·v + (1 − β2)·g²
//   w <- w − (lr / (1 − β1^t)) · m / ( sqrt(v) / sqrt(1 − β2^t) + ε )     (ε outside the sqrt)
// `step_size` = lr / (1 − β1^t) and `bc2_sqrt` = sqrt(1 − β2^t) are computed on the host.
struct AdamUpdate {
  double lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt;
  bool decoupled;
  template <class T> HG_HOST_DEVICE void operator()(T& w, T& m, T& v, T g) const {
    using std::sqrt;
    if (decoupled) {
      w *= T(1.0 - lr * weight_decay);
    } else {
      g += T(weight_decay) * w;
    }
    m = T(beta1) * m + T(1.0 - beta1) * g;
    v = T(beta2) * v + T(1.0 - beta2) * g * g;
    const T denom = sqrt(v) / T(bc2_sqrt) + T(eps);
    w -= T(step_size) * (m / denom);
  }
};

// LARS trust factor (nn/lars.h), from the norms ‖w‖, ‖g‖:
//   trust = η ‖w‖ / (‖g‖ + wd ‖w‖ + ε);  factor = trust (scale) or min(trust / lr, 1) (clip);
//   factor = 1 when ‖w‖ = 0 or ‖g‖ = 0, and in clip mode when lr = 0.
HG_HOST_DEVICE double lars_factor(double w_norm, double g_norm, double weight_decay, double lr, double trust_coefficient,
                                  double eps, bool clip) {
  if (w_norm == 0 || g_norm == 0) return 1.0;
  const double trust = trust_coefficient * w_norm / (g_norm + weight_decay * w_norm + eps);
  if (!clip) return trust;
  if (lr == 0) return 1.0;  // trust / lr = +inf
  const double r = trust / lr;
  return r < 1.0 ? r : 1.0;
}

// LARS gradient rescaling (both modes, see nn/lars.h):  g <- factor·(g + wd·w).
struct LarsRescale {
  double factor, weight_decay;
  template <class T> HG_HOST_DEVICE void operator()(T& g, T w) const { g = T(factor) * (g + T(weight_decay) * w); }
};

// Multiply by a scalar (gradient clipping by norm, loss-scaler unscaling): g <- k·g.
struct ScaleBy {
  double k;
  template <class T> HG_HOST_DEVICE void operator()(T& g) const { g *= T(k); }
};

}  // namespace hg::fn
