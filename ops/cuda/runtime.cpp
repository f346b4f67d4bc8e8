// Device queries through the CUDA runtime, cuBLAS and cuDNN version calls.
#include "ops/cuda/runtime.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace hg::cuda {

bool compiled() { return true; }

std::string compiled_architectures() {
#ifdef HANDGRAD_CUDA_ARCHS
  return HANDGRAD_CUDA_ARCHS;
#else
  return "";
#endif
}

std::string runtime_versions() {
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  const size_t dnn = cudnnGetVersion();
  int blas_major = 0, blas_minor = 0, blas_patch = 0;
  cublasGetProperty(MAJOR_VERSION, &blas_major);
  cublasGetProperty(MINOR_VERSION, &blas_minor);
  cublasGetProperty(PATCH_LEVEL, &blas_patch);
  return "CUDA runtime " + std::to_string(runtime / 1000) + "." + std::to_string((runtime % 1000) / 10) +
         ", cuDNN " + std::to_string(dnn / 10000) + "." + std::to_string((dnn % 10000) / 100) + "." +
         std::to_string(dnn % 100) + ", cuBLAS " + std::to_string(blas_major) + "." + std::to_string(blas_minor) +
         "." + std::to_string(blas_patch);
}

std::vector<DeviceInfo> devices() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return {};
  }
  std::vector<DeviceInfo> out;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    out.push_back({i, p.name, p.major, p.minor, p.totalGlobalMem});
  }
  return out;
}

std::string unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable CUDA device: ") + cudaGetErrorString(err);
  }
  return count > 0 ? "" : "no CUDA device present";
}

}  // namespace hg::cuda

#include "ops/cuda/math_options.h"

namespace hg::cuda {
MathOptions& math_options() {
  static MathOptions options;
  return options;
}
}  // namespace hg::cuda
