// Packing and the blocked loops of the f32 GEMM (see gemm_f32.h; the micro-kernel is in
// gemm_f32_kernel.h).
//
// Loop order for C[M, N] = A[M, K] B[K, N]:
//   for each column block jc (NC columns)            B block: KC x NC packed floats (512 KB, L2)
//     for each depth block pc (KC)                    pack B[pc.., jc..] into NR-column panels
//       for each A panel ip (MR rows)                 A micro-panel: KC x MR (8 KB, L1)
//         for each B panel jp (NR columns)            tile (ip, jp) (=|+=) A_ip B_jp over the KC block
// The first depth block assigns (unless accumulating) and the later ones add, so every C element is
// sum over pc of its KC-long dot products, in order, whichever thread computes it.
#include "ops/cpu/gemm_f32.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ops/cpu/gemm_f32_kernel.h"

namespace hg::ops::cpu::gemm {
namespace {

using detail::Tile;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A 64-byte aligned float buffer that only grows.
class AlignedBuffer {
 public:
  float* get(int64_t n) {
    if (n > capacity_) {
      data_.reset();  // release first: never hold old + new at once
      data_.reset(static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(ceil_div(n, 16) * 64))));
      if (!data_) throw std::bad_alloc();
      capacity_ = n;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  int64_t capacity_ = 0;
};

// offsets[i] = axis.offset(first + i) for i < n.
void axis_offsets(const Axis& axis, int64_t first, int64_t n, std::vector<int64_t>& offsets) {
  offsets.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) offsets[i] = axis.offset(first + i);
}

// dst[i] = src[i] for i < n (short runs: an inline loop beats a call to memcpy).
inline void copy_floats(float* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// Transposes 16 runs of 16 floats, run r at base + offsets[r]: calls store(c, v) with v[r] =
// base[offsets[r] + c] for c < 16. Returns false when this build has no vector version (the caller
// then copies element by element).
// AVX-512: 32-bit, then 64-bit unpacks within 128-bit lanes, then two rounds of lane shuffles.
#if defined(__AVX512F__)
// GCC 12 reports a false "used uninitialized" inside its own _mm512_undefined_* when these inline.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class Store>
bool transpose16(const float* base, const int64_t* offsets, Store&& store) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(base + offsets[i]);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);      // r_i[0] r_i+1[0] r_i[1] r_i+1[1] per lane
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);  // ... elements 2, 3 of each lane
  }
  for (int i = 0; i < 16; i += 4)
    for (int h = 0; h < 2; ++h) {  // u[i + 2h] / u[i + 2h + 1]: elements 2h / 2h + 1 of each lane, rows i..i+3
      const __m512d a = _mm512_castps_pd(t[i + h]), b = _mm512_castps_pd(t[i + 2 + h]);
      r[i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      r[i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  // r[4q + e] holds element 4 l + e of rows 4q..4q+3 in lane l; gather lane l of q = 0..3 -> column 4 l + e.
  for (int e = 0; e < 4; ++e) {
    const __m512 v0 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0x88), v1 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0xdd);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0x88),
                 v3 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0xdd);
    store(e + 0, _mm512_shuffle_f32x4(v0, v2, 0x88));
    store(e + 4, _mm512_shuffle_f32x4(v1, v3, 0x88));
    store(e + 8, _mm512_shuffle_f32x4(v0, v2, 0xdd));
    store(e + 12, _mm512_shuffle_f32x4(v1, v3, 0xdd));
  }
  return true;
}
#endif

// dst[c * ld + r] = base[offsets[r] + c] for r, c < 16 (a B panel from 16 runs along its rows).
inline bool transpose16x16(const float* base, const int64_t* offsets, float* dst, int64_t ld) {
#if defined(__AVX512F__)
  return transpose16(base, offsets, [&](int c, __m512 v) { _mm512_storeu_ps(dst + c * ld, v); });
#else
  (void)base, (void)offsets, (void)dst, (void)ld;
  return false;
#endif
}

