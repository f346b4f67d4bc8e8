// 2-D pooling (no graph) over the last two dims of x [N, C, H, W] (or [C, H, W]), as in
// torch.nn.functional.{max,avg,adaptive_avg}_pool2d.
//
// Output size per spatial dim (k kernel, s stride, p padding, d dilation):
//   Ho = floor_or_ceil((H + 2p - d (k - 1) - 1) / s) + 1, and with ceil_mode the last window must
//   start inside the image or the left padding ((Ho - 1) s < H + p), else Ho is reduced by one.
// Padding must be at most half the kernel. Windows read only real pixels: max ignores padding;
// avg divides by the window size clipped to the padded image (count_include_pad) or by the
// number of real pixels in it.
//
// f32/f64 natively; f16/bf16 computed in f32. Bad shapes or parameters throw std::invalid_argument
// naming the shapes.
#pragma once
#include <cstdint>

#include "ops/reduce.h"  // ValuesIndices
#include "tensor/tensor.h"

namespace hg {

// A (height, width) pair; a single number means the same in both dims. In namespace hg for the
// same reason as Conv2dParams (ops/conv.h): unqualified calls must not become ambiguous.
struct Size2 {
  int64_t h, w;
  Size2(int64_t s) : h(s), w(s) {}  // NOLINT: lets callers write max_pool2d(x, 3, 2, 1)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
};

}  // namespace hg

namespace hg::ops {

using hg::Size2;

// y[n, c, i, j] = max over the window of x; indices[n, c, i, j] = ih W + iw of the maximum (i64, a
// flat index into the input plane, like torch). NaN wins (propagates). stride 0 = kernel.
ValuesIndices max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                         bool ceil_mode = false);
// The values of max_pool2d alone (no indices: inference), computed separably (rows, then columns).
Tensor max_pool2d_values(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                         bool ceil_mode = false);
// gx[n, c, indices[n, c, i, j]] += gy[n, c, i, j]
Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_sizes);

// y = sum over the window / divisor (see above). stride 0 = kernel.
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);
// gx[window] += gy / divisor, for every window.
Tensor avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes, Size2 kernel, Size2 stride = 0,
                           Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true);

// Output cell i covers input rows [floor(i H / Ho), ceil((i + 1) H / Ho)) (and likewise for columns);
// y = mean over the cell.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& input_sizes);

}  // namespace hg::ops
