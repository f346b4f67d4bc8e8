// CUDA matrix products on cuBLAS (ops/cuda/gemm.cpp). Called by ops::matmul / ops::linear
// (ops/cpu/matmul.cpp) after their argument checks, through HG_ON_CUDA. No CUDA headers.
#pragma once
#include "tensor/tensor.h"

namespace hg::cuda {

// a [..., n, k] @ b [..., k, m] -> [..., n, m] (batch dims broadcast); a and b share one floating
// dtype and one device. f16/bf16 multiply on tensor cores with f32 accumulation; f32 uses TF32 only
// when math_options().allow_tf32.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in] @ w [out, in]^T + bias [out] (bias may be undefined): bias is written into the output
// first and the GEMM accumulates onto it (beta = 1), so there is no separate addition pass.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);

}  // namespace hg::cuda
