// Rendering a triangle mesh given in the camera frame (REFERENCE.md §5, §9): pinhole projection
// (hand/camera.h), area-weighted normals, S2HAND's 11-parameter light (hand/light.h), then the
// soft rasteriser (autograd/rasterize.h, differentiable) or the hard z-buffer (ops/rasterize.h,
// for data generation).
//
// Conventions: vertices in metres, camera frame x right, y down, z forward; faces counter-clockwise
// seen from outside (MANO), so (v1 − v0) × (v2 − v0) points outwards; pixel (i, j) has its centre at
// (u, v) = (j, i). Colours are shaded per vertex with vertex normals (Gouraud), or per face with
// face normals when per_face_colors is set (S2HAND's public code textures faces).
#pragma once
#include <array>
#include <cstdint>

#include "tensor/tensor.h"

namespace hg::hand {

struct RenderSettings {
  int64_t height = 224, width = 224;
  // Sharpness of the soft silhouette, relative to the image as in SoftRas/PyTorch3D (NDC units²,
  // the shorter side spanning [−1, 1]): σ in pixels² = sigma · (min(H, W) / 2)² (1e-4 -> 1.25 px² at 224).
  double sigma = 1e-4;
  double gamma = 1e-4;  // depth softmax temperature on z̄ = (far − z)/(far − near)
  double near = 0.1, far = 100;
  std::array<double, 3> background{0, 0, 0};
  bool per_face_colors = false;    // colors are [B, F, 3] (shaded with face normals)
  double cull_probability = 1e-4;  // soft: (pixel, face) pairs with coverage below it are skipped
};

// Soft render (differentiable w.r.t. vertices, colors, K and light).
struct SoftRender {
  Tensor rgb;         // [B, 3, H, W]
  Tensor silhouette;  // [B, 1, H, W]
  Tensor depth;       // [B, 1, H, W] metres: the same soft weights as rgb, background depth 0
};
// vertices [B, V, 3] camera frame (metres), faces [F, 3] i64, colors [B, V, 3] (or [B, F, 3]),
// K [B, 3, 3] (or [3, 3]), light [B, 11] (or [11]; undefined = unlit: the colours as given).
// A face with a vertex outside near <= Z <= far is not drawn (no clipping); a vertex exactly on
// the camera plane (Z = 0) projects to infinity and gets a NaN gradient.
SoftRender render_soft(const Tensor& vertices, const Tensor& faces, const Tensor& colors, const Tensor& K,
                       const Tensor& light, const RenderSettings& s);

// Hard render of one mesh (no gradient): nearest face per pixel centre, top-left fill rule,
// perspective-correct depth and colour.
struct HardRender {
  Tensor rgb;      // [3, H, W], background where no face covers the pixel
  Tensor mask;     // [1, H, W] 0/1 (vertices' dtype)
  Tensor depth;    // [1, H, W] metres along z, 0 = background
  Tensor face_id;  // [H, W] i64, −1 = background
};
// vertices [V, 3], faces [F, 3], colors [V, 3] (or [F, 3]), K [3, 3], light [11] (undefined = unlit).
HardRender render_hard(const Tensor& vertices, const Tensor& faces, const Tensor& colors, const Tensor& K,
                       const Tensor& light, const RenderSettings& s);

// (u, v, Z) per vertex: the pinhole projection with the depth kept, [..., V, 3] for vertices
// [..., V, 3] and K [..., 3, 3] (hand/camera.h project). Differentiable.
Tensor screen_vertices(const Tensor& vertices, const Tensor& K);

// Normals (hand/render_normals.cpp), differentiable; vertices [..., V, 3], faces [F, 3] i64.
// Face normals (v1 − v0) × (v2 − v0): outward, length twice the face's area -> [..., F, 3].
Tensor face_normals(const Tensor& vertices, const Tensor& faces);
// Unit vertex normals: the normalised sum of the adjacent faces' area-weighted normals -> [..., V, 3]
// (zero for a vertex in no face).
Tensor vertex_normals(const Tensor& vertices, const Tensor& faces);

// σ in pixels² for the settings (see RenderSettings::sigma).
double sigma_pixels(const RenderSettings& s);

}  // namespace hg::hand
