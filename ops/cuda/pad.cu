// CUDA pad forward: one thread per output element reading the input element the geometry's index
// lists name (built on the host by padding::source_index, ops/pad_functors.h, as for the CPU), or
// the constant. The backward is the separable gather of ops/cuda/sample.cu.
#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/launch.cuh"
#include "ops/cuda/sample_kernels.h"

namespace hg::cuda {

template <class T>
__global__ void pad_kernel(T* out, const T* in, PadShape s, T fill) {
  HG_GRID_STRIDE_LOOP(i, s.planes * s.oh * s.ow) {
    const int64_t c = i % s.ow, r = (i / s.ow) % s.oh, plane = i / (s.ow * s.oh);
    const int64_t sr = s.src_row[r], sc = s.src_col[c];
    out[i] = (sr < 0 || sc < 0) ? fill : in[(plane * s.h + sr) * s.w + sc];
  }
}

void launch_pad(void* out, const void* x, DType dtype, const PadShape& s, double value, int device) {
  const int64_t n = s.planes * s.oh * s.ow;
  if (n == 0) return;
  DeviceGuard guard(device);
  dispatch_device_all(dtype, "pad", [&](auto tag) {
    using T = decltype(tag);
    pad_kernel<T><<<blocks_for(n), kThreads, 0, stream(device)>>>(static_cast<T*>(out), static_cast<const T*>(x), s,
                                                                   store_as<T>::from(value));
  });
  HG_CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
