// A small ResNet learns: a ResNet-18-shaped network (torchvision's BasicBlock layout, 2-2-2-2 blocks,
// strides 1-2-2-2) narrowed to widths 8-16-32-64 with a 3×3 stem, trained with Adam on a synthetic
// regression task, cuts its loss by at least 90% within a few hundred steps.
//
// Task: each 3×16×16 image is four flat 8×8 quadrants of random brightness in [-1, 1] per channel
// plus pixel noise (σ 0.3); the 12 targets are the mean intensity of every channel in every
// quadrant. The head flattens layer4's 2×2 map (each cell sees mostly one quadrant) into a Linear
// layer. Fresh batches every step, so the loss measured is also the generalisation loss.
#include <gtest/gtest.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <numeric>

#include "autograd/loss.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/resnet_blocks.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

class NarrowResNet18 : public Module {
 public:
  NarrowResNet18(int64_t width, int64_t outputs, Generator* gen) : Module("NarrowResNet18") {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(3, width, 3, Conv2dOptions{.padding = 1, .bias = false}, gen));
    bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(width));
    int64_t in = width;
    for (int l = 0; l < 4; ++l) {
      auto layer = std::make_shared<Sequential>();
      const int64_t planes = width << l;
      for (int b = 0; b < 2; ++b) {
        layer->push_back(std::make_shared<BasicBlock>(in, planes, l > 0 && b == 0 ? 2 : 1, gen));
        in = planes;
      }
      layers[l] = register_module("layer" + std::to_string(l + 1), layer);
    }
    fc = register_module("fc", std::make_shared<Linear>(in * 4, outputs, true, gen));  // 2×2 map, flattened
  }
  // x [N, 3, 16, 16] -> [N, outputs]
  Tensor forward(const Tensor& x) override {
    Tensor h = relu((*bn1)((*conv1)(x)));
    for (auto& layer : layers) h = (*layer)(h);
    return (*fc)(flatten(h, 1));
  }
  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm2d> bn1;
  std::array<std::shared_ptr<Sequential>, 4> layers;
  std::shared_ptr<Linear> fc;
};

// A batch of n images [n, 3, 16, 16] and their quadrant means [n, 12].
std::pair<Tensor, Tensor> quadrant_batch(int64_t n, Generator& gen) {
  const Tensor level = uniform({n, 3, 2, 1, 2, 1}, -1.0, 1.0, {}, &gen);
  const Tensor blocks = add(ops::contiguous(ops::expand(level, {n, 3, 2, 8, 2, 8})),
                            mul(randn({n, 3, 2, 8, 2, 8}, {}, &gen), 0.3));
  const Tensor target = reshape(mean(blocks, {3, 5}), {n, 12});
  return {reshape(blocks, {n, 3, 16, 16}), target};
}

TEST(TrainingResNet, SmallResNetCutsRegressionLossByNinetyPercent) {
  const int threads = omp_get_max_threads();
  omp_set_num_threads(2);
  const auto t0 = std::chrono::steady_clock::now();
  Generator init(11), data(12);
  auto model = std::make_shared<NarrowResNet18>(8, 12, &init);
  Adam opt(model->named_parameters(), AdamOptions{.lr = 3e-3});
  constexpr int kSteps = 400, kBatch = 16, kWindow = 10;
  std::vector<double> losses;
  for (int step = 0; step < kSteps; ++step) {
    const auto [x, y] = quadrant_batch(kBatch, data);
    const Tensor loss = mse_loss((*model)(x), y);
    losses.push_back(loss.item<double>());
    loss.backward();
    opt.step();
    opt.zero_grad();
  }
  omp_set_num_threads(threads);
  const double first = std::accumulate(losses.begin(), losses.begin() + kWindow, 0.0) / kWindow;
  const double last = std::accumulate(losses.end() - kWindow, losses.end(), 0.0) / kWindow;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("NarrowResNet18 (%lld parameters): loss %.4f -> %.4f (%.1f%% lower) in %d steps, %.1f s\n",
              static_cast<long long>(model->parameter_count()), first, last, 100.0 * (1.0 - last / first), kSteps,
              seconds);
  EXPECT_LE(last, 0.1 * first) << "first " << first << ", last " << last;
}

}  // namespace
}  // namespace hg::nn
