// Winograd F(2x2, 3x3) convolution and its weight gradient (see winograd_f23.h for the algebra).
//
// Layout: tiles are numbered image by image, row-major over the (ceil(Ho/2) x ceil(Wo/2)) tile grid
// of an image. Each thread takes a contiguous range of images and walks it in chunks of a few images
// (about kChunkColumns tiles), so the chunk's transformed input V [16][C][tiles] and product
// M [16][O][tiles] stay in cache between the three steps of the forward:
//   1. V = B^T d B for every input channel of the chunk: the channel's tile rows are first laid out
//      as "strips" (below) so that sixteen tiles' inputs are two loads and an even/odd shuffle,
//   2. M_xi = U_xi . V_xi for the 16 positions (single-threaded GEMMs on the packed U_xi),
//   3. y = A^T M A for every output channel, interleaved back into rows and cropped to Ho x Wo.
// U_xi = (G g G^T)_xi is computed once per call, straight into the GEMMs' packed panels. A tile's
// result depends only on its own columns of V, so it is the same whichever chunk or thread computes
// it. The weight gradient reuses step 1, transforms dy's tiles with the adjoint of step 3, and sums
// the 16 products over its tiles per thread.
#include "ops/cpu/winograd_f23.h"

#include <omp.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ops/cpu/gemm_f32.h"
#include "ops/cpu/grow_only.h"

// The lane vectors below are passed by value between internal functions; GCC's note that this
// ABI differs without AVX-512 concerns only calls across translation units, which these never are.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace hg::ops::cpu {
namespace {

constexpr int kPositions = 16;               // the 4 x 4 transformed tile
constexpr int64_t kChunkColumns = 128;       // tiles per GEMM (at least: whole images)
constexpr int64_t kWeightGradColumns = 256;  // tiles per weight-gradient GEMM (its depth)
constexpr int64_t kWeightGradMinTilesPerThread = 128;

// Sixteen tiles at a time (one AVX-512 register; GCC lowers the same code to narrower vectors or
// scalars elsewhere), and the eight rows of a GEMM A panel.
constexpr int kLanes = 16;
typedef float Lanes __attribute__((vector_size(64)));
typedef int32_t LaneIndex __attribute__((vector_size(64)));
typedef float Rows8 __attribute__((vector_size(32)));

Lanes load(const float* src) {
  Lanes v;
  std::memcpy(&v, src, sizeof v);
  return v;
}
void store(float* dst, Lanes v) { std::memcpy(dst, &v, sizeof v); }

// Elements 2l (even) / 2l + 1 (odd) of the 32 floats at src, l < 16.
Lanes evens(const float* src) {
  return __builtin_shuffle(load(src), load(src + kLanes),
                           LaneIndex{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30});
}
Lanes odds(const float* src) {
  return __builtin_shuffle(load(src), load(src + kLanes),
                           LaneIndex{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31});
}
// dst[2 l] = a[l], dst[2 l + 1] = b[l] for l < 16 (32 floats).
void store_interleaved(float* dst, Lanes a, Lanes b) {
  store(dst, __builtin_shuffle(a, b, LaneIndex{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23}));
  store(dst + kLanes, __builtin_shuffle(a, b, LaneIndex{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31}));
}

int64_t half_up(int64_t n) { return (n + 1) / 2; }
int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// A per-thread float buffer that only grows (no page faults in the hot loop after the first call).
enum Slot { kInputStrips = 0, kOutputStrips = 1, kInputTransform = 2, kProducts = 3, kSums = 4 };
float* thread_buffer(Slot slot, int64_t n) {
  thread_local std::vector<float> buffers[5];
  return grow_only(buffers[slot], n);
}

// Lane l: w(8 p + l, c, a, b), or 0 past the last output channel O.
Rows8 gather_rows(const Kernel3x3& w, int64_t p, int64_t c, int a, int b, int64_t O) {
  const float* first = &w.p[8 * p * w.out_stride + c * w.in_stride + a * w.row_stride + b * w.col_stride];
  const int valid = static_cast<int>(std::min<int64_t>(8, O - 8 * p));
#if defined(__AVX2__)
  if (std::abs(w.out_stride) <= INT32_MAX / 8) {  // every lane's offset fits the gather's 32-bit index
    const int32_t s = static_cast<int32_t>(w.out_stride);
    const __m256i index = _mm256_setr_epi32(0, s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 mask = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes));
    return (Rows8)_mm256_mask_i32gather_ps(_mm256_setzero_ps(), first, index, mask, 4);
  }
#endif
  Rows8 v = {};
  for (int l = 0; l < valid; ++l) v[l] = first[l * w.out_stride];
  return v;
}

