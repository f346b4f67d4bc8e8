// handgrad's own f32 GEMM: C = A B (or C += A B) with packed panels and a register-blocked
// micro-kernel (AVX-512 when compiled for it, else AVX2/FMA, else portable C++).
//
// Operands are "strided views with groups" so a conv can hand its tensors over without copies:
// along one axis, index i sits at offset (i / group) * group_stride + (i % group) * stride. A plain
// matrix has one group (group = the whole axis). With group = Ho Wo and group_stride = O Ho Wo, the
// columns of a [O, b Ho Wo] matrix walk b images of a [b, O, Ho, Wo] tensor.
//
// Blocking (BLIS-style, with the roles of A and B swapped because C is row-major and the kernel's
// vectors run along C's rows): A is packed once into MR-row panels ([panel][k][MR]); B is packed in
// blocks of KC x NC into NR-column panels ([panel][k][NR]) that fit L2; one A micro-panel
// (KC x MR, L1) meets every B micro-panel of the block. Each C element is always computed by the
// same sequence of FMAs (K in blocks of KC, in order), whatever the threading: results do not depend
// on the thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::ops::cpu::gemm {

// Offsets along one axis of a view: offset(i) = (i / group) * group_stride + (i % group) * stride.
struct Axis {
  int64_t stride = 1;
  int64_t group = INT64_MAX;  // one group: offset(i) = i * stride
  int64_t group_stride = 0;
  int64_t offset(int64_t i) const { return group == INT64_MAX ? i * stride : (i / group) * group_stride + (i % group) * stride; }
  static Axis plain(int64_t stride) { return {stride, INT64_MAX, 0}; }
  static Axis grouped(int64_t stride, int64_t group, int64_t group_stride) { return {stride, group, group_stride}; }
};

// Read-only operand: element (r, c) at p[rows.offset(r) + cols.offset(c)].
struct View {
  const float* p;
  Axis rows, cols;
  static View row_major(const float* p, int64_t ld) { return {p, Axis::plain(ld), Axis::plain(1)}; }
  // The transpose of a row-major matrix with leading dimension ld.
  static View transposed(const float* p, int64_t ld) { return {p, Axis::plain(1), Axis::plain(ld)}; }
};

// Output: element (r, c) at p[r * row_stride + cols.offset(c)].
struct Out {
  float* p;
  int64_t row_stride;
  Axis cols = Axis::plain(1);
};

// Micro-tile and block sizes (floats). MR x NR is the register tile of the kernel.
inline constexpr int64_t kMR = 8, kNR = 32, kKC = 256, kNC = 512;

// A B operand that packs itself (e.g. a conv's column matrix read straight from the image, never
// stored whole). pack() writes B[k0 .. k0 + kc, n0 .. n0 + nc] as NR-column panels
// dst[panel][k][NR] (ceil(nc / NR) panels), zero past nc. Called concurrently from several threads.
class PanelSource {
 public:
  virtual ~PanelSource() = default;
  virtual void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const = 0;
};

// The transpose of another source's matrix: this B is X^T where `source` packs X [rows, cols]. Its
// panels are made from the source's own panels (X rows n0 .. n0 + nc as depth, columns k0 .. k0 + kc
// as width) by 32 x 32 block transposes in an L1-sized buffer. E.g. a conv's weight gradient
// reduces over pixels, so it needs the column matrix transposed: pixels as depth, taps as width.
class TransposedPanels final : public PanelSource {
 public:
  explicit TransposedPanels(const PanelSource& source) : source_(source) {}
  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) const override;

 private:
  const PanelSource& source_;
};

// A packed once for all of N: ceil(M / MR) panels of [K][MR] (rows beyond M are zero).
class PackedA {
 public:
  PackedA() = default;
  PackedA(int64_t M, int64_t K, const View& a, bool parallel = false) { pack(M, K, a, parallel); }
  PackedA(const PackedA&) = delete;  // data_ points into storage_
  PackedA& operator=(const PackedA&) = delete;
  void pack(int64_t M, int64_t K, const View& a, bool parallel = false);
  // For a caller that writes the panels itself (e.g. from a transform): sizes the storage for M x K
  // and returns it; panel p starts at p K MR and holds element (row p MR + r, depth k) at k MR + r.
  // Rows past M must be written as zeros too.
  float* allocate(int64_t M, int64_t K);
  int64_t rows() const { return M_; }
  int64_t depth() const { return K_; }
  const float* panel(int64_t p) const { return data_ + p * K_ * kMR; }

 private:
  int64_t M_ = 0, K_ = 0;
  std::vector<float> storage_;  // over-allocated so data_ is 64-byte aligned
  float* data_ = nullptr;
};

// C[M, N] (=|+=) A[M, K] B[K, N] on the calling thread. accumulate = false overwrites C.
void gemm(int64_t N, const PackedA& a, const View& b, const Out& c, bool accumulate);
void gemm(int64_t N, const PackedA& a, const PanelSource& b, const Out& c, bool accumulate);
void gemm(int64_t M, int64_t N, int64_t K, const View& a, const View& b, const Out& c, bool accumulate);

// The same product split over OpenMP threads (columns of C, or its rows when N is narrow). Every C
// element gets the same arithmetic as in the single-threaded call.
void gemm_parallel(int64_t N, const PackedA& a, const View& b, const Out& c, bool accumulate);
void gemm_parallel(int64_t N, const PackedA& a, const PanelSource& b, const Out& c, bool accumulate);

// Which micro-kernel this build uses: "avx512", "avx2" or "portable".
const char* kernel_name();

}  // namespace hg::ops::cpu::gemm
