// conv2d on the CPU as matrix products: f32 on handgrad's own GEMM (gemm_f32.h), f64 (the
// gradcheck dtype) as im2col + Eigen GEMM.
//
// Per chunk of b images (columns = b Ho Wo) and per group gi (Og = O/G output, Kg = C/G kh kw rows):
//   forward          Y[Og, cols]   = W_gi[Og, Kg] . col_gi[Kg, cols]
//   backward-input   dcol[Kg, cols] = W_gi^T . dY_gi[Og, cols],   dx = col2im(dcol)
//   backward-weight  dW_gi[Og, Kg] += dY_gi[Og, cols] . col_gi^T
// A 1x1, stride-1, unpadded conv needs no im2col: x's [C, H W] block *is* the column matrix.
//
// f32 (gemm_f32.h): the GEMM reads and writes the tensors in place through grouped views (b images
// of [O, P] seen as one [O, b P] matrix), so there is no gather/scatter buffer. The forward is an
// implicit GEMM: Im2colPanels packs the column matrix panel by panel straight from x, never storing
// it whole. For stride 1 the backward-input is itself a conv of dY with the flipped kernel (see
// backward_input_as_conv_f32): again an implicit GEMM, with no dcol buffer and no col2im. The
// backward-weight reads the same panels transposed (gemm::TransposedPanels). Only a strided
// backward-input still goes through a column buffer (and col2im). An ungrouped 3x3 stride-1 conv
// (most of a ResNet) runs all three passes as Winograd F(2x2, 3x3) instead (winograd_f23.h: 2.25x
// fewer multiply-adds), unless ConvCpuTuning::winograd is off or there are fewer images than threads.
// f64 (Eigen): with b = 1 the GEMM reads/writes the image's own [O, Ho Wo] block of y / gy; with
// b > 1 the output is gathered/scattered through a [O, b Ho Wo] buffer.
// Batching images widens the small late-stage GEMMs (4x4 planes = 16 columns each).
//
// Threading (ConvThreading): batch_parallel gives each OpenMP thread a contiguous range of images,
// its own buffers and a single-threaded GEMM; gemm_parallel runs one chunk at a time with
// im2col/col2im split over channels and a multi-threaded GEMM (gemm::gemm_parallel splits C's
// columns, so every element gets the same arithmetic as in a single-threaded call). The automatic
// choice is batch_parallel whenever every thread gets an image: on 2 cores it was as fast or faster
// on the 32x32 and 16x16 layers, within noise on the 8x8 and 4x4 ones, and far more robust when
// other processes share the cores (no barriers inside the GEMM).
//
// Chunk size: images per GEMM such that the column and output buffers of a chunk fit
// ConvCpuTuning::col_buffer_bytes (4 MB per thread, in L3), split evenly over a thread's images.
#include "ops/cpu/conv2d.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "ops/conv.h"
#include "ops/cpu/gemm_f32.h"
#include "ops/cpu/grow_only.h"
#include "ops/cpu/im2col_panels.h"
#include "ops/cpu/winograd_f23.h"

namespace hg::ops {
ConvCpuTuning& conv_cpu_tuning() {
  static ConvCpuTuning tuning;
  return tuning;
}
}  // namespace hg::ops

