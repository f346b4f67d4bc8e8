// The Rodrigues formula per axis-angle vector as HG_HOST_DEVICE functors (fn::Rodrigues,
// fn::RodriguesGrad), with no Tensor or Eigen include so the CUDA kernels (ops/cuda/rotation_kernels.cu)
// compile the same formulas the CPU runs. The derivation is in ops/rotation.h.
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

// a, b, c of the formula above and the s-derivatives a', b' at s = θ².
template <class T>
struct RodriguesCoefficients {
  T a, b, c, da, db;
};

// Below this s = θ² the series are used; at s = 1 their first omitted terms are < 1e-19.
inline constexpr double kRodriguesSeriesBelow = 1.0;
inline constexpr int kRodriguesSeriesTerms = 10;

template <class T>
HG_HOST_DEVICE RodriguesCoefficients<T> rodrigues_coefficients(T s) {
  RodriguesCoefficients<T> k;
  if (s < T(kRodriguesSeriesBelow)) {
    // a = Σ_{n≥0} (−1)ⁿ sⁿ/(2n+1)!,  b = Σ_{n≥0} (−1)ⁿ sⁿ/(2n+2)!
    // a' = Σ_{n≥1} n (−1)ⁿ sⁿ⁻¹/(2n+1)!,  b' = Σ_{n≥1} n (−1)ⁿ sⁿ⁻¹/(2n+2)!
    // ta = (−1)ⁿ sⁿ⁻¹/(2n+1)! and tb = (−1)ⁿ sⁿ⁻¹/(2n+2)! advance by −s/((2n+2)(2n+3)) and −s/((2n+3)(2n+4)).
    T ta = T(-1) / T(6), tb = T(-1) / T(24);
    k.a = T(1);
    k.b = T(0.5);
    k.da = T(0);
    k.db = T(0);
    for (int n = 1; n <= kRodriguesSeriesTerms; ++n) {
      k.a += ta * s;
      k.b += tb * s;
      k.da += T(n) * ta;
      k.db += T(n) * tb;
      ta *= -s / T((2 * n + 2) * (2 * n + 3));
      tb *= -s / T((2 * n + 3) * (2 * n + 4));
    }
    k.c = T(1) - s * k.b;
  } else {
    using std::cos;
    using std::sin;
    using std::sqrt;
    const T theta = sqrt(s), sn = sin(theta), cs = cos(theta), half_sin = sin(theta / T(2));
    const T one_minus_cos = T(2) * half_sin * half_sin;  // 1 − cosθ without cancellation
    k.a = sn / theta;
    k.b = one_minus_cos / s;
    k.c = cs;
    k.da = (theta * cs - sn) / (T(2) * s * theta);
    k.db = (theta * sn - T(2) * one_minus_cos) / (T(2) * s * s);
  }
  return k;
}

// R (row-major 3×3) from one axis-angle vector r.
struct Rodrigues {
  template <class T>
  HG_HOST_DEVICE void operator()(const T* r, T* R) const {
    const T s = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    const RodriguesCoefficients<T> k = rodrigues_coefficients(s);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) R[3 * i + j] = k.b * r[i] * r[j] + (i == j ? k.c : T(0));
    // + a K, K = [[0, −r2, r1], [r2, 0, −r0], [−r1, r0, 0]]
    R[1] -= k.a * r[2];
    R[2] += k.a * r[1];
    R[3] += k.a * r[2];
    R[5] -= k.a * r[0];
    R[6] -= k.a * r[1];
    R[7] += k.a * r[0];
  }
};

// dL/dr (3 values) from r and G = dL/dR (row-major 3×3).
struct RodriguesGrad {
  template <class T>
  HG_HOST_DEVICE void operator()(const T* r, const T* G, T* dr) const {
    const T s = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    const RodriguesCoefficients<T> k = rodrigues_coefficients(s);
    const T w[3] = {G[7] - G[5], G[2] - G[6], G[3] - G[1]};
    T Gr[3], GTr[3];  // G r and Gᵀ r
    for (int i = 0; i < 3; ++i) {
      Gr[i] = G[3 * i] * r[0] + G[3 * i + 1] * r[1] + G[3 * i + 2] * r[2];
      GTr[i] = G[i] * r[0] + G[3 + i] * r[1] + G[6 + i] * r[2];
    }
    const T trace = G[0] + G[4] + G[8];
    const T r_dot_w = r[0] * w[0] + r[1] * w[1] + r[2] * w[2];
    const T rGr = r[0] * Gr[0] + r[1] * Gr[1] + r[2] * Gr[2];
    const T radial = T(2) * (T(-0.5) * k.a * trace + k.da * r_dot_w + k.db * rGr);
    for (int i = 0; i < 3; ++i) dr[i] = radial * r[i] + k.a * w[i] + k.b * (Gr[i] + GTr[i]);
  }
};

}  // namespace hg::fn
