// CUDA reductions (ops/reduce.h) on device tensors: called by ops/cpu/reduce.cpp after its argument
// checks (dims already normalised), so errors are the CPU's. No CUDA headers.
//
// Layout as on the CPU: the reduced dims are moved last and made contiguous ([rows, len]); then
// rows of up to 32 elements run one thread each, in order (the CPU's summation order), longer rows
// one block per 8192-element chunk with a fixed tree (256 partial folds, then halving), and a second
// pass combines a row's chunks the same way. The shape alone decides the plan, so results are
// bit-identical run to run (no float atomics). Floating sums accumulate in double (also for f32,
// f16 and bf16), integer sums in int64, as on the CPU.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace hg::cuda {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim);
Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim);  // p = 1, 2, inf
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
// amax/amin (values); with `indices` non-null also max/min's i64 indices (dims has at most one dim).
Tensor extreme(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool is_max, Tensor* indices);
// cumsum (reverse = false) / reverse_cumsum along `dim` (wrapped): double / int64 accumulation, one
// thread per line in order, exactly the CPU's arithmetic.
Tensor scan(const Tensor& x, int64_t dim, bool reverse);
// No inf or NaN in a floating tensor (one small read back).
bool all_finite(const Tensor& x);

}  // namespace hg::cuda
