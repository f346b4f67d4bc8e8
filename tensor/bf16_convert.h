// Contiguous f32 <-> bf16 conversion in bulk (autocast converts every conv/linear operand), bit for
// bit what Eigen::bfloat16 gives element by element: f32 -> bf16 rounds to nearest, ties to even
// (u + 0x7fff + lsb, then the top 16 bits), a NaN becomes the quiet NaN 0x7fc0 with its sign; bf16
// -> f32 is exact (the 16 bits become the top half). Written branch-free over 32-bit words so the
// compiler vectorises both loops.
#pragma once
#include <cstdint>

#include "tensor/dtype.h"

namespace hg {

void floats_to_bf16(const float* src, bfloat16* dst, int64_t n);
void bf16_to_floats(const bfloat16* src, float* dst, int64_t n);

}  // namespace hg
