// Where every output element of pad (ops/pad.h) reads from: the input viewed as [planes, h, w]
// (h = 1 when only the last dim is padded) and, per output row / column, the input row / column
// it reads (−1 = the constant), from padding::source_index (ops/pad_functors.h). Computed once
// per call on the host and shared by the CPU kernels (ops/cpu/pad.cpp) and the CUDA ones.
#pragma once
#include <cstdint>
#include <vector>

#include "ops/pad.h"

namespace hg::ops {

struct PadGeometry {
  int64_t planes = 1, h = 1, w = 1, oh = 1, ow = 1;
  std::vector<int64_t> src_row, src_col;  // per output row / column; -1 = the constant
  Shape out_shape;
};

// Validates the input shape and pads (throws std::invalid_argument naming `what`, the shape and
// the pads) and returns the geometry.
PadGeometry pad_geometry(const char* what, const Shape& in, const std::vector<int64_t>& pads, PadMode mode);

}  // namespace hg::ops
