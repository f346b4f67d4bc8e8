// The GEMM micro-kernel (private to gemm_f32.cpp): for one A micro-panel a[k][MR] and one B
// micro-panel b[k][NR], both packed,
//   tile[i][j] (=|+=) sum_{k < kc} a[k][i] b[k][j]      for i < rows (<= MR), j < NR.
// The tile is written through two half-rows of 16 columns: row i, columns [16 h, 16 h + valid[h])
// live at half[h] + i ldc. Columns past `valid` are computed (from B's zero padding) but not stored.
//
// AVX-512: MR x NR = 8 x 32 -> 16 zmm accumulators; per k two vector loads of B, eight broadcasts of
// A and sixteen FMAs (Zen 4 retires one 512-bit FMA per cycle, so the loads are never the limit).
// AVX2/FMA: the same tile in four passes of 4 rows x 16 columns (8 ymm accumulators each).
// Portable: plain loops the compiler may vectorise.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include "ops/cpu/gemm_f32.h"

namespace hg::ops::cpu::gemm::detail {

struct Tile {
  float* half[2];     // row 0 of columns [0, 16) and [16, 32); unused when valid[h] == 0
  int64_t ldc;        // distance between rows
  int valid[2];       // columns stored in each half (0..16)
};

// Stores rows x NR values (row stride NR) into the tile, adding to it when accumulate.
inline void store_from_buffer(const float* v, int rows, const Tile& t, bool accumulate) {
  for (int i = 0; i < rows; ++i)
    for (int h = 0; h < 2; ++h) {
      float* dst = t.half[h] + i * t.ldc;
      const float* src = v + i * kNR + 16 * h;
      if (accumulate)
        for (int j = 0; j < t.valid[h]; ++j) dst[j] += src[j];
      else
        for (int j = 0; j < t.valid[h]; ++j) dst[j] = src[j];
    }
}

#if defined(__AVX512F__)
inline const char* kKernelName = "avx512";

template <int R>
void kernel(int64_t kc, const float* a, const float* b, const Tile& t, bool accumulate) {
  static_assert(kMR == 8 && kNR == 32, "the AVX-512 kernel is written for an 8 x 32 tile");
  __m512 c0[R], c1[R];
  for (int i = 0; i < R; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += kMR, b += kNR) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
  }
  for (int h = 0; h < 2; ++h) {
    const int v = t.valid[h];
    if (v == 0) continue;
    const __mmask16 m = static_cast<__mmask16>(v == 16 ? 0xFFFFu : (1u << v) - 1u);
    for (int i = 0; i < R; ++i) {
      float* dst = t.half[h] + i * t.ldc;
      __m512 r = h == 0 ? c0[i] : c1[i];
      if (v == 16) {
        if (accumulate) r = _mm512_add_ps(r, _mm512_loadu_ps(dst));
        _mm512_storeu_ps(dst, r);
      } else {
        if (accumulate) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, dst));
        _mm512_mask_storeu_ps(dst, m, r);
      }
    }
  }
}

#elif defined(__AVX2__) && defined(__FMA__)
inline const char* kKernelName = "avx2";

template <int R>
void kernel(int64_t kc, const float* a, const float* b, const Tile& t, bool accumulate) {
  static_assert(kMR == 8 && kNR == 32, "the AVX2 kernel is written for an 8 x 32 tile");
  alignas(32) float buf[kMR * kNR];
  for (int r0 = 0; r0 < R; r0 += 4)  // rows r0..r0+3 (those < R)
    for (int c0 = 0; c0 < kNR; c0 += 16) {
      __m256 acc[4][2];
      for (int i = 0; i < 4; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
      const float* ap = a + r0;
      const float* bp = b + c0;
      for (int64_t k = 0; k < kc; ++k, ap += kMR, bp += kNR) {
        const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        for (int i = 0; i < 4; ++i) {
          if (r0 + i >= R) break;
          const __m256 ai = _mm256_broadcast_ss(ap + i);
          acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
          acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
      }
      for (int i = 0; i < 4 && r0 + i < R; ++i) {
        _mm256_store_ps(buf + (r0 + i) * kNR + c0, acc[i][0]);
        _mm256_store_ps(buf + (r0 + i) * kNR + c0 + 8, acc[i][1]);
      }
    }
  store_from_buffer(buf, R, t, accumulate);
}

#else
inline const char* kKernelName = "portable";

template <int R>
void kernel(int64_t kc, const float* a, const float* b, const Tile& t, bool accumulate) {
  float buf[kMR * kNR] = {};
  for (int64_t k = 0; k < kc; ++k, a += kMR, b += kNR)
    for (int i = 0; i < R; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNR; ++j) buf[i * kNR + j] += ai * b[j];
    }
  store_from_buffer(buf, R, t, accumulate);
}
#endif

// Dispatches on the number of valid rows (1..MR).
inline void run_kernel(int rows, int64_t kc, const float* a, const float* b, const Tile& t, bool accumulate) {
  switch (rows) {
    case 1: kernel<1>(kc, a, b, t, accumulate); break;
    case 2: kernel<2>(kc, a, b, t, accumulate); break;
    case 3: kernel<3>(kc, a, b, t, accumulate); break;
    case 4: kernel<4>(kc, a, b, t, accumulate); break;
    case 5: kernel<5>(kc, a, b, t, accumulate); break;
    case 6: kernel<6>(kc, a, b, t, accumulate); break;
    case 7: kernel<7>(kc, a, b, t, accumulate); break;
    default: kernel<8>(kc, a, b, t, accumulate); break;
  }
}

}  // namespace hg::ops::cpu::gemm::detail
