// The optimiser update functors live in ops/optim_functors.h (namespace hg::fn) so the CUDA
// backend can instantiate them; nn code keeps naming them fn::SgdUpdate, fn::AdamUpdate, ...
#pragma once
#include "ops/optim_functors.h"

namespace hg::nn {
namespace fn = ::hg::fn;
}  // namespace hg::nn
