// The rasterisers on CUDA (ops/rasterize.h), called by ops/cpu/rasterize_soft.cpp / rasterize_hard.cpp
// through HG_ON_CUDA after their checks, with the face ids those checks read. Same semantics and
// the same per-pixel code (ops/rasterize_functors.h, ops/cpu/rasterize_pixel.h) as the CPU.
//
// First version: the faces are set up and binned into tiles on the host with the CPU's binning
// (ops/cpu/rasterize_bins.h; the screen vertices are copied to the host for it, one wait per call)
// and the bins are uploaded; then one thread per pixel walks its tile's faces in increasing id
// (forward, hard z-buffer). The soft backward runs one block per (tile, face) entry, reduces the
// block's per-pixel gradients in a fixed tree into the entry's record, and a gather per vertex
// (and per attribute row) sums the records of its faces in face order then tile order: no float
// atomics, deterministic. The forward's statistics are integer sums (read back once).
#pragma once
#include <vector>

#include "ops/rasterize.h"

namespace hg::cuda {

ops::SoftRaster rasterize_soft(const Tensor& screen, const std::vector<int64_t>& face_ids, const Tensor& attrs,
                               const SoftRasterSettings& settings);
ops::SoftRasterGrads rasterize_soft_backward(const Tensor& grad_image, const Tensor& screen,
                                             const std::vector<int64_t>& face_ids, const Tensor& attrs,
                                             const ops::SoftRaster& forward, const SoftRasterSettings& settings,
                                             bool need_screen, bool need_attrs);
ops::HardRaster rasterize_hard(const Tensor& screen, const std::vector<int64_t>& face_ids, const Tensor& attrs,
                               const HardRasterSettings& settings);

}  // namespace hg::cuda
