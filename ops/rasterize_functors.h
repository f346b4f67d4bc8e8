// The per-(pixel, face) arithmetic of the rasterisers, written once for every backend
// (HG_HOST_DEVICE, like ops/functors.h): the CPU kernels in ops/cpu/rasterize_*.cpp call exactly
// these functions, and ops/cuda/rasterize.cu runs them on the GPU.
//
// Screen space: a vertex is (x, y, z) with (x, y) in pixels (the centre of pixel (i, j) is at
// (x, y) = (j, i), DESIGN.md) and z its camera depth (> 0). Notation for one triangle P0 P1 P2 and
// a pixel centre p:
//   edge function   E(a, b, p) = (b − a) × (p − a) = (b.x − a.x)(p.y − a.y) − (b.y − a.y)(p.x − a.x),
//   A2 = E(P0, P1, P2) (twice the signed area), E_k = E(P_{k+1}, P_{k+2}, p) (indices mod 3),
//   screen barycentrics λ_k = E_k / A2; p is inside when every E_k has the sign of A2.
// Perspective-correct interpolation (REFERENCE.md §9): ρ_k = λ_k / z_k, depth z = 1 / Σ ρ_k, and an
// attribute a(p) = Σ μ_k a_k with μ_k = ρ_k z.
#pragma once
#include <cmath>

#include "tensor/host_device.h"

