// The per-pixel steps of the soft rasteriser around the per-(pixel, face) arithmetic of
// ops/rasterize_functors.h: adding a fragment to a pixel's running sums, finishing the pixel, and
// the backward of one (pixel, face) pair (formulas in ops/rasterize.h). HG_HOST_DEVICE and free of
// Tensor/Eigen, so the CPU kernels (ops/cpu/rasterize_soft.cpp) and the CUDA kernels
// (ops/cuda/rasterize.cu) run the same code. Channel values are read through (pointer, stride)
// pairs: the CPU keeps a tile's per-pixel values packed, the GPU reads the image planes directly.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/rasterize_functors.h"

namespace hg::raster {

// The settings every pixel needs, in the compute type (built on the host from SoftRasterSettings).
template <class C>
struct SoftConstants {
  C inv_sigma, inv_gamma, near, far, eps;
  C radius2;      // σ ln(1/p − 1): outside a face, D = sigmoid(−d²/σ) < p  <=>  d² > radius2
  C depth_scale;  // 1 / (γ (far − near))
  bool per_face;  // attributes per face instead of per vertex
};

// The fragment's attribute value in channel c: per face, the face's value; per vertex,
// Σ_k μ_k a_{v_k}. attrs is one image's [rows, channels] table in the compute type.
template <class C>
HG_HOST_DEVICE C fragment_attr(const C* attrs, int64_t face, const int64_t v[3], const SoftFragment<C>& s,
                               int64_t channels, bool per_face, int64_t c) {
  if (per_face) return attrs[face * channels + c];
  return s.mu[0] * attrs[v[0] * channels + c] + s.mu[1] * attrs[v[1] * channels + c] +
         s.mu[2] * attrs[v[2] * channels + c];
}

// Adds one evaluated fragment to a pixel: the online depth softmax (SoftBlend) and the running
// sums acc[c · stride] = Σ_f W_f a_fc (c < C) and acc[C · stride] = Σ_f W_f z_f, rescaled when the
// running max grows.
template <class C>
HG_HOST_DEVICE void soft_pixel_add(SoftBlend<C>* blend, C* acc, int64_t stride, const SoftFragment<C>& s,
                                   const SoftConstants<C>& k, const C* attrs, int64_t face, const int64_t v[3],
                                   int64_t channels) {
  C rescale;
  const C w = blend->add_face(s, normalized_depth(s.z, k.near, k.far), k.inv_gamma, &rescale);
  if (rescale != C(1))
    for (int64_t c = 0; c <= channels; ++c) acc[c * stride] *= rescale;
  for (int64_t c = 0; c < channels; ++c) acc[c * stride] += w * fragment_attr(attrs, face, v, s, channels, k.per_face, c);
  acc[channels * stride] += w * s.z;
}

// The pixel's outputs from its running state: out_c = (acc_c + W_bg bg_c) / W, alpha, depth =
// acc_C / W with W = Σ W_f + W_bg; *total gets W. `out` is written at c · out_stride for the
// channels, then alpha (C) and depth (C + 1).
template <class C, class T>
HG_HOST_DEVICE void soft_pixel_finish(const SoftBlend<C>& blend, const C* acc, int64_t stride, const double* background,
                                      const SoftConstants<C>& k, int64_t channels, T* out, int64_t out_stride,
                                      C* total) {
  const C w_bg = blend.background_weight(k.eps, k.inv_gamma);
  *total = blend.weight_sum + w_bg;
  for (int64_t c = 0; c < channels; ++c)
    out[c * out_stride] = static_cast<T>((acc[c * stride] + w_bg * C(background[c])) / *total);
  out[channels * out_stride] = static_cast<T>(blend.alpha());
  out[(channels + 1) * out_stride] = static_cast<T>(acc[channels * stride] / *total);
}

// One (pixel, face) pair of the backward. Inputs: the pixel's dL/d(attrs, alpha, depth) at
// go[c · go_stride] (c = 0 .. C + 1), its forward attribute outputs at out[c · out_stride]
// (c < C) and depth `depth`, its state (m, 1/W, Π (1 − D)). With w_f = W_f / W:
//   dL/dW_f = (Σ_c g_c (a_fc − out_c) + g_depth (z_f − depth)) / W
//   dL/dx_f = g_alpha Π(1 − D) D_f + dL/dW_f exp((z̄_f − m)/γ) D_f (1 − D_f)
//   dL/dz_f = g_depth w_f − dL/dW_f W_f / (γ (far − near)),   dL/da_fc = g_c w_f
// ADDS dL/da to g_attr (C values per face, or 3 × C per vertex: g_attr[j · C + c]) and, when
// need_screen, dL/d(x, y, z) of the face's vertices to gx, gy, gz (soft_fragment_backward).
template <class C, class G, class O>
HG_HOST_DEVICE void soft_pair_backward(const ScreenTriangle<C>& tri, const SoftFragment<C>& s, C px, C py,
                                       const G* go, int64_t go_stride, const O* out, int64_t out_stride, C depth,
                                       C m, C inv_total, C keep, const SoftConstants<C>& k, const C* attrs,
                                       int64_t face, const int64_t v[3], int64_t channels, bool need_screen,
                                       C* g_attr, C gx[3], C gy[3], C gz[3]) {
  using std::exp;
  const C zbar = normalized_depth(s.z, k.near, k.far);
  const C ez = exp((zbar - m) * k.inv_gamma), wf = s.prob * ez, w = wf * inv_total;
  const C g_alpha = static_cast<C>(go[channels * go_stride]), g_depth = static_cast<C>(go[(channels + 1) * go_stride]);
  C g_w = g_depth * (s.z - depth);  // depth, background depth 0
  for (int64_t c = 0; c < channels; ++c)
    g_w += static_cast<C>(go[c * go_stride]) *
           (fragment_attr(attrs, face, v, s, channels, k.per_face, c) - static_cast<C>(out[c * out_stride]));
  g_w *= inv_total;
  const C g_logit = g_alpha * keep * s.prob + g_w * ez * s.prob * s.prob_out;
  const C g_z = g_depth * w - g_w * wf * k.depth_scale;
  C g_mu[3] = {C(0), C(0), C(0)};
  for (int64_t c = 0; c < channels; ++c) {
    const C gc_w = static_cast<C>(go[c * go_stride]) * w;  // dL/da_fc
    if (k.per_face) {
      g_attr[c] += gc_w;
    } else {
      for (int j = 0; j < 3; ++j) {
        g_attr[j * channels + c] += s.mu[j] * gc_w;
        g_mu[j] += gc_w * attrs[v[j] * channels + c];
      }
    }
  }
  if (need_screen) soft_fragment_backward(tri, s, px, py, k.inv_sigma, g_logit, g_z, g_mu, gx, gy, gz);
}

}  // namespace hg::raster
