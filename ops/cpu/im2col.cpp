// im2col / col2im loops. For each kernel tap (a, b) the valid output columns j (those reading
// inside the image) form one interval [j_lo, j_hi), computed once per tap, so the inner loops have
// no bounds checks: zeros before and after, and a unit-stride copy (stride 1) or a strided gather.
#include "ops/cpu/im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace hg::ops::cpu {
namespace {

int64_t ceil_div_nonneg(int64_t n, int64_t d) { return n <= 0 ? 0 : (n + d - 1) / d; }

// [j_lo, j_hi) = the output columns whose input column j sw - pw + b dw lies in [0, W).
struct Span {
  int64_t lo, hi;
};
Span valid_span(int64_t offset, int64_t extent, int64_t stride, int64_t out) {
  // index = j stride + offset must satisfy 0 <= index < extent
  const int64_t lo = std::min(out, ceil_div_nonneg(-offset, stride));
  const int64_t hi = std::max(lo, std::min(out, ceil_div_nonneg(extent - offset, stride)));
  return {lo, hi};
}

}  // namespace

template <class T>
void im2col(const T* x, int64_t B, const ConvGeometry& g, T* col, int64_t ld, bool parallel) {
  const int64_t P = g.plane_out();
  std::vector<Span> spans(g.kw);
  for (int64_t b = 0; b < g.kw; ++b) spans[b] = valid_span(b * g.dw - g.pw, g.W, g.sw, g.Wo);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < g.C; ++c) {
    for (int64_t a = 0; a < g.kh; ++a) {
      for (int64_t b = 0; b < g.kw; ++b) {
        T* row = col + ((c * g.kh + a) * g.kw + b) * ld;
        const Span s = spans[b];
        const int64_t col_off = b * g.dw - g.pw;
        for (int64_t img = 0; img < B; ++img) {
          const T* plane = x + (img * g.C + c) * g.plane_in();
          T* out = row + img * P;
          for (int64_t i = 0; i < g.Ho; ++i, out += g.Wo) {
            const int64_t ih = i * g.sh - g.ph + a * g.dh;
            if (ih < 0 || ih >= g.H) {
              std::fill(out, out + g.Wo, T(0));
              continue;
            }
            const T* in = plane + ih * g.W;  // x[ih, :]
            std::fill(out, out + s.lo, T(0));
            if (g.sw == 1) {
              if (s.hi > s.lo) std::memcpy(out + s.lo, in + s.lo + col_off, sizeof(T) * (s.hi - s.lo));
            } else {
              for (int64_t j = s.lo; j < s.hi; ++j) out[j] = in[j * g.sw + col_off];
            }
            std::fill(out + s.hi, out + g.Wo, T(0));
          }
        }
      }
    }
  }
}

template <class T>
void col2im_add(const T* col, int64_t ld, int64_t B, const ConvGeometry& g, T* x, bool parallel) {
  const int64_t P = g.plane_out();
  std::vector<Span> spans(g.kw);
  for (int64_t b = 0; b < g.kw; ++b) spans[b] = valid_span(b * g.dw - g.pw, g.W, g.sw, g.Wo);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < g.C; ++c) {
    for (int64_t a = 0; a < g.kh; ++a) {
      for (int64_t b = 0; b < g.kw; ++b) {
        const T* row = col + ((c * g.kh + a) * g.kw + b) * ld;
        const Span s = spans[b];
        const int64_t col_off = b * g.dw - g.pw;
        for (int64_t img = 0; img < B; ++img) {
          T* plane = x + (img * g.C + c) * g.plane_in();
          const T* in = row + img * P;
          for (int64_t i = 0; i < g.Ho; ++i, in += g.Wo) {
            const int64_t ih = i * g.sh - g.ph + a * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            T* out = plane + ih * g.W;  // x[ih, :]
            if (g.sw == 1) {
              if (s.hi > s.lo) {
                T* o = out + s.lo + col_off;  // x[ih, lo - pw + b dw ...]
                const T* src = in + s.lo;
                for (int64_t k = 0; k < s.hi - s.lo; ++k) o[k] += src[k];
              }
            } else {
              for (int64_t j = s.lo; j < s.hi; ++j) out[j * g.sw + col_off] += in[j];
            }
          }
        }
      }
    }
  }
}

Im2colPanels::Im2colPanels(const float* x, int64_t image_stride, const ConvGeometry& g)
    : x_(x), image_stride_(image_stride), g_(g), lo_(g.kw), hi_(g.kw) {
  for (int64_t b = 0; b < g.kw; ++b) {
    const Span s = valid_span(b * g.dw - g.pw, g.W, g.sw, g.Wo);
    lo_[b] = s.lo;
    hi_[b] = s.hi;
  }
}