// U_xi [O, C] = (G g G^T)_xi for every kernel g = w(o, c), written straight into the 16 GEMMs'
// packed A operands, eight output channels (one panel's rows) at a time.
void transform_weights(const Kernel3x3& w, int64_t O, int64_t C, std::array<gemm::PackedA, kPositions>& packed) {
  static_assert(gemm::kMR == 8, "one Rows8 vector per panel row group");
  float* u[kPositions];
  for (int xi = 0; xi < kPositions; ++xi) u[xi] = packed[xi].allocate(O, C);
  const int64_t panels = (O + 7) / 8;
#pragma omp parallel for schedule(static) if (O * C > 4096)
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t c = 0; c < C; ++c) {
      Rows8 g[3][3], t[4][3];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) g[a][b] = gather_rows(w, p, c, a, b, O);
      for (int b = 0; b < 3; ++b) {  // t = G g
        t[0][b] = g[0][b];
        t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
      }
      const int64_t at = (p * C + c) * 8;
      for (int i = 0; i < 4; ++i) {  // (G g) G^T, row i
        const Rows8 row[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                              t[i][2]};
        for (int j = 0; j < 4; ++j) std::memcpy(u[4 * i + j] + at, &row[j], sizeof(Rows8));
      }
    }
}

// dst[k] = src[first + k] for k < n where 0 <= first + k < W, else 0 (src null: a row of padding).
void copy_padded_run(float* dst, const float* src, int64_t first, int64_t n, int64_t W) {
  const int64_t lo = std::clamp<int64_t>(-first, 0, n), hi = std::clamp<int64_t>(W - first, lo, n);
  for (int64_t k = 0; k < lo; ++k) dst[k] = 0.0f;
  if (src)
    for (int64_t k = lo; k < hi; ++k) dst[k] = src[first + k];
  else
    for (int64_t k = lo; k < hi; ++k) dst[k] = 0.0f;
  for (int64_t k = hi; k < n; ++k) dst[k] = 0.0f;
}

// The chunk's tiles t (image by image, row-major over the tile grid) read input rows 2 th + r - ph
// and columns 2 tw + s - pw, r, s < 4. A strip lays one such row per tile side by side:
//   strip(r, q)[2 t + j] = x[2 th + r - ph, 2 tw + 2 q + j - pw]   (j < 2, q < 2; 0 outside the plane)
// so that d_rs over consecutive tiles is the even (s = 2q) or odd (s = 2q + 1) elements of a strip.
struct Strips {
  float* base;
  int64_t length;  // floats per strip
  float* at(int r, int q) const { return base + (2 * r + q) * length; }
};

void fill_input_strips(const float* x, int64_t n0, int64_t n1, int64_t c, const ConvGeometry& g, int64_t tile_cols,
                       int64_t tile_rows, const Strips& strips) {
  const int64_t row_floats = 2 * tile_cols;
  for (int64_t n = n0; n < n1; ++n) {
    const float* plane = x + (n * g.C + c) * g.plane_in();
    for (int64_t th = 0; th < tile_rows; ++th) {
      const int64_t t = (n - n0) * tile_rows * tile_cols + th * tile_cols;
      for (int r = 0; r < 4; ++r) {
        const int64_t ih = 2 * th + r - g.ph;
        const float* src = ih >= 0 && ih < g.H ? plane + ih * g.W : nullptr;
        for (int q = 0; q < 2; ++q) copy_padded_run(strips.at(r, q) + 2 * t, src, 2 * q - g.pw, row_floats, g.W);
      }
    }
  }
}

