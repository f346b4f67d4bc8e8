// CUDA path of det3 / cofactor3 / inverse3 (ops/linalg.h), called by ops/cpu/small3x3.cpp. No CUDA headers.
#pragma once
#include "ops/small3x3_functors.h"
#include "tensor/tensor.h"

namespace hg::cuda {

// out = fn::apply_small3x3(op) per matrix: in contiguous f64 [batches * 9], out contiguous f64
// [batches * small3x3_outputs(op)], both on one device. Returns the first singular matrix's batch
// index under inverse (one read back), else -1.
int64_t small3x3_into(fn::Small3x3 op, const Tensor& out, const Tensor& in);

}  // namespace hg::cuda
