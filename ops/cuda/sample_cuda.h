// CUDA interpolate, affine_grid and grid_sample (forward and backward), called by the ops in
// ops/cpu/{interpolate,affine_grid,grid_sample}.cpp through HG_ON_CUDA after their argument checks
// (so the errors are the CPU op's). Same semantics as ops/sample.h; the per-element arithmetic is
// ops/sample_functors.h on both backends. Backwards are gathers (no float atomics): deterministic.
#pragma once
#include "ops/sample.h"

namespace hg::cuda {

Tensor interpolate(const Tensor& x, int64_t out_h, int64_t out_w, InterpolateMode mode, bool align_corners,
                   double scale_h, double scale_w);
Tensor interpolate_backward(const Tensor& grad, const Shape& input_shape, InterpolateMode mode, bool align_corners,
                            double scale_h, double scale_w);
Tensor affine_grid(const Tensor& theta, const Shape& size, bool align_corners);
Tensor affine_grid_backward(const Tensor& grad, const Shape& size, bool align_corners);
Tensor grid_sample(const Tensor& x, const Tensor& grid, InterpolateMode mode, GridPadding padding,
                   bool align_corners);
ops::GridSampleGrads grid_sample_backward(const Tensor& grad, const Tensor& x, const Tensor& grid,
                                          InterpolateMode mode, GridPadding padding, bool align_corners,
                                          bool need_input, bool need_grid);

}  // namespace hg::cuda
