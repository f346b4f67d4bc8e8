// Im2colPanels (the implicit-GEMM operand of the f32 conv) against the stored column matrix of
// im2col: every panel it packs must equal the corresponding NR columns of im2col's buffer, zero
// past the last valid column, for strides, padding, dilation, panels that cross output rows and
// images, partial depth blocks and a channel offset (a conv group); and the same panels transposed
// (gemm::TransposedPanels, the weight gradient's operand) against the transposed column matrix.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "ops/cpu/im2col.h"
#include "ops/cpu/im2col_panels.h"

namespace hg {
namespace {

using ops::cpu::ConvGeometry;
using ops::cpu::Im2colPanels;
using ops::cpu::gemm::kNR;

struct PanelCase {
  const char* name;
  int64_t images, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw;
};

ConvGeometry geometry_of(const PanelCase& c) {
  const int64_t Ho = (c.H + 2 * c.ph - c.dh * (c.kh - 1) - 1) / c.sh + 1;
  const int64_t Wo = (c.W + 2 * c.pw - c.dw * (c.kw - 1) - 1) / c.sw + 1;
  return {c.C, c.H, c.W, c.kh, c.kw, Ho, Wo, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw};
}

// Random images with `all_channels` channels, and the reference: im2col of channels [c0, c0 + C),
// image by image (im2col wants contiguous images), as one [K, N] matrix.
struct Images {
  ConvGeometry g;
  int64_t image, N;
  std::vector<float> x, col;
  Images(const PanelCase& pc, int64_t c0, int64_t all_channels, uint32_t seed)
      : g(geometry_of(pc)), image(all_channels * g.plane_in()), N(pc.images * g.plane_out()) {
    x.resize(static_cast<size_t>(pc.images * image));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : x) v = u(rng);
    col.resize(static_cast<size_t>(g.rows() * N));
    for (int64_t img = 0; img < pc.images; ++img)
      ops::cpu::im2col(x.data() + img * image + c0 * g.plane_in(), 1, g, col.data() + img * g.plane_out(), N, false);
  }
};

class Im2colPanelsTest : public ::testing::TestWithParam<PanelCase> {};

TEST_P(Im2colPanelsTest, PanelsEqualTheStoredColumnMatrix) {
  const PanelCase& pc = GetParam();
  // The panels read channels [c0, c0 + C) of images with C + 2 channels (a middle conv group).
  const int64_t c0 = 1;
  const Images im(pc, c0, pc.C + 2, 7);
  const ConvGeometry& g = im.g;
  const int64_t image = im.image, K = g.rows(), N = im.N;
  const std::vector<float>& col = im.col;
  const Im2colPanels panels(im.x.data() + c0 * g.plane_in(), image, g);
  // Depth blocks and column blocks that start anywhere (not only at panel boundaries).
  for (const int64_t k0 : {int64_t{0}, K / 3}) {
    const int64_t kc = std::max<int64_t>(1, std::min<int64_t>(K - k0, 37));
    for (const int64_t n0 : {int64_t{0}, int64_t{5}, N / 2}) {
      const int64_t nc = std::min<int64_t>(N - n0, 3 * kNR + 7);
      const int64_t n_panels = (nc + kNR - 1) / kNR;
      std::vector<float> dst(static_cast<size_t>(n_panels * kc * kNR), -7.0f);
      panels.pack(k0, kc, n0, nc, dst.data());
      for (int64_t p = 0; p < n_panels; ++p)
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = 0; j < kNR; ++j) {
            const int64_t n = n0 + p * kNR + j;
            const float want = p * kNR + j < nc ? col[(k0 + k) * N + n] : 0.0f;
            ASSERT_EQ(dst[(p * kc + k) * kNR + j], want)
                << pc.name << ": k0 " << k0 << " n0 " << n0 << " panel " << p << " row " << k << " column " << j;
          }
    }
  }
}

// The weight gradient reads the column matrix transposed (pixels as depth, taps as width) through
// gemm::TransposedPanels over the same panels: every panel equals col^T, zero past the last column.
TEST_P(Im2colPanelsTest, TransposedPanelsEqualTheTransposedColumnMatrix) {
  const PanelCase& pc = GetParam();
  const Images im(pc, 0, pc.C, 8);
  const ConvGeometry& g = im.g;
  const int64_t K = g.rows(), N = im.N;
  const std::vector<float>& col = im.col;
  const Im2colPanels panels(im.x.data(), im.image, g);
  const ops::cpu::gemm::TransposedPanels transposed(panels);
  // depth = pixels [k0, k0 + kc), width = taps [n0, n0 + nc)
  for (const int64_t k0 : {int64_t{0}, N / 3}) {
    const int64_t kc = std::min<int64_t>(N - k0, 2 * kNR + 5);
    for (const int64_t n0 : {int64_t{0}, K / 2}) {
      const int64_t nc = std::min<int64_t>(K - n0, kNR + 9), n_panels = (nc + kNR - 1) / kNR;
      std::vector<float> dst(static_cast<size_t>(n_panels * kc * kNR), -7.0f);
      transposed.pack(k0, kc, n0, nc, dst.data());
      for (int64_t p = 0; p < n_panels; ++p)
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = 0; j < kNR; ++j) {
            const float want = p * kNR + j < nc ? col[(n0 + p * kNR + j) * N + k0 + k] : 0.0f;
            ASSERT_EQ(dst[(p * kc + k) * kNR + j], want)
                << pc.name << ": k0 " << k0 << " n0 " << n0 << " panel " << p << " pixel " << k << " tap " << j;
          }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, Im2colPanelsTest,
    ::testing::Values(
        //          name                 img C  H   W  kh kw sh sw ph pw dh dw
        PanelCase{"3x3_pad1_row32", 2, 3, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1},
        PanelCase{"3x3_pad1_rows_of_8", 3, 2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1},
        PanelCase{"3x3_pad1_rows_of_4", 5, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1},
        PanelCase{"3x3_stride2", 2, 3, 17, 19, 3, 3, 2, 2, 1, 1, 1, 1},
        PanelCase{"7x7_stride2_pad3", 2, 3, 20, 22, 7, 7, 2, 2, 3, 3, 1, 1},
        PanelCase{"1x1_stride2", 3, 5, 9, 9, 1, 1, 2, 2, 0, 0, 1, 1},
        PanelCase{"dilated_asymmetric", 2, 2, 11, 13, 3, 2, 1, 2, 2, 1, 2, 3},
        PanelCase{"unpadded_5x5", 2, 2, 9, 40, 5, 5, 1, 1, 0, 0, 1, 1},
        PanelCase{"pad_larger_than_kernel_reach", 2, 2, 5, 6, 3, 3, 1, 1, 3, 2, 1, 1}),
    [](const ::testing::TestParamInfo<PanelCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace hg
