// Rasterising screen-space triangle meshes (REFERENCE.md §9), no graph: the soft rasteriser of
// SoftRas / PyTorch3D (forward and its exact backward) and a hard z-buffer. The differentiable
// wrapper is autograd/rasterize.h; hand/render.h adds the camera, normals and light.
//
// Inputs. screen [B, V, 3] (or [V, 3] for the hard rasteriser): per vertex (x, y) in pixels (the
// centre of pixel (i, j) is (x, y) = (j, i)) and z = camera depth in metres. faces [F, 3] i64 vertex
// ids. attrs: per vertex [B, V, C] or, with per_face_attributes, per face [B, F, C] (colours).
// A face is drawn only when near <= z_k <= far for its three vertices (no clipping) and its screen
// area is non-zero; both windings are drawn (no back-face culling).
//
// Soft rasterisation, per pixel p and drawn face f (per-pair arithmetic in ops/rasterize_functors.h):
//   D_f   = sigmoid(δ d² / σ)                 d = distance from p to the triangle's boundary (pixels),
//                                             δ = +1 inside, −1 outside; σ in pixels²
//   z_f, a_f  perspective-correct depth and attributes at p (inside) or at the nearest boundary point
//   z̄_f   = (far − z_f) / (far − near)
//   W_f   = D_f exp(z̄_f / γ),  W_bg = exp(ε / γ)                        (computed as exp((· − m)/γ), m = max)
//   out_c = (Σ_f W_f a_fc + W_bg background_c) / (Σ_f W_f + W_bg)       c = 0 .. C−1
//   alpha = 1 − Π_f (1 − D_f)
//   depth = Σ_f W_f z_f / (Σ_f W_f + W_bg)    the same weights, with background depth 0
// The result is continuous in the vertices and attributes (but for the culling cut, a jump of at
// most cull_probability in a pair's coverage, and faces entering or leaving [near, far]) and
// smooth except on kinks (each face's edges, its medial axis, the lines where the nearest
// boundary point reaches a vertex; ops/rasterize_functors.h); the backward is the exact
// derivative away from them.
// Culling: a (pixel, face) pair is skipped when D_f < cull_probability, i.e. when p lies outside
// the face at a distance above r = sqrt(σ ln(1/cull_probability − 1)) (default 1e-4, PyTorch3D's
// usual blur radius). A skipped pair changes alpha by < cull_probability, but colour and depth
// by up to cull_probability · exp(Δz̄/γ) relative to the pixel's weights when that face lies
// Δz̄ in front of the others: lower it when γ is tiny against depth gaps. Faces are binned into
// tiles of tile_size² pixels by their bounding box grown by r, so the cost follows the covered
// pixels. Results are deterministic and independent of the number of OpenMP threads (each pixel
// visits its faces in increasing id; the backward accumulates per (tile, face) and reduces in a
// fixed order).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

// The settings live in hg (not hg::ops) so that argument-dependent lookup of an unqualified
// rasterize_soft(screen, faces, attrs, settings) finds only the differentiable hg version.
namespace hg {

struct SoftRasterSettings {
  int64_t height = 0, width = 0;
  double sigma = 1.0;                 // pixels² (PyTorch3D's 1e-4 in NDC² is 1e-4 · (min(H, W)/2)² px²)
  double gamma = 1e-4;                // depth softmax temperature (on z̄ in [0, 1])
  double near = 0.1, far = 100.0;     // metres
  std::vector<double> background;     // C values (empty = zeros)
  bool per_face_attributes = false;   // attrs are [B, F, C] instead of [B, V, C]
  double cull_probability = 1e-4;     // in [1e-30, 0.5): pairs with D below it are skipped
  double background_epsilon = 1e-10;  // ε of the background weight
  int64_t tile_size = 32;             // pixels per tile side (fastest in tests/bench/bench_rasterize)
};

struct HardRasterSettings {
  int64_t height = 0, width = 0;
  double near = 0.1, far = 100.0;
  std::vector<double> background;  // C values (empty = zeros)
  bool per_face_attributes = false;
  int64_t tile_size = 16;
};

}  // namespace hg

namespace hg::ops {

// Work counters: pixel × face pairs tested (pixel inside a face's grown bounding box) and pairs
// evaluated (D >= cull_probability), summed over the batch.
struct RasterStats {
  int64_t pairs_tested = 0;
  int64_t pairs_evaluated = 0;
};

// Forward. image [B, C + 2, H, W] = (attrs..., alpha, depth) in screen's dtype; state
// [B, H, W, 3] f64 = (m, Σ W_f + W_bg, Π (1 − D_f)) per pixel, kept for the backward.
struct SoftRaster {
  Tensor image;
  Tensor state;
  RasterStats stats;
};
SoftRaster rasterize_soft(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                          const SoftRasterSettings& settings);

// Backward: dL/dscreen [B, V, 3] and dL/dattrs (attrs' shape) given dL/dimage [B, C + 2, H, W]
// and the forward's result. With W = Σ W_f + W_bg, w_f = W_f / W, for each pixel and pair:
//   dL/dW_f  = (Σ_c g_c (a_fc − out_c) + g_depth (z_f − depth)) / W
//   dL/dx_f  = g_alpha Π_g (1 − D_g) D_f + dL/dW_f exp(z̄_f/γ) D_f (1 − D_f)        (x_f = δ d²/σ)
//   dL/dz_f  = g_depth w_f − dL/dW_f W_f / (γ (far − near))
//   dL/da_fc = g_c w_f
// then through the fragment (soft_fragment_backward) to the three vertices and their attributes.
struct SoftRasterGrads {
  Tensor screen;  // undefined unless need_screen
  Tensor attrs;   // undefined unless need_attrs
};
SoftRasterGrads rasterize_soft_backward(const Tensor& grad_image, const Tensor& screen, const Tensor& faces,
                                        const Tensor& attrs, const SoftRaster& forward,
                                        const SoftRasterSettings& settings, bool need_screen = true,
                                        bool need_attrs = true);

// Hard z-buffer of one image: screen [V, 3], faces [F, 3], attrs [V, C] (or [F, C] per face).
// Each pixel centre takes the nearest (smallest perspective-correct z) face covering it under the
// top-left fill rule (ties in depth: the smaller face id); attributes are interpolated
// perspective-correctly. Background pixels: attrs = background, depth = 0, face_id = −1.
struct HardRaster {
  Tensor attrs;    // [C, H, W], screen's dtype
  Tensor depth;    // [H, W] metres, 0 = background
  Tensor face_id;  // [H, W] i64, −1 = background
};
HardRaster rasterize_hard(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                          const HardRasterSettings& settings);

}  // namespace hg::ops
