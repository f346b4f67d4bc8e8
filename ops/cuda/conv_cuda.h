// CUDA conv2d on cuDNN (ops/cuda/conv.cpp) and its bias kernels (ops/cuda/conv_bias.cu). Called by
// the public functions of ops/conv.cpp after their argument checks, through HG_ON_CUDA, with the
// same contract (shapes, dtypes; NCHW; f16/bf16 accumulate in f32). No CUDA headers.
#pragma once
#include <cstddef>

#include "ops/conv.h"

namespace hg::cuda {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const Shape& input_sizes, const Conv2dParams& p);
Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const Shape& weight_sizes, const Conv2dParams& p);
// Σ over n, i, j of gy[n, o, i, j]: one block per channel, a fixed summation tree in double.
Tensor conv2d_backward_bias(const Tensor& gy);

// The algorithm cache: cuDNN's choice per (direction, device, dtype, shapes, parameters, math
// options) is made once and reused. `lookups` counts every query, `misses` the ones that asked cuDNN.
struct ConvAlgorithmCacheStats {
  size_t entries = 0, lookups = 0, misses = 0;
};
ConvAlgorithmCacheStats conv_algorithm_cache_stats();
void clear_conv_algorithm_cache();

}  // namespace hg::cuda