namespace hg::ops::cpu {
namespace {

template <class T>
using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
Eigen::Map<const MatR<T>, 0, Eigen::OuterStride<>> cmat(const T* p, int64_t rows, int64_t cols, int64_t ld) {
  return {p, rows, cols, Eigen::OuterStride<>(ld)};
}
template <class T>
Eigen::Map<MatR<T>, 0, Eigen::OuterStride<>> mat(T* p, int64_t rows, int64_t cols, int64_t ld) {
  return {p, rows, cols, Eigen::OuterStride<>(ld)};
}

// Per-thread buffers that live across calls, so the hot loop does not allocate (and page-fault)
// a fresh multi-megabyte buffer for every conv. They only grow.
enum Slot { kColumns = 0, kOutput = 1, kAccumulator = 2 };
template <class T>
T* scratch(Slot slot, int64_t n) {
  thread_local std::vector<T> buffers[3];
  return grow_only(buffers[slot], n);
}

// Columns below which a per-image GEMM is too narrow to run near peak; the 1x1 direct path is used
// only at or above it (below, images are batched through the gather buffer instead).
constexpr int64_t kMinDirectColumns = 256;

// Threads a conv may use: all of OpenMP's, or just this one inside a parallel region.
int available_threads() { return omp_in_parallel() ? 1 : omp_get_max_threads(); }

struct Plan {
  bool batch_parallel = false;
  bool direct = false;  // 1x1/stride 1/no padding: the image is its own column matrix
  int64_t chunk = 1;    // images per GEMM
  int threads = 1;
};

// f32 runs on gemm_f32.h, whose operands may walk several images in place, so its 1x1 direct path
// takes any number of images per GEMM; f64 (Eigen) needs one image per direct GEMM.
// streaming = the pass needs no per-chunk buffer (the f32 implicit-GEMM forward and stride-1
// backward-input): one chunk per thread, so the packed weights stream through once per thread.
Plan make_plan(int64_t N, int64_t O, const ConvGeometry& g, size_t elem_size, bool streaming = false) {
  const ConvCpuTuning& t = conv_cpu_tuning();
  Plan p;
  p.threads = available_threads();
  switch (t.threading) {
    case ConvThreading::automatic: p.batch_parallel = p.threads > 1 && N >= p.threads; break;
    case ConvThreading::batch_parallel: p.batch_parallel = p.threads > 1; break;
    case ConvThreading::gemm_parallel: p.batch_parallel = false; break;
  }
  const int64_t per_thread = p.batch_parallel ? (N + p.threads - 1) / p.threads : N;
  const int64_t P = g.plane_out();
  // The budget covers both per-chunk buffers: columns [rows, cols] and the output [O, cols].
  const int64_t want_cols =
      std::max<int64_t>(1, t.col_buffer_bytes / static_cast<int64_t>((g.rows() + O) * elem_size));
  p.chunk = std::clamp<int64_t>(streaming ? per_thread : want_cols / P, 1, std::max<int64_t>(1, per_thread));
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
  const bool multi_image_direct = elem_size == sizeof(float);
  p.direct = t.pointwise_fast_path && pointwise && (multi_image_direct || P >= kMinDirectColumns || p.chunk == 1);
  if (p.direct && !multi_image_direct) p.chunk = 1;
  return p;
}

// Calls body(first_image, images, inner_parallel, thread_index) for every chunk of the batch:
// batch_parallel -> each thread walks its own contiguous image range; else chunks run in order and
// the body may use all threads itself (inner_parallel = true). A range is cut into equal chunks of
// at most p.chunk images (16 images at most 14 -> 8 + 8, not 14 + 2: no narrow GEMM at the end).
template <class F>
void for_each_chunk(const Plan& p, int64_t N, F&& body) {
  auto walk = [&](int64_t begin, int64_t end, bool inner_parallel, int t) {
    const int64_t len = end - begin, pieces = (len + p.chunk - 1) / p.chunk;
    for (int64_t c = 0; c < pieces; ++c) {
      const int64_t n0 = begin + len * c / pieces, n1 = begin + len * (c + 1) / pieces;
      body(n0, n1 - n0, inner_parallel, t);
    }
  };
  if (p.batch_parallel) {
#pragma omp parallel num_threads(p.threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      walk(N * t / nt, N * (t + 1) / nt, false, t);
    }
  } else {
    walk(0, N, true, 0);
  }
}

// buf[o, j P + q] <-> t[(n0 + j) O P + o P + q] for the b images of a chunk ([O, b P] <-> [b, O, P]).
template <class T>
void gather_chunk(const T* t, int64_t b, int64_t O, int64_t P, T* buf, bool parallel) {
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t j = 0; j < b; ++j) std::memcpy(buf + o * b * P + j * P, t + (j * O + o) * P, sizeof(T) * P);
}
// ... and back, adding bias[o] (bias may be null).
template <class T>
void scatter_chunk(const T* buf, int64_t b, int64_t O, int64_t P, const T* bias, T* t, bool parallel) {
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < O; ++o) {
    const T add = bias ? bias[o] : T(0);
    for (int64_t j = 0; j < b; ++j) {
      const T* src = buf + o * b * P + j * P;
      T* dst = t + (j * O + o) * P;
      for (int64_t q = 0; q < P; ++q) dst[q] = src[q] + add;
    }
  }
}

