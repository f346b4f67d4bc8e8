// Argument checks shared by the CPU rasterisers (ops/cpu/rasterize_soft.cpp, rasterize_hard.cpp).
#include <cmath>
#include <string>

#include "ops/cpu/rasterize_checks.h"
#include "ops/device_check.h"
#include "tensor/view.h"

namespace hg::ops::raster_cpu {
std::vector<int64_t> checked_faces(const char* what, const Tensor& faces, int64_t num_vertices) {
  if (!faces.defined() || faces.dim() != 2 || faces.size(1) != 3)
    throw std::invalid_argument(std::string(what) + ": faces must be [F, 3], got " +
                                (faces.defined() ? faces.shape_string() : std::string("undefined")));
  if (faces.dtype() != DType::i64)
    throw std::invalid_argument(std::string(what) + ": faces must be i64, got " + dtype_name(faces.dtype()));
  std::vector<int64_t> ids = faces.to_vector<int64_t>();
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= num_vertices)
      throw std::invalid_argument(std::string(what) + ": faces[" + std::to_string(i / 3) + ", " +
                                  std::to_string(i % 3) + "] = " + std::to_string(ids[i]) +
                                  " is not a vertex id (the mesh has " + std::to_string(num_vertices) + " vertices)");
  return ids;
}

void check_screen(const char* what, const Tensor& screen, bool batched) {
  const int64_t dims = batched ? 3 : 2;
  if (!screen.defined() || screen.dim() != dims || screen.size(-1) != 3)
    throw std::invalid_argument(std::string(what) + ": screen vertices must be " +
                                (batched ? "[B, V, 3]" : "[V, 3]") + " (x, y pixels, z depth), got " +
                                (screen.defined() ? screen.shape_string() : std::string("undefined")));
  check_floating(what, screen);
}

void check_attrs(const char* what, const Tensor& attrs, const Tensor& screen, int64_t num_faces, bool per_face,
                 bool batched) {
  const int64_t n = per_face ? num_faces : screen.size(-2);
  const std::string want = std::string(batched ? "[B, " : "[") + (per_face ? "F" : "V") + ", C] = [" +
                           (batched ? std::to_string(screen.size(0)) + ", " : std::string()) + std::to_string(n) +
                           ", C]";
  const int64_t dims = batched ? 3 : 2;
  if (!attrs.defined() || attrs.dim() != dims || attrs.size(-2) != n || attrs.size(-1) < 1 ||
      (batched && attrs.size(0) != screen.size(0)))
    throw std::invalid_argument(std::string(what) + ": " + (per_face ? "per-face" : "per-vertex") +
                                " attributes must be " + want + " for screen " + screen.shape_string() + " and " +
                                std::to_string(num_faces) + " faces, got " +
                                (attrs.defined() ? attrs.shape_string() : std::string("undefined")));
  if (attrs.dtype() != screen.dtype())
    throw std::invalid_argument(std::string(what) + ": attributes and screen vertices have different dtypes (" +
                                dtype_name(attrs.dtype()) + " and " + dtype_name(screen.dtype()) + ")");
}

void check_image(const char* what, int64_t height, int64_t width, double near, double far,
                 const std::vector<double>& background, int64_t channels, int64_t tile_size) {
  constexpr int64_t kMaxSide = 1 << 15;
  if (height < 1 || width < 1 || height > kMaxSide || width > kMaxSide)
    throw std::invalid_argument(std::string(what) + ": image size must be 1.." + std::to_string(kMaxSide) +
                                " per side, got " + std::to_string(height) + " x " + std::to_string(width));
  if (!(near >= 0) || !(far > near) || !std::isfinite(far))
    throw std::invalid_argument(std::string(what) + ": need 0 <= near < far < inf, got near " + std::to_string(near) +
                                ", far " + std::to_string(far));
  if (!background.empty() && static_cast<int64_t>(background.size()) != channels)
    throw std::invalid_argument(std::string(what) + ": background has " + std::to_string(background.size()) +
                                " values for " + std::to_string(channels) + " attribute channels");
  if (tile_size < 1 || tile_size > 4096)
    throw std::invalid_argument(std::string(what) + ": tile size must be 1..4096, got " + std::to_string(tile_size));
}

std::vector<double> background_or_zeros(const std::vector<double>& background, int64_t channels) {
  return background.empty() ? std::vector<double>(channels, 0.0) : background;
}

}  // namespace hg::ops::raster_cpu
