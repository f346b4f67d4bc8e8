// Per-device state of the CUDA backend: one stream per device (every handgrad kernel, copy, cuBLAS
// and cuDNN call on that device is queued on it, so work runs in program order without host
// synchronisation), the cuBLAS and cuDNN handles bound to that stream, and a grow-only workspace.
// The host waits only where it needs a value: copies to host memory, item(), synchronize().
// Included by host code of the backend only (it names CUDA types); ops use the Tensor-level
// declarations in ops/cuda/*_cuda.h.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>

#include "tensor/device.h"

namespace hg::cuda {

int device_count();               // 0 when no device is usable (never throws)
void require_device(int device);  // throws "cuda:N: ..." naming why the device is unusable

cudaStream_t stream(int device);    // the device's handgrad stream, created on first use
cublasHandle_t cublas(int device);  // bound to stream(device), workspace set, math mode per options
cudnnHandle_t cudnn(int device);    // bound to stream(device)
// Scratch memory for cuBLAS/cuDNN calls on stream(device); valid until the next workspace() call
// on that device. Grows, never shrinks (cuDNN algorithm choice makes the sizes recur).
void* workspace(int device, size_t nbytes);
void synchronize(int device);

// Makes `device` current for the lifetime of the guard, restoring the previous one after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  explicit DeviceGuard(Device device) : DeviceGuard(device.index) {}
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
  bool changed_ = false;
};

}  // namespace hg::cuda