namespace hg::raster {

template <class T>
struct ScreenTriangle {
  T x[3], y[3], z[3];  // pixels, pixels, camera depth (> 0)
  T area2;             // A2 = E(P0, P1, P2), non-zero for a drawn face
  // Reciprocals computed once per face by prepare_triangle (the per-pixel code only multiplies):
  T inv_area2;    // 1 / A2
  T inv_len2[3];  // 1 / |P_{e+1} − P_e|² of edge e
  T inv_z[3];     // 1 / z_k
};

// E(a, b, p), evaluated with the endpoints in a canonical order ((y, x) lexicographic) so that
// E(a, b, p) == −E(b, a, p) exactly: two triangles sharing an edge then agree bit for bit on which
// side of it a pixel centre lies (watertight coverage).
template <class T>
HG_HOST_DEVICE T edge_function(T ax, T ay, T bx, T by, T px, T py) {
  const bool swap = by < ay || (by == ay && bx < ax);
  if (swap) return -((ax - bx) * (py - by) - (ay - by) * (px - bx));
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

template <class T>
HG_HOST_DEVICE T triangle_area2(const ScreenTriangle<T>& f) {
  return edge_function(f.x[0], f.y[0], f.x[1], f.y[1], f.x[2], f.y[2]);
}

// Fills area2 and the reciprocals from x, y, z; false for a degenerate face (zero area: no
// interior and no edges to measure from), which is not drawn.
template <class T>
HG_HOST_DEVICE bool prepare_triangle(ScreenTriangle<T>* f) {
  f->area2 = triangle_area2(*f);
  if (!(f->area2 != T(0))) return false;
  f->inv_area2 = T(1) / f->area2;
  for (int e = 0; e < 3; ++e) {
    const int b = (e + 1) % 3;
    const T ex = f->x[b] - f->x[e], ey = f->y[b] - f->y[e];
    f->inv_len2[e] = T(1) / (ex * ex + ey * ey);  // finite: a zero-length edge means zero area
    f->inv_z[e] = T(1) / f->z[e];
  }
  return true;
}

// The three E_k at p; returns true when p is strictly inside (every E_k has the sign of A2).
template <class T>
HG_HOST_DEVICE bool edge_values(const ScreenTriangle<T>& f, T px, T py, T e[3]) {
  for (int k = 0; k < 3; ++k) {
    const int a = (k + 1) % 3, b = (k + 2) % 3;
    e[k] = edge_function(f.x[a], f.y[a], f.x[b], f.y[b], px, py);
  }
  const T s = f.area2 > T(0) ? T(1) : T(-1);
  return s * e[0] > T(0) && s * e[1] > T(0) && s * e[2] > T(0);
}

// sigmoid(x) = 1 / (1 + e^−x) and sigmoid(−x) = 1 − sigmoid(x) from one exponential, each
// accurate (no 1 − D cancellation) and overflow-free.
template <class T>
HG_HOST_DEVICE void sigmoid_pair(T x, T* s, T* s_neg) {
  using std::exp;
  const T e = exp(x >= T(0) ? -x : x);  // e^−|x| in (0, 1]
  const T big = T(1) / (T(1) + e), small = e * big;
  *s = x >= T(0) ? big : small;
  *s_neg = x >= T(0) ? small : big;
}

// The point q of the triangle's boundary nearest to p. Edge e joins P_e and P_{e+1};
// q = P_e + t (P_{e+1} − P_e) with t = clamp((p − P_e)·(P_{e+1} − P_e) / |P_{e+1} − P_e|², 0, 1).
template <class T>
struct EdgePoint {
  int edge = 0;
  T t = 0;
  bool clamped = false;  // t hit 0 or 1 (q is a vertex): then dt = 0
  T dx = 0, dy = 0;      // p − q
  T dist2 = 0;           // |p − q|²
};

template <class T>
HG_HOST_DEVICE EdgePoint<T> project_to_edge(const ScreenTriangle<T>& f, int e, T px, T py) {
  const int b = (e + 1) % 3;
  const T ex = f.x[b] - f.x[e], ey = f.y[b] - f.y[e];
  const T wx = px - f.x[e], wy = py - f.y[e];
  EdgePoint<T> q;
  q.edge = e;
  q.t = (wx * ex + wy * ey) * f.inv_len2[e];
  if (!(q.t > T(0))) q.t = T(0), q.clamped = true;
  else if (q.t >= T(1)) q.t = T(1), q.clamped = true;
  q.dx = wx - q.t * ex, q.dy = wy - q.t * ey;
  q.dist2 = q.dx * q.dx + q.dy * q.dy;
  return q;
}

// With the edge values e[k] of p (edge_values; E_k belongs to edge (k + 1) % 3) and whether p is
// inside: inside, the nearest boundary point is the foot of the perpendicular on the nearest edge
// line (it always falls on the segment: reaching another line first would make that one nearer),
// so one projection suffices; outside, it lies on an edge p does not see from the inner side
// (s·E_k <= 0), of which there are one or two. Ties keep the lower edge index.
template <class T>
HG_HOST_DEVICE EdgePoint<T> nearest_boundary_point(const ScreenTriangle<T>& f, T px, T py, const T e[3], bool inside) {
  if (inside) {
    int best = 0;
    T best_d2 = T(0);
    for (int k = 0; k < 3; ++k) {
      const int edge = (k + 1) % 3;
      const T d2 = e[k] * e[k] * f.inv_len2[edge];
      if (k == 0 || d2 < best_d2 || (d2 == best_d2 && edge < best)) best = edge, best_d2 = d2;
    }
    return project_to_edge(f, best, px, py);
  }
  const T sign = f.area2 > T(0) ? T(1) : T(-1);
  EdgePoint<T> best;
  bool first = true;
  for (int edge = 0; edge < 3; ++edge) {
    if (sign * e[(edge + 2) % 3] > T(0)) continue;  // p is on the inner side of this edge's line
    const EdgePoint<T> q = project_to_edge(f, edge, px, py);
    if (first || q.dist2 < best.dist2) best = q, first = false;
  }
  return best;
}

// Perspective-correct weights μ_k from screen barycentrics λ_k; returns the depth z = 1 / Σ λ_k / z_k.
template <class T>
HG_HOST_DEVICE T perspective_weights(const ScreenTriangle<T>& f, const T bary[3], T mu[3]) {
  T rho[3], sum = T(0);
  for (int k = 0; k < 3; ++k) rho[k] = bary[k] * f.inv_z[k], sum += rho[k];
  const T z = T(1) / sum;
  for (int k = 0; k < 3; ++k) mu[k] = rho[k] * z;
  return z;
}

// ---- soft rasterisation (SoftRas / PyTorch3D style) ---------------------------------------------
// For a pixel p and a face: d² = squared distance from p to the triangle's boundary, δ = +1 inside
// and −1 outside, logit x = δ d² / σ (σ in pixels²), coverage probability D = sigmoid(x).
// Depth and attributes are interpolated at p itself when p is inside and at the nearest boundary
// point q otherwise (barycentrics (1 − t, t) on edge (P_e, P_{e+1})): bounded (a sliver's
// extrapolated barycentrics are not) and continuous across the edge. Their derivative is not —
// inside it has a component along the edge's normal, outside none — a kink on every edge and on
// the lines where q reaches a vertex, like the barycentric clipping of SoftRas / PyTorch3D; d² has
// one on the face's medial axis. Everywhere else the function is smooth and the backward exact.
template <class T>
struct SoftFragment {
  bool inside = false;
  T logit = 0;       // x = δ d² / σ
  T prob = 0;        // D = sigmoid(x)
  T prob_out = 0;    // 1 − D = sigmoid(−x), accurate when D ≈ 1
  T bary[3] = {0, 0, 0};  // screen barycentrics of the interpolation point
  T mu[3] = {0, 0, 0};    // perspective-correct weights
  T z = 0;                // interpolated depth
  EdgePoint<T> near;      // nearest boundary point of p
};

// Evaluates the pair; returns false (s partly filled) when it is culled: p outside the face at a
// squared distance above radius2 (D < the cull probability), or D so small it rounds to 0.
template <class T>
HG_HOST_DEVICE bool soft_fragment(const ScreenTriangle<T>& f, T px, T py, T inv_sigma, T radius2, SoftFragment<T>* s) {
  T e[3];
  s->inside = edge_values(f, px, py, e);
  if (!s->inside) {  // cheap cull: the distance to an edge's line bounds the distance to the face
    const T sign = f.area2 > T(0) ? T(1) : T(-1);
    for (int k = 0; k < 3; ++k)  // E_k belongs to edge (k + 1) % 3 (from P_{k+1} to P_{k+2})
      if (sign * e[k] < T(0) && e[k] * e[k] * f.inv_len2[(k + 1) % 3] > radius2) return false;
  }
  s->near = nearest_boundary_point(f, px, py, e, s->inside);
  if (!s->inside && s->near.dist2 > radius2) return false;
  s->logit = (s->inside ? T(1) : T(-1)) * s->near.dist2 * inv_sigma;
  sigmoid_pair(s->logit, &s->prob, &s->prob_out);
  if (!(s->prob > T(0))) return false;
  if (s->inside) {
    for (int k = 0; k < 3; ++k) s->bary[k] = e[k] * f.inv_area2;
  } else {
    const int a = s->near.edge, b = (a + 1) % 3;
    s->bary[a] = T(1) - s->near.t;
    s->bary[b] = s->near.t;
    s->bary[3 - a - b] = T(0);
  }
  s->z = perspective_weights(f, s->bary, s->mu);
  return true;
}

// Backward of soft_fragment: given dL/dx (g_logit), dL/dz (g_z) and dL/dμ_k (g_mu), ADDS
// dL/d(x_k, y_k, z_k) of the three vertices to gx, gy, gz.
//   distance:  d(d²)/dP_e = −2 (p − q)(1 − t), d(d²)/dP_{e+1} = −2 (p − q) t   (t minimises |p − q|²,
//              so its own variation does not enter), and dx/d(d²) = δ / σ;
//   perspective: with h̄ = Σ μ_k g_μk, dL/dρ_j = z (g_μj − h̄) − g_z z², then
//              dL/dλ_j = dL/dρ_j / z_j and dL/dz_j = −dL/dρ_j ρ_j / z_j;
//   inside:    λ_k = E_k / A2 with dA2/dP_j = (y_{j+1} − y_{j+2}, x_{j+2} − x_{j+1}) and E_k = A2 with
//              P_k replaced by p;
//   outside:   λ_e = 1 − t, λ_{e+1} = t, and (unless clamped), with w = p − P_e, ε = P_{e+1} − P_e,
//              M = |ε|²:  dt/dP_e = (−ε − w + 2tε) / M,  dt/dP_{e+1} = (w − 2tε) / M.
template <class T>
HG_HOST_DEVICE void soft_fragment_backward(const ScreenTriangle<T>& f, const SoftFragment<T>& s, T px, T py,
                                           T inv_sigma, T g_logit, T g_z, const T g_mu[3], T gx[3], T gy[3],
                                           T gz[3]) {
  // distance term
  {
    const T g_d2 = g_logit * (s.inside ? inv_sigma : -inv_sigma);
    const int a = s.near.edge, b = (a + 1) % 3;
    const T cx = T(-2) * s.near.dx * g_d2, cy = T(-2) * s.near.dy * g_d2;
    gx[a] += cx * (T(1) - s.near.t), gy[a] += cy * (T(1) - s.near.t);
    gx[b] += cx * s.near.t, gy[b] += cy * s.near.t;
  }
  // perspective-correct interpolation
  T g_bary[3];
  {
    const T hbar = s.mu[0] * g_mu[0] + s.mu[1] * g_mu[1] + s.mu[2] * g_mu[2];
    for (int j = 0; j < 3; ++j) {
      const T g_rho = s.z * (g_mu[j] - hbar) - g_z * s.z * s.z;
      g_bary[j] = g_rho * f.inv_z[j];
      gz[j] -= g_rho * s.bary[j] * f.inv_z[j] * f.inv_z[j];
    }
  }
  if (s.inside) {
    // λ_k = E_k / A2:  dL/dE_k = g_λk / A2,  dL/dA2 = −Σ_k g_λk λ_k / A2
    T g_e[3], g_a2 = T(0);
    for (int k = 0; k < 3; ++k) g_e[k] = g_bary[k] * f.inv_area2, g_a2 -= g_bary[k] * s.bary[k] * f.inv_area2;
    for (int j = 0; j < 3; ++j) {
      const int j1 = (j + 1) % 3, j2 = (j + 2) % 3;
      gx[j] += g_a2 * (f.y[j1] - f.y[j2]), gy[j] += g_a2 * (f.x[j2] - f.x[j1]);
      // E_{j2} = E(P_j, P_{j1}, p): P_j plays the role of P_{k+1}; E_{j1} = E(P_{j2}, P_j, p): P_{k+2}
      gx[j] += g_e[j2] * (f.y[j1] - py), gy[j] += g_e[j2] * (px - f.x[j1]);
      gx[j] += g_e[j1] * (py - f.y[j2]), gy[j] += g_e[j1] * (f.x[j2] - px);
    }
  } else if (!s.near.clamped) {
    const int a = s.near.edge, b = (a + 1) % 3;
    const T g_t = g_bary[b] - g_bary[a];
    const T ex = f.x[b] - f.x[a], ey = f.y[b] - f.y[a];
    const T wx = px - f.x[a], wy = py - f.y[a];
    const T inv_m = f.inv_len2[a], t = s.near.t;
    gx[a] += g_t * (-ex - wx + T(2) * t * ex) * inv_m, gy[a] += g_t * (-ey - wy + T(2) * t * ey) * inv_m;
    gx[b] += g_t * (wx - T(2) * t * ex) * inv_m, gy[b] += g_t * (wy - T(2) * t * ey) * inv_m;
  }
}

// Normalised depth z̄ = (far − z) / (far − near): 1 at the near plane, 0 at the far plane.
template <class T>
HG_HOST_DEVICE T normalized_depth(T z, T near, T far) {
  return (far - z) / (far - near);
}

// The per-pixel softmax over faces, computed online (max-subtraction as in PyTorch3D's
// softmax_rgb_blend): weights W_f = D_f exp((z̄_f − m)/γ), with m the running max of z̄ (≥ ε).
// add_face returns W_f and sets *rescale to the factor the accumulated sums must be multiplied by
// (< 1 when m grew). The background weight is exp((ε − m)/γ). m cancels between numerator and
// denominator, so the result is exactly the softmax of PyTorch3D without its floor on the
// background weight. `keep` = Π_f (1 − D_f), the probability that no face covers the pixel.
template <class T>
struct SoftBlend {
  T m;           // running max of z̄ (starts at ε)
  T weight_sum;  // Σ W_f
  T keep;        // Π (1 − D_f)
  HG_HOST_DEVICE explicit SoftBlend(T eps) : m(eps), weight_sum(T(0)), keep(T(1)) {}
  HG_HOST_DEVICE T add_face(const SoftFragment<T>& s, T zbar, T inv_gamma, T* rescale) {
    using std::exp;
    keep *= s.prob_out;
    *rescale = T(1);
    if (zbar > m) {
      *rescale = exp((m - zbar) * inv_gamma);
      weight_sum *= *rescale;
      m = zbar;
    }
    const T w = s.prob * exp((zbar - m) * inv_gamma);
    weight_sum += w;
    return w;
  }
  HG_HOST_DEVICE T background_weight(T eps, T inv_gamma) const {
    using std::exp;
    return exp((eps - m) * inv_gamma);
  }
  HG_HOST_DEVICE T alpha() const { return T(1) - keep; }  // 1 − Π (1 − D_f)
};

// ---- hard rasterisation (z-buffer) --------------------------------------------------------------
// Does the pixel centre p belong to the face? Inside, or on an edge that is a top or left edge
// (D3D/OpenGL fill convention, y down): with the triangle taken in positive orientation (A2 > 0),
// the edge from a to b is "top" when b.y == a.y and b.x > a.x, "left" when b.y < a.y. A pixel
// centre on an edge shared by two faces therefore belongs to exactly one of them. Writes λ_k.
template <class T>
HG_HOST_DEVICE bool covers_pixel(const ScreenTriangle<T>& f, T px, T py, T bary[3]) {
  T e[3];
  edge_values(f, px, py, e);
  const T s = f.area2 > T(0) ? T(1) : T(-1);
  for (int k = 0; k < 3; ++k) {
    const T v = s * e[k];
    if (v > T(0)) continue;
    if (v < T(0)) return false;
    const int a = (k + 1) % 3, b = (k + 2) % 3;  // E_k is the edge P_a -> P_b
    const T dx = s * (f.x[b] - f.x[a]), dy = s * (f.y[b] - f.y[a]);
    const bool top_left = (dy == T(0) && dx > T(0)) || dy < T(0);
    if (!top_left) return false;
  }
  for (int k = 0; k < 3; ++k) bary[k] = e[k] * f.inv_area2;
  return true;
}

}  // namespace hg::raster
