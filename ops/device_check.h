// Argument checks shared by all ops: same device, CPU-only kernels, shapes and dtypes.
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace hg::ops {

template <class... Ts>
void check_same_device(const char* what, const Tensor& a, const Ts&... rest) {
  (void)what;  // unused when `rest` is empty
  ((rest.device() != a.device()
        ? throw std::invalid_argument(std::string(what) + ": tensors on different devices (" + a.device().str() +
                                      " and " + rest.device().str() + ")")
        : void()),
   ...);
}

// Until an op gets a CUDA kernel (ops/cuda/), it refuses device tensors with a clear message.
template <class... Ts>
void require_cpu(const char* what, const Ts&... xs) {
  ((xs.device().is_cpu() ? void()
                         : throw std::runtime_error(std::string(what) + ": no kernel for " + xs.device().str() +
                                                    " tensors in this build")),
   ...);
}

void check_dim(const char* what, const Tensor& t, int64_t ndim, const char* name);
void check_floating(const char* what, const Tensor& t);
void check_same_shape(const char* what, const Tensor& a, const Tensor& b);

}  // namespace hg::ops
