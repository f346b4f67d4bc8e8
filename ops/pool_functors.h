// The index arithmetic of 2-D pooling (ops/pool.h), written once for the CPU and CUDA kernels
// (HG_HOST_DEVICE, no CUDA headers): output sizes, the average-pooling cell and divisor, the
// adaptive cells and their inverse (which output cells read an input row), and the max rule.
#pragma once
#include <cstdint>

#include "tensor/host_device.h"

namespace hg::fn {

// torch's pooling_output_shape: floor (or ceil) of (in + 2p − d(k − 1) − 1)/s, plus one; with
// ceil_mode the last window must start inside the image or the left padding.
HG_HOST_DEVICE int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;  // floor division
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Average-pooling window of output (i, j): rows [h0, h1) and columns [w0, w1) clipped to the image,
// and the divisor: the window clipped to the padded image (count_include_pad) or the real pixels.
struct AvgPoolCell {
  int64_t h0, h1, w0, w1;
  int64_t divisor;  // 0 for a window without any pixel (its output is 0)
};
HG_HOST_DEVICE AvgPoolCell avg_pool_cell(int64_t i, int64_t j, int64_t H, int64_t W, int64_t kh, int64_t kw,
                                         int64_t sh, int64_t sw, int64_t ph, int64_t pw, bool count_include_pad) {
  int64_t h0 = i * sh - ph, w0 = j * sw - pw;
  int64_t h1 = h0 + kh < H + ph ? h0 + kh : H + ph, w1 = w0 + kw < W + pw ? w0 + kw : W + pw;
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < H ? h1 : H;
  w1 = w1 < W ? w1 : W;
  const int64_t real = (h1 > h0 ? h1 - h0 : 0) * (w1 > w0 ? w1 - w0 : 0);
  return {h0, h1, w0, w1, count_include_pad ? padded : real};
}
// The output indices whose (unclipped) window start o·s − p lies in (x − k, x]: a superset of
// the windows that cover input index x; avg_pool_cell decides. Returns [first, last] (empty if
// first > last).
HG_HOST_DEVICE void pool_windows_covering(int64_t x, int64_t k, int64_t s, int64_t p, int64_t out, int64_t* first,
                                          int64_t* last) {
  const int64_t lo = x + p - k + 1;  // smallest start that still reaches x
  *first = lo <= 0 ? 0 : (lo + s - 1) / s;
  const int64_t hi = (x + p) / s;  // largest o with o·s − p <= x (x + p >= 0)
  *last = hi < out - 1 ? hi : out - 1;
}

// Adaptive cell i of `out` cells over `in`: [floor(i·in/out), ceil((i + 1)·in/out)).
HG_HOST_DEVICE int64_t adaptive_begin(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
HG_HOST_DEVICE int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }
// The cells containing input index x: begin(i) <= x  <=>  i <= ((x + 1)·out − 1)/in, and
// end(i) > x  <=>  (i + 1)·in > x·out  <=>  i >= floor(x·out/in).
HG_HOST_DEVICE int64_t adaptive_first_cell(int64_t x, int64_t in, int64_t out) { return (x * out) / in; }
HG_HOST_DEVICE int64_t adaptive_last_cell(int64_t x, int64_t in, int64_t out) {
  const int64_t i = ((x + 1) * out - 1) / in;
  return i < out - 1 ? i : out - 1;
}

// The taps t of a dilated window (start + t·dilation, t in [0, kernel)) that fall inside [0, extent):
// t in [lo, hi) (lo == hi when none does).
struct PoolTaps {
  int64_t lo, hi;
};
HG_HOST_DEVICE PoolTaps pool_inside_taps(int64_t start, int64_t dilation, int64_t kernel, int64_t extent) {
  const int64_t a = -start, b = extent - start;
  const int64_t up_a = a <= 0 ? 0 : (a + dilation - 1) / dilation, up_b = b <= 0 ? 0 : (b + dilation - 1) / dilation;
  const int64_t lo = kernel < up_a ? kernel : up_a;
  const int64_t hi0 = kernel < up_b ? kernel : up_b;
  return {lo, hi0 > lo ? hi0 : lo};
}

// Max pooling takes a tap when it is larger than the current best or is NaN (the last NaN wins);
// taps are visited row by row, so ties keep the first maximum.
template <class A>
HG_HOST_DEVICE bool max_pool_takes(A v, A best) {
  return (v > best) | (v != v);
}

}  // namespace hg::fn
