// Shared by the optimiser tests: a two-parameter problem (w [3, 4], 1-D b [4]) driven by fixed
// per-step gradients, and scalar reference implementations written directly from the update
// formulas in double precision, independent of the library's kernels.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/optimizer.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn::testing {

using Vec = std::vector<double>;

inline double l2(const Vec& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return std::sqrt(s);
}

struct RefSGD {
  double lr, mu = 0, damp = 0, wd = 0;
  bool nesterov = false;
  Vec buf = {};
  void step(Vec& w, Vec g) {
    for (size_t i = 0; i < w.size(); ++i) g[i] += wd * w[i];
    if (mu != 0) {
      if (buf.empty()) buf = g;
      else for (size_t i = 0; i < w.size(); ++i) buf[i] = mu * buf[i] + (1 - damp) * g[i];
      for (size_t i = 0; i < w.size(); ++i) g[i] = nesterov ? g[i] + mu * buf[i] : buf[i];
    }
    for (size_t i = 0; i < w.size(); ++i) w[i] -= lr * g[i];
  }
};

struct RefAdam {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0;
  bool decoupled = false;
  Vec m = {}, v = {};
  int t = 0;
  void step(Vec& w, Vec g) {
    if (m.empty()) m.assign(w.size(), 0.0), v.assign(w.size(), 0.0);
    ++t;
    for (size_t i = 0; i < w.size(); ++i) {
      if (decoupled) w[i] -= lr * wd * w[i];
      else g[i] += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
      w[i] -= lr * mhat / (std::sqrt(vhat) + eps);
    }
  }
};

// LARS from REFERENCE.md §8: returns the gradient handed to the inner optimiser (which then steps
// with weight decay 0).
inline Vec ref_lars_grad(const Vec& w, const Vec& g, double wd, double lr, double eta, double eps, bool clip) {
  const double wn = l2(w), gn = l2(g);
  double f = 1.0;
  if (wn != 0 && gn != 0) {
    const double trust = eta * wn / (gn + wd * wn + eps);
    f = clip ? (lr == 0 ? 1.0 : std::min(trust / lr, 1.0)) : trust;
  }
  Vec out(g.size());
  for (size_t i = 0; i < g.size(); ++i) out[i] = f * (g[i] + wd * w[i]);
  return out;
}

inline Tensor to_tensor(const Vec& v, const Shape& shape, DType dt) { return from_vector(v, shape, dt); }

// Sets p.grad to a copy of g.
inline void set_grad(Tensor& p, const Tensor& g) { p.set_grad(ops::clone(ops::to_dtype(g, p.dtype()))); }

}  // namespace hg::nn::testing