// ---- f32 on gemm_f32.h --------------------------------------------------------------------------
// The operands are views of the tensors themselves: a chunk of b images of a [N, O, P] tensor is
// the matrix [O, b P] with columns grouped by P (group stride O P); only im2col needs a buffer.
namespace gm = gemm;

// [rows, b P] view of `rows` consecutive channels of b images with `channels` channels each.
gm::View images_as_matrix(const float* first, int64_t channels, int64_t P) {
  return {first, gm::Axis::plain(P), gm::Axis::grouped(1, P, channels * P)};
}
gm::Out images_as_output(float* first, int64_t channels, int64_t P) {
  return {first, P, gm::Axis::grouped(1, P, channels * P)};
}
template <class B>  // gm::View or gm::PanelSource
void run_gemm(int64_t N, const gm::PackedA& a, const B& b, const gm::Out& c, bool accumulate, bool parallel) {
  if (parallel) gm::gemm_parallel(N, a, b, c, accumulate);
  else gm::gemm(N, a, b, c, accumulate);
}

// Per-group packed weights, kept across calls (their storage only grows, so a conv does not
// page-fault a fresh multi-megabyte buffer every time). One set for every use (W, W^T or the
// flipped W'): a conv call packs, uses and is done with it before the next call on this thread.
std::vector<std::unique_ptr<gm::PackedA>>& weight_slots(int64_t groups) {
  thread_local std::vector<std::unique_ptr<gm::PackedA>> slots;
  while (static_cast<int64_t>(slots.size()) < groups) slots.push_back(std::make_unique<gm::PackedA>());
  return slots;
}

// W_gi [Og, Kg] (forward) or its transpose [Kg, Og] (backward-input via col2im), per group.
const std::vector<std::unique_ptr<gm::PackedA>>& pack_weights(const float* w, int64_t groups, int64_t Og, int64_t Kg,
                                                              bool transpose) {
  auto& packed = weight_slots(groups);
  for (int64_t gi = 0; gi < groups; ++gi) {
    const float* wg = w + gi * Og * Kg;
    if (transpose) packed[gi]->pack(Kg, Og, gm::View::transposed(wg, Kg), true);
    else packed[gi]->pack(Og, Kg, gm::View::row_major(wg, Kg), true);
  }
  return packed;
}

// Winograd F(2x2, 3x3) for an ungrouped 3x3 stride-1 conv whose batch gives every thread an image
// (all three passes).
bool use_winograd(const ConvGeometry& g, int64_t N, int64_t groups) {
  return conv_cpu_tuning().winograd && groups == 1 && N >= available_threads() && winograd_f23_applies(g);
}

void add_bias(const float* bias, float* y, int64_t n0, int64_t b, int64_t O, int64_t P, bool parallel) {
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t j = 0; j < b; ++j) {
      float* out = y + ((n0 + j) * O + o) * P;
      for (int64_t q = 0; q < P; ++q) out[q] += bias[o];
    }
}

void forward_f32(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t O, int64_t groups,
                 const ConvGeometry& g) {
  if (use_winograd(g, N, groups)) {
    winograd_f23_conv(x, Kernel3x3{w, g.C * 9, 9, 3, 1}, y, N, O, g);
    if (bias) add_bias(bias, y, 0, N, O, g.plane_out(), true);
    return;
  }
  const Plan p = make_plan(N, O, g, sizeof(float), true);
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups, Cg = g.C / groups;
  const auto& wp = pack_weights(w, groups, Og, Kg, false);
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int) {
    const int64_t cols = b * P;
    for (int64_t gi = 0; gi < groups; ++gi) {
      const gm::Out dst = images_as_output(y + n0 * O * P + gi * Og * P, O, P);
      if (p.direct) {
        run_gemm(cols, *wp[gi], images_as_matrix(x + n0 * in_image + gi * Cg * P, g.C, P), dst, false, par);
      } else {  // implicit GEMM: the column matrix is packed panel by panel straight from x
        const Im2colPanels src(x + n0 * in_image + gi * Cg * g.plane_in(), in_image, g);
        run_gemm(cols, *wp[gi], src, dst, false, par);
      }
    }
    if (bias) add_bias(bias, y, n0, b, O, P, par);
  });
}

