// 3x3 stride-1 f32 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016).
//
// For one 2x2 output tile, with d the 4x4 input patch it reads and g one 3x3 kernel,
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A            ((.) = elementwise product)
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// Summed over input channels, the 16 positions xi of the 4x4 product are 16 independent GEMMs
//   M_xi[O, tiles] = U_xi[O, C] . V_xi[C, tiles],   U = G g G^T (weights), V = B^T d B (input)
// that do 16 multiply-adds per 4 outputs and channel instead of 36 (2.25x fewer), plus two cheap
// linear transforms. The transform matrices hold only 0, +-1 and +-1/2, so the rounding error stays
// within a few ulps of the direct sum's.
#pragma once
#include <cstdint>

#include "ops/cpu/im2col.h"

namespace hg::ops::cpu {

// A 3x3 kernel read through strides: w(o, c, a, b) = p[o out_stride + c in_stride + a row_stride +
// b col_stride]. Negative strides read a flipped kernel in place.
struct Kernel3x3 {
  const float* p;
  int64_t out_stride, in_stride, row_stride, col_stride;
  float at(int64_t o, int64_t c, int64_t a, int64_t b) const {
    return p[o * out_stride + c * in_stride + a * row_stride + b * col_stride];
  }
};

// The geometries F(2x2, 3x3) computes: a 3x3 kernel, stride 1, dilation 1 (any padding).
bool winograd_f23_applies(const ConvGeometry& g);

// y[N, O, Ho, Wo] = conv(x[N, C, H, W], w) with g's padding, overwriting y. Threads split the
// images; every output gets the same arithmetic whatever the thread count.
void winograd_f23_conv(const float* x, const Kernel3x3& w, float* y, int64_t N, int64_t O, const ConvGeometry& g);

// The weight gradient of that conv, gw[O, C, 3, 3] = sum over the batch of dy (*) x, overwriting gw:
// by the transposition principle, gw(o, c) = G^T [ sum_tiles (A dy_t A^T) (.) (B^T d_t B) ] G, so the
// sum over tiles is again 16 GEMMs, S_xi[O, C] = Z_xi[O, tiles] . V_xi[C, tiles]^T, on the same input
// transform as the forward. Threads sum their images separately, then add in thread order.
void winograd_f23_weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t O,
                              const ConvGeometry& g);
// Whether that beats the implicit GEMM: each thread's images must give the reduction over tiles
// some depth (ResNet's 4x4 layer at batch 32 has 64 tiles per thread: per-thread sums of all
// 16 O C products, for 64 multiply-adds each, cost more than the 2.25x saved).
bool winograd_f23_weight_grad_suits(const ConvGeometry& g, int64_t N, int threads);

}  // namespace hg::ops::cpu
