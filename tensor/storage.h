// Storage: one block of memory on one device, shared by every tensor view of it.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

#include "tensor/device.h"

namespace hg {

class Storage {
 public:
  // Allocates nbytes on `device` (CPU: the caching CpuAllocator; CUDA: the device allocator).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  // Wraps memory owned elsewhere; `release` runs when the last view is gone.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Device device,
                                       std::function<void(void*)> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // Hooks the CUDA backend installs so the tensor layer can allocate on the GPU without
  // depending on CUDA headers. Null when built without CUDA.
  using DeviceAlloc = void* (*)(size_t nbytes, int device_index);
  using DeviceFree = void (*)(void* p, size_t nbytes, int device_index);
  static void install_cuda_allocator(DeviceAlloc alloc, DeviceFree free);

 private:
  Storage(void* data, size_t nbytes, Device device) : data_(data), nbytes_(nbytes), device_(device) {}
  void* data_;
  size_t nbytes_;
  Device device_;
  std::function<void(void*)> release_;  // empty: memory came from our allocators
};

}  // namespace hg
