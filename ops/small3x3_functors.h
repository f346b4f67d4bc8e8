// Per-matrix arithmetic of the batched 3x3 helpers (ops/linalg.h), row-major double[9], shared by
// the CPU loop (ops/cpu/small3x3.cpp) and the CUDA kernels (ops/cuda/small3x3_kernels.cu).
//   det A = a00 (a11 a22 - a12 a21) - a01 (a10 a22 - a12 a20) + a02 (a10 a21 - a11 a20)
//   C_ij = (-1)^(i+j) M_ij (the minor), A^-1 = C^T / det A
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::fn {

template <class T>
HG_HOST_DEVICE void cofactors3(const T* a, T* c) {
  c[0] = a[4] * a[8] - a[5] * a[7];
  c[1] = -(a[3] * a[8] - a[5] * a[6]);
  c[2] = a[3] * a[7] - a[4] * a[6];
  c[3] = -(a[1] * a[8] - a[2] * a[7]);
  c[4] = a[0] * a[8] - a[2] * a[6];
  c[5] = -(a[0] * a[7] - a[1] * a[6]);
  c[6] = a[1] * a[5] - a[2] * a[4];
  c[7] = -(a[0] * a[5] - a[2] * a[3]);
  c[8] = a[0] * a[4] - a[1] * a[3];
}

// det A by expansion along the first row, given A's cofactors.
template <class T>
HG_HOST_DEVICE T det3_from_cofactors(const T* a, const T* c) { return a[0] * c[0] + a[1] * c[1] + a[2] * c[2]; }

template <class T>
HG_HOST_DEVICE T det3(const T* a) {
  T c[9];
  cofactors3(a, c);
  return det3_from_cofactors(a, c);
}

// inv = A^-1 = C^T / det A. Returns false (inv untouched) when A is singular: |det| <= 1e-300 or
// below 1e-14 (max |a_ij|)^3, i.e. relative to the matrix's scale.
template <class T>
HG_HOST_DEVICE bool inverse3(const T* a, T* inv) {
  using std::fabs;
  T c[9];
  cofactors3(a, c);
  const T det = det3_from_cofactors(a, c);
  T scale = 0;
  for (int i = 0; i < 9; ++i) scale = fabs(a[i]) > scale ? fabs(a[i]) : scale;
  if (!(fabs(det) > T(1e-300) && fabs(det) > T(1e-14) * scale * scale * scale)) return false;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) inv[3 * i + j] = c[3 * j + i] / det;
  return true;
}

// One batch element of det3 / cofactor3 / inverse3: out gets 1, 9 or 9 values. False only for a
// singular matrix under inverse (out untouched then).
enum class Small3x3 : int { det, cofactors, inverse };
inline constexpr int small3x3_outputs(Small3x3 op) { return op == Small3x3::det ? 1 : 9; }

template <class T>
HG_HOST_DEVICE bool apply_small3x3(Small3x3 op, const T* a, T* out) {
  switch (op) {
    case Small3x3::det: out[0] = det3(a); return true;
    case Small3x3::cofactors: cofactors3(a, out); return true;
    case Small3x3::inverse: return inverse3(a, out);
  }
  return true;
}

}  // namespace hg::fn
