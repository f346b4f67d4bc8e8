// im2col / col2im: the data movement that turns a convolution into one matrix product.
//
// For a batch of B images x[B, C, H, W] and a kernel kh x kw, the column matrix has one row per
// (c, a, b) kernel tap and one column per (image, output pixel):
//
//   col[(c kh + a) kw + b][img Ho Wo + i Wo + j] = x[img, c, i sh - ph + a dh, j sw - pw + b dw]   (0 outside)
//
// so that conv2d = W[O, C kh kw] . col[C kh kw, B Ho Wo]. col2im is its adjoint: it *adds* every
// column entry back onto the input pixel it was read from (the backward of im2col).
#pragma once
#include <cstdint>

namespace hg::ops::cpu {

struct ConvGeometry {
  int64_t C, H, W;             // input channels and plane
  int64_t kh, kw;              // kernel
  int64_t Ho, Wo;              // output plane
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t rows() const { return C * kh * kw; }       // rows of the column matrix
  int64_t plane_out() const { return Ho * Wo; }      // columns per image
  int64_t plane_in() const { return H * W; }
};

// col (row stride ld >= B Ho Wo) <- im2col of B contiguous images starting at x.
// With parallel = true the channels are split over OpenMP threads.
template <class T>
void im2col(const T* x, int64_t B, const ConvGeometry& g, T* col, int64_t ld, bool parallel);

// x (B contiguous images) += col2im(col). Channels are split over threads when parallel = true
// (each channel's plane is written by one thread only).
template <class T>
void col2im_add(const T* col, int64_t ld, int64_t B, const ConvGeometry& g, T* x, bool parallel);

}  // namespace hg::ops::cpu
