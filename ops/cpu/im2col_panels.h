// The f32 column matrix of a convolution as a GEMM operand that is never stored whole (implicit
// GEMM): pack() writes NR-column panels of
//
//   col[k = (c, a, b), n = (img, i, j)] = x[img, c, i sh - ph + a dh, j sw - pw + b dw]   (0 outside)
//
// straight from the images (the rule of im2col.h), for rows [k0, k0 + kc) and columns [n0, n0 + nc).
//
// Every element is x at  base(n) + tap(k)  with base(n) = img image_stride + (i sh - ph) W + j sw - pw
// and tap(k) = c H W + a dh W + b dw, and it is inside the image iff row_ok(n, a) and col_ok(n, b).
// So a panel is set up once (its 32 base offsets and, per kernel row a / column b, a 32-bit mask of
// the columns that read inside the image) and then each of its kc rows is two 16-lane vector reads:
// a masked load where the 16 columns are consecutive in memory (stride 1 within one output row), a
// masked gather elsewhere (strides, row or image boundaries inside the half). No bounds checks and no
// zero padding in the row loop; padding lanes are simply masked off.
#pragma once
#include <cstdint>

#include "ops/cpu/gemm_f32.h"
#include "ops/cpu/im2col.h"

namespace hg::ops::cpu {

class Im2colPanels final : public gemm::PanelSource {
 public:
  // `x` points at channel c0 of the first image (a conv group's first channel); `image_stride` is
  // the distance between images (C H W); row k of the column matrix is (c - c0, a, b).
  Im2colPanels(const float* x, int64_t image_stride, const ConvGeometry& g);
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const override;

 private:
  const float* x_;
  int64_t image_stride_;
  ConvGeometry g_;
};

}  // namespace hg::ops::cpu
