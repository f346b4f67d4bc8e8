// Automatic mixed precision, the user-facing names (the policy itself is autograd/autocast.h).
//
//   nn::autocast amp(DType::bf16);          // this scope: conv/linear/matmul in bf16, norms/softmax/losses in f32
//   Tensor loss = cross_entropy(model(x), y);   // f32 loss from bf16 convolutions
//   loss.backward();                        // parameters (f32 masters) receive f32 gradients
//
// For f16, pair it with nn::GradScaler (nn/grad_scaler.h) so that small gradients do not underflow;
// bf16 has f32's exponent range and needs no scaling. nn::autocast(false) switches the policy off
// inside an autocast scope; leaving a scope restores the policy that was in force before it.
#pragma once
#include "autograd/autocast.h"

namespace hg::nn {

using autocast = hg::AutocastGuard;
using hg::autocast_state;

}  // namespace hg::nn
