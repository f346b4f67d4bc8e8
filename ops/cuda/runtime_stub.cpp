// Built when the CUDA backend is off (HANDGRAD_CUDA=OFF or no toolkit found).
#include "ops/cuda/runtime.h"

namespace hg::cuda {
bool compiled() { return false; }
std::string compiled_architectures() { return ""; }
std::string runtime_versions() { return "not built (configure with HANDGRAD_CUDA=ON and a CUDA toolkit with cuDNN)"; }
std::vector<DeviceInfo> devices() { return {}; }
std::string unavailable_reason() { return "handgrad was built without the CUDA backend"; }
}  // namespace hg::cuda

#include "ops/cuda/math_options.h"

namespace hg::cuda {
MathOptions& math_options() {  // the options exist (the CLI sets them) but nothing reads them
  static MathOptions options;
  return options;
}
}  // namespace hg::cuda