// v[xi * v_stride + t] = (B^T d B)_xi for the tiles t < cols, sixteen at a time (the last group
// writes past cols: v rows are padded to whole groups).
void transform_input(const Strips& strips, int64_t cols, float* v, int64_t v_stride) {
  for (int64_t t0 = 0; t0 < cols; t0 += kLanes) {
    Lanes r[4][4];  // r[i] = d_i B: input row i of each tile transformed along the width
    for (int i = 0; i < 4; ++i) {
      const float *near = strips.at(i, 0) + 2 * t0, *far = strips.at(i, 1) + 2 * t0;
      const Lanes d0 = evens(near), d1 = odds(near), d2 = evens(far), d3 = odds(far);
      r[i][0] = d0 - d2;
      r[i][1] = d1 + d2;
      r[i][2] = d2 - d1;
      r[i][3] = d1 - d3;
    }
    for (int j = 0; j < 4; ++j) {  // B^T r along the height
      store(v + j * v_stride + t0, r[0][j] - r[2][j]);
      store(v + (4 + j) * v_stride + t0, r[1][j] + r[2][j]);
      store(v + (8 + j) * v_stride + t0, r[2][j] - r[1][j]);
      store(v + (12 + j) * v_stride + t0, r[1][j] - r[3][j]);
    }
  }
}

// The 2 x 2 outputs A^T m A of the tiles t < cols, m[xi * m_stride + t], as two output strips:
// top[2 t + j] = y[2 th, 2 tw + j], bottom[2 t + j] = y[2 th + 1, 2 tw + j].
void transform_output(const float* m, int64_t m_stride, int64_t cols, float* top, float* bottom) {
  for (int64_t t0 = 0; t0 < cols; t0 += kLanes) {
    Lanes u[4][2];  // u = m A, row by row
    for (int i = 0; i < 4; ++i) {
      const float* mi = m + 4 * i * m_stride + t0;
      const Lanes a0 = load(mi), a1 = load(mi + m_stride), a2 = load(mi + 2 * m_stride), a3 = load(mi + 3 * m_stride);
      u[i][0] = a0 + a1 + a2;
      u[i][1] = a1 - a2 - a3;
    }
    store_interleaved(top + 2 * t0, u[0][0] + u[1][0] + u[2][0], u[0][1] + u[1][1] + u[2][1]);  // A^T u
    store_interleaved(bottom + 2 * t0, u[1][0] - u[2][0] - u[3][0], u[1][1] - u[2][1] - u[3][1]);
  }
}

// dst[k] = src[k] for k < n, 0 for n <= k < padded (src null: all zeros).
void copy_zero_padded(float* dst, const float* src, int64_t n, int64_t padded) {
  for (int64_t k = 0; k < n; ++k) dst[k] = src ? src[k] : 0.0f;
  for (int64_t k = n; k < padded; ++k) dst[k] = 0.0f;
}

// The 2 x 2 tiles of dy [Ho, Wo] (0 past its edge) as two strips, like transform_output's:
// top[2 t + j] = dy[2 th, 2 tw + j], bottom[2 t + j] = dy[2 th + 1, 2 tw + j].
void fill_gradient_strips(const float* gy, int64_t n0, int64_t n1, int64_t o, int64_t O, const ConvGeometry& g,
                          int64_t tile_cols, int64_t tile_rows, float* top, float* bottom) {
  for (int64_t n = n0; n < n1; ++n) {
    const float* plane = gy + (n * O + o) * g.plane_out();
    for (int64_t th = 0; th < tile_rows; ++th) {
      const int64_t at = 2 * ((n - n0) * tile_rows * tile_cols + th * tile_cols);
      copy_zero_padded(top + at, plane + 2 * th * g.Wo, g.Wo, 2 * tile_cols);
      copy_zero_padded(bottom + at, 2 * th + 1 < g.Ho ? plane + (2 * th + 1) * g.Wo : nullptr, g.Wo, 2 * tile_cols);
    }
  }
}

// z[xi * z_stride + t] = (A dy_t A^T)_xi, A = [1 0; 1 1; 1 -1; 0 -1], for the tiles t < cols: the
// adjoint of the output transform (dy_t's 2 x 2 tile spread over the 4 x 4 positions).
void transform_gradient(const float* top, const float* bottom, int64_t cols, float* z, int64_t z_stride) {
  for (int64_t t0 = 0; t0 < cols; t0 += kLanes) {
    const Lanes y[2][2] = {{evens(top + 2 * t0), odds(top + 2 * t0)}, {evens(bottom + 2 * t0), odds(bottom + 2 * t0)}};
    Lanes q[2][4];  // q[a] = A dy_a: dy row a spread along the width
    for (int a = 0; a < 2; ++a) {
      q[a][0] = y[a][0];
      q[a][1] = y[a][0] + y[a][1];
      q[a][2] = y[a][0] - y[a][1];
      q[a][3] = -y[a][1];
    }
    for (int j = 0; j < 4; ++j) {  // A q along the height
      store(z + j * z_stride + t0, q[0][j]);
      store(z + (4 + j) * z_stride + t0, q[0][j] + q[1][j]);
      store(z + (8 + j) * z_stride + t0, q[0][j] - q[1][j]);
      store(z + (12 + j) * z_stride + t0, -q[1][j]);
    }
  }
}

