// `handgrad info`: what this build contains and which devices it sees; with the CUDA backend also
// the device allocator's and pinned pool's settings, the math options and each device's memory
// (free/total from the driver, and this process's pool statistics).
#include <omp.h>

#include <Eigen/Core>
#include <cstdio>

#include "apps/commands.h"
#include "autograd/gradcheck.h"
#include "ops/cuda/math_options.h"
#include "ops/cuda/runtime.h"
#include "tensor/block_pool.h"

#if HANDGRAD_WITH_CUDA
#include <cuda_runtime_api.h>

#include "ops/cuda/context.h"
#include "ops/cuda/device_allocator.h"
#endif

namespace hg::apps {
namespace {

#if HANDGRAD_WITH_CUDA
double mib(size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

void print_pool(const char* what, const BlockPoolStats& s) {
  std::printf("  %s: %.1f MiB in tensors (peak %.1f), %.1f MiB reserved (peak %.1f), %llu allocations, "
              "%llu from cache\n",
              what, mib(s.allocated_bytes), mib(s.peak_allocated_bytes), mib(s.reserved_bytes),
              mib(s.peak_reserved_bytes), static_cast<unsigned long long>(s.allocations),
              static_cast<unsigned long long>(s.cache_hits));
}
#endif

// The backend's settings, then per device the driver's free/total memory and the pool statistics.
void print_cuda_memory(const std::vector<cuda::DeviceInfo>& devices) {
  std::printf("  cuda allocator: caching pool per device, one stream each, blocks reused on their stream only;\n"
              "    sizes rounded up to %zu B steps below 1 MiB, %zu MiB steps above; pinned host pool for batches\n",
              BlockPool::size_class(1), BlockPool::size_class(size_t{1} << 20) >> 20);
  const cuda::MathOptions& m = cuda::math_options();
  std::printf("  cuda math: TF32 %s, deterministic cuDNN algorithms %s\n", m.allow_tf32 ? "allowed" : "off",
              m.deterministic ? "on" : "off");
#if HANDGRAD_WITH_CUDA
  for (const auto& d : devices) {
    size_t free_bytes = 0, total_bytes = 0;
    {
      cuda::DeviceGuard guard(d.index);
      if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) cudaGetLastError();
    }
    std::printf("  cuda:%d memory: %.1f of %.1f GiB free\n", d.index, static_cast<double>(free_bytes) / (1 << 30),
                static_cast<double>(total_bytes) / (1 << 30));
    const std::string name = "cuda:" + std::to_string(d.index) + " pool";
    print_pool(name.c_str(), cuda::memory_stats(d.index));
  }
  if (!devices.empty()) print_pool("pinned host pool", cuda::pinned_memory_stats());
#else
  (void)devices;
#endif
}

}  // namespace

Run add_info(CLI::App& app) {
  app.add_subcommand("info", "Print the build configuration and the devices found");
  return []() -> int {
    std::printf("handgrad %s\n", HANDGRAD_VERSION);
    std::printf("  build: %s, C++%ld, %s\n", HANDGRAD_BUILD_TYPE, __cplusplus / 100 % 100 + 0L,
#if defined(__clang__)
                "clang " __clang_version__
#else
                "gcc " __VERSION__
#endif
    );
    std::printf("  cpu: Eigen %d.%d.%d (%s), OpenMP threads %d\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
                EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse(), omp_get_max_threads());
    std::printf("  cuda: %s\n", cuda::compiled() ? "on" : "off");
    std::printf("  cuda versions: %s\n", cuda::runtime_versions().c_str());
    if (cuda::compiled()) std::printf("  cuda architectures compiled: %s\n", cuda::compiled_architectures().c_str());
    const auto devs = cuda::devices();
    if (devs.empty()) {
      std::printf("  devices: cpu (%s)\n", cuda::unavailable_reason().c_str());
    } else {
      std::printf("  devices: cpu");
      for (const auto& d : devs)
        std::printf(", cuda:%d %s (sm_%d%d, %.1f GiB)", d.index, d.name.c_str(), d.major, d.minor,
                    static_cast<double>(d.total_memory) / (1 << 30));
      std::printf("\n");
    }
    if (cuda::compiled()) print_cuda_memory(devs);
    std::printf("  differentiable functions: %zu, gradcheck cases: %zu\n", differentiable_functions().size(),
                gradcheck_cases().size());
    return 0;
  };
}

}  // namespace hg::apps