// Stride 1: dx is itself a convolution of dy, with the kernel flipped and its two channel axes
// swapped, W'[c, o, a, b] = W[o, c, kh-1-a, kw-1-b], and padding dh (kh - 1) - ph (same for w):
//   dx[c, i, j] = sum_{o, a, b} W[o, c, a, b] dy[o, i + ph - a dh, j + pw - b dw]
// so it runs as an implicit GEMM over dy's panels, with no column-gradient buffer and no col2im.
bool backward_input_is_a_conv(const ConvGeometry& g) {
  return g.sh == 1 && g.sw == 1 && g.dh * (g.kh - 1) >= g.ph && g.dw * (g.kw - 1) >= g.pw;
}

void backward_input_as_conv_f32(const float* gy, const float* w, float* gx, int64_t N, int64_t O, int64_t groups,
                                const ConvGeometry& g) {
  const int64_t Og = O / groups, Cg = g.C / groups, taps = g.kh * g.kw, P = g.plane_out();
  // dy's geometry as the input of the transposed conv: Og channels of Ho x Wo, output H x W.
  const ConvGeometry t{Og, g.Ho, g.Wo, g.kh, g.kw, g.H, g.W, 1, 1,
                       g.dh * (g.kh - 1) - g.ph, g.dw * (g.kw - 1) - g.pw, g.dh, g.dw};
  if (use_winograd(t, N, groups))  // W'[c, o, a, b] = W[o, c, 2 - a, 2 - b], read in place
    return winograd_f23_conv(gy, Kernel3x3{w + 8, 9, g.C * 9, -3, -1}, gx, N, g.C, t);
  // W' as a view of w: row c at c taps, column (o, q) at o Cg taps + (taps - 1 - q) (taps read backwards).
  auto& wf = weight_slots(groups);
  for (int64_t gi = 0; gi < groups; ++gi) {
    const gm::View flipped{w + gi * Og * Cg * taps + (taps - 1), gm::Axis::plain(taps),
                           gm::Axis::grouped(-1, taps, Cg * taps)};
    wf[gi]->pack(Cg, Og * taps, flipped, true);
  }
  // The plan is the transposed conv's: its "output channels" are C and its plane is H x W.
  const Plan p = make_plan(N, g.C, t, sizeof(float), true);
  const int64_t in_image = g.C * g.plane_in();
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int) {
    for (int64_t gi = 0; gi < groups; ++gi) {
      const Im2colPanels src(gy + n0 * O * P + gi * Og * P, O * P, t);
      run_gemm(b * g.plane_in(), *wf[gi], src, images_as_output(gx + n0 * in_image + gi * Cg * g.plane_in(), g.C, g.plane_in()),
               false, par);
    }
  });
}

void backward_input_f32(const float* gy, const float* w, float* gx, int64_t N, int64_t O, int64_t groups,
                        const ConvGeometry& g) {
  const Plan p = make_plan(N, O, g, sizeof(float));
  if (!p.direct && backward_input_is_a_conv(g)) return backward_input_as_conv_f32(gy, w, gx, N, O, groups, g);
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups, Cg = g.C / groups;
  const auto& wt = pack_weights(w, groups, Og, Kg, true);
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int) {
    const int64_t cols = b * P;
    // direct: dx [C, b P] is the column gradient itself; else dcol then col2im.
    float* dcol = p.direct ? nullptr : scratch<float>(kColumns, g.rows() * cols);
    for (int64_t gi = 0; gi < groups; ++gi) {
      const gm::View dy = images_as_matrix(gy + n0 * O * P + gi * Og * P, O, P);
      const gm::Out dst = p.direct ? images_as_output(gx + n0 * in_image + gi * Cg * P, g.C, P)
                                   : gm::Out{dcol + gi * Kg * cols, cols};
      run_gemm(cols, *wt[gi], dy, dst, false, par);
    }
    if (!p.direct) {
      float* dst = gx + n0 * in_image;
      std::fill(dst, dst + b * in_image, 0.0f);
      col2im_add(dcol, cols, b, g, dst, par);
    }
  });
}