// Two A panels at once: lo[c * MR + r] = base[offsets[r] + c], hi[c * MR + r] = base[offsets[8 + r] + c]
// for r < 8, c < 16 (16 rows of A, 16 steps of depth).
inline bool transpose_two_a_panels(const float* base, const int64_t* offsets, float* lo, float* hi) {
#if defined(__AVX512F__)
  static_assert(kMR == 8, "two A panels of 8 rows make one 16 x 16 transpose");
  return transpose16(base, offsets, [&](int c, __m512 v) {
    _mm256_storeu_ps(lo + c * kMR, _mm512_castps512_ps256(v));
    _mm256_storeu_ps(hi + c * kMR, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  });
#else
  (void)base, (void)offsets, (void)lo, (void)hi;
  return false;
#endif
}

// Packs B[k0 + k, n] for k < kc and the columns whose offsets are col_off[0 .. nc) into NR-column
// panels dst[panel][k][NR], zero beyond nc. row_off[k] = B's row offset of k0 + k.
void pack_b(const View& b, const int64_t* row_off, int64_t kc, const int64_t* col_off, int64_t nc, float* dst) {
  const bool along_rows = b.rows.stride == 1 && b.cols.stride != 1;  // e.g. a transposed row-major matrix
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, dst += kc * kNR) {
    const int64_t valid = std::min(kNR, nc - j0);
    const int64_t* co = col_off + j0;
    if (along_rows) {
      // Column j of the panel is a (grouped) run along B's rows: a transpose, by 16 x 16 blocks
      // where 16 rows are contiguous and 16 columns valid, element by element elsewhere.
      for (int64_t k0 = 0; k0 < kc; k0 += 16) {
        const int64_t kn = std::min<int64_t>(16, kc - k0);
        const bool rows_run = kn == 16 && row_off[k0 + 15] - row_off[k0] == 15;
        for (int64_t j0 = 0; j0 < valid; j0 += 16) {
          const int64_t jn = std::min<int64_t>(16, valid - j0);
          if (rows_run && jn == 16 && transpose16x16(b.p + row_off[k0], co + j0, dst + k0 * kNR + j0, kNR)) continue;
          for (int64_t j = j0; j < j0 + jn; ++j) {
            const float* src = b.p + co[j];
            for (int64_t k = k0; k < k0 + kn; ++k) dst[k * kNR + j] = src[row_off[k]];
          }
        }
      }
      for (int64_t k = 0; k < kc; ++k) std::fill(dst + k * kNR + valid, dst + (k + 1) * kNR, 0.0f);
      continue;
    }
    // Split the panel's columns into runs that are contiguous in memory; copy run by run.
    int64_t run_start[kNR], run_len[kNR], runs = 0;
    for (int64_t j = 0; j < valid;) {
      int64_t len = 1;
      while (j + len < valid && co[j + len] == co[j] + len) ++len;
      run_start[runs] = j;
      run_len[runs++] = len;
      j += len;
    }
    if (runs == 1 && valid == kNR) {  // the common case: one contiguous row of NR floats per k
      for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * kNR, b.p + row_off[k] + co[0], sizeof(float) * kNR);
      continue;
    }
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * kNR;
      const float* src = b.p + row_off[k];
      for (int64_t r = 0; r < runs; ++r) copy_floats(d + run_start[r], src + co[run_start[r]], run_len[r]);
      std::fill(d + valid, d + kNR, 0.0f);
    }
  }
}

struct Scratch {
  AlignedBuffer b_block;
  std::vector<int64_t> row_off, col_off, c_off;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// A View as a PanelSource for the columns [n0, n1): the element offsets are computed once.
class ViewPanels final : public PanelSource {
 public:
  ViewPanels(const View& v, int64_t K, int64_t n0, int64_t n1, Scratch& s) : v_(v), n0_(n0), s_(s) {
    axis_offsets(v.rows, 0, K, s.row_off);
    axis_offsets(v.cols, n0, n1 - n0, s.col_off);
  }
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const override {
    pack_b(v_, s_.row_off.data() + k0, kc, s_.col_off.data() + (n0 - n0_), nc, dst);
  }

