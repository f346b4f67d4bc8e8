// im2col / col2im loops. For each kernel tap (a, b) the valid output columns j (those reading
// inside the image) form one interval [j_lo, j_hi), computed once per tap, so the inner loops have
// no bounds checks: zeros before and after, and a unit-stride copy (stride 1) or a strided gather.
#include "ops/cpu/im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

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

template void im2col<float>(const float*, int64_t, const ConvGeometry&, float*, int64_t, bool);
template void im2col<double>(const double*, int64_t, const ConvGeometry&, double*, int64_t, bool);
template void col2im_add<float>(const float*, int64_t, int64_t, const ConvGeometry&, float*, bool);
template void col2im_add<double>(const double*, int64_t, int64_t, const ConvGeometry&, double*, bool);

}  // namespace hg::ops::cpu
