// map(): apply a functor from ops/functors.h element-wise over broadcast tensors.
//
// The single entry point for element-wise kernels on both backends. All operands are promoted to a
// common floating/integer type T and broadcast (same checks and messages on every device), the
// functor runs on compute_t<T> (float for f16/bf16) and the result is stored as T (or as bool for
// comparison functors). CPU tensors go through strided_apply; CUDA tensors through
// cuda::launch_map (ops/cuda/map_cuda.h), whose kernels are instantiated from the functor lists at
// the end of ops/functors.h — hence the static_assert below.
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ops/device_check.h"
#include "ops/functors.h"
#include "tensor/strided_loop.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/map_cuda.h"
#include "ops/cuda/tensor_args.h"
#endif

namespace hg::ops {

namespace detail {
inline DType common_dtype(const Tensor& a) { return a.dtype(); }
template <class... Rest>
DType common_dtype(const Tensor& a, const Rest&... rest) {
  return promote_types(a.dtype(), common_dtype(rest...));
}
inline Shape common_shape(const char* what, const Tensor& a) { return a.sizes(); }
template <class... Rest>
Shape common_shape(const char* what, const Tensor& a, const Rest&... rest) {
  return broadcast_shapes(a.sizes(), common_shape(what, rest...), what);
}
inline Tensor prepare(const Tensor& t, DType dt, const Shape& shape) {
  Tensor c = ops::to_dtype(t, dt);
  return c.sizes() == shape ? c : ops::expand(c, shape);
}
template <class... Rest>
const Tensor& first(const Tensor& a, const Rest&...) { return a; }
}  // namespace detail

enum class MapDomain { floating, any_numeric };

// out[i] = f(xs[i]...) with broadcasting; `what` names the op in error messages.
template <class F, class... Ts>
Tensor map(const char* what, MapDomain domain, F f, const Ts&... xs) {
  using Traits = fn::functor_traits<F>;
  static_assert(Traits::listed,
                "map(): this functor is missing from the lists at the end of ops/functors.h (the CUDA "
                "backend instantiates its kernels from them)");
  static_assert(Traits::arity == static_cast<int>(sizeof...(Ts)), "map(): functor arity != number of tensors");
  static_assert(Traits::predicate ==
                    std::is_same_v<std::invoke_result_t<F, std::conditional_t<true, double, Ts>...>, bool>,
                "map(): the functors returning bool are exactly those in HG_FN_PREDICATE");
  if (Traits::floating_only && domain != MapDomain::floating)
    throw std::logic_error(std::string(what) + ": the functor is listed floating-only in ops/functors.h but "
                           "map() was called with MapDomain::any_numeric");
  check_same_device(what, xs...);
  const DType dt = detail::common_dtype(xs...);
  const Shape shape = detail::common_shape(what, xs...);
  if (domain == MapDomain::floating && !is_floating(dt))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(dt));
  if (dt == DType::boolean)
    throw std::invalid_argument(std::string(what) + ": not defined for bool tensors");
#if HANDGRAD_WITH_CUDA
  if (const Device device = detail::first(xs...).device(); device.is_cuda()) {
    Tensor out = Tensor::empty(shape, TensorOptions(Traits::predicate ? DType::boolean : dt, device));
    cuda::launch_map(f, cuda::strided_arg(out), cuda::strided_arg(detail::prepare(xs, dt, shape))..., device.index);
    return out;
  }
#endif
  require_cpu(what, xs...);
  return dispatch_all(dt, what, [&]<class T>() -> Tensor {
    using C = compute_t<T>;
    constexpr bool is_predicate = Traits::predicate;
    Tensor out = Tensor::empty(shape, TensorOptions(is_predicate ? DType::boolean : dt));
    if constexpr (std::is_same_v<T, bool>) {
      throw std::logic_error("unreachable");
    } else {
      using Out = std::conditional_t<is_predicate, bool, T>;
      if constexpr (sizeof...(Ts) == 1) {
        Tensor a = detail::prepare(xs..., dt, shape);
        strided_apply2<Out, T>(out, a, [&](Out& o, const T& x) { o = static_cast<Out>(f(static_cast<C>(x))); });
      } else if constexpr (sizeof...(Ts) == 2) {
        auto [a, b] = std::make_tuple(detail::prepare(xs, dt, shape)...);
        strided_apply3<Out, T, T>(out, a, b, [&](Out& o, const T& x, const T& y) {
          o = static_cast<Out>(f(static_cast<C>(x), static_cast<C>(y)));
        });
      } else {
        static_assert(sizeof...(Ts) == 3, "map takes 1 to 3 tensors");
        auto [a, b, c] = std::make_tuple(detail::prepare(xs, dt, shape)...);
        strided_apply4<Out, T, T, T>(out, a, b, c, [&](Out& o, const T& x, const T& y, const T& z) {
          o = static_cast<Out>(f(static_cast<C>(x), static_cast<C>(y), static_cast<C>(z)));
        });
      }
    }
    return out;
  });
}

// In place: dst[i] = f(dst[i], srcs[i]...) with each src converted to dst's dtype and broadcast to
// dst's shape (dst keeps its shape, dtype and strides; it must not overlap itself or the srcs).
// Same functor lists and device routing as map().
template <class F, class... Ts>
void map_inplace(const char* what, MapDomain domain, F f, const Tensor& dst, const Ts&... srcs) {
  using Traits = fn::functor_traits<F>;
  static_assert(Traits::listed, "map_inplace(): this functor is missing from the lists at the end of ops/functors.h");
  static_assert(Traits::arity == 1 + static_cast<int>(sizeof...(Ts)), "map_inplace(): functor arity != 1 + sources");
  static_assert(!Traits::predicate, "map_inplace(): a predicate cannot update its operand");
  if (Traits::floating_only && domain != MapDomain::floating)
    throw std::logic_error(std::string(what) + ": the functor is listed floating-only in ops/functors.h but "
                           "map_inplace() was called with MapDomain::any_numeric");
  check_same_device(what, dst, srcs...);
  const DType dt = dst.dtype();
  if (domain == MapDomain::floating && !is_floating(dt))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(dt));
  if (dt == DType::boolean)
    throw std::invalid_argument(std::string(what) + ": not defined for bool tensors");
#if HANDGRAD_WITH_CUDA
  if (dst.device().is_cuda()) {
    const cuda::StridedArg d = cuda::strided_arg(dst);
    cuda::launch_map(f, d, d, cuda::strided_arg(detail::prepare(srcs, dt, dst.sizes()))..., dst.device().index);
    return;
  }
#endif
  require_cpu(what, dst);
  dispatch_all(dt, what, [&]<class T>() {
    using C = compute_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      throw std::logic_error("unreachable");
    } else if constexpr (sizeof...(Ts) == 0) {
      strided_apply1<T>(dst, [&](T& d) { d = static_cast<T>(f(static_cast<C>(d))); });
    } else {
      static_assert(sizeof...(Ts) == 1, "map_inplace takes dst and at most one source");
      const Tensor s = detail::prepare(srcs..., dt, dst.sizes());
      strided_apply2<T, T>(dst, s, [&](T& d, const T& v) { d = static_cast<T>(f(static_cast<C>(d), static_cast<C>(v))); });
    }
  });
}

}  // namespace hg::ops
