#include "tensor/storage.h"

#include <stdexcept>

#include "tensor/allocator.h"

namespace hg {
namespace {
Storage::DeviceAlloc g_cuda_alloc = nullptr;
Storage::DeviceFree g_cuda_free = nullptr;
}  // namespace

void Storage::install_cuda_allocator(DeviceAlloc alloc, DeviceFree free) {
  g_cuda_alloc = alloc;
  g_cuda_free = free;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  void* p = nullptr;
  if (device.is_cpu()) {
    p = CpuAllocator::instance().allocate(nbytes);
  } else {
    if (!g_cuda_alloc)
      throw std::runtime_error("cannot allocate on " + device.str() +
                               ": handgrad was built without CUDA or no CUDA device is present");
    p = g_cuda_alloc(nbytes, device.index);
  }
  return std::shared_ptr<Storage>(new Storage(p, nbytes, device));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device,
                                       std::function<void(void*)> release) {
  auto s = std::shared_ptr<Storage>(new Storage(data, nbytes, device));
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (release_) {
    release_(data_);
  } else if (device_.is_cpu()) {
    CpuAllocator::instance().deallocate(data_, nbytes_);
  } else if (g_cuda_free) {
    g_cuda_free(data_, nbytes_, device_.index);
  }
}

}  // namespace hg