void backward_weight_f32(const float* gy, const float* x, float* gw, int64_t N, int64_t O, int64_t groups,
                         const ConvGeometry& g) {
  if (use_winograd(g, N, groups) && winograd_f23_weight_grad_suits(g, N, available_threads()))
    return winograd_f23_weight_grad(x, gy, gw, N, O, g);
  const Plan p = make_plan(N, O, g, sizeof(float));
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups, Cg = g.C / groups, wsize = O * Kg;
  // One accumulator per thread, as in the generic version below.
  std::vector<float*> acc(p.threads, nullptr);
  std::vector<char> written(p.threads, 0);
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int t) {
    const int64_t cols = b * P;
    if (!acc[t]) acc[t] = t == 0 ? gw : scratch<float>(kAccumulator, wsize);
    thread_local gm::PackedA dy;
    for (int64_t gi = 0; gi < groups; ++gi) {
      // dW_gi [Og, Kg] = dY_gi [Og, cols] . col_gi^T [cols, Kg]
      dy.pack(Og, cols, images_as_matrix(gy + n0 * O * P + gi * Og * P, O, P), par);
      const gm::Out dw{acc[t] + gi * Og * Kg, Kg};
      if (p.direct) {  // col_gi^T is x's [C, b P] block read transposed
        const gm::View colT{x + n0 * in_image + gi * Cg * P, gm::Axis::grouped(1, P, g.C * P), gm::Axis::plain(P)};
        run_gemm(Kg, dy, colT, dw, written[t] != 0, par);
      } else {  // col_gi^T packed straight from x: the implicit-GEMM panels, transposed block by block
        const Im2colPanels col(x + n0 * in_image + gi * Cg * g.plane_in(), in_image, g);
        run_gemm(Kg, dy, gm::TransposedPanels(col), dw, written[t] != 0, par);
      }
    }
    written[t] = 1;
  });
  if (!written[0]) std::fill(gw, gw + wsize, 0.0f);  // thread 0 had no images (N < threads)
  for (int t = 1; t < p.threads; ++t) {
    if (!written[t]) continue;
    const float* a = acc[t];
#pragma omp parallel for schedule(static) if (wsize > (1 << 16))
    for (int64_t i = 0; i < wsize; ++i) gw[i] += a[i];
  }
}

// ---- f64 (and any other T) on Eigen ---------------------------------------------------------------
template <class T>
void forward_eigen(const T* x, const T* w, const T* bias, T* y, int64_t N, int64_t O, int64_t groups,
                   const ConvGeometry& g) {
  const Plan p = make_plan(N, O, g, sizeof(T));
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups;
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int) {
    const int64_t cols = b * P;
    const T* col = x + n0 * in_image;  // direct: [C, H W] of image n0
    int64_t ldc = P;
    if (!p.direct) {
      T* buf = scratch<T>(kColumns, g.rows() * cols);
      im2col(x + n0 * in_image, b, g, buf, cols, par);
      col = buf;
      ldc = cols;
    }
    T* out = b == 1 ? y + n0 * O * P : scratch<T>(kOutput, O * cols);
    for (int64_t gi = 0; gi < groups; ++gi)
      mat(out + gi * Og * cols, Og, cols, cols).noalias() =
          cmat(w + gi * Og * Kg, Og, Kg, Kg) * cmat(col + gi * Kg * ldc, Kg, cols, ldc);
    if (b > 1) {
      scatter_chunk(out, b, O, P, bias, y + n0 * O * P, par);
    } else if (bias) {
#pragma omp parallel for schedule(static) if (par)
      for (int64_t o = 0; o < O; ++o)
        for (int64_t q = 0; q < P; ++q) out[o * P + q] += bias[o];
    }
  });
}

template <class T>
void backward_input_eigen(const T* gy, const T* w, T* gx, int64_t N, int64_t O, int64_t groups,
                          const ConvGeometry& g) {
  const Plan p = make_plan(N, O, g, sizeof(T));
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups;
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int) {
    const int64_t cols = b * P;
    const T* gout = gy + n0 * O * P;
    if (b > 1) {
      T* buf = scratch<T>(kOutput, O * cols);
      gather_chunk(gout, b, O, P, buf, par);
      gout = buf;
    }
    // direct: dx_n [C, P] is the column gradient itself; else dcol then col2im.
    T* dcol = p.direct ? gx + n0 * in_image : scratch<T>(kColumns, g.rows() * cols);
    for (int64_t gi = 0; gi < groups; ++gi)
      mat(dcol + gi * Kg * cols, Kg, cols, cols).noalias() =
          cmat(w + gi * Og * Kg, Og, Kg, Kg).transpose() * cmat(gout + gi * Og * cols, Og, cols, cols);
    if (!p.direct) {
      T* dst = gx + n0 * in_image;
      std::fill(dst, dst + b * in_image, T(0));
      col2im_add(dcol, cols, b, g, dst, par);
    }
  });
}

