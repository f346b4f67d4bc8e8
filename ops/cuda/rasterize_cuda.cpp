// Host side of the CUDA rasterisers (ops/cuda/rasterize_cuda.h): bins each image's faces on the
// host with the CPU's code (ops/cpu/rasterize_bins.h), uploads the bins, launches the kernels of
// ops/cuda/rasterize.cu and, for the backward, builds the per-vertex / per-face lists of records.
#include <cmath>
#include <cstring>
#include <vector>

#include "ops/cpu/rasterize_bins.h"
#include "ops/cpu/rasterize_checks.h"
#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/rasterize_cuda.h"
#include "ops/cuda/rasterize_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

template <class V>
Tensor upload(const std::vector<V>& v, DType dtype, Device device) {
  return ops::to_device(from_vector(v, {static_cast<int64_t>(v.size())}, dtype), device);
}

// The compute dtype of a floating dtype: f64 for f64, f32 otherwise (as compute_t).
DType compute_dtype(DType dt) { return dt == DType::f64 ? DType::f64 : DType::f32; }

// One image's bins on the device (the tensors own the memory while the kernels use it).
template <class C>
struct UploadedBins {
  Tensor faces, tile_begin, entry_box;
  RasterBins view;
};

template <class C>
UploadedBins<C> upload_bins(const ops::raster_cpu::TileBins<C>& bins, Device device) {
  UploadedBins<C> u;
  std::vector<DeviceFace<C>> faces(bins.boxes.size());
  for (size_t i = 0; i < bins.boxes.size(); ++i) {
    const auto& b = bins.boxes[i];
    faces[i] = DeviceFace<C>{b.tri, b.face, {b.v[0], b.v[1], b.v[2]}, b.x0, b.x1, b.y0, b.y1};
  }
  const int64_t bytes = static_cast<int64_t>(faces.size() * sizeof(DeviceFace<C>));
  Tensor host = Tensor::empty({bytes}, DType::u8);
  if (bytes) std::memcpy(host.raw_data(), faces.data(), static_cast<size_t>(bytes));
  const Tensor dev_faces = ops::to_device(host, device);
  const Tensor tile_begin = upload(bins.tile_begin, DType::i64, device);
  const Tensor entry_box = upload(bins.entry_box, DType::i64, device);
  u.view = RasterBins{bins.height,         bins.width, bins.tile, bins.tiles_x, dev_faces.raw_data(),
                      tile_begin.data<int64_t>(), entry_box.data<int64_t>()};
  u.faces = dev_faces, u.tile_begin = tile_begin, u.entry_box = entry_box;
  return u;
}

template <class T>
void dispatch_compute(DType dt, const char* what, T&& f) {
  if (dt == DType::f64) f(double{});
  else if (is_floating(dt)) f(float{});
  else throw std::invalid_argument(std::string(what) + ": expected a floating dtype");
}

}  // namespace

ops::SoftRaster rasterize_soft(const Tensor& screen, const std::vector<int64_t>& face_ids, const Tensor& attrs,
                               const SoftRasterSettings& settings) {
  const char* what = "rasterize_soft";
  const Device dev = screen.device();
  const int64_t B = screen.size(0), V = screen.size(1), F = static_cast<int64_t>(face_ids.size()) / 3;
  const int64_t CH = attrs.size(2), H = settings.height, W = settings.width, plane = H * W;
  const int64_t rows = settings.per_face_attributes ? F : V;
  const Tensor screen_host = ops::contiguous(ops::to_dtype(ops::to_device(screen, Device::cpu()), DType::f64));
  const Tensor attrs_c = ops::contiguous(ops::to_dtype(attrs, compute_dtype(attrs.dtype())));
  const Tensor background = upload(ops::raster_cpu::background_or_zeros(settings.background, CH), DType::f64, dev);
  ops::SoftRaster r;
  r.image = Tensor::empty({B, CH + 2, H, W}, screen.options());
  r.state = Tensor::empty({B, H, W, 3}, TensorOptions(DType::f64, dev));
  Tensor counters = Tensor::empty({2}, TensorOptions(DType::i64, dev));
  launch_fill(strided_arg(counters), 0.0, dev.index);
  dispatch_compute(screen.dtype(), what, [&](auto tag) {
    using C = decltype(tag);
    const raster::SoftConstants<C> k = ops::raster_cpu::soft_constants<C>(settings);
    const double radius = std::sqrt(static_cast<double>(k.radius2));
    Tensor acc = Tensor::empty({(CH + 1) * plane}, TensorOptions(compute_dtype(screen.dtype()), dev));
    for (int64_t b = 0; b < B; ++b) {
      const auto bins = ops::raster_cpu::bin_faces<C>(screen_host.data<double>() + b * V * 3, face_ids.data(), F, H,
                                                      W, settings.near, settings.far, radius, settings.tile_size, what);
      const UploadedBins<C> u = upload_bins(bins, dev);
      launch_soft_forward<C>(u.view, k, attrs_c.data<C>() + b * rows * CH, background.data<double>(), CH,
                             static_cast<char*>(r.image.raw_data()) + b * (CH + 2) * plane * dtype_size(screen.dtype()),
                             screen.dtype(), r.state.data<double>() + b * plane * 3, acc.data<C>(),
                             reinterpret_cast<unsigned long long*>(counters.data<int64_t>()), dev.index);
    }
  });
  const std::vector<int64_t> stats = counters.to_vector<int64_t>();
  r.stats.pairs_tested = stats[0];
  r.stats.pairs_evaluated = stats[1];
  return r;
}

