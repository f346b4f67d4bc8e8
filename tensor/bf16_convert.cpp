#include "tensor/bf16_convert.h"

#include <algorithm>
#include <cstring>

namespace hg {
namespace {

constexpr int64_t kBlock = 1024;  // elements per step: a stack buffer of bits, then one memcpy

void floats_to_bf16_block(const float* src, bfloat16* dst, int64_t n) {
  uint32_t in[kBlock];
  uint16_t out[kBlock];
  std::memcpy(in, src, sizeof(float) * n);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = in[i];
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    out[i] = static_cast<uint16_t>(nan ? ((u >> 16) & 0x8000u) | 0x7fc0u : rounded);
  }
  std::memcpy(static_cast<void*>(dst), out, sizeof(uint16_t) * n);
}

void bf16_to_floats_block(const bfloat16* src, float* dst, int64_t n) {
  uint16_t in[kBlock];
  uint32_t out[kBlock];
  std::memcpy(in, static_cast<const void*>(src), sizeof(uint16_t) * n);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(in[i]) << 16;
  std::memcpy(dst, out, sizeof(float) * n);
}

template <class F>
void for_blocks(int64_t n, F&& f) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n >= (int64_t{1} << 16))
  for (int64_t b = 0; b < blocks; ++b) f(b * kBlock, std::min(kBlock, n - b * kBlock));
}

}  // namespace

static_assert(sizeof(bfloat16) == sizeof(uint16_t), "bfloat16 is its 16 bits");

void floats_to_bf16(const float* src, bfloat16* dst, int64_t n) {
  for_blocks(n, [&](int64_t i, int64_t len) { floats_to_bf16_block(src + i, dst + i, len); });
}

void bf16_to_floats(const bfloat16* src, float* dst, int64_t n) {
  for_blocks(n, [&](int64_t i, int64_t len) { bf16_to_floats_block(src + i, dst + i, len); });
}

}  // namespace hg