template <class T>
void backward_weight_eigen(const T* gy, const T* x, T* gw, int64_t N, int64_t O, int64_t groups,
                           const ConvGeometry& g) {
  const Plan p = make_plan(N, O, g, sizeof(T));
  const int64_t P = g.plane_out(), in_image = g.C * g.plane_in();
  const int64_t Og = O / groups, Kg = g.rows() / groups, wsize = O * Kg;
  // One accumulator per thread: thread 0 sums straight into gw, the others into their scratch
  // buffers, added to gw in thread order at the end. A thread's first GEMM assigns instead of
  // accumulating, so no buffer needs zeroing.
  std::vector<T*> acc(p.threads, nullptr);
  std::vector<char> written(p.threads, 0);
  for_each_chunk(p, N, [&](int64_t n0, int64_t b, bool par, int t) {
    const int64_t cols = b * P;
    const T* col = x + n0 * in_image;
    int64_t ldc = P;
    if (!p.direct) {
      T* buf = scratch<T>(kColumns, g.rows() * cols);
      im2col(x + n0 * in_image, b, g, buf, cols, par);
      col = buf;
      ldc = cols;
    }
    const T* gout = gy + n0 * O * P;
    if (b > 1) {
      T* buf = scratch<T>(kOutput, O * cols);
      gather_chunk(gout, b, O, P, buf, par);
      gout = buf;
    }
    if (!acc[t]) acc[t] = t == 0 ? gw : scratch<T>(kAccumulator, wsize);
    for (int64_t gi = 0; gi < groups; ++gi) {
      auto dw = mat(acc[t] + gi * Og * Kg, Og, Kg, Kg);
      const auto G = cmat(gout + gi * Og * cols, Og, cols, cols);
      const auto Col = cmat(col + gi * Kg * ldc, Kg, cols, ldc);
      if (written[t]) dw.noalias() += G * Col.transpose();
      else dw.noalias() = G * Col.transpose();
    }
    written[t] = 1;
  });
  if (!written[0]) std::fill(gw, gw + wsize, T(0));  // thread 0 had no images (N < threads)
  for (int t = 1; t < p.threads; ++t) {
    if (!written[t]) continue;
    const T* a = acc[t];
#pragma omp parallel for schedule(static) if (wsize > (1 << 16))
    for (int64_t i = 0; i < wsize; ++i) gw[i] += a[i];
  }
}

}  // namespace

template <class T>
void conv2d_forward(const T* x, const T* w, const T* bias, T* y, int64_t N, int64_t O, int64_t groups,
                    const ConvGeometry& g) {
  if constexpr (std::is_same_v<T, float>) forward_f32(x, w, bias, y, N, O, groups, g);
  else forward_eigen(x, w, bias, y, N, O, groups, g);
}
template <class T>
void conv2d_backward_input(const T* gy, const T* w, T* gx, int64_t N, int64_t O, int64_t groups,
                           const ConvGeometry& g) {
  if constexpr (std::is_same_v<T, float>) backward_input_f32(gy, w, gx, N, O, groups, g);
  else backward_input_eigen(gy, w, gx, N, O, groups, g);
}
template <class T>
void conv2d_backward_weight(const T* gy, const T* x, T* gw, int64_t N, int64_t O, int64_t groups,
                            const ConvGeometry& g) {
  if constexpr (std::is_same_v<T, float>) backward_weight_f32(gy, x, gw, N, O, groups, g);
  else backward_weight_eigen(gy, x, gw, N, O, groups, g);
}

#define HG_CONV_INSTANTIATE(T)                                                                              \
  template void conv2d_forward<T>(const T*, const T*, const T*, T*, int64_t, int64_t, int64_t,            \
                                  const ConvGeometry&);                                                     \
  template void conv2d_backward_input<T>(const T*, const T*, T*, int64_t, int64_t, int64_t, const ConvGeometry&); \
  template void conv2d_backward_weight<T>(const T*, const T*, T*, int64_t, int64_t, int64_t, const ConvGeometry&);
HG_CONV_INSTANTIATE(float)
HG_CONV_INSTANTIATE(double)
#undef HG_CONV_INSTANTIATE

}  // namespace hg::ops::cpu
