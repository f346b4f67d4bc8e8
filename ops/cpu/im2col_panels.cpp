// Im2colPanels::pack (see im2col_panels.h): per panel of NR = 32 columns, a set-up over its columns,
// then per row k and 16-lane half one vector store, filled by
//   - masked loads + one permute, when the half's columns form at most two runs, each on one output
//     row with input step 1 or 2 (a run spans <= 32 input floats: one or two 16-float loads whose
//     masks keep only in-image elements, then a two-register permute moves them into their lanes);
//   - a masked gather otherwise (short output rows, larger strides).
// Lanes that read padding, and lanes past the panel's valid columns, are masked off and pack as 0.
#include "ops/cpu/im2col_panels.h"

#include <algorithm>
#include <limits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace hg::ops::cpu {
namespace {

using gemm::kNR;
static_assert(kNR == 32, "a panel is two 16-lane halves");
constexpr int kHalf = 16, kMaxRuns = 2;

// Lanes [lane0, lane0 + lanes) of a half read input floats origin + step (l - lane0) (+ the tap
// offset). row_in[a] / col_in[b]: bit step (l - lane0) set iff lane l reads inside the image for
// kernel row a / column b (so row_in & col_in is the load mask, in input positions).
struct Run {
  int64_t origin = 0;
  int lane0 = 0, lanes = 0;
  bool two_loads = false;  // the run spans more than 16 input floats
  std::vector<uint32_t> row_in, col_in;
  alignas(64) int32_t source[kHalf];  // permute index: lane l <- input position step (l - lane0)
};

// One half of a panel: up to kMaxRuns runs, or (runs == 0) a gather with per-lane masks.
struct Half {
  int runs = 0;
  bool plain = false;  // one run, step 1, all 16 lanes: a masked load is the whole half
  Run run[kMaxRuns];
  // Gather: offsets relative to base (int32; fits = all of them do, else element by element).
  int64_t base = 0;
  bool fits = true;
  alignas(64) int32_t rel[kHalf];
  int64_t offset[kHalf];
  std::vector<uint32_t> row_ok, col_ok;  // bit l: lane l in the image for kernel row a / column b
};

// A panel column decoded: its output position and the offset of its tap (0, 0) in channel 0.
struct Column {
  int64_t img, i, j, base;
};

// Sets up one half of a panel from its `lanes` (<= 16) decoded columns.
void set_up_half(const ConvGeometry& g, const Column* col, int64_t lanes, Half& half) {
  half.row_ok.assign(static_cast<size_t>(g.kh), 0u);
  half.col_ok.assign(static_cast<size_t>(g.kw), 0u);
  half.base = lanes > 0 ? col[0].base : 0;
  half.fits = true;
  for (int64_t l = 0; l < kHalf; ++l) {
    if (l >= lanes) {
      half.rel[l] = 0, half.offset[l] = half.base;
      continue;
    }
    const int64_t ih = col[l].i * g.sh - g.ph, iw = col[l].j * g.sw - g.pw, d = col[l].base - half.base;
    for (int64_t a = 0; a < g.kh; ++a)
      if (ih + a * g.dh >= 0 && ih + a * g.dh < g.H) half.row_ok[a] |= 1u << l;
    for (int64_t b = 0; b < g.kw; ++b)
      if (iw + b * g.dw >= 0 && iw + b * g.dw < g.W) half.col_ok[b] |= 1u << l;
    half.fits = half.fits && d >= std::numeric_limits<int32_t>::min() && d <= std::numeric_limits<int32_t>::max();
    half.rel[l] = static_cast<int32_t>(d);
    half.offset[l] = col[l].base;
  }
  // Runs: consecutive lanes on one output row of one image, input step sw (1 or 2 only).
  half.runs = 0;
  half.plain = false;
  if (g.sw > 2 || lanes == 0) return;
  for (int64_t l = 0; l < lanes;) {
    int64_t len = 1;
    while (l + len < lanes && col[l + len].img == col[l].img && col[l + len].i == col[l].i) ++len;
    if (half.runs == kMaxRuns) {  // too many runs: gather
      half.runs = 0;
      return;
    }
    Run& r = half.run[half.runs++];
    r.origin = col[l].base;
    r.lane0 = static_cast<int>(l);
    r.lanes = static_cast<int>(len);
    r.two_loads = g.sw * (len - 1) >= kHalf;
    r.row_in.assign(static_cast<size_t>(g.kh), 0u);
    r.col_in.assign(static_cast<size_t>(g.kw), 0u);
    for (int64_t q = 0; q < kHalf; ++q) r.source[q] = 0;
    for (int64_t q = 0; q < len; ++q) {
      const uint32_t bit = 1u << (g.sw * q);
      for (int64_t a = 0; a < g.kh; ++a)
        if ((half.row_ok[a] >> (l + q)) & 1u) r.row_in[a] |= bit;
      for (int64_t b = 0; b < g.kw; ++b)
        if ((half.col_ok[b] >> (l + q)) & 1u) r.col_in[b] |= bit;
      r.source[l + q] = static_cast<int32_t>(g.sw * q);
    }
    l += len;
  }
  half.plain = half.runs == 1 && lanes == kHalf && g.sw == 1;
}

// Row k of the column matrix: tap offset c H W + a dh W + b dw and its kernel row / column.
struct Tap {
  int64_t offset;
  int64_t a, b;
};

// One half's row k into out[0 .. 16).
inline void pack_half_row(const float* x, const Half& half, const Tap& t, float* out) {
#if defined(__AVX512F__)
  if (half.plain) {
    const Run& r = half.run[0];
    const __mmask16 m = static_cast<__mmask16>(r.row_in[t.a] & r.col_in[t.b]);
    _mm512_storeu_ps(out, _mm512_maskz_loadu_ps(m, x + r.origin + t.offset));
    return;
  }
  if (half.runs > 0) {
    __m512 v = _mm512_setzero_ps();
    for (int q = 0; q < half.runs; ++q) {
      const Run& r = half.run[q];
      const uint32_t m = r.row_in[t.a] & r.col_in[t.b];
      const float* p = x + r.origin + t.offset;  // may point outside x; masked lanes are not read
      const __m512 lo = _mm512_maskz_loadu_ps(static_cast<__mmask16>(m), p);
      const __m512 hi = r.two_loads ? _mm512_maskz_loadu_ps(static_cast<__mmask16>(m >> 16), p + kHalf)
                                    : _mm512_setzero_ps();
      const __m512 placed = _mm512_permutex2var_ps(lo, _mm512_load_si512(r.source), hi);
      const __mmask16 lanes = static_cast<__mmask16>(((1u << r.lanes) - 1u) << r.lane0);
      v = _mm512_mask_mov_ps(v, lanes, placed);
    }
    _mm512_storeu_ps(out, v);
    return;
  }
  const uint32_t mask = half.row_ok[t.a] & half.col_ok[t.b];
  if (half.fits) {
    _mm512_storeu_ps(out, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), static_cast<__mmask16>(mask),
                                                   _mm512_load_si512(half.rel), x + half.base + t.offset, 4));
    return;
  }
