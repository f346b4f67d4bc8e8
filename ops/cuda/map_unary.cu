// CUDA kernels of every unary functor of ops/functors.h (HG_FN_UNARY_NUMERIC, HG_FN_UNARY_FLOATING).
#include "ops/cuda/map_kernels.cuh"

namespace hg::cuda {
HG_FN_UNARY_NUMERIC(HG_MAP_INSTANTIATE_1)
HG_FN_UNARY_FLOATING(HG_MAP_INSTANTIATE_1)
}  // namespace hg::cuda
