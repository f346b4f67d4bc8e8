// foreach_update: runs one functor from nn/optim_functors.h over every element of N same-shape,
// same-dtype tensors, updating the first `kWritten` of them in place (the parameter, its moment
// buffers, or a gradient) and only reading the rest. Values are converted to compute precision
// (float for f16/bf16) around the call. Updated tensors must not be broadcast views (stride 0).
// CUDA tensors run the same functor in one fused kernel per call (ops/cuda/foreach_kernels.h; the
// functor needs an instantiation line in ops/cuda/foreach.cu).
#pragma once
#include <array>
#include <string>
#include <tuple>

#include "ops/cuda/foreach_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"
#include "tensor/strided_loop.h"

namespace hg::nn {

template <size_t kWritten, class F, class... Ts>
void foreach_update(const char* what, const F& f, const Ts&... ts) {
  constexpr size_t N = sizeof...(Ts);
  static_assert(N >= 1 && kWritten <= N, "foreach_update: bad operand count");
  const std::array<const Tensor*, N> all{&ts...};
  for (const Tensor* t : all) {
    if (t->sizes() != all[0]->sizes())
      throw std::invalid_argument(std::string(what) + ": shape " + t->shape_string() + " does not match " +
                                  all[0]->shape_string());
    if (t->dtype() != all[0]->dtype())
      throw std::invalid_argument(std::string(what) + ": dtype " + dtype_name(t->dtype()) + " does not match " +
                                  dtype_name(all[0]->dtype()));
  }
  for (size_t k = 0; k < kWritten; ++k)  // an updated tensor must not alias itself (a broadcast view)
    for (int64_t d = 0; d < all[k]->dim(); ++d)
      if (all[k]->stride(d) == 0 && all[k]->size(d) > 1)
        throw std::invalid_argument(std::string(what) + ": cannot update a broadcast (stride-0) tensor of shape " +
                                    all[k]->shape_string() + " in place");
  if constexpr (N > 1) ops::check_same_device(what, ts...);
#if HANDGRAD_WITH_CUDA
  if (all[0]->device().is_cuda()) {
    ops::check_floating(what, *all[0]);
    const std::array<cuda::StridedArg, N> args{cuda::strided_arg(ts)...};
    cuda::launch_foreach_update<kWritten, N>(f, args.data(), all[0]->device().index);
    return;
  }
#endif
  ops::require_cpu(what, ts...);
  dispatch_float(all[0]->dtype(), what, [&]<class T>() {
    using C = compute_t<T>;
    strided_apply_n(all[0]->sizes(), std::make_tuple(static_cast<T*>(ts.raw_data())...), {&ts.strides()...},
                    [&f](auto&... e) {
                      std::array<C, N> c{static_cast<C>(e)...};
                      std::apply([&f](auto&... x) { f(x...); }, c);
                      size_t k = 0;
                      ((k < kWritten ? void(e = static_cast<T>(c[k])) : void(), ++k), ...);
                    });
  });
}

}  // namespace hg::nn
