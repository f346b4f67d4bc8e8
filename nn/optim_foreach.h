// foreach_update: runs one functor from nn/optim_functors.h over every element of N same-shape,
// same-dtype tensors, updating the first `kWritten` of them in place (the parameter, its moment
// buffers, or a gradient) and only reading the rest. Values are converted to compute precision
// (float for f16/bf16) around the call. Updated tensors must not be broadcast views (stride 0).
// Contiguous f32/f64 operands run as one flat (vectorised, thread-split) loop over the elements.
// CUDA tensors run the same functor in one fused kernel per call (ops/cuda/foreach_kernels.h; the
// functor needs an instantiation line in ops/cuda/foreach.cu).
#pragma once
#include <array>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ops/cuda/foreach_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "ops/device_check.h"
#include "tensor/strided_loop.h"

namespace hg::nn {

namespace detail {
// Element i of an operand: a reference when the functor updates it, else a copy (read only).
template <bool kUpdated, class T>
decltype(auto) foreach_operand(T* p, int64_t i) {
  if constexpr (kUpdated) return (p[i]);
  else return T(p[i]);
}
}  // namespace detail

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
  bool contiguous = true;
  for (const Tensor* t : all) contiguous = contiguous && t->is_contiguous();
  dispatch_float(all[0]->dtype(), what, [&]<class T>() {
    using C = compute_t<T>;
    if constexpr (std::is_same_v<T, C>) {
      if (contiguous) {  // the common case: one flat loop the compiler vectorises, split over threads
        const int64_t n = all[0]->numel();
        const std::array<T*, N> data{static_cast<T*>(ts.raw_data())...};
        [&]<size_t... I>(std::index_sequence<I...>) {
          const F local = f;  // a local copy: its fields stay in registers across the stores
#pragma omp parallel for schedule(static) if (n > (1 << 16))
          for (int64_t i = 0; i < n; ++i) local(detail::foreach_operand<I < kWritten>(data[I], i)...);
        }(std::make_index_sequence<N>{});
        return;
      }
    }
    strided_apply_n(all[0]->sizes(), std::make_tuple(static_cast<T*>(ts.raw_data())...), {&ts.strides()...},
                    [&f](auto&... e) {
                      std::array<C, sizeof...(Ts)> c{static_cast<C>(e)...};
                      std::apply([&f](auto&... x) { f(x...); }, c);
                      size_t k = 0;
                      ((k < kWritten ? void(e = static_cast<T>(c[k])) : void(), ++k), ...);
                    });
  });
}

}  // namespace hg::nn
