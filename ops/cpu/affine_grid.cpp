// CPU affine_grid: the sampling grid of an affine transform, and its derivative w.r.t. theta.
#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/sample_cuda.h"
#include "ops/device_check.h"
#include "ops/sample.h"
#include "ops/sample_functors.h"
#include "tensor/view.h"

namespace hg::ops {
namespace {

using sampling::base_coord;  // ops/sample_functors.h, shared with the CUDA kernels

void check_size(const char* what, const Shape& size) {
  if (size.size() != 4 || size[0] < 0 || size[1] < 0 || size[2] <= 0 || size[3] <= 0)
    throw std::invalid_argument(std::string(what) + ": expected size {N, C, H, W} with H, W > 0, got " +
                                shape_str(size));
}

}  // namespace

// grid[n, h, w, i] = theta[n, i, 0] x_w + theta[n, i, 1] y_h + theta[n, i, 2]
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners) {
  check_floating("affine_grid", theta);
  check_size("affine_grid", size);
  if (theta.dim() != 3 || theta.size(0) != size[0] || theta.size(1) != 2 || theta.size(2) != 3)
    throw std::invalid_argument("affine_grid: expected theta of shape [N, 2, 3] for size " + shape_str(size) +
                                ", got " + theta.shape_string());
  HG_ON_CUDA(theta, cuda::affine_grid(theta, size, align_corners));
  const int64_t n = size[0], h = size[2], w = size[3];
  const Tensor tc = contiguous(theta);
  Tensor grid = Tensor::empty({n, h, w, 2}, theta.options());
  dispatch_float(theta.dtype(), "affine_grid", [&]<class T>() {
    using C = compute_t<T>;
    const T* th = static_cast<const T*>(tc.raw_data());
    T* g = static_cast<T*>(grid.raw_data());
    for (int64_t b = 0; b < n; ++b) {
      const T* t = th + b * 6;
      for (int64_t y = 0; y < h; ++y) {
        const C yv = static_cast<C>(base_coord(y, h, align_corners));
        for (int64_t x = 0; x < w; ++x) {
          const C xv = static_cast<C>(base_coord(x, w, align_corners));
          T* out = g + ((b * h + y) * w + x) * 2;
          for (int i = 0; i < 2; ++i)
            out[i] = static_cast<T>(static_cast<C>(t[3 * i]) * xv + static_cast<C>(t[3 * i + 1]) * yv +
                                    static_cast<C>(t[3 * i + 2]));
        }
      }
    }
  });
  return grid;
}

// dtheta[n, i, :] = sum_{h,w} grad[n, h, w, i] * (x_w, y_h, 1), summed in double in grid order.
Tensor affine_grid_backward(const Tensor& grad, const Shape& size, bool align_corners) {
  check_size("affine_grid_backward", size);
  const int64_t n = size[0], h = size[2], w = size[3];
  if (grad.sizes() != Shape{n, h, w, 2})
    throw std::invalid_argument("affine_grid_backward: gradient shape " + grad.shape_string() +
                                " does not match the grid of size " + shape_str(size));
  HG_ON_CUDA(grad, cuda::affine_grid_backward(grad, size, align_corners));
  const Tensor gc = contiguous(grad);
  Tensor dtheta = Tensor::empty({n, 2, 3}, grad.options());
  dispatch_float(grad.dtype(), "affine_grid_backward", [&]<class T>() {
    const T* g = static_cast<const T*>(gc.raw_data());
    T* d = static_cast<T*>(dtheta.raw_data());
    for (int64_t b = 0; b < n; ++b) {
      double acc[2][3] = {{0, 0, 0}, {0, 0, 0}};
      for (int64_t y = 0; y < h; ++y) {
        const double yv = base_coord(y, h, align_corners);
        for (int64_t x = 0; x < w; ++x) {
          const double xv = base_coord(x, w, align_corners);
          const T* gp = g + ((b * h + y) * w + x) * 2;
          for (int i = 0; i < 2; ++i) {
            const double gv = static_cast<double>(gp[i]);
            acc[i][0] += gv * xv;
            acc[i][1] += gv * yv;
            acc[i][2] += gv;
          }
        }
      }
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) d[b * 6 + 3 * i + j] = static_cast<T>(acc[i][j]);
    }
  });
  return dtheta;
}

}  // namespace hg::ops
