// Models, optimisers, checkpoints, autocast and the data loader across devices. GPU tests compare
// with the same computation on the CPU and skip without a device; the two policy tests at the end
// (autocast's per-device type, pin_memory as a no-op) run everywhere.
//
// Tolerances: single ops are compared in tests/gpu/test_gradcheck_gpu.cpp at device_tolerance
// (f32 1e-5). A whole ResNet-18 (20 convolutions, train-mode batch norm over 4 images) compounds the
// different summation orders of cuDNN/cuBLAS and the CPU kernels, so its logits, loss, gradients and
// running statistics are compared at 1e-3 relative to each tensor's largest magnitude (TF32 off).
// Autocast f16 results are compared with the f32 CPU result at 2e-2 (f16 rounding of inputs,
// weights and output, 11-bit mantissas).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include "autograd/autocast.h"
#include "autograd/conv.h"
#include "autograd/gradcheck.h"
#include "autograd/linalg.h"
#include "autograd/pointwise.h"
#include "autograd/loss.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "nn/checkpoint.h"
#include "nn/data_loader.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "nn/resnet.h"
#include "ops/cuda/math_options.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"
#if HANDGRAD_WITH_CUDA
#include "ops/cuda/device_allocator.h"
#endif

namespace hg::nn {
namespace {

using hg::testing::cpu;
using hg::testing::kGpu;

constexpr double kNetworkTol = 1e-3;
constexpr double kAutocastTol = 2e-2;

::testing::AssertionResult close(const Tensor& got, const Tensor& reference, double tol, const std::string& what) {
  const ReferenceComparison r = compare_with_reference(got, reference, DeviceTolerance{tol, tol}, what);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.message << " (max rel diff " << r.max_rel << ")";
}

CheckpointParts model_and_optimizer(Module* model, Optimizer* optim, int64_t step = 0) {
  CheckpointParts parts;
  parts.model = model;
  parts.optim = optim;
  parts.step = step;
  return parts;
}

std::map<std::string, Tensor> by_name(const NamedTensors& list) {
  std::map<std::string, Tensor> m;
  for (const auto& [n, t] : list) m[n] = t;
  return m;
}

TEST(ModuleDevice, ResNet18ForwardBackwardMatchesTheCpu) {
  REQUIRE_GPU();
  cuda::math_options().allow_tf32 = false;
  Generator g_cpu(11), g_gpu(11), data(12);
  auto on_cpu = resnet(18, {.num_classes = 10, .generator = &g_cpu});
  auto on_gpu = resnet(18, {.num_classes = 10, .generator = &g_gpu});
  on_gpu->to(kGpu);
  const Tensor x = randn({4, 3, 32, 32}, DType::f32, &data);
  const Tensor y = randint(0, 10, {4}, DType::i64, &data);

  const Tensor logits_cpu = on_cpu->forward(x);
  const Tensor loss_cpu = cross_entropy(logits_cpu, y);
  loss_cpu.backward();
  const Tensor logits_gpu = on_gpu->forward(ops::to_device(x, kGpu));
  const Tensor loss_gpu = cross_entropy(logits_gpu, ops::to_device(y, kGpu));
  loss_gpu.backward();

  EXPECT_EQ(logits_gpu.device(), kGpu);
  EXPECT_TRUE(close(logits_gpu, logits_cpu, kNetworkTol, "logits"));
  EXPECT_TRUE(close(loss_gpu, loss_cpu, kNetworkTol, "loss"));
  const auto params_cpu = by_name(on_cpu->named_parameters());
  for (const auto& [name, p] : on_gpu->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_EQ(p.grad().device(), kGpu) << name;
    EXPECT_TRUE(close(p.grad(), params_cpu.at(name).grad(), kNetworkTol, name + ".grad"));
  }
  const auto buffers_cpu = by_name(on_cpu->named_buffers());
  for (const auto& [name, b] : on_gpu->named_buffers()) {
    EXPECT_EQ(b.device(), kGpu) << name;
    if (is_floating(b.dtype())) EXPECT_TRUE(close(b, buffers_cpu.at(name), kNetworkTol, name));
    else EXPECT_TRUE(testing::BitEqual(cpu(b), buffers_cpu.at(name))) << name;  // num_batches_tracked
  }

  on_cpu->eval();
  on_gpu->eval();
  NoGradGuard no_grad;
  EXPECT_TRUE(close(on_gpu->forward(ops::to_device(x, kGpu)), on_cpu->forward(x), kNetworkTol, "eval logits"));
}

// Module::to(device) moves parameters, buffers and gradients in place: the layer's handles see the
// move, dtypes are kept (i64 num_batches_tracked included), and the way back is bit-exact.
TEST(ModuleDevice, ToCudaAndBackKeepsHandlesAndValues) {
  REQUIRE_GPU();
  Generator g(3);
  auto m = resnet(18, {.num_classes = 5, .generator = &g});
  cross_entropy(m->forward(randn({2, 3, 32, 32}, DType::f32, &g)), tensor({1, 4}, DType::i64)).backward();
  std::map<std::string, Tensor> before, grads_before;
  for (const auto& [n, t] : m->state_dict()) before[n] = ops::clone(t);
  for (const auto& [n, p] : m->named_parameters()) grads_before[n] = ops::clone(p.grad());
  const Tensor handle = m->named_parameters().front().second;

  m->to(kGpu);
  EXPECT_EQ(handle.device(), kGpu);
  EXPECT_TRUE(handle.is_same(m->named_parameters().front().second));
  for (const auto& [n, t] : m->state_dict()) {
    EXPECT_EQ(t.device(), kGpu) << n;
    EXPECT_EQ(t.dtype(), before.at(n).dtype()) << n;
    EXPECT_TRUE(testing::BitEqual(cpu(t), before.at(n))) << n;
  }
  for (const auto& [n, p] : m->named_parameters()) EXPECT_EQ(p.grad().device(), kGpu) << n;

  m->to(Device::cpu());
  for (const auto& [n, t] : m->state_dict()) EXPECT_TRUE(testing::BitEqual(t, before.at(n))) << n;
  for (const auto& [n, p] : m->named_parameters()) EXPECT_TRUE(testing::BitEqual(p.grad(), grads_before.at(n))) << n;
}

// Adam's moments live on the parameter's device (its step counter is a host scalar), follow the
// parameter when the model moves after the optimiser was made, and land on the parameter's device
// when a state saved elsewhere is loaded.
TEST(ModuleDevice, OptimizerStateLivesOnTheParametersDevice) {
  REQUIRE_GPU();
  Generator g(5);
  Linear lin(4, 3, true, &g);
  lin.to(kGpu);
  Adam adam(lin.named_parameters(), AdamOptions{.lr = 1e-2});
  const Tensor x = randn({2, 4}, DType::f32, &g);
  auto step = [&](Device d) {
    adam.zero_grad();
    sum(lin.forward(ops::to_device(x, d))).backward();
    adam.step();
  };
  step(kGpu);
  for (const char* p : {"weight", "bias"}) {
    EXPECT_EQ(adam.state(p).at("exp_avg").device(), kGpu) << p;
    EXPECT_EQ(adam.state(p).at("exp_avg_sq").device(), kGpu) << p;
    EXPECT_EQ(adam.state(p).at("step").device(), Device::cpu()) << p;
  }
  lin.to(Device::cpu());
  step(Device::cpu());
  EXPECT_EQ(adam.state("weight").at("exp_avg").device(), Device::cpu());
  EXPECT_EQ(adam.state("weight").at("step").item<int64_t>(), 2);

  const OptimizerState saved = adam.state_dict();  // CPU tensors
  lin.to(kGpu);
  Adam restored(lin.named_parameters(), AdamOptions{.lr = 1e-2});
  restored.load_state_dict(saved);
  EXPECT_EQ(restored.state("weight").at("exp_avg").device(), kGpu);
  EXPECT_EQ(restored.state("weight").at("step").device(), Device::cpu());
  EXPECT_TRUE(testing::BitEqual(cpu(restored.state("weight").at("exp_avg_sq")), adam.state("weight").at("exp_avg_sq")));

  SGD sgd(lin.named_parameters(), SGDOptions{.lr = 0.1, .momentum = 0.9});
  sum(lin.forward(ops::to_device(x, kGpu))).backward();
  sgd.step();
  EXPECT_EQ(sgd.state("weight").at("momentum_buffer").device(), kGpu);
}

// A checkpoint saved from a CUDA model and optimiser loads into CPU ones and vice versa: loading
// copies into the objects' own tensors, so they stay where they are (no map_location needed).
TEST(ModuleDevice, CheckpointsMoveBetweenDevices) {
  REQUIRE_GPU();
  const std::string path = ::testing::TempDir() + "hg_module_device_ckpt.safetensors";
  Generator g(9), other(10);
  const Tensor x = randn({3, 4}, DType::f32, &g);
  Linear gpu_lin(4, 2, true, &g);
  gpu_lin.to(kGpu);
  Adam gpu_adam(gpu_lin.named_parameters(), AdamOptions{.lr = 1e-2});
  sum(gpu_lin.forward(ops::to_device(x, kGpu))).backward();
  gpu_adam.step();
  save_checkpoint(path, model_and_optimizer(&gpu_lin, &gpu_adam, 1));

  Linear cpu_lin(4, 2, true, &other);
  Adam cpu_adam(cpu_lin.named_parameters(), AdamOptions{.lr = 1e-2});
  CheckpointParts into_cpu = model_and_optimizer(&cpu_lin, &cpu_adam);
  load_checkpoint(path, into_cpu);
  EXPECT_EQ(into_cpu.step, 1);
  for (const auto& [n, t] : cpu_lin.state_dict()) {
    EXPECT_EQ(t.device(), Device::cpu()) << n;
    EXPECT_TRUE(testing::BitEqual(t, cpu(by_name(gpu_lin.state_dict()).at(n)))) << n;
  }
  EXPECT_EQ(cpu_adam.state("weight").at("exp_avg").device(), Device::cpu());
  EXPECT_TRUE(testing::BitEqual(cpu_adam.state("weight").at("exp_avg"), cpu(gpu_adam.state("weight").at("exp_avg"))));

  // and back: CPU-saved into a fresh GPU model
  sum(cpu_lin.forward(x)).backward();
  cpu_adam.step();
  save_checkpoint(path, model_and_optimizer(&cpu_lin, &cpu_adam, 2));
  Linear back(4, 2, true, &other);
  back.to(kGpu);
  Adam back_adam(back.named_parameters(), AdamOptions{.lr = 1e-2});
  CheckpointParts into_gpu = model_and_optimizer(&back, &back_adam);
  load_checkpoint(path, into_gpu);
  for (const auto& [n, t] : back.state_dict()) {
    EXPECT_EQ(t.device(), kGpu) << n;
    EXPECT_TRUE(testing::BitEqual(cpu(t), by_name(cpu_lin.state_dict()).at(n))) << n;
  }
  EXPECT_EQ(back_adam.state("bias").at("exp_avg_sq").device(), kGpu);
  EXPECT_EQ(back_adam.state("bias").at("step").item<int64_t>(), 2);
  std::remove(path.c_str());
}

// Under AutocastGuard(cuda) the policy uses f16: conv2d, linear and matmul produce f16, softmax f32,
// the gradient reaches the f32 weight as f32 on the device, and the values stay within f16 rounding
// of the f32 CPU result.
TEST(ModuleDevice, AutocastUsesF16OnCuda) {
  REQUIRE_GPU();
  cuda::math_options().allow_tf32 = false;
  Generator g(21);
  const Tensor x = randn({2, 3, 8, 8}, DType::f32, &g);
  const Tensor w = ops::mul(randn({4, 3, 3, 3}, DType::f32, &g), 0.2);
  const Tensor fc = ops::mul(randn({5, 4 * 6 * 6}, DType::f32, &g), 0.05);
  const Tensor r = uniform({2, 5}, 0.5, 1.5, DType::f32, &g);  // sum(softmax) alone has a zero gradient
  auto run = [&](Device d, bool amp, Tensor& w_leaf) {
    w_leaf = ops::clone(ops::to_device(w, d)).set_requires_grad(true);
    Tensor conv, logits, probs;
    {
      AutocastGuard ac(amp, autocast_dtype_for(d));
      conv = conv2d(ops::to_device(x, d), w_leaf);
      logits = linear(reshape(conv, {2, -1}), ops::to_device(fc, d));
      probs = softmax(logits, 1);
    }
    sum(mul(probs, ops::to_device(r, d))).backward();
    return std::tuple{conv, logits, probs};
  };
  Tensor w_cpu, w_gpu;
  const auto [conv_c, logits_c, probs_c] = run(Device::cpu(), false, w_cpu);
  const auto [conv_g, logits_g, probs_g] = run(kGpu, true, w_gpu);
  EXPECT_EQ(conv_g.dtype(), DType::f16);
  EXPECT_EQ(logits_g.dtype(), DType::f16);
  EXPECT_EQ(probs_g.dtype(), DType::f32);
  EXPECT_EQ(conv_g.device(), kGpu);
  EXPECT_EQ(w_gpu.grad().dtype(), DType::f32);
  EXPECT_EQ(w_gpu.grad().device(), kGpu);
  EXPECT_TRUE(close(conv_g, conv_c, kAutocastTol, "conv"));
  EXPECT_TRUE(close(logits_g, logits_c, kAutocastTol, "logits"));
  EXPECT_TRUE(close(probs_g, probs_c, kAutocastTol, "softmax"));
  EXPECT_TRUE(close(w_gpu.grad(), w_cpu.grad(), kAutocastTol, "weight gradient"));
}

// With pin_memory and a device, batches are stacked into pinned host memory and move to the GPU
// unchanged.
TEST(ModuleDevice, PinnedBatchesMoveToTheGpu) {
  REQUIRE_GPU();
  class Source final : public ExampleSource {
   public:
    int64_t size() const override { return 7; }
    Example load(int64_t i) const override {
      Example e;
      e.tensors["x"] = ops::add(ops::mul(arange(0.0, 6.0, 1.0, DType::f32), static_cast<double>(i)), 0.5);
      return e;
    }
  };
  DataLoader loader(std::make_shared<Source>(),
                    {.batch_size = 3, .shuffle = false, .num_workers = 2, .pin_memory = true});
  ASSERT_TRUE(loader.pins_memory());
  int batches = 0;
  while (auto b = loader.next()) {
    EXPECT_TRUE(b->pinned);
#if HANDGRAD_WITH_CUDA
    EXPECT_GT(cuda::pinned_memory_stats().allocated_bytes, 0u);
#endif
    const Tensor on_gpu = ops::to_device(b->at("x"), kGpu);
    EXPECT_TRUE(testing::BitEqual(cpu(on_gpu), b->at("x")));
    ++batches;
  }
  EXPECT_EQ(batches, 3);
}

// ---- policies that need no device ----

TEST(DevicePolicy, AutocastPicksBf16OnTheCpuAndF16OnCuda) {
  EXPECT_EQ(autocast_dtype_for(Device::cpu()), DType::bf16);
  EXPECT_EQ(autocast_dtype_for(Device::cuda(0)), DType::f16);
  EXPECT_EQ(autocast_dtype_for(Device::cuda(3)), DType::f16);
  {
    AutocastGuard on_gpu(Device::cuda(0));
    EXPECT_TRUE(autocast_state().enabled);
    EXPECT_EQ(autocast_state().dtype, DType::f16);
    {
      AutocastGuard on_cpu(Device::cpu());
      EXPECT_EQ(autocast_state().dtype, DType::bf16);
    }
    EXPECT_EQ(autocast_state().dtype, DType::f16);
  }
  EXPECT_FALSE(autocast_state().enabled);
}

// pin_memory is accepted everywhere; it pins exactly when a device exists, and never changes the
// batches (values, order, dtypes) whatever the worker count.
TEST(DevicePolicy, PinMemoryNeverChangesBatches) {
  class Source final : public ExampleSource {
   public:
    int64_t size() const override { return 10; }
    Example load(int64_t i) const override {
      Example e;
      e.tensors["x"] = ops::mul(arange(0.0, 4.0, 1.0, DType::f32), static_cast<double>(i) + 0.25);
      e.tensors["label"] = scalar_tensor(static_cast<double>(i % 3), DType::i64);
      return e;
    }
  };
  auto source = std::make_shared<Source>();
  DataLoader plain(source, {.batch_size = 4, .seed = 3});
  DataLoader pinned(source, {.batch_size = 4, .num_workers = 2, .seed = 3, .pin_memory = true});
  EXPECT_TRUE(pinned.options().pin_memory);
  EXPECT_EQ(pinned.pins_memory(), testing::cuda_available());
  EXPECT_FALSE(plain.pins_memory());
  int batches = 0;
  for (;;) {
    auto a = plain.next();
    auto b = pinned.next();
    ASSERT_EQ(a.has_value(), b.has_value());
    if (!a) break;
    EXPECT_FALSE(a->pinned);
    EXPECT_EQ(b->pinned, pinned.pins_memory());
    EXPECT_EQ(a->indices, b->indices);
    for (const char* name : {"x", "label"}) {
      EXPECT_EQ(b->at(name).device(), Device::cpu()) << name;
      EXPECT_TRUE(testing::BitEqual(a->at(name), b->at(name))) << name;
    }
    ++batches;
  }
  EXPECT_EQ(batches, 3);
}

}  // namespace
}  // namespace hg::nn