ops::SoftRasterGrads rasterize_soft_backward(const Tensor& grad_image, const Tensor& screen,
                                             const std::vector<int64_t>& face_ids, const Tensor& attrs,
                                             const ops::SoftRaster& forward, const SoftRasterSettings& settings,
                                             bool need_screen, bool need_attrs) {
  const char* what = "rasterize_soft_backward";
  ops::SoftRasterGrads g;
  if (!need_screen && !need_attrs) return g;
  const Device dev = screen.device();
  const DType dt = screen.dtype();
  const int64_t B = screen.size(0), V = screen.size(1), F = static_cast<int64_t>(face_ids.size()) / 3;
  const int64_t CH = attrs.size(2), H = settings.height, W = settings.width, plane = H * W;
  const bool per_face = settings.per_face_attributes;
  const int64_t rows = per_face ? F : V;
  const Tensor screen_host = ops::contiguous(ops::to_dtype(ops::to_device(screen, Device::cpu()), DType::f64));
  const Tensor attrs_c = ops::contiguous(ops::to_dtype(attrs, compute_dtype(dt)));
  const Tensor gc = ops::contiguous(ops::to_dtype(grad_image, dt));
  const Tensor img = ops::contiguous(ops::to_dtype(ops::to_device(forward.image, dev), dt));
  const Tensor st = ops::contiguous(ops::to_device(forward.state, dev));
  if (need_screen) g.screen = Tensor::empty(screen.sizes(), screen.options());
  if (need_attrs) g.attrs = Tensor::empty(attrs.sizes(), attrs.options());
  const size_t esize = dtype_size(dt);
  dispatch_compute(dt, what, [&](auto tag) {
    using C = decltype(tag);
    const raster::SoftConstants<C> k = ops::raster_cpu::soft_constants<C>(settings);
    const double radius = std::sqrt(static_cast<double>(k.radius2));
    const int64_t stride = 9 + (per_face ? CH : 3 * CH);
    for (int64_t b = 0; b < B; ++b) {
      const auto bins = ops::raster_cpu::bin_faces<C>(screen_host.data<double>() + b * V * 3, face_ids.data(), F, H,
                                                      W, settings.near, settings.far, radius, settings.tile_size, what);
      const UploadedBins<C> u = upload_bins(bins, dev);
      // the tile of every entry, the entries' face-major slots and each box's slot range
      std::vector<int64_t> entry_tile(bins.entries());
      for (int64_t t = 0; t < bins.tiles(); ++t)
        for (int64_t e = bins.tile_begin[t]; e < bins.tile_begin[t + 1]; ++e) entry_tile[e] = t;
      const Tensor entry_tile_d = upload(entry_tile, DType::i64, dev), entry_slot_d = upload(bins.entry_slot, DType::i64, dev);
      const Tensor box_slot_d = upload(bins.box_slot_begin, DType::i64, dev);
      Tensor records = Tensor::empty({std::max<int64_t>(1, bins.entries() * stride)}, TensorOptions(DType::f64, dev));
      launch_soft_backward_records<C>(u.view, k, attrs_c.data<C>() + b * rows * CH, CH,
                                      static_cast<const char*>(gc.raw_data()) + b * (CH + 2) * plane * esize,
                                      static_cast<const char*>(img.raw_data()) + b * (CH + 2) * plane * esize, dt,
                                      st.data<double>() + b * plane * 3, entry_tile_d.data<int64_t>(),
                                      entry_slot_d.data<int64_t>(), bins.entries(), need_screen,
                                      records.data<double>(), dev.index);
      // Per vertex: the (box, corner) pairs of the drawn faces using it, boxes in increasing face id.
      std::vector<std::vector<int64_t>> by_vertex(V), by_face(F);
      for (size_t i = 0; i < bins.boxes.size(); ++i) {
        for (int j = 0; j < 3; ++j) by_vertex[bins.boxes[i].v[j]].push_back(static_cast<int64_t>(i) * 3 + j);
        by_face[bins.boxes[i].face].push_back(static_cast<int64_t>(i) * 3);
      }
      auto csr = [&](const std::vector<std::vector<int64_t>>& lists, Tensor* begin, Tensor* flat) {
        std::vector<int64_t> b_(lists.size() + 1, 0), f_;
        for (size_t i = 0; i < lists.size(); ++i) {
          b_[i + 1] = b_[i] + static_cast<int64_t>(lists[i].size());
          f_.insert(f_.end(), lists[i].begin(), lists[i].end());
        }
        if (f_.empty()) f_.push_back(0);  // never read; keeps the upload non-empty
        *begin = upload(b_, DType::i64, dev);
        *flat = upload(f_, DType::i64, dev);
      };
      Tensor vb, vl;
      csr(by_vertex, &vb, &vl);
      if (need_screen)
        launch_record_gather(records.data<double>(), stride, box_slot_d.data<int64_t>(), vb.data<int64_t>(),
                             vl.data<int64_t>(), V, 3, 0, 3,
                             static_cast<char*>(g.screen.raw_data()) + b * V * 3 * esize, dt, dev.index);
      if (need_attrs) {
        char* dst = static_cast<char*>(g.attrs.raw_data()) + b * rows * CH * esize;
        if (per_face) {
          Tensor fb, fl;
          csr(by_face, &fb, &fl);
          launch_record_gather(records.data<double>(), stride, box_slot_d.data<int64_t>(), fb.data<int64_t>(),
                               fl.data<int64_t>(), F, CH, 9, 0, dst, dt, dev.index);
        } else {
          launch_record_gather(records.data<double>(), stride, box_slot_d.data<int64_t>(), vb.data<int64_t>(),
                               vl.data<int64_t>(), V, CH, 9, CH, dst, dt, dev.index);
        }
      }
    }
  });
  return g;
}

