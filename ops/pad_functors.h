// The index arithmetic of pad (ops/pad.h) as HG_HOST_DEVICE functions, shared by the CPU kernels
// (ops/cpu/pad.cpp) and the CUDA kernels (ops/cuda/pad.cu). No Tensor, no Eigen (nvcc, C++17).
#pragma once
#include <cstdint>

#include "tensor/host_device.h"

namespace hg::padding {

// The PadMode values (ops/pad.h) as plain ints, so this header needs no op header; ops/cpu/pad.cpp
// checks that they match.
constexpr int kConstant = 0, kReflect = 1, kReplicate = 2;

// Input index read by output position p of a dim of size n padded by `before`, or −1 for the
// constant. With i = p − before:  i when 0 <= i < n; else constant −1, reflect −i (i < 0) or
// 2(n − 1) − i (mirror about the edge element), replicate clamp(i, 0, n − 1).
HG_HOST_DEVICE int64_t source_index(int64_t p, int64_t before, int64_t n, int mode) {
  const int64_t i = p - before;
  if (i >= 0 && i < n) return i;
  if (mode == kReflect) return i < 0 ? -i : 2 * (n - 1) - i;
  if (mode == kReplicate) return i < 0 ? 0 : n - 1;
  return -1;
}

}  // namespace hg::padding
