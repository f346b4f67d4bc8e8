// Error checks for the CUDA runtime, cuBLAS and cuDNN: a failing call throws std::runtime_error
// naming the call, the library's own message and the source line, e.g.
//   "CUDA error: out of memory (cudaMalloc(&p, n) at ops/cuda/device_allocator.cpp:31)".
// Host code only (g++ or nvcc); kernels report through HG_CUDA_CHECK_LAUNCH() after a launch.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <stdexcept>
#include <string>

namespace hg::cuda::detail {
[[noreturn]] inline void fail(const char* library, const char* message, const char* expr, const char* file,
                              int line) {
  throw std::runtime_error(std::string(library) + " error: " + message + " (" + expr + " at " + file + ":" +
                           std::to_string(line) + ")");
}
}  // namespace hg::cuda::detail

#define HG_CUDA_CHECK(expr)                                                                       \
  do {                                                                                            \
    const cudaError_t hg_err_ = (expr);                                                           \
    if (hg_err_ != cudaSuccess)                                                                   \
      ::hg::cuda::detail::fail("CUDA", cudaGetErrorString(hg_err_), #expr, __FILE__, __LINE__);   \
  } while (0)

// After a kernel launch: a bad configuration shows up here, not at the next unrelated call.
#define HG_CUDA_CHECK_LAUNCH() HG_CUDA_CHECK(cudaGetLastError())

#define HG_CUBLAS_CHECK(expr)                                                                              \
  do {                                                                                                     \
    const cublasStatus_t hg_st_ = (expr);                                                                  \
    if (hg_st_ != CUBLAS_STATUS_SUCCESS)                                                                   \
      ::hg::cuda::detail::fail("cuBLAS", cublasGetStatusString(hg_st_), #expr, __FILE__, __LINE__); \
  } while (0)

#define HG_CUDNN_CHECK(expr)                                                                    \
  do {                                                                                          \
    const cudnnStatus_t hg_st_ = (expr);                                                        \
    if (hg_st_ != CUDNN_STATUS_SUCCESS)                                                         \
      ::hg::cuda::detail::fail("cuDNN", cudnnGetErrorString(hg_st_), #expr, __FILE__, __LINE__); \
  } while (0)
