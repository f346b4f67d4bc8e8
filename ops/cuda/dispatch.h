// HG_ON_CUDA(tensor, call): the one line an op adds to run its CUDA kernel for device tensors.
//
//   Tensor relu(const Tensor& x) {
//     HG_ON_CUDA(x, cuda::relu(x));
//     ... CPU kernel ...
//   }
//
// In a build without the backend the line compiles to nothing, so the CUDA functions are never
// referenced there (and a CUDA tensor cannot exist: Storage refuses to allocate one).
#pragma once

#if HANDGRAD_WITH_CUDA
#define HG_ON_CUDA(tensor, call) \
  do {                           \
    if ((tensor).device().is_cuda()) return call; \
  } while (0)
#else
#define HG_ON_CUDA(tensor, call) \
  do {                           \
  } while (0)
#endif
