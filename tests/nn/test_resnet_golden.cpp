// ResNet-18 and ResNet-50 against torchvision 0.14 (tests/reference/make_resnet_fixtures.py):
// the same deterministic weights (resnet_weight_rule.h) on both sides; compared are the eval-mode
// and train-mode outputs, every parameter's gradient of sum(y · R) and the BatchNorm buffers
// after one train-mode forward.
//
// The reference ran in float64, and so does the full comparison here (Module::to(f64)): in float32
// a pre-ReLU value within rounding noise of 0 flips its mask in one implementation and not the
// other, which moves a few gradients by percents (seen: one BatchNorm-bias channel 15% off) although
// both are right to float32 precision. The float32 model is compared on its forward outputs and
// running statistics, which are continuous in such flips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "nn/resnet.h"
#include "resnet_weight_rule.h"
#include "tests/common/compare.h"
#include "tensor/view.h"

namespace hg {
namespace {

// Relative to the reference's largest magnitude. Float64 agrees to ~1e-11 (the brief asked for 1e-4
// on outputs and 1e-3 on gradients; we hold float64 to 1e-9). Float32 forward: ResNet-18 ~1e-5;
// ResNet-50's train-mode output ~8e-5, as torch's own float32 result differs from its float64 one
// by 9e-5 (two-image BatchNorm statistics over 2x2 maps in layer4), hence 5e-4 there.
constexpr double kFloat64Tol = 1e-9;
double float32_tol(int depth) { return depth == 18 ? 1e-4 : 5e-4; }

// max |a − e| <= tol · max |e|
::testing::AssertionResult RelClose(const Tensor& actual, const Tensor& expected, double tol, const std::string& what) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << what << ": shape " << actual.shape_string() << " != "
                                         << expected.shape_string();
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0, scale = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    scale = std::max(scale, std::abs(e[i]));
    const double d = std::abs(a[i] - e[i]);
    if (!(d <= worst)) worst = d;
  }
  if (worst <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": max |difference| " << worst << " > " << tol << " · "
                                       << scale;
}

void compare_with_torchvision(int depth, DType dtype) {
  const auto fx = testing::load_fixture("resnet" + std::to_string(depth) + "_golden.safetensors");
  auto model = nn::resnet(depth, {.num_classes = 16});
  testing::apply_golden_weight_rule(*model);
  model->to(dtype);
  const Tensor x = ops::to_dtype(fx.at("input"), dtype), r = ops::to_dtype(fx.at("out_grad"), dtype);
  const double kOutputTol = dtype == DType::f64 ? kFloat64Tol : float32_tol(depth), kGradTol = kFloat64Tol;

  model->eval();
  {
    NoGradGuard no_grad;
    EXPECT_TRUE(RelClose(model->forward(x), fx.at("eval.output"), kOutputTol, "eval output"));
  }

  model->train();
  const Tensor y = model->forward(x);
  EXPECT_TRUE(RelClose(y, fx.at("train.output"), kOutputTol, "train output"));
  sum(mul(y, r)).backward();

  for (const auto& [name, b] : model->named_buffers()) {
    const Tensor want = fx.at("after." + name);
    if (b.dtype() == DType::i64)
      EXPECT_EQ(b.item<int64_t>(), want.item<int64_t>()) << name;
    else
      EXPECT_TRUE(RelClose(b, want, kOutputTol, "buffer " + name));
  }
  if (dtype == DType::f32) {
    // For the reverse check by hand: make_resnet_fixtures.py --check FILE DEPTH loads this into torchvision.
    if (const char* dir = std::getenv("HG_RESNET_EXPORT_DIR"))
      model->save_weights(std::string(dir) + "/resnet" + std::to_string(depth) + "_handgrad.safetensors");
    return;
  }

  int compared = 0;
  for (const auto& [name, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
    if (fx.contains("grad." + name)) {
      EXPECT_TRUE(RelClose(p.grad(), fx.at("grad." + name), kGradTol, "grad " + name));
    } else {
      const Tensor g = p.grad();
      const auto all = g.to_vector<double>();
      const int64_t n = g.numel(), step = n / 256;
      std::vector<double> sample;
      double s = 0, abs_sum = 0, sq = 0;
      for (int64_t i = 0; i < 256; ++i) sample.push_back(all[static_cast<size_t>(i * step)]);
      for (double v : all) s += v, abs_sum += std::abs(v), sq += v * v;
      EXPECT_TRUE(RelClose(from_vector(sample, {256}), fx.at("grad_sample." + name), kGradTol, "grad sample " + name));
      const auto stats = fx.at("grad_stats." + name).to_vector<double>();
      EXPECT_LE(std::abs(s - stats[0]), kGradTol * stats[1]) << "gradient sum of " << name;
      EXPECT_NEAR(abs_sum, stats[1], kGradTol * stats[1]) << "gradient abs-sum of " << name;
      EXPECT_NEAR(sq, stats[2], 2 * kGradTol * stats[2]) << "gradient sum of squares of " << name;
    }
    ++compared;
  }
  EXPECT_EQ(compared, depth == 18 ? 62 : 161);
}

TEST(ResNetGolden, ResNet18MatchesTorchvisionInFloat64) { compare_with_torchvision(18, DType::f64); }
TEST(ResNetGolden, ResNet50MatchesTorchvisionInFloat64) { compare_with_torchvision(50, DType::f64); }
TEST(ResNetGolden, ResNet18ForwardMatchesTorchvisionInFloat32) { compare_with_torchvision(18, DType::f32); }
TEST(ResNetGolden, ResNet50ForwardMatchesTorchvisionInFloat32) { compare_with_torchvision(50, DType::f32); }

}  // namespace
}  // namespace hg
