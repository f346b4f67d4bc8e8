// CUDA kernels of the numeric binary functors and the predicates of ops/functors.h
// (HG_FN_BINARY_NUMERIC, HG_FN_PREDICATE).
#include "ops/cuda/map_kernels.cuh"

namespace hg::cuda {
HG_FN_BINARY_NUMERIC(HG_MAP_INSTANTIATE_2)
HG_FN_PREDICATE(HG_MAP_INSTANTIATE_2)
}  // namespace hg::cuda
