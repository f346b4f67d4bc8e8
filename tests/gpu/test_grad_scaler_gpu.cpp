// GradScaler with CUDA gradients: the fused unscale kernel divides every gradient by S and raises
// the device found_inf flag; an inf/NaN gradient on the device skips the step and backs the scale
// off, finite steps grow it, exactly as the CPU scaler does on the same gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nn/grad_scaler.h"
#include "nn/optim_sgd.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg::nn {
namespace {

using hg::testing::cpu;
using hg::testing::kGpu;

// Two parameters on one device; gradients S·g set directly (g fixed, `poison` replaces one element).
struct Rig {
  Tensor w, b;
  SGD opt;
  Rig(Device d, DType dt)
      : w(ops::to_device(from_vector<double>({1, 2, 3, 4}, {2, 2}, dt), d)),
        b(ops::to_device(from_vector<double>({0.5, -0.5}, {2}, dt), d)),
        opt({{"w", w}, {"b", b}}, SGDOptions{.lr = 0.1}) {}
  void set_grads(double scale, double poison = 0) {
    std::vector<double> gw = {1, -2, 0.5, 3}, gb = {0.25, -1};
    for (double& v : gw) v *= scale;
    for (double& v : gb) v *= scale;
    if (poison != 0) gb[1] = poison;
    w.set_grad(ops::to_device(from_vector(gw, {2, 2}, w.dtype()), w.device()));
    b.set_grad(ops::to_device(from_vector(gb, {2}, b.dtype()), b.device()));
  }
};

TEST(GpuGradScaler, UnscalesOnTheDeviceLikeTheCpu) {
  REQUIRE_GPU();
  for (DType dt : {DType::f32, DType::f16, DType::f64}) {
    SCOPED_TRACE(dtype_name(dt));
    Rig host(Device::cpu(), dt), dev(kGpu, dt);
    GradScaler sh(GradScalerOptions{.init_scale = 1024.0}), sd(GradScalerOptions{.init_scale = 1024.0});
    host.set_grads(1024.0);
    dev.set_grads(1024.0);
    sh.unscale_(host.opt);
    sd.unscale_(dev.opt);
    EXPECT_FALSE(sd.found_inf(dev.opt));
    EXPECT_TRUE(hg::testing::BitEqual(cpu(dev.w.grad()), host.w.grad()));  // exact: a power-of-two scale
    EXPECT_TRUE(hg::testing::BitEqual(cpu(dev.b.grad()), host.b.grad()));
    EXPECT_TRUE(sd.step(dev.opt));
    EXPECT_TRUE(sh.step(host.opt));
    EXPECT_TRUE(hg::testing::AllClose(cpu(dev.w), host.w, 1e-6));
  }
}

TEST(GpuGradScaler, InfOrNaNOnTheDeviceSkipsTheStepAndBacksOff) {
  REQUIRE_GPU();
  for (double poison : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    Rig dev(kGpu, DType::f32);
    const Tensor before = cpu(dev.w);
    GradScaler s(GradScalerOptions{.init_scale = 256.0, .growth_interval = 2});
    dev.set_grads(256.0, poison);
    EXPECT_FALSE(s.step(dev.opt));
    EXPECT_TRUE(s.found_inf(dev.opt));
    s.update();
    EXPECT_EQ(s.get_scale(), 128.0);
    EXPECT_EQ(s.growth_tracker(), 0);
    EXPECT_TRUE(hg::testing::BitEqual(cpu(dev.w), before));  // skipped
    // two finite steps grow it back
    for (int i = 0; i < 2; ++i) {
      dev.set_grads(s.get_scale());
      EXPECT_TRUE(s.step(dev.opt));
      s.update();
    }
    EXPECT_EQ(s.get_scale(), 256.0);
  }
}

TEST(GpuGradScaler, HalfOverflowOnTheStoreCountsAsInf) {
  REQUIRE_GPU();
  // 1/S with S < 1 scales up: 60000 · 4 overflows f16 when stored, as on the CPU
  Rig host(Device::cpu(), DType::f16), dev(kGpu, DType::f16);
  GradScaler sh(GradScalerOptions{.init_scale = 0.25}), sd(GradScalerOptions{.init_scale = 0.25});
  host.set_grads(1.0, 60000.0);
  dev.set_grads(1.0, 60000.0);
  sh.unscale_(host.opt);
  sd.unscale_(dev.opt);
  EXPECT_TRUE(sh.found_inf(host.opt));
  EXPECT_EQ(sd.found_inf(dev.opt), sh.found_inf(host.opt));
}

}  // namespace
}  // namespace hg::nn
