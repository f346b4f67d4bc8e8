// Area-weighted face and vertex normals, composed from differentiable functions (index_select,
// cross, index_add), so gradients reach the vertices.
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "hand/light.h"
#include "hand/render.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

// Column k of faces [F, 3] as a contiguous i64 [F], after checking the ids against V.
Tensor face_column(const Tensor& faces, int64_t k) { return hg::contiguous(select(faces, 1, k)); }

void check_mesh(const char* what, const Tensor& vertices, const Tensor& faces) {
  if (!vertices.defined() || vertices.dim() < 2 || vertices.size(-1) != 3)
    throw std::invalid_argument(std::string(what) + ": vertices must be [..., V, 3], got " +
                                (vertices.defined() ? vertices.shape_string() : std::string("undefined")));
  if (!faces.defined() || faces.dim() != 2 || faces.size(1) != 3 || faces.dtype() != DType::i64)
    throw std::invalid_argument(std::string(what) + ": faces must be [F, 3] i64, got " +
                                (faces.defined() ? faces.shape_string() + " " + dtype_name(faces.dtype())
                                                 : std::string("undefined")));
  const int64_t v = vertices.size(-2);
  const std::vector<int64_t> ids = faces.to_vector<int64_t>();
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= v)
      throw std::invalid_argument(std::string(what) + ": faces[" + std::to_string(i / 3) + ", " +
                                  std::to_string(i % 3) + "] = " + std::to_string(ids[i]) +
                                  " is not a vertex id (the mesh has " + std::to_string(v) + " vertices)");
}

}  // namespace

Tensor face_normals(const Tensor& vertices, const Tensor& faces) {
  check_mesh("face_normals", vertices, faces);
  const Tensor p0 = index_select(vertices, -2, face_column(faces, 0));
  const Tensor p1 = index_select(vertices, -2, face_column(faces, 1));
  const Tensor p2 = index_select(vertices, -2, face_column(faces, 2));
  return cross(sub(p1, p0), sub(p2, p0), -1);  // |n| = 2 area, outward for counter-clockwise faces
}

Tensor vertex_normals(const Tensor& vertices, const Tensor& faces) {
  const Tensor n = face_normals(vertices, faces);  // checks the mesh
  // Σ over the faces around each vertex: one index_add with every face listed once per corner
  const Tensor corners = cat({face_column(faces, 0), face_column(faces, 1), face_column(faces, 2)}, 0);
  Shape shape = vertices.sizes();
  const Tensor summed = index_add(zeros(shape, vertices.options()), -2, corners, cat({n, n, n}, -2));
  return safe_normalize(summed);
}

}  // namespace hg::hand
