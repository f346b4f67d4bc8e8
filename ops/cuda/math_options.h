// Numerical options of the CUDA backend that users choose (no CUDA headers: the CLI sets them).
#pragma once

namespace hg::cuda {

struct MathOptions {
  // f32 GEMMs and convolutions may use TF32 tensor cores (10-bit mantissa products, f32 accumulate):
  // ~8x faster on sm_80+, ~1e-3 relative error. Off by default, like torch.backends.cuda.matmul.
  bool allow_tf32 = false;
  // cuDNN chooses convolution algorithms among deterministic ones only (results bit-identical run to
  // run). On by default: handgrad's resume guarantee needs it.
  bool deterministic = true;
};
MathOptions& math_options();

}  // namespace hg::cuda
