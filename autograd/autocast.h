// Mixed-precision autocast: a thread-local policy that the differentiable functions consult.
//
// Policy (torch.autocast semantics, CPU flavour), while enabled with low-precision type L (bf16 or f16):
//   - low-precision ops — conv2d, linear, matmul, bmm — cast their floating inputs (activations AND
//     weights) to L and produce L outputs. The kernels accumulate in f32 and round the result to L.
//   - f32 ops — softmax, log_softmax, batch_norm, layer_norm and the losses — cast f16/bf16
//     inputs up to f32 and produce f32 outputs.
//   - everything else (element-wise ops, reductions, shapes) is untouched: element-wise ops follow
//     type promotion (f32 with bf16 gives f32); reductions accumulate in float and keep the input's type.
// f64 tensors are never cast (gradient checks stay exact), nor are integer tensors.
//
// The casts go through the differentiable hg::to_dtype, so parameters stay f32 "master" weights:
// the forward uses a low-precision copy, and the gradient flows back through the cast and reaches
// the parameter converted to f32.
//
// The low-precision type per device (REFERENCE "Mixed precision": bf16 on the CPU, f16 or bf16 on
// CUDA): autocast_dtype_for(device) is the default an AutocastGuard(device) uses — bf16 on the CPU
// (f32's exponent range: no loss scaling needed), f16 on CUDA (tensor cores on every architecture
// and 3 more mantissa bits than bf16, its narrow range covered by the GradScaler, as in PyTorch).
// Either type may still be named explicitly on either device. The policy casts tensors on every
// device alike (it is a property of the thread, not of a device).
//
// The state lives in this layer (not in nn/) because the functions that read it are here; nn/amp.h
// gives it the user-facing name nn::autocast.
#pragma once
#include "tensor/tensor.h"

namespace hg {

struct AutocastState {
  bool enabled = false;
  DType dtype = DType::bf16;  // the low-precision type: bf16 or f16
};

// This thread's policy (off by default; each thread starts off).
AutocastState autocast_state();

// bf16 for the CPU, f16 for a CUDA device (see above).
DType autocast_dtype_for(Device device);

// RAII: sets this thread's policy for the guard's scope and restores the previous one on exit, so
// guards nest. AutocastGuard(DType::bf16) turns autocast on; AutocastGuard(false) turns it off inside
// an autocast region (e.g. for a numerically sensitive part). A dtype other than bf16/f16 throws
// std::invalid_argument.
class AutocastGuard {
 public:
  explicit AutocastGuard(DType dtype) : AutocastGuard(true, dtype) {}
  explicit AutocastGuard(Device device);  // on, with autocast_dtype_for(device)
  explicit AutocastGuard(bool enabled, DType dtype = DType::bf16);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  AutocastState previous_;
};

// The policy's two casts, called at the top of the functions above (identity when autocast is off,
// for undefined tensors, and for tensors the policy leaves alone).
Tensor autocast_low(const Tensor& t);  // f32 (or the other low type) -> L, when enabled
Tensor autocast_f32(const Tensor& t);  // f16/bf16 -> f32, when enabled

}  // namespace hg
