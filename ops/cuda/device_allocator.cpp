// Device and pinned memory pools, and the hooks that connect them (and the copies and random
// draws) to the tensor layer. The hooks are installed by a static object when the program starts; `handgrad` links the
// ops layer whole so this file is always part of the program.
#include "ops/cuda/device_allocator.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/random_cuda.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/allocator.h"
#include "tensor/device_copy.h"
#include "tensor/factory.h"
#include "tensor/storage.h"
#include "tensor/view.h"

namespace hg::cuda {

namespace {

void* device_malloc(size_t nbytes, void* context) {
  DeviceGuard guard(static_cast<int>(reinterpret_cast<intptr_t>(context)));
  void* p = nullptr;
  if (cudaMalloc(&p, nbytes) != cudaSuccess) {
    cudaGetLastError();  // out of memory is reported by the pool, with its statistics
    return nullptr;
  }
  return p;
}
void device_release(void* p, void* context) {
  DeviceGuard guard(static_cast<int>(reinterpret_cast<intptr_t>(context)));
  cudaFree(p);
}
void* pinned_malloc(size_t nbytes, void*) {
  void* p = nullptr;
  if (cudaHostAlloc(&p, nbytes, cudaHostAllocDefault) != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return p;
}
void pinned_release(void* p, void*) { cudaFreeHost(p); }

struct Pools {
  std::mutex mutex;
  std::vector<std::unique_ptr<BlockPool>> devices;
  std::vector<std::string> names;
  BlockPool pinned{RawMemory{&pinned_malloc, &pinned_release, nullptr, "pinned host memory"}};
};
Pools& pools() {
  static Pools* p = new Pools();  // leaked on purpose: storages in static objects outlive main()
  return *p;
}

BlockPool& device_pool(int device) {
  require_device(device);
  Pools& p = pools();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.devices.empty()) {
    const int n = device_count();
    p.names.reserve(static_cast<size_t>(n));  // RawMemory keeps a pointer to its name
    for (int i = 0; i < n; ++i) {
      p.names.push_back("cuda:" + std::to_string(i));
      p.devices.push_back(std::make_unique<BlockPool>(RawMemory{&device_malloc, &device_release,
                                                                reinterpret_cast<void*>(static_cast<intptr_t>(i)),
                                                                p.names.back().c_str()}));
    }
  }
  return *p.devices[static_cast<size_t>(device)];
}

// ---- the hooks ----
// Inside a CpuAllocator::PoisonScope (gradient checks) new device blocks are filled with 0xFF bytes
// too — NaN in every floating dtype — so an output element a kernel never writes shows up.
void* storage_allocate(size_t nbytes, int device) {
  void* p = device_pool(device).allocate(nbytes, stream(device));
  if (CpuAllocator::poisoning() && nbytes) HG_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, nbytes, stream(device)));
  return p;
}
void storage_free(void* p, size_t, int device) { device_pool(device).deallocate(p); }

void memcpy_any(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (dst_device.is_cuda() && src_device.is_cuda()) {
    if (dst_device.index == src_device.index) {
      HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, stream(dst_device.index)));
    } else {  // the source's pending work must finish before the peer copy reads it
      synchronize(src_device.index);
      HG_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device.index, src, src_device.index, nbytes,
                                        stream(dst_device.index)));
    }
  } else if (dst_device.is_cuda()) {
    // From pageable memory the call returns once the source has been staged, so the caller may free
    // it; from pinned memory it is truly asynchronous (the pinned pool waits before reuse).
    HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, stream(dst_device.index)));
  } else if (src_device.is_cuda()) {
    HG_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, stream(src_device.index)));
    synchronize(src_device.index);  // the host is about to read dst
  } else {
    throw std::logic_error("memcpy hook called for two host buffers");
  }
}

void strided_copy(const Tensor& dst, const Tensor& src) {
  launch_strided_copy(strided_arg(dst), strided_arg(src), dst.device().index);
}

struct InstallHooks {
  InstallHooks() {
    Storage::install_cuda_allocator(&storage_allocate, &storage_free);
    install_device_memcpy(&memcpy_any);
    install_device_strided_copy(&strided_copy);
    DeviceRandomHooks random;
    random.uniform = &cuda::uniform;
    random.bernoulli = static_cast<Tensor (*)(const Shape&, double, TensorOptions, Generator&)>(&cuda::bernoulli);
    random.bernoulli_like = static_cast<Tensor (*)(const Tensor&, Generator&)>(&cuda::bernoulli);
    install_device_random(random);
  }
} install_hooks;

void release_pinned(void* p) {
  // A copy queued from this block may still be reading it: wait for the streams that exist.
  for (int d = 0, n = device_count(); d < n; ++d) synchronize(d);
  pools().pinned.deallocate(p);
}

}  // namespace

BlockPoolStats memory_stats(int device) { return device_pool(device).stats(); }
void reset_peak_memory_stats(int device) { device_pool(device).reset_peaks(); }

void empty_cache() {
  for (int d = 0, n = device_count(); d < n; ++d) {
    synchronize(d);  // cached blocks may still be in use by queued kernels of their stream
    device_pool(d).empty_cache();
  }
  pools().pinned.empty_cache();
}

Tensor pinned_empty(const Shape& sizes, DType dtype) {
  const size_t nbytes = static_cast<size_t>(shape_numel(sizes)) * dtype_size(dtype);
  void* p = pools().pinned.allocate(nbytes, nullptr);
  auto storage = Storage::wrap(p, nbytes, Device::cpu(), &release_pinned);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = dtype;
  return Tensor(impl);
}

Tensor pin_memory(const Tensor& cpu_tensor) {
  if (!cpu_tensor.device().is_cpu()) throw std::invalid_argument("pin_memory: expected a CPU tensor, got " + cpu_tensor.device().str());
  Tensor pinned = pinned_empty(cpu_tensor.sizes(), cpu_tensor.dtype());
  ops::copy_(pinned, cpu_tensor);
  return pinned;
}

BlockPoolStats pinned_memory_stats() { return pools().pinned.stats(); }

}  // namespace hg::cuda

// Referenced by the linker flag `-u hg_cuda_backend_anchor` (CMakeLists.txt) so this object, and
// with it the hook installer above, is always linked.
extern "C" {
int hg_cuda_backend_anchor = 0;
}