#else
  const uint32_t mask = half.row_ok[t.a] & half.col_ok[t.b];
#endif
  for (int l = 0; l < kHalf; ++l) out[l] = (mask >> l) & 1u ? x[half.offset[l] + t.offset] : 0.0f;
}

}  // namespace

Im2colPanels::Im2colPanels(const float* x, int64_t image_stride, const ConvGeometry& g)
    : x_(x), image_stride_(image_stride), g_(g) {}

void Im2colPanels::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const {
  const ConvGeometry& g = g_;
  const int64_t taps = g.kh * g.kw, P = g.plane_out();
  thread_local std::vector<Tap> tap;
  thread_local Half half[2];
  tap.resize(static_cast<size_t>(kc));
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t row = k0 + k, c = row / taps, a = (row / g.kw) % g.kh, b = row % g.kw;
    tap[k] = {c * g.plane_in() + a * g.dh * g.W + b * g.dw, a, b};
  }
  Column col[kNR];
  for (int64_t p0 = 0; p0 < nc; p0 += kNR, dst += kc * kNR) {
    const int64_t valid = std::min<int64_t>(kNR, nc - p0), first = n0 + p0;
    int64_t img = first / P, i = (first % P) / g.Wo, j = first % g.Wo;
    for (int64_t l = 0; l < valid; ++l) {
      col[l] = {img, i, j, img * image_stride_ + (i * g.sh - g.ph) * g.W + j * g.sw - g.pw};
      if (++j == g.Wo) {  // next output column, row, image
        j = 0;
        if (++i == g.Ho) i = 0, ++img;
      }
    }
    for (int h = 0; h < 2; ++h) {
      set_up_half(g, col + kHalf * h, std::clamp<int64_t>(valid - kHalf * h, 0, kHalf), half[h]);
      for (int64_t k = 0; k < kc; ++k) pack_half_row(x_, half[h], tap[k], dst + k * kNR + kHalf * h);
    }
  }
}

}  // namespace hg::ops::cpu
