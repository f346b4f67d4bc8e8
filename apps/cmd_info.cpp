// `handgrad info`: what this build contains and which devices it sees.
#include <omp.h>

#include <Eigen/Core>
#include <cstdio>

#include "apps/commands.h"
#include "autograd/gradcheck.h"
#include "ops/cuda/runtime.h"

namespace hg::apps {

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
    std::printf("  differentiable functions: %zu, gradcheck cases: %zu\n", differentiable_functions().size(),
                gradcheck_cases().size());
    return 0;
  };
}

}  // namespace hg::apps
