// CPU conv2d kernels on raw contiguous buffers (called by ops/conv.cpp after the shape checks).
// T is float or double. Shapes: x [N, C, H, W], w [O, C/G, kh, kw], y [N, O, Ho, Wo]; `g` describes
// one image (g.C = C, all channels).
#pragma once
#include <cstdint>

#include "ops/cpu/im2col.h"

namespace hg::ops::cpu {

// y = conv(x, w) + bias (bias may be null).
template <class T>
void conv2d_forward(const T* x, const T* w, const T* bias, T* y, int64_t N, int64_t O, int64_t groups,
                    const ConvGeometry& g);
// gx = conv^T(gy, w)  (overwrites gx).
template <class T>
void conv2d_backward_input(const T* gy, const T* w, T* gx, int64_t N, int64_t O, int64_t groups,
                           const ConvGeometry& g);
// gw = sum over the batch of gy . im2col(x)^T  (overwrites gw).
template <class T>
void conv2d_backward_weight(const T* gy, const T* x, T* gw, int64_t N, int64_t O, int64_t groups,
                            const ConvGeometry& g);

}  // namespace hg::ops::cpu
