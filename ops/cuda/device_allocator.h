// The CUDA backend's memory: a caching pool per device (tensor/block_pool.h over cudaMalloc, keyed
// by the device's stream) behind Storage::allocate, a pool of page-locked host memory for data
// loading, and the statistics. Tensor-level API (no CUDA headers).
#pragma once
#include "tensor/block_pool.h"
#include "tensor/tensor.h"

namespace hg::cuda {

BlockPoolStats memory_stats(int device);  // allocated / reserved / peaks / hit counts
void reset_peak_memory_stats(int device);
void empty_cache();  // returns every cached device and pinned block to the driver

// A CPU tensor in page-locked (pinned) memory: host -> device copies from it run asynchronously on
// the device stream. Its memory goes back to the pinned pool only after the device streams have
// finished any copy that may still read it.
Tensor pinned_empty(const Shape& sizes, DType dtype);
Tensor pin_memory(const Tensor& cpu_tensor);  // a pinned copy (contiguous)
BlockPoolStats pinned_memory_stats();

}  // namespace hg::cuda
