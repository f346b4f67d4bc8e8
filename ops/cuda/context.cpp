#include "ops/cuda/context.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ops/cuda/check.h"
#include "ops/cuda/math_options.h"
#include "tensor/storage.h"

namespace hg::cuda {

namespace {

struct PerDevice {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
  std::shared_ptr<Storage> workspace;
  int cublas_tf32 = -1;  // the math mode last set on the handle (-1: never)
};

// Created on first use, never destroyed: handles must outlive every static tensor, and the driver
// reclaims everything at process exit.
struct Registry {
  std::recursive_mutex mutex;  // recursive: workspace() allocates, and the allocator asks for the stream
  std::vector<PerDevice> devices;
};
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

// Callers hold registry().mutex.
PerDevice& per_device(int device) {
  require_device(device);
  Registry& r = registry();
  if (r.devices.empty()) r.devices.resize(static_cast<size_t>(device_count()));
  PerDevice& d = r.devices[static_cast<size_t>(device)];
  if (!d.stream) {
    DeviceGuard guard(device);
    HG_CUDA_CHECK(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking));
  }
  return d;
}

}  // namespace

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the "no device" error so later calls do not report it
    return 0;
  }
  return count;
}

void require_device(int device) {
  const int count = device_count();
  if (count == 0) throw std::runtime_error("cuda:" + std::to_string(device) + ": no CUDA device is present");
  if (device < 0 || device >= count)
    throw std::runtime_error("cuda:" + std::to_string(device) + ": no such device (" + std::to_string(count) +
                             " found)");
}

using Lock = std::lock_guard<std::recursive_mutex>;

cudaStream_t stream(int device) {
  Lock lock(registry().mutex);
  return per_device(device).stream;
}

cublasHandle_t cublas(int device) {
  Lock lock(registry().mutex);
  PerDevice& d = per_device(device);
  if (!d.cublas) {
    DeviceGuard guard(device);
    HG_CUBLAS_CHECK(cublasCreate(&d.cublas));
    HG_CUBLAS_CHECK(cublasSetStream(d.cublas, d.stream));
    // Results must not depend on the order of atomic additions (run-to-run identical sums).
    HG_CUBLAS_CHECK(cublasSetAtomicsMode(d.cublas, CUBLAS_ATOMICS_NOT_ALLOWED));
  }
  const int tf32 = math_options().allow_tf32 ? 1 : 0;
  if (d.cublas_tf32 != tf32) {
    HG_CUBLAS_CHECK(cublasSetMathMode(d.cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    d.cublas_tf32 = tf32;
  }
  return d.cublas;
}

cudnnHandle_t cudnn(int device) {
  Lock lock(registry().mutex);
  PerDevice& d = per_device(device);
  if (!d.cudnn) {
    DeviceGuard guard(device);
    HG_CUDNN_CHECK(cudnnCreate(&d.cudnn));
    HG_CUDNN_CHECK(cudnnSetStream(d.cudnn, d.stream));
  }
  return d.cudnn;
}

void* workspace(int device, size_t nbytes) {
  Lock lock(registry().mutex);
  PerDevice& d = per_device(device);
  if (!d.workspace || d.workspace->nbytes() < nbytes) {
    d.workspace.reset();  // the old block returns to the stream's free list first
    d.workspace = Storage::allocate(nbytes, Device::cuda(device));
  }
  return d.workspace->data();
}

void synchronize(int device) { HG_CUDA_CHECK(cudaStreamSynchronize(stream(device))); }

DeviceGuard::DeviceGuard(int device) {
  HG_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != device) {
    HG_CUDA_CHECK(cudaSetDevice(device));
    changed_ = true;
  }
}

DeviceGuard::~DeviceGuard() {
  if (changed_) cudaSetDevice(previous_);
}

}  // namespace hg::cuda
