// DType: the element types a Tensor can hold, their sizes and names, and a
// dispatch macro that turns a runtime DType into a compile-time C++ type.
#pragma once
#include <Eigen/Core>  // Eigen::half, Eigen::bfloat16 (host/device, IEEE conversions)
#include <cstdint>
#include <stdexcept>
#include <string>

#include "tensor/dtype_code.h"
#include "tensor/host_device.h"

namespace hg {

using half = Eigen::half;
using bfloat16 = Eigen::bfloat16;

// Short name used in messages and CLI flags: "f32", "bf16", "bool", ...
const char* dtype_name(DType t);
// Name used by the safetensors format: "F32", "BF16", "BOOL", ...
const char* dtype_safetensors_name(DType t);
// Parses either spelling ("f32" / "F32" / "float32"); throws std::invalid_argument naming the text.
DType parse_dtype(const std::string& name);
// The type both operands are promoted to (PyTorch-like: float beats int, wider beats narrower;
// f16 with bf16 gives f32).
DType promote_types(DType a, DType b);

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<half> { static constexpr DType value = DType::f16; };
template <> struct dtype_of<bfloat16> { static constexpr DType value = DType::bf16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::boolean; };

// The type arithmetic is done in: f16/bf16 compute in float, everything else in itself.
template <class T> struct compute_type { using type = T; };
template <> struct compute_type<half> { using type = float; };
template <> struct compute_type<bfloat16> { using type = float; };
template <class T> using compute_t = typename compute_type<T>::type;

}  // namespace hg

namespace hg {

// dispatch_all(dtype, "what", [&]<class T>() { ... }) calls the generic lambda with T bound to the
// C++ element type of `dtype`. dispatch_float accepts only floating dtypes and names `what` otherwise.
template <class F>
decltype(auto) dispatch_float(DType dt, const char* what, F&& f) {
  switch (dt) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    case DType::f16: return f.template operator()<half>();
    case DType::bf16: return f.template operator()<bfloat16>();
    default:
      throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(dt));
  }
}
template <class F>
decltype(auto) dispatch_all(DType dt, const char* what, F&& f) {
  switch (dt) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    case DType::f16: return f.template operator()<half>();
    case DType::bf16: return f.template operator()<bfloat16>();
    case DType::i32: return f.template operator()<int32_t>();
    case DType::i64: return f.template operator()<int64_t>();
    case DType::u8: return f.template operator()<uint8_t>();
    case DType::boolean: return f.template operator()<bool>();
  }
  throw std::invalid_argument(std::string(what) + ": unknown dtype");
}

}  // namespace hg

