// CUDA kernels of the floating binary and ternary functors of ops/functors.h (HG_FN_BINARY_FLOATING,
// HG_FN_TERNARY_FLOATING): division, powers, atan2 and the derivative functors of autograd.
#include "ops/cuda/map_kernels.cuh"

namespace hg::cuda {
HG_FN_BINARY_FLOATING(HG_MAP_INSTANTIATE_2)
HG_FN_TERNARY_FLOATING(HG_MAP_INSTANTIATE_3)
}  // namespace hg::cuda