 private:
  const View& v_;
  int64_t n0_;
  Scratch& s_;
};

// Panels [p0, p1) of A times columns [n0, n1) of B into C.
void gemm_range(const PackedA& a, const PanelSource& b, const Out& c, bool accumulate, int64_t p0, int64_t p1,
                int64_t n0, int64_t n1) {
  const int64_t M = a.rows(), K = a.depth();
  if (p0 >= p1 || n0 >= n1) return;
  if (K == 0) {  // empty sum
    if (!accumulate)
      for (int64_t i = p0 * kMR; i < std::min(M, p1 * kMR); ++i)
        for (int64_t n = n0; n < n1; ++n) c.p[i * c.row_stride + c.cols.offset(n)] = 0.0f;
    return;
  }
  Scratch& s = scratch();
  axis_offsets(c.cols, n0, n1 - n0, s.c_off);
  float* bp = s.b_block.get(kKC * kNC);
  alignas(64) float spill[kMR * kNR];  // tiles whose half-rows are not contiguous in C
  for (int64_t jc = n0; jc < n1; jc += kNC) {
    const int64_t nc = std::min(kNC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      b.pack(pc, kc, jc, nc, bp);
      const bool add = accumulate || pc > 0;
      for (int64_t ip = p0; ip < p1; ++ip) {
        const float* ap = a.panel(ip) + pc * kMR;
        const int rows = static_cast<int>(std::min(kMR, M - ip * kMR));
        float* c_rows = c.p + ip * kMR * c.row_stride;
        for (int64_t j0 = 0; j0 < nc; j0 += kNR) {
          const int64_t* co = s.c_off.data() + (jc - n0) + j0;
          const int64_t valid = std::min(kNR, nc - j0);
          Tile t{{nullptr, nullptr}, c.row_stride, {0, 0}};
          bool direct = true;
          for (int h = 0; h < 2; ++h) {
            const int64_t v = std::clamp<int64_t>(valid - 16 * h, 0, 16);
            t.valid[h] = static_cast<int>(v);
            if (v > 0) {
              t.half[h] = c_rows + co[16 * h];
              direct = direct && co[16 * h + v - 1] - co[16 * h] == v - 1;
            }
          }
          const float* bj = bp + j0 * kc;
          if (direct) {
            detail::run_kernel(rows, kc, ap, bj, t, add);
            continue;
          }
          // C's columns jump inside this tile: compute into a buffer, then place column by column.
          const Tile tmp{{spill, spill + 16}, kNR, {16, 16}};
          detail::run_kernel(rows, kc, ap, bj, tmp, false);
          for (int i = 0; i < rows; ++i)
            for (int64_t j = 0; j < valid; ++j) {
              float& dst = c_rows[i * c.row_stride + co[j]];
              dst = add ? dst + spill[i * kNR + j] : spill[i * kNR + j];
            }
        }
      }
    }
  }
}

// dst[c * kNR + r] = block[r * kNR + c] for r < rows, c < cols; 0 for rows <= r < kNR (a panel of X
// with `rows` valid rows becomes `cols` rows of an X^T panel).
void transpose_block(const float* block, int64_t rows, int64_t cols, float* dst) {
  if (rows == kNR && cols == kNR) {
    bool done = true;
    for (int64_t r0 = 0; r0 < kNR && done; r0 += 16)
      for (int64_t c0 = 0; c0 < kNR && done; c0 += 16) {
        int64_t offsets[16];
        for (int64_t r = 0; r < 16; ++r) offsets[r] = (r0 + r) * kNR;
        done = transpose16x16(block + c0, offsets, dst + c0 * kNR + r0, kNR);
      }
    if (done) return;
  }
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) dst[c * kNR + r] = block[r * kNR + c];
    for (int64_t r = rows; r < kNR; ++r) dst[c * kNR + r] = 0.0f;
  }
}

}  // namespace

void TransposedPanels::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const {
  thread_local AlignedBuffer buffer;
  float* block = buffer.get(ceil_div(kc, kNR) * kNR * kNR);
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, dst += kc * kNR) {
    const int64_t rows = std::min(kNR, nc - j0);  // rows of X = columns of this panel
    source_.pack(n0 + j0, rows, k0, kc, block);   // panel q: [rows][kNR], X columns k0 + q kNR ..
    for (int64_t q = 0; q * kNR < kc; ++q)
      transpose_block(block + q * rows * kNR, rows, std::min(kNR, kc - q * kNR), dst + q * kNR * kNR);
  }
}

float* PackedA::allocate(int64_t M, int64_t K) {
  M_ = M;
  K_ = K;
  const size_t need = static_cast<size_t>(ceil_div(M, kMR) * K * kMR + 16);
  if (storage_.capacity() < need) storage_ = std::vector<float>();  // release first: never hold old + new
  storage_.resize(need);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(storage_.data());
  data_ = storage_.data() + ((64 - addr % 64) % 64) / sizeof(float);
  return data_;
}

