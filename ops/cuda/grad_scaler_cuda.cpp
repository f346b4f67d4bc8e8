// Host side of ops/cuda/grad_scaler_cuda.h: one zeroed i32 flag per device, one fused kernel per
// gradient on its device's stream, then one read of each flag.
#include <map>

#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/grad_scaler_cuda.h"
#include "ops/cuda/grad_scaler_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"

namespace hg::cuda {

bool unscale_and_check_finite(const std::vector<Tensor>& grads, double inv_scale) {
  std::map<int, Tensor> flags;  // device index -> [1] i32 found_inf
  for (const Tensor& g : grads) {
    if (!g.device().is_cuda())
      throw std::invalid_argument("GradScaler.unscale_: gradient on " + g.device().str() + " given to the CUDA path");
    ops::check_floating("GradScaler.unscale_", g);
    const int dev = g.device().index;
    auto it = flags.find(dev);
    if (it == flags.end()) {
      it = flags.emplace(dev, Tensor::empty({1}, TensorOptions(DType::i32, g.device()))).first;
      launch_fill(strided_arg(it->second), 0.0, dev);
    }
    launch_unscale_check(strided_arg(g), inv_scale, it->second.data<int32_t>(), dev);
  }
  bool finite = true;
  for (const auto& [dev, flag] : flags) finite = finite && flag.item<int32_t>() == 0;  // the one wait per device
  return finite;
}

}  // namespace hg::cuda
