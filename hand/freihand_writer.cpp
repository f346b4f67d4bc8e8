#include "hand/freihand_writer.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "hand/freihand.h"
#include "hand/skeleton.h"
#include "tensor/image_io.h"
#include "tensor/json_array.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

void make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the folder: " + ec.message());
}

std::string dir_of(const std::string& path) { return path.substr(0, path.find_last_of('/')); }

// A contiguous f32 copy of `t` after checking its shape and that every value is finite.
Tensor checked(const Tensor& t, const Shape& shape, const std::string& field, int64_t annotation) {
  const std::string at = "FreiHandWriter: annotation " + std::to_string(annotation) + ": " + field;
  if (!t.defined()) throw std::invalid_argument(at + " is undefined");
  if (t.sizes() != shape)
    throw std::invalid_argument(at + " must be " + shape_str(shape) + ", got " + t.shape_string());
  Tensor c = ops::clone(ops::to_dtype(ops::to_device(t, Device::cpu()), DType::f32));
  const float* p = c.data<float>();
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    if (!std::isfinite(p[i])) throw std::invalid_argument(at + " has a non-finite value at flat index " + std::to_string(i));
  return c;
}

// Stacks equally shaped [..] tensors into [N, ..].
Tensor stack_rows(const std::vector<Tensor>& rows, const Shape& row_shape) {
  Shape shape{static_cast<int64_t>(rows.size())};
  shape.insert(shape.end(), row_shape.begin(), row_shape.end());
  Tensor out = Tensor::empty(shape, DType::f32);
  const int64_t n = shape_numel(row_shape);
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(out.data<float>() + static_cast<int64_t>(i) * n, rows[i].data<float>(), static_cast<size_t>(n) * sizeof(float));
  return out;
}

}  // namespace

FreiHandWriter::FreiHandWriter(std::string root, std::string split, int64_t num_annotations)
    : root_(std::move(root)), split_(std::move(split)), n_(num_annotations) {
  if (split_ != "training" && split_ != "evaluation")
    throw std::invalid_argument("FreiHandWriter: split must be \"training\" or \"evaluation\", got \"" + split_ + "\"");
  if (n_ <= 0) throw std::invalid_argument("FreiHandWriter: num_annotations must be positive, got " + std::to_string(n_));
  make_dir(root_ + "/" + split_ + "/rgb");
  annotations_.resize(static_cast<size_t>(n_));
  set_.assign(static_cast<size_t>(n_), 0);
}

void FreiHandWriter::write_image(int64_t image_id, const Tensor& rgb, int quality) const {
  if (image_id < 0) throw std::invalid_argument("FreiHandWriter::write_image: negative id");
  if (rgb.dim() != 3 || rgb.size(0) != 3)
    throw std::invalid_argument("FreiHandWriter::write_image: expected [3, H, W], got " + rgb.shape_string());
  image::write_jpeg(freihand_image_path(root_, split_, image_id), image::to_hwc_u8(rgb), quality);
}

void FreiHandWriter::write_mask(int64_t annotation, const Tensor& mask, int quality) const {
  if (annotation < 0 || annotation >= n_) throw std::out_of_range("FreiHandWriter::write_mask: annotation out of range");
  const std::string path = freihand_mask_path(root_, split_, annotation);
  make_dir(dir_of(path));
  image::write_jpeg(path, image::to_hwc_u8(mask), quality);
}

void FreiHandWriter::write_depth(int64_t annotation, const Tensor& depth) const {
  if (annotation < 0 || annotation >= n_) throw std::out_of_range("FreiHandWriter::write_depth: annotation out of range");
  const std::string path = freihand_depth_path(root_, split_, annotation);
  make_dir(dir_of(path));
  image::write_png16(path, image::depth_to_mm(depth), 1);
}

void FreiHandWriter::set_annotation(int64_t annotation, const FreiHandAnnotation& a) {
  if (annotation < 0 || annotation >= n_)
    throw std::out_of_range("FreiHandWriter: annotation " + std::to_string(annotation) + " outside [0, " +
                            std::to_string(n_) + ")");
  FreiHandAnnotation c;
  c.K = checked(a.K, {3, 3}, "K", annotation);
  c.xyz = checked(a.xyz, {kNumKeypoints, 3}, "xyz", annotation);
  c.mano = checked(a.mano, {61}, "mano", annotation);
  if (a.verts.defined()) {
    if (a.verts.dim() != 2 || a.verts.size(1) != 3)
      throw std::invalid_argument("FreiHandWriter: annotation " + std::to_string(annotation) + ": verts must be [V, 3], got " +
                                  a.verts.shape_string());
    c.verts = checked(a.verts, a.verts.sizes(), "verts", annotation);
  }
  if (!(a.scale > 0) || !std::isfinite(a.scale))
    throw std::invalid_argument("FreiHandWriter: annotation " + std::to_string(annotation) + ": scale must be positive");
  c.scale = a.scale;
  annotations_[static_cast<size_t>(annotation)] = std::move(c);
  set_[static_cast<size_t>(annotation)] = 1;
}

void FreiHandWriter::finish() {
  std::vector<Tensor> K, xyz, mano, verts;
  Tensor scale = Tensor::empty({n_}, DType::f32);
  for (int64_t i = 0; i < n_; ++i) {
    const FreiHandAnnotation& a = annotations_[static_cast<size_t>(i)];
    if (!set_[static_cast<size_t>(i)])
      throw std::logic_error("FreiHandWriter::finish: annotation " + std::to_string(i) + " of " + std::to_string(n_) +
                             " was never set");
    K.push_back(a.K);
    xyz.push_back(a.xyz);
    mano.push_back(a.mano);
    scale.data<float>()[i] = static_cast<float>(a.scale);
    if (a.verts.defined() != annotations_[0].verts.defined() ||
        (a.verts.defined() && a.verts.sizes() != annotations_[0].verts.sizes()))
      throw std::logic_error("FreiHandWriter::finish: annotation " + std::to_string(i) +
                             " has verts unlike annotation 0 (all or none, same vertex count)");
    if (a.verts.defined()) verts.push_back(a.verts);
  }
  make_dir(root_);
  if (!verts.empty()) json_array::save(freihand_json_path(root_, split_, "verts"), stack_rows(verts, verts[0].sizes()));
  json_array::save(freihand_json_path(root_, split_, "mano"), stack_rows(mano, {1, 61}));
  json_array::save(freihand_json_path(root_, split_, "scale"), scale);
  json_array::save(freihand_json_path(root_, split_, "xyz"), stack_rows(xyz, {kNumKeypoints, 3}));
  json_array::save(freihand_json_path(root_, split_, "K"), stack_rows(K, {3, 3}));
}

}  // namespace hg::hand