// gw(o, c) = G^T S_oc G, the adjoint of the weight transform, where S_oc is the sum over the
// threads' partial sums (in thread order) sums[t][xi O C + o C + c]. Sixteen (o, c) at a time.
void untransform_weight_gradient(const std::vector<float*>& sums, int64_t O, int64_t C, float* gw) {
  const int64_t plane = O * C, groups = (plane + kLanes - 1) / kLanes;
#pragma omp parallel for schedule(static) if (plane > 4096)
  for (int64_t q = 0; q < groups; ++q) {
    const int64_t oc0 = q * kLanes;
    const int valid = static_cast<int>(std::min<int64_t>(kLanes, plane - oc0));
    auto sum_at = [&](int xi) {  // S_xi for lanes oc0 .. oc0 + 15
      Lanes v = {};
      for (float* partial : sums) {
        Lanes p = {};
        std::memcpy(&p, partial + xi * plane + oc0, sizeof(float) * valid);
        v += p;
      }
      return v;
    };
    Lanes r[4][3];  // r = S G, row by row
    for (int i = 0; i < 4; ++i) {
      const Lanes s0 = sum_at(4 * i), s1 = sum_at(4 * i + 1), s2 = sum_at(4 * i + 2), s3 = sum_at(4 * i + 3);
      r[i][0] = s0 + 0.5f * (s1 + s2);
      r[i][1] = 0.5f * (s1 - s2);
      r[i][2] = 0.5f * (s1 + s2) + s3;
    }
    Lanes k[9];  // G^T r: the 3 x 3 gradient, tap by tap
    for (int b = 0; b < 3; ++b) {
      k[b] = r[0][b] + 0.5f * (r[1][b] + r[2][b]);
      k[3 + b] = 0.5f * (r[1][b] - r[2][b]);
      k[6 + b] = 0.5f * (r[1][b] + r[2][b]) + r[3][b];
    }
    for (int l = 0; l < valid; ++l)
      for (int tap = 0; tap < 9; ++tap) gw[(oc0 + l) * 9 + tap] = k[tap][l];
  }
}

// Splits the N images over the OpenMP threads (contiguous ranges) and walks each range in chunks of
// whole images, about `columns` tiles each: body(n0, n1, thread, first_chunk_of_thread).
template <class Body>
void for_each_image_chunk(int64_t N, int64_t tiles_per_image, int64_t columns, int threads, Body&& body) {
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = N * t / nt, mine = N * (t + 1) / nt - begin;
    const int64_t chunk =
        std::clamp<int64_t>((columns + tiles_per_image - 1) / tiles_per_image, 1, std::max<int64_t>(1, mine));
    const int64_t pieces = (mine + chunk - 1) / chunk;
    for (int64_t piece = 0; piece < pieces; ++piece)
      body(begin + mine * piece / pieces, begin + mine * (piece + 1) / pieces, t, piece == 0);
  }
}

int threads_for(int64_t N) {
  return omp_in_parallel() ? 1 : static_cast<int>(std::min<int64_t>(omp_get_max_threads(), std::max<int64_t>(N, 1)));
}

// Per chunk: the strips of one channel, then v rows of all channels (ld: padded row length).
void transform_chunk_input(const float* x, int64_t n0, int64_t n1, const ConvGeometry& g, int64_t tile_cols,
                           int64_t tile_rows, int64_t ld, float* v) {
  const int64_t strip = 2 * ld + 2 * kLanes, cols = (n1 - n0) * tile_rows * tile_cols;
  const Strips in{thread_buffer(kInputStrips, 8 * strip), strip};
  for (int64_t c = 0; c < g.C; ++c) {
    fill_input_strips(x, n0, n1, c, g, tile_cols, tile_rows, in);
    transform_input(in, cols, v + c * ld, g.C * ld);
  }
}

}  // namespace

bool winograd_f23_applies(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.Ho > 0 && g.Wo > 0;
}

