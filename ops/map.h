// map(): apply a functor from ops/functors.h element-wise over broadcast tensors.
//
// This is the single CPU entry point for element-wise kernels (the CUDA backend provides the same
// template for device tensors). All operands are promoted to a common floating/integer type T,
// the functor runs on compute_t<T> (float for f16/bf16) and the result is stored as T (or as bool
// for comparison functors).
#pragma once
#include <type_traits>

#include "ops/device_check.h"
#include "tensor/strided_loop.h"
#include "tensor/view.h"

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
  Tensor c = to_dtype(t, dt);
  return c.sizes() == shape ? c : expand(c, shape);
}
}  // namespace detail

enum class MapDomain { floating, any_numeric };

// out[i] = f(xs[i]...) with broadcasting; `what` names the op in error messages.
template <class F, class... Ts>
Tensor map(const char* what, MapDomain domain, F f, const Ts&... xs) {
  check_same_device(what, xs...);
  const DType dt = detail::common_dtype(xs...);
  const Shape shape = detail::common_shape(what, xs...);
  if (domain == MapDomain::floating && !is_floating(dt))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(dt));
  if (dt == DType::boolean)
    throw std::invalid_argument(std::string(what) + ": not defined for bool tensors");
  require_cpu(what, xs...);
  return dispatch_all(dt, what, [&]<class T>() -> Tensor {
    using C = compute_t<T>;
    constexpr bool is_predicate = std::is_same_v<std::invoke_result_t<F, std::conditional_t<true, C, Ts>...>, bool>;
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

}  // namespace hg::ops