// out[0 .. n) = src[0 .. n) and out[0 .. n) = 0 for the short runs of a panel row: whole and masked
// 16-float vectors with AVX-512 (a masked load never touches the lanes it leaves out), else loops.
inline void copy_run(float* out, const float* src, int64_t n) {
#if defined(__AVX512F__)
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_loadu_ps(src + i));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(out + i, m, _mm512_maskz_loadu_ps(m, src + i));
  }
#else
  for (int64_t i = 0; i < n; ++i) out[i] = src[i];
#endif
}
inline void zero_run(float* out, int64_t n) {
#if defined(__AVX512F__)
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_setzero_ps());
  if (i < n) _mm512_mask_storeu_ps(out + i, static_cast<__mmask16>((1u << (n - i)) - 1u), _mm512_setzero_ps());
#else
  for (int64_t i = 0; i < n; ++i) out[i] = 0.0f;
#endif
}

void Im2colPanels::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const {
  using gemm::kNR;
  const ConvGeometry& g = g_;
  const int64_t P = g.plane_out(), taps = g.kh * g.kw;
  // A panel's NR columns are cut into segments that stay on one output row of one image.
  struct Segment {
    int64_t at, len;     // columns [at, at + len) of the panel
    const float* plane;  // image's channel c0 plane
    int64_t i, j;        // output row and first output column
  };
  Segment seg[kNR];
  // Row k = (c, a, b) of the column matrix, decoded once per call (no divisions in the loops).
  struct Tap {
    int64_t channel_offset;  // c H W
    int64_t row_shift;       // a dh - ph: input row = i sh + row_shift
    int64_t col_off, lo, hi;  // input column = j sw + col_off, valid for output columns [lo, hi)
  };
  thread_local std::vector<Tap> tap;
  tap.resize(static_cast<size_t>(kc));
  {
    int64_t c = k0 / taps, a = (k0 / g.kw) % g.kh, b = k0 % g.kw;
    for (int64_t k = 0; k < kc; ++k) {
      tap[k] = {c * g.plane_in(), a * g.dh - g.ph, b * g.dw - g.pw, lo_[b], hi_[b]};
      if (++b == g.kw) {
        b = 0;
        if (++a == g.kh) a = 0, ++c;
      }
    }
  }
  for (int64_t p0 = 0; p0 < nc; p0 += kNR, dst += kc * kNR) {
    const int64_t valid = std::min<int64_t>(kNR, nc - p0);
    int64_t segments = 0;
    for (int64_t t = 0; t < valid;) {
      const int64_t n = n0 + p0 + t, img = n / P, i = (n % P) / g.Wo, j = n % g.Wo;
      const int64_t len = std::min(valid - t, g.Wo - j);
      seg[segments++] = {t, len, x_ + img * image_stride_, i, j};
      t += len;
    }
    for (int64_t k = 0; k < kc; ++k) {
      const Tap& t = tap[k];
      const int64_t col_off = t.col_off, lo = t.lo, hi = t.hi;
      float* d = dst + k * kNR;
      for (int64_t s = 0; s < segments; ++s) {
        const Segment& sg = seg[s];
        float* out = d + sg.at;
        const int64_t ih = sg.i * g.sh + t.row_shift;
        if (ih < 0 || ih >= g.H) {
          zero_run(out, sg.len);
          continue;
        }
        const float* in = sg.plane + t.channel_offset + ih * g.W;  // x[img, c0 + c, ih, :]
        // output columns j .. j + len: zeros outside [lo, hi), x[ih, j sw + col_off] inside
        const int64_t j0 = sg.j, j1 = sg.j + sg.len, v0 = std::clamp(lo, j0, j1), v1 = std::clamp(hi, v0, j1);
        zero_run(out, v0 - j0);
        if (g.sw == 1) {
          copy_run(out + (v0 - j0), in + col_off + v0, v1 - v0);
        } else {
          for (int64_t j = v0; j < v1; ++j) out[j - j0] = in[j * g.sw + col_off];
        }
        zero_run(out + (v1 - j0), j1 - v1);
      }
      zero_run(d + valid, kNR - valid);
    }
  }
}

template void im2col<float>(const float*, int64_t, const ConvGeometry&, float*, int64_t, bool);
template void im2col<double>(const double*, int64_t, const ConvGeometry&, double*, int64_t, bool);
template void col2im_add<float>(const float*, int64_t, int64_t, const ConvGeometry&, float*, bool);
template void col2im_add<double>(const double*, int64_t, int64_t, const ConvGeometry&, double*, bool);

}  // namespace hg::ops::cpu