void winograd_f23_conv(const float* x, const Kernel3x3& w, float* y, int64_t N, int64_t O, const ConvGeometry& g) {
  const int64_t C = g.C, tile_rows = half_up(g.Ho), tile_cols = half_up(g.Wo), tpi = tile_rows * tile_cols;
  thread_local std::array<gemm::PackedA, kPositions> packed;
  transform_weights(w, O, C, packed);
  const auto& u = packed;  // the caller's copy: inside the parallel region the name would be each thread's own
  for_each_image_chunk(N, tpi, kChunkColumns, threads_for(N), [&](int64_t n0, int64_t n1, int, bool) {
    const int64_t cols = (n1 - n0) * tpi, ld = round_up(cols, kLanes);  // ld: padded row length of v and m
    float* v = thread_buffer(kInputTransform, kPositions * C * ld);
    float* m = thread_buffer(kProducts, kPositions * O * ld);
    transform_chunk_input(x, n0, n1, g, tile_cols, tile_rows, ld, v);
    for (int xi = 0; xi < kPositions; ++xi)
      gemm::gemm(cols, u[xi], gemm::View::row_major(v + xi * C * ld, ld), gemm::Out{m + xi * O * ld, ld}, false);
    const int64_t strip = 2 * ld + 2 * kLanes;
    float* top = thread_buffer(kOutputStrips, 2 * strip);
    float* bottom = top + strip;
    for (int64_t o = 0; o < O; ++o) {
      transform_output(m + o * ld, O * ld, cols, top, bottom);
      for (int64_t n = n0; n < n1; ++n) {
        float* out = y + (n * O + o) * g.plane_out();
        for (int64_t th = 0; th < tile_rows; ++th) {
          const int64_t at = 2 * ((n - n0) * tpi + th * tile_cols);
          std::memcpy(out + 2 * th * g.Wo, top + at, sizeof(float) * g.Wo);
          if (2 * th + 1 < g.Ho) std::memcpy(out + (2 * th + 1) * g.Wo, bottom + at, sizeof(float) * g.Wo);
        }
      }
    }
  });
}

bool winograd_f23_weight_grad_suits(const ConvGeometry& g, int64_t N, int threads) {
  return N * half_up(g.Ho) * half_up(g.Wo) >= kWeightGradMinTilesPerThread * std::max(threads, 1);
}

void winograd_f23_weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t O,
                              const ConvGeometry& g) {
  const int64_t C = g.C, tile_rows = half_up(g.Ho), tile_cols = half_up(g.Wo), tpi = tile_rows * tile_cols;
  const int threads = threads_for(N);
  // One set of 16 sums S_xi [O, C] per thread (its persistent buffer), added in thread order at the end.
  std::vector<float*> sums(static_cast<size_t>(threads), nullptr);
  for_each_image_chunk(N, tpi, kWeightGradColumns, threads, [&](int64_t n0, int64_t n1, int t, bool first) {
    const int64_t cols = (n1 - n0) * tpi, ld = round_up(cols, kLanes);
    float* v = thread_buffer(kInputTransform, kPositions * C * ld);
    float* z = thread_buffer(kProducts, kPositions * O * ld);
    transform_chunk_input(x, n0, n1, g, tile_cols, tile_rows, ld, v);
    const int64_t strip = 2 * ld + 2 * kLanes;
    float* top = thread_buffer(kOutputStrips, 2 * strip);
    float* bottom = top + strip;
    for (int64_t o = 0; o < O; ++o) {
      fill_gradient_strips(gy, n0, n1, o, O, g, tile_cols, tile_rows, top, bottom);
      transform_gradient(top, bottom, cols, z + o * ld, O * ld);
    }
    if (first) sums[t] = thread_buffer(kSums, kPositions * O * C);
    thread_local gemm::PackedA zp;
    for (int xi = 0; xi < kPositions; ++xi) {  // S_xi [O, C] (+)= Z_xi [O, cols] . V_xi^T [cols, C]
      zp.pack(O, cols, gemm::View::row_major(z + xi * O * ld, ld));
      gemm::gemm(C, zp, gemm::View::transposed(v + xi * C * ld, ld), gemm::Out{sums[t] + xi * O * C, C}, !first);
    }
  });
  sums.erase(std::remove(sums.begin(), sums.end(), nullptr), sums.end());  // threads that had no image
  untransform_weight_gradient(sums, O, C, gw);
}

}  // namespace hg::ops::cpu