void PackedA::pack(int64_t M, int64_t K, const View& a, bool parallel) {
  allocate(M, K);
  const int64_t panels = ceil_div(M, kMR);
  std::vector<int64_t> k_off;
  axis_offsets(a.cols, 0, K, k_off);
  const bool rows_contiguous = a.rows.stride == 1 && a.rows.group == INT64_MAX;  // e.g. a transposed matrix
  // Rows along which A is contiguous (e.g. W or a conv's dY): two full panels at a time as 16 x 16
  // transposes wherever 16 steps of depth are contiguous; what remains goes element by element below.
  std::vector<char> done(static_cast<size_t>(panels), 0);
  if (!rows_contiguous && a.cols.stride == 1) {
    const int64_t pairs = M / (2 * kMR);
#pragma omp parallel for schedule(static) if (parallel && pairs > 1)
    for (int64_t q = 0; q < pairs; ++q) {
      int64_t r_off[2 * kMR];
      for (int64_t i = 0; i < 2 * kMR; ++i) r_off[i] = a.rows.offset(2 * kMR * q + i);
      float* lo = data_ + 2 * q * K * kMR;
      float* hi = lo + K * kMR;
      int64_t k = 0;
      for (; k + 16 <= K; k += 16) {
        if (k_off[k + 15] - k_off[k] != 15 || !transpose_two_a_panels(a.p + k_off[k], r_off, lo + k * kMR, hi + k * kMR))
          break;
      }
      for (; k < K; ++k)  // the depth left over (or all of it without a vector transpose)
        for (int64_t i = 0; i < kMR; ++i) {
          lo[k * kMR + i] = a.p[r_off[i] + k_off[k]];
          hi[k * kMR + i] = a.p[r_off[kMR + i] + k_off[k]];
        }
      done[2 * q] = done[2 * q + 1] = 1;
    }
  }
#pragma omp parallel for schedule(static) if (parallel && panels > 1)
  for (int64_t p = 0; p < panels; ++p) {
    if (done[p]) continue;
    float* dst = data_ + p * K * kMR;
    const int64_t r0 = p * kMR, valid = std::min(kMR, M - r0);
    if (rows_contiguous) {
      const float* src = a.p + r0;
      for (int64_t k = 0; k < K; ++k) {
        copy_floats(dst + k * kMR, src + k_off[k], valid);
        std::fill(dst + k * kMR + valid, dst + (k + 1) * kMR, 0.0f);
      }
      continue;
    }
    // Depth outer, rows inner: the MR values of one depth step are usually close together in A.
    int64_t r_off[kMR];
    for (int64_t i = 0; i < valid; ++i) r_off[i] = a.rows.offset(r0 + i);
    for (int64_t k = 0; k < K; ++k) {
      const float* src = a.p + k_off[k];
      for (int64_t i = 0; i < valid; ++i) dst[k * kMR + i] = src[r_off[i]];
      for (int64_t i = valid; i < kMR; ++i) dst[k * kMR + i] = 0.0f;
    }
  }
}

namespace {

// The View overloads wrap b per thread (the offset tables are per-thread scratch).
void gemm_range(const PackedA& a, const View& b, const Out& c, bool accumulate, int64_t p0, int64_t p1, int64_t n0,
                int64_t n1) {
  if (p0 >= p1 || n0 >= n1) return;
  const ViewPanels panels(b, a.depth(), n0, n1, scratch());
  gemm_range(a, static_cast<const PanelSource&>(panels), c, accumulate, p0, p1, n0, n1);
}

template <class B>
void gemm_parallel_impl(int64_t N, const PackedA& a, const B& b, const Out& c, bool accumulate) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t panels = ceil_div(a.rows(), kMR), col_panels = ceil_div(N, kNR);
  if (threads <= 1) return gemm_range(a, b, c, accumulate, 0, panels, 0, N);
  // Split the columns when every thread gets at least two NR panels, else the rows.
  const bool split_cols = col_panels >= 2 * threads || col_panels >= panels;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    if (split_cols) {
      const int64_t q0 = col_panels * t / nt, q1 = col_panels * (t + 1) / nt;
      gemm_range(a, b, c, accumulate, 0, panels, q0 * kNR, std::min(N, q1 * kNR));
    } else {
      gemm_range(a, b, c, accumulate, panels * t / nt, panels * (t + 1) / nt, 0, N);
    }
  }
}

}  // namespace

void gemm(int64_t N, const PackedA& a, const View& b, const Out& c, bool accumulate) {
  gemm_range(a, b, c, accumulate, 0, ceil_div(a.rows(), kMR), 0, N);
}
void gemm(int64_t N, const PackedA& a, const PanelSource& b, const Out& c, bool accumulate) {
  gemm_range(a, b, c, accumulate, 0, ceil_div(a.rows(), kMR), 0, N);
}
void gemm_parallel(int64_t N, const PackedA& a, const View& b, const Out& c, bool accumulate) {
  gemm_parallel_impl(N, a, b, c, accumulate);
}
void gemm_parallel(int64_t N, const PackedA& a, const PanelSource& b, const Out& c, bool accumulate) {
  gemm_parallel_impl(N, a, b, c, accumulate);
}

void gemm(int64_t M, int64_t N, int64_t K, const View& a, const View& b, const Out& c, bool accumulate) {
  thread_local PackedA packed;
  packed.pack(M, K, a);
  gemm(N, packed, b, c, accumulate);
}

const char* kernel_name() { return detail::kKernelName; }

}  // namespace hg::ops::cpu::gemm
