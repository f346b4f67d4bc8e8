// ResNet structure against torchvision: state_dict names, dtypes and shapes in order, parameter
// counts (tests/fixtures/resnet_names.safetensors, from make_resnet_fixtures.py), the headless
// variant, intermediate stages, torchvision's init, and bad depths / inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "autograd/node.h"
#include "nn/resnet.h"
#include "nn/resnet_blocks.h"
#include "tensor/factory.h"
#include "tests/common/compare.h"

namespace hg {
namespace {

// "name dtype d0,d1,..." lines, as the fixture script writes them.
std::vector<std::string> torchvision_entries(int depth) {
  static const auto fx = testing::load_fixture("resnet_names.safetensors");
  std::vector<std::string> lines;
  std::istringstream in(fx.metadata.at("resnet" + std::to_string(depth)));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string describe(const std::string& name, const Tensor& t) {
  std::string dims;
  for (int64_t s : t.sizes()) dims += (dims.empty() ? "" : ",") + std::to_string(s);
  const std::string dtype = t.dtype() == DType::f32 ? "float32" : t.dtype() == DType::i64 ? "int64" : dtype_name(t.dtype());
  return name + " " + dtype + " " + dims;
}

std::vector<std::string> handgrad_entries(const nn::Module& m) {
  std::vector<std::string> lines;
  for (const auto& [name, t] : m.state_dict()) lines.push_back(describe(name, t));
  return lines;
}

class ResNetDepth : public ::testing::TestWithParam<int> {};

TEST_P(ResNetDepth, StateDictNamesShapesAndCountEqualTorchvision) {
  const int depth = GetParam();
  Generator gen(1);
  auto model = nn::resnet(depth, {.generator = &gen});
  EXPECT_EQ(handgrad_entries(*model), torchvision_entries(depth));
  const auto counts = testing::load_fixture("resnet_names.safetensors").at("param_counts").to_vector<int64_t>();
  const int index = depth == 18 ? 0 : depth == 34 ? 1 : depth == 50 ? 2 : depth == 101 ? 3 : 4;
  EXPECT_EQ(model->parameter_count(), counts[static_cast<size_t>(index)]);
}
INSTANTIATE_TEST_SUITE_P(AllDepths, ResNetDepth, ::testing::Values(18, 34, 50, 101, 152));

TEST(ResNet, KnownParameterCounts) {
  EXPECT_EQ(nn::resnet(18)->parameter_count(), 11689512);
  EXPECT_EQ(nn::resnet(50)->parameter_count(), 25557032);
}

TEST(ResNet, HeadlessVariantDropsOnlyFc) {
  for (int depth : {18, 50}) {
    auto model = nn::resnet(depth, {.num_classes = 0});
    std::vector<std::string> want;
    for (const auto& line : torchvision_entries(depth))
      if (line.rfind("fc.", 0) != 0) want.push_back(line);
    EXPECT_EQ(handgrad_entries(*model), want);
    EXPECT_EQ(model->feature_dim(), depth == 18 ? 512 : 2048);
    EXPECT_EQ(model->fc, nullptr);
    model->eval();
    NoGradGuard no_grad;
    const Tensor y = model->forward(randn({2, 3, 32, 32}));
    EXPECT_EQ(y.sizes(), (Shape{2, model->feature_dim()}));
  }
}

TEST(ResNet, StagesHaveTheDocumentedShapes) {
  auto model = nn::resnet(18, {.num_classes = 10});
  NoGradGuard no_grad;
  const auto stages = model->forward_stages(randn({2, 3, 64, 64}));
  EXPECT_EQ(stages[0].sizes(), (Shape{2, 64, 16, 16}));
  EXPECT_EQ(stages[1].sizes(), (Shape{2, 128, 8, 8}));
  EXPECT_EQ(stages[2].sizes(), (Shape{2, 256, 4, 4}));
  EXPECT_EQ(stages[3].sizes(), (Shape{2, 512, 2, 2}));
  EXPECT_EQ(model->forward(randn({2, 3, 64, 64})).sizes(), (Shape{2, 10}));
}

TEST(ResNet, RejectsUnknownDepthAndBadInput) {
  try {
    nn::resnet(42);
    FAIL() << "depth 42 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("42"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("18, 34, 50, 101 or 152"), std::string::npos) << e.what();
  }
  auto model = nn::resnet(18);
  try {
    model->forward(randn({2, 1, 32, 32}));
    FAIL() << "1-channel input accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 1, 32, 32]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::resnet(18, {.num_classes = -1}), std::invalid_argument);
}

// Sample standard deviation of all elements.
double stddev(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size() - 1));
}

TEST(ResNet, TorchvisionInitialisation) {
  Generator gen(3);
  auto model = nn::resnet(50, {.generator = &gen});
  // kaiming_normal_(fan_out, relu): std = sqrt(2 / (out_channels · k²))
  const auto state = model->state_dict();
  auto find = [&](const std::string& name) {
    for (const auto& [n, t] : state)
      if (n == name) return t;
    throw std::out_of_range(name);
  };
  for (const auto& [name, out, k] : std::vector<std::tuple<std::string, int, int>>{
           {"conv1.weight", 64, 7}, {"layer1.0.conv2.weight", 64, 3}, {"layer4.0.conv3.weight", 2048, 1},
           {"layer3.0.downsample.0.weight", 1024, 1}}) {
    const double want = std::sqrt(2.0 / (out * k * k));
    EXPECT_NEAR(stddev(find(name)), want, 0.03 * want) << name;
  }
  for (const auto& [name, t] : state) {
    if (name.find("bn") == std::string::npos && name.find("downsample.1") == std::string::npos) continue;
    const auto v = t.to_vector<double>();
    // BatchNorm: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0
    const bool one = name.ends_with(".weight") || name.ends_with("running_var");
    const double want = one ? 1.0 : 0.0;
    for (double x : v) ASSERT_EQ(x, want) << name;
  }
  // fc keeps the Linear default: U(±1/sqrt(2048))
  const auto fc = model->fc->weight.to_vector<double>();
  for (double x : fc) ASSERT_LE(std::abs(x), 1.0 / std::sqrt(2048.0));
}

TEST(ResNet, ZeroInitResidualZeroesTheLastBatchNormOfEveryBlock) {
  auto r18 = nn::resnet(18, {.zero_init_residual = true});
  auto r50 = nn::resnet(50, {.zero_init_residual = true});
  int zeroed = 0;
  for (auto* model : {static_cast<nn::Module*>(r18.get()), static_cast<nn::Module*>(r50.get())})
    for (const auto& [name, t] : model->named_parameters()) {
      const bool last = name.find(".bn2.weight") != std::string::npos && model == r18.get();
      const bool last50 = name.find(".bn3.weight") != std::string::npos;
      const auto v = t.to_vector<double>();
      if (last || last50) {
        ++zeroed;
        for (double x : v) ASSERT_EQ(x, 0.0) << name;
      } else if (name.find("bn") != std::string::npos && name.find("weight") != std::string::npos) {
        for (double x : v) ASSERT_EQ(x, 1.0) << name;
      }
    }
  EXPECT_EQ(zeroed, 8 + 16);
}

TEST(ResNet, SameSeedSameModel) {
  Generator a(11), b(11), c(12);
  auto m1 = nn::resnet(18, {.generator = &a});
  auto m2 = nn::resnet(18, {.generator = &b});
  auto m3 = nn::resnet(18, {.generator = &c});
  const auto s1 = m1->state_dict(), s2 = m2->state_dict(), s3 = m3->state_dict();
  EXPECT_EQ(s1[0].second.to_vector<float>(), s2[0].second.to_vector<float>());
  EXPECT_EQ(s1.back().second.to_vector<float>(), s2.back().second.to_vector<float>());
  EXPECT_NE(s1[0].second.to_vector<float>(), s3[0].second.to_vector<float>());
}

}  // namespace
}  // namespace hg