ops::HardRaster rasterize_hard(const Tensor& screen, const std::vector<int64_t>& face_ids, const Tensor& attrs,
                               const HardRasterSettings& settings) {
  const char* what = "rasterize_hard";
  const Device dev = screen.device();
  const int64_t F = static_cast<int64_t>(face_ids.size()) / 3, CH = attrs.size(1);
  const int64_t H = settings.height, W = settings.width;
  const Tensor screen_host = ops::contiguous(ops::to_dtype(ops::to_device(screen, Device::cpu()), DType::f64));
  const Tensor attrs_c = ops::contiguous(ops::to_dtype(attrs, compute_dtype(attrs.dtype())));
  const Tensor background = upload(ops::raster_cpu::background_or_zeros(settings.background, CH), DType::f64, dev);
  ops::HardRaster r;
  r.attrs = Tensor::empty({CH, H, W}, screen.options());
  r.depth = Tensor::empty({H, W}, screen.options());
  r.face_id = Tensor::empty({H, W}, TensorOptions(DType::i64, dev));
  dispatch_compute(screen.dtype(), what, [&](auto tag) {
    using C = decltype(tag);
    const auto bins = ops::raster_cpu::bin_faces<C>(screen_host.data<double>(), face_ids.data(), F, H, W,
                                                    settings.near, settings.far, 0.0, settings.tile_size, what);
    const UploadedBins<C> u = upload_bins(bins, dev);
    launch_hard<C>(u.view, attrs_c.data<C>(), settings.per_face_attributes, background.data<double>(), CH,
                   r.attrs.raw_data(), r.depth.raw_data(), screen.dtype(), r.face_id.data<int64_t>(), dev.index);
  });
  return r;
}

}  // namespace hg::cuda
