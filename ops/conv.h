// 2-D convolution (no graph), NCHW, as in torch.nn.functional.conv2d (cross-correlation).
//
//   y[n, o, i, j] = bias[o] + sum_{c in group(o), a, b} w[o, c, a, b] * x[n, c, i*sh - ph + a*dh, j*sw - pw + b*dw]
//
// with out-of-range x taken as 0 (zero padding). Output size per spatial dim:
//   Ho = (H + 2 ph - dh (kh - 1) - 1) / sh + 1   (floor).
// Channels split into `groups` independent convolutions: input channels [g C/G, (g+1) C/G) feed
// output channels [g O/G, (g+1) O/G).
//
// f32 and f64 run natively; f16/bf16 are converted to f32, computed there, converted back.
// Inputs may be non-contiguous (they are made contiguous first); results are new contiguous tensors.
// Bad shapes throw std::invalid_argument naming both shapes.
#pragma once
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace hg {

// Lives in namespace hg (not hg::ops) so that an unqualified conv2d(x, w, b, params) inside hg
// finds only the differentiable hg::conv2d: argument-dependent lookup would otherwise also pull in
// hg::ops::conv2d and make the call ambiguous.
struct Conv2dParams {
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;

  // The same stride/padding/dilation in both spatial dims.
  static Conv2dParams square(int64_t stride, int64_t pad = 0, int64_t dilation = 1, int64_t groups = 1) {
    return {stride, stride, pad, pad, dilation, dilation, groups};
  }
  int64_t out_h(int64_t h, int64_t kh) const { return (h + 2 * pad_h - dilation_h * (kh - 1) - 1) / stride_h + 1; }
  int64_t out_w(int64_t w, int64_t kw) const { return (w + 2 * pad_w - dilation_w * (kw - 1) - 1) / stride_w + 1; }
  std::string str() const;  // "stride 2x2, pad 1x1, dilation 1x1, groups 1"
};

}  // namespace hg

namespace hg::ops {

using hg::Conv2dParams;

// x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or undefined -> y [N, O, Ho, Wo].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p = {});
// dL/dx given gy = dL/dy [N, O, Ho, Wo]: the transposed convolution of gy with w. `input_sizes` is
// x's shape (needed because several H give the same Ho when the stride is > 1).
Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const Shape& input_sizes, const Conv2dParams& p = {});
// dL/dw = sum over n, i, j of gy[n, o, i, j] * x[n, c, i*sh - ph + a*dh, j*sw - pw + b*dw].
Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const Shape& weight_sizes,
                              const Conv2dParams& p = {});
// dL/dbias[o] = sum over n, i, j of gy[n, o, i, j].
Tensor conv2d_backward_bias(const Tensor& gy);

// Throws std::invalid_argument unless x, w (and bias, if defined) form a valid conv2d; returns [N, O, Ho, Wo].
Shape conv2d_output_shape(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);

// ---- CPU kernel strategy (see ops/cpu/conv2d.cpp). The defaults choose per shape; tests and
// benchmarks override them to compare the paths. Not thread-safe to change while convs run.
// Results are deterministic for a given thread count; backward-weight sums per-thread partial
// gradients, so its last bits can change with the number of threads (as GEMM blocking does).
enum class ConvThreading {
  automatic,       // batch_parallel when every thread gets at least one image, else gemm_parallel
  batch_parallel,  // each OpenMP thread takes whole images: its own im2col + single-threaded GEMM
  gemm_parallel,   // one im2col per chunk of images, Eigen runs the GEMM on all threads
};
struct ConvCpuTuning {
  ConvThreading threading = ConvThreading::automatic;
  bool pointwise_fast_path = true;  // 1x1, stride 1, no padding: GEMM straight on x, no im2col
  bool winograd = true;             // f32 3x3 stride 1 (all three passes): Winograd F(2x2, 3x3)
  int64_t col_buffer_bytes = 4 << 20;  // per-thread budget for the im2col + output buffers of a chunk
                                       // (a chunk has at least one image)
};
ConvCpuTuning& conv_cpu_tuning();

}  // namespace hg::ops
