// render_soft / render_hard: projection, normals and light, then the rasterisers.
#include "hand/render.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/rasterize.h"
#include "autograd/shape.h"
#include "hand/camera.h"
#include "hand/light.h"
#include "ops/rasterize.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? t.shape_string() : std::string("undefined"); }

// The colours shaded with the light (per vertex with vertex normals, per face with unit face normals).
Tensor shaded_colors(const Tensor& vertices, const Tensor& faces, const Tensor& colors, const Tensor& light,
                     bool per_face) {
  if (!light.defined()) return colors;
  const Tensor normals = per_face ? safe_normalize(face_normals(vertices, faces)) : vertex_normals(vertices, faces);
  return shade(colors, normals, light);
}

void check_colors(const char* what, const Tensor& colors, const Tensor& vertices, const Tensor& faces,
                  bool per_face) {
  Shape want = vertices.sizes();
  want[want.size() - 2] = per_face ? faces.size(0) : vertices.size(-2);
  if (!colors.defined() || colors.sizes() != want)
    throw std::invalid_argument(std::string(what) + ": colors must be " + shape_str(want) + " (" +
                                (per_face ? "per face" : "per vertex") + ") for vertices " + vertices.shape_string() +
                                " and faces " + faces.shape_string() + ", got " + shape_of(colors));
}

void check_faces(const char* what, const Tensor& faces) {
  if (!faces.defined() || faces.dim() != 2 || faces.size(1) != 3 || faces.dtype() != DType::i64)
    throw std::invalid_argument(std::string(what) + ": faces must be [F, 3] i64, got " + shape_of(faces) +
                                (faces.defined() ? std::string(" ") + dtype_name(faces.dtype()) : std::string()));
}

}  // namespace

double sigma_pixels(const RenderSettings& s) {
  const double half = 0.5 * static_cast<double>(std::min(s.height, s.width));
  return s.sigma * half * half;
}

Tensor screen_vertices(const Tensor& vertices, const Tensor& K) {
  const Tensor uv = project(vertices, K);  // checks the shapes
  return cat({uv, narrow(vertices, -1, 2, 1)}, -1);
}

SoftRender render_soft(const Tensor& vertices, const Tensor& faces, const Tensor& colors, const Tensor& K,
                       const Tensor& light, const RenderSettings& s) {
  const char* what = "render_soft";
  if (!vertices.defined() || vertices.dim() != 3 || vertices.size(2) != 3)
    throw std::invalid_argument(std::string(what) + ": vertices must be [B, V, 3], got " + shape_of(vertices));
  check_faces(what, faces);
  check_colors(what, colors, vertices, faces, s.per_face_colors);
  const int64_t batch = vertices.size(0);
  if (!K.defined() || !((K.dim() == 3 && K.size(0) == batch) || K.dim() == 2) || K.size(-1) != 3 || K.size(-2) != 3)
    throw std::invalid_argument(std::string(what) + ": K must be [B, 3, 3] or [3, 3] with B = " +
                                std::to_string(batch) + ", got " + shape_of(K));
  Tensor lights = light;
  if (light.defined()) {
    if (!((light.dim() == 2 && light.size(0) == batch) || light.dim() == 1) || light.size(-1) != kLightParams)
      throw std::invalid_argument(std::string(what) + ": light must be [B, 11] or [11] with B = " +
                                  std::to_string(batch) + ", got " + shape_of(light));
    if (light.dim() == 1) lights = expand(unsqueeze(light, 0), {batch, kLightParams});
  }
  const Tensor screen = screen_vertices(vertices, to_dtype(K, vertices.dtype()));
  const Tensor shaded = shaded_colors(vertices, faces, colors, lights, s.per_face_colors);
  SoftRasterSettings rs;
  rs.height = s.height, rs.width = s.width;
  rs.sigma = sigma_pixels(s);
  rs.gamma = s.gamma;
  rs.near = s.near, rs.far = s.far;
  rs.background.assign(s.background.begin(), s.background.end());
  rs.per_face_attributes = s.per_face_colors;
  rs.cull_probability = s.cull_probability;
  const Tensor image = rasterize_soft(screen, faces, shaded, rs);  // [B, 5, H, W]
  return {narrow(image, 1, 0, 3), narrow(image, 1, 3, 1), narrow(image, 1, 4, 1)};
}

HardRender render_hard(const Tensor& vertices, const Tensor& faces, const Tensor& colors, const Tensor& K,
                       const Tensor& light, const RenderSettings& s) {
  const char* what = "render_hard";
  NoGradGuard no_grad;
  if (!vertices.defined() || vertices.dim() != 2 || vertices.size(1) != 3)
    throw std::invalid_argument(std::string(what) + ": vertices must be [V, 3], got " + shape_of(vertices));
  check_faces(what, faces);
  check_colors(what, colors, vertices, faces, s.per_face_colors);
  if (!K.defined() || K.dim() != 2 || K.size(0) != 3 || K.size(1) != 3)
    throw std::invalid_argument(std::string(what) + ": K must be [3, 3], got " + shape_of(K));
  if (light.defined() && (light.dim() != 1 || light.size(0) != kLightParams))
    throw std::invalid_argument(std::string(what) + ": light must be [11], got " + shape_of(light));
  const Tensor screen = screen_vertices(vertices, ops::to_dtype(K, vertices.dtype()));
  const Tensor shaded = shaded_colors(vertices, faces, colors, light, s.per_face_colors);
  HardRasterSettings rs;
  rs.height = s.height, rs.width = s.width;
  rs.near = s.near, rs.far = s.far;
  rs.background.assign(s.background.begin(), s.background.end());
  rs.per_face_attributes = s.per_face_colors;
  ops::HardRaster r = ops::rasterize_hard(screen, faces, shaded, rs);
  HardRender out;
  out.rgb = r.attrs;
  out.depth = ops::unsqueeze(r.depth, 0);
  out.face_id = r.face_id;
  const std::vector<int64_t> ids = r.face_id.to_vector<int64_t>();
  std::vector<double> mask(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) mask[i] = ids[i] >= 0 ? 1.0 : 0.0;
  out.mask = from_vector(mask, {1, s.height, s.width}, vertices.dtype());
  return out;
}

}  // namespace hg::hand
