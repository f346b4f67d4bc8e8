// DType itself — the enum, its element sizes and the floating test — with no other includes, so the
// CUDA kernels (ops/cuda/*.cu, compiled by nvcc as C++17) can name dtypes without Eigen or the Tensor.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hg {

enum class DType : uint8_t { f32, f64, f16, bf16, i32, i64, u8, boolean };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::f64: case DType::i64: return 8;
    case DType::f32: case DType::i32: return 4;
    case DType::f16: case DType::bf16: return 2;
    case DType::u8: case DType::boolean: return 1;
  }
  return 0;
}
constexpr bool is_floating(DType t) {
  return t == DType::f32 || t == DType::f64 || t == DType::f16 || t == DType::bf16;
}

}  // namespace hg
