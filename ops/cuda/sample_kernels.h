// Launchers of the resampling and padding kernels (ops/cuda/sample.cu, ops/cuda/pad.cu): plain
// pointers to contiguous data of one floating dtype (pad forward: any dtype), shapes as PODs, no
// CUDA types. Work is queued on the device's stream; the calls return without waiting.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/dtype_code.h"

namespace hg::cuda {

// ---- interpolate ----
struct InterpolateShape {
  int64_t planes, h, w, out_h, out_w;
  bool nearest, align_corners;
  double scale_h, scale_w;  // the caller's scale factors (0 = none), ops/sample.h
};
void launch_interpolate(void* out, const void* x, DType dtype, const InterpolateShape& s, int device);

// ---- separable gather: the backward of interpolate and pad ----
// grad_in[p, i, j] = Σ_{a ∈ rows(i)} Σ_{b ∈ cols(j)} (row_w[a] · col_w[b]) · grad_out[p, row_src[a], col_src[b]]
// with rows(i) = [row_begin[i], row_begin[i + 1]) (CSR lists of the output rows that read input
// row i, in increasing output index; likewise columns). Weights are the compute type (float for
// f16/bf16/f32, double for f64); null weights mean 1. All index arrays are device memory.
struct SeparableGather {
  int64_t planes, h, w, oh, ow;
  const int64_t* row_begin;  // [h + 1]
  const int64_t* row_src;
  const void* row_w;
  const int64_t* col_begin;  // [w + 1]
  const int64_t* col_src;
  const void* col_w;
};
void launch_separable_gather(void* grad_in, const void* grad_out, DType dtype, const SeparableGather& g,
                             const char* what, int device);

// ---- pad forward: out[p, r, c] = x[p, src_row[r], src_col[c]], or value where either is −1 ----
struct PadShape {
  int64_t planes, h, w, oh, ow;
  const int64_t* src_row;  // [oh], device memory
  const int64_t* src_col;  // [ow], device memory
};
void launch_pad(void* out, const void* x, DType dtype, const PadShape& s, double value, int device);

// ---- affine_grid ----
void launch_affine_grid(void* grid, const void* theta, DType dtype, int64_t n, int64_t h, int64_t w,
                        bool align_corners, int device);
// dtheta[b] = Σ_{h,w} grad[b, h, w, :] ⊗ (x_w, y_h, 1), summed in double by one block per image in a
// fixed tree.
void launch_affine_grid_backward(void* dtheta, const void* grad, DType dtype, int64_t n, int64_t h, int64_t w,
                                 bool align_corners, int device);

// ---- grid_sample ----
struct GridSampleShape {
  int64_t n, c, h, w, ho, wo;
  bool nearest, border, align_corners;
};
void launch_grid_sample(void* out, const void* x, const void* grid, DType dtype, const GridSampleShape& s,
                        int device);
// dL/dgrid (bilinear only; the caller zero-fills for nearest).
void launch_grid_sample_grid_grad(void* d_grid, const void* x, const void* grid, const void* grad, DType dtype,
                                  const GridSampleShape& s, int device);
// dL/dx as a gather: every (point, corner) pair gets the key of the pixel it touches; a stable
// radix sort by key groups each pixel's pairs in increasing point order, and one thread per input
// element sums its group (the CPU's order). `scratch` must hold grid_sample_input_grad_scratch(s)
// bytes of device memory.
size_t grid_sample_input_grad_scratch(const GridSampleShape& s, int device);
void launch_grid_sample_input_grad(void* d_x, const void* grid, const void* grad, DType dtype,
                                   const GridSampleShape& s, void* scratch, size_t scratch_bytes, int device);

}  // namespace hg::cuda
