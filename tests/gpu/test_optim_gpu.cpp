// The optimisers on CUDA (fused foreach kernels over the shared update functors) vs the same
// optimiser on the CPU: 5 steps with fixed gradients must agree to f32 rounding (1e-5 relative;
// 1e-12 for f64), for SGD (plain, momentum, dampening, Nesterov, weight decay), Adam, AdamW, LARS
// over SGD (both modes) and clip_grad_norm_. Strided (transposed) parameters included.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "nn/clip_grad.h"
#include "nn/lars.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg::nn {
namespace {

using hg::testing::cpu;
using hg::testing::kGpu;

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;

// Runs 5 steps of the optimiser on the CPU and on the GPU with the same per-step gradients and
// compares the parameters after each step.
void expect_same_trajectory(const MakeOptimizer& make, DType dt, double tol, bool clip = false) {
  Generator g(31);
  const Tensor w0 = ops::to_dtype(uniform({3, 4}, -1, 1, DType::f64, &g), dt);
  const Tensor b0 = ops::to_dtype(uniform({4}, -1, 1, DType::f64, &g), dt);
  Tensor w_cpu = ops::clone(w0), b_cpu = ops::clone(b0);
  Tensor w_gpu = ops::to_device(w0, kGpu), b_gpu = ops::to_device(b0, kGpu);
  auto opt_cpu = make({{"w", w_cpu}, {"b", b_cpu}});
  auto opt_gpu = make({{"w", w_gpu}, {"b", b_gpu}});
  for (int step = 0; step < 5; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const Tensor gw = ops::to_dtype(uniform({3, 4}, -2, 2, DType::f64, &g), dt);
    const Tensor gb = ops::to_dtype(uniform({4}, -2, 2, DType::f64, &g), dt);
    w_cpu.set_grad(ops::clone(gw));
    b_cpu.set_grad(ops::clone(gb));
    w_gpu.set_grad(ops::to_device(gw, kGpu));
    b_gpu.set_grad(ops::to_device(gb, kGpu));
    if (clip) {
      const double n_cpu = clip_grad_norm_(*opt_cpu, 1.0), n_gpu = clip_grad_norm_(*opt_gpu, 1.0);
      EXPECT_NEAR(n_gpu, n_cpu, tol * std::max(1.0, n_cpu));
    }
    opt_cpu->step();
    opt_gpu->step();
    EXPECT_TRUE(hg::testing::AllClose(cpu(w_gpu), w_cpu, tol));
    EXPECT_TRUE(hg::testing::AllClose(cpu(b_gpu), b_cpu, tol));
  }
}

TEST(GpuOptim, SgdVariantsMatchTheCpu) {
  REQUIRE_GPU();
  const SGDOptions variants[] = {{.lr = 0.1},
                                 {.lr = 0.1, .weight_decay = 0.01},
                                 {.lr = 0.05, .momentum = 0.9},
                                 {.lr = 0.05, .momentum = 0.9, .dampening = 0.3, .weight_decay = 1e-3},
                                 {.lr = 0.05, .momentum = 0.8, .weight_decay = 1e-2, .nesterov = true}};
  for (DType dt : {DType::f32, DType::f64})
    for (const SGDOptions& o : variants)
      expect_same_trajectory([&](NamedTensors p) { return std::make_unique<SGD>(std::move(p), o); }, dt,
                             dt == DType::f64 ? 1e-12 : 1e-5);
}

TEST(GpuOptim, AdamAndAdamWMatchTheCpu) {
  REQUIRE_GPU();
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f64 ? 1e-12 : 1e-5;
    expect_same_trajectory([](NamedTensors p) { return std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.01, .weight_decay = 0.1}); }, dt, tol);
    expect_same_trajectory([](NamedTensors p) { return std::make_unique<AdamW>(std::move(p), AdamWOptions{}); }, dt, tol);
  }
}

TEST(GpuOptim, LarsBothModesAndGradientClippingMatchTheCpu) {
  REQUIRE_GPU();
  for (LarsMode mode : {LarsMode::scale, LarsMode::clip})
    expect_same_trajectory(
        [mode](NamedTensors p) {
          return std::make_unique<LARS>(std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.1, .momentum = 0.9,
                                                                                        .weight_decay = 1e-4}),
                                        LarsOptions{.trust_coefficient = 0.02, .mode = mode, .exclude = exclude_1d()});
        },
        DType::f32, 1e-5);
  expect_same_trajectory([](NamedTensors p) { return std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.1}); },
                         DType::f32, 1e-5, /*clip=*/true);
}

TEST(GpuOptim, StridedParameterIsUpdatedInPlace) {
  REQUIRE_GPU();
  Generator g(32);
  const Tensor base = uniform({4, 3}, -1, 1, DType::f32, &g);
  Tensor w_cpu = ops::transpose(ops::clone(base), 0, 1);
  Tensor w_gpu = ops::transpose(ops::to_device(base, kGpu), 0, 1);
  const Tensor grad = uniform({3, 4}, -1, 1, DType::f32, &g);
  w_cpu.set_grad(grad);
  w_gpu.set_grad(ops::to_device(grad, kGpu));
  SGD a({{"w", w_cpu}}, SGDOptions{.lr = 0.5}), b({{"w", w_gpu}}, SGDOptions{.lr = 0.5});
  a.step();
  b.step();
  EXPECT_TRUE(hg::testing::AllClose(cpu(w_gpu), w_cpu, 1e-6));
}

}  // namespace
}  // namespace hg::nn
