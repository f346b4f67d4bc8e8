// Module: registration and dotted names, modes, zero_grad, dtype/device moves, state_dict,
// strict and non-strict loading, and the safetensors round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg {
namespace {

using nn::NamedTensors;

// fc (Linear 4->3), bn (BatchNorm1d 3), head = Sequential(Linear 3->2, ReLU), plus its own `scale`
// parameter and `step` buffer.
class TinyNet : public nn::Module {
 public:
  explicit TinyNet(Generator* gen = nullptr) : Module("TinyNet") {
    scale = register_parameter("scale", ones({1}));
    step = register_buffer("step", zeros({}, DType::i64));
    fc = register_module("fc", std::make_shared<nn::Linear>(4, 3, true, gen));
    bn = register_module("bn", std::make_shared<nn::BatchNorm1d>(3));
    head = register_module("head", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                       std::make_shared<nn::Linear>(3, 2, false, gen), std::make_shared<nn::ReLU>()}));
  }
  Tensor forward(const Tensor& x) override { return mul(head->forward(bn->forward(fc->forward(x))), scale); }
  // Exposes registration for the error tests.
  void add_parameter(const std::string& name, Tensor t) { register_parameter(name, std::move(t)); }

  Tensor scale, step;
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::BatchNorm1d> bn;
  std::shared_ptr<nn::Sequential> head;
};

std::vector<std::string> names_of(const NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [n, t] : list) out.push_back(n);
  return out;
}

TEST(Module, DottedNamesInRegistrationOrder) {
  TinyNet net;
  EXPECT_EQ(names_of(net.named_parameters()),
            (std::vector<std::string>{"scale", "fc.weight", "fc.bias", "bn.weight", "bn.bias", "head.0.weight"}));
  EXPECT_EQ(names_of(net.named_buffers()),
            (std::vector<std::string>{"step", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"}));
  EXPECT_EQ(names_of(net.state_dict()),
            (std::vector<std::string>{"scale", "step", "fc.weight", "fc.bias", "bn.weight", "bn.bias",
                                      "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                                      "head.0.weight"}));
  EXPECT_EQ(net.parameter_count(), 1 + 12 + 3 + 3 + 3 + 6);
  for (const auto& p : net.parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(net.fc->weight.is_same(net.named_parameters()[1].second));  // handles, not copies
  std::vector<std::string> modules;
  for (const auto& [n, m] : net.named_modules()) modules.push_back(n + ":" + m->type_name());
  EXPECT_EQ(modules, (std::vector<std::string>{":TinyNet", "fc:Linear", "bn:BatchNorm1d", "head:Sequential",
                                               "head.0:Linear", "head.1:ReLU"}));
  EXPECT_EQ(net.child("bn").get(), net.bn.get());
  EXPECT_THROW(net.child("nope"), std::out_of_range);
}

TEST(Module, RegistrationRejectsBadNamesAndTensors) {
  TinyNet net;
  EXPECT_THROW(net.add_parameter("fc", ones({1})), std::invalid_argument);      // taken by a child
  EXPECT_THROW(net.add_parameter("scale", ones({1})), std::invalid_argument);   // taken by a parameter
  EXPECT_THROW(net.add_parameter("a.b", ones({1})), std::invalid_argument);     // dotted
  EXPECT_THROW(net.add_parameter("", ones({1})), std::invalid_argument);        // empty
  EXPECT_THROW(net.add_parameter("i", ones({1}, DType::i64)), std::invalid_argument);  // not floating
  EXPECT_THROW(net.add_parameter("u", Tensor()), std::invalid_argument);        // undefined
  Tensor leaf = ones({2}).set_requires_grad(true);
  EXPECT_THROW(net.add_parameter("nonleaf", mul(leaf, 2.0)), std::invalid_argument);
}

TEST(Module, TrainEvalPropagatesToEveryDescendant) {
  TinyNet net;
  EXPECT_TRUE(net.is_training());
  net.eval();
  for (const auto& [n, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << n;
  net.train();
  for (const auto& [n, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << n;
  // A child added to a module in eval mode takes that mode.
  nn::Sequential seq;
  seq.eval();
  seq.push_back(std::make_shared<nn::ReLU>());
  EXPECT_FALSE(seq[0]->is_training());
  EXPECT_THROW(seq[1], std::out_of_range);
}

TEST(Module, ZeroGradDropsGradients) {
  TinyNet net;
  sum(net.forward(randn({5, 4}))).backward();
  for (const auto& p : net.parameters()) EXPECT_TRUE(p.grad().defined());
  net.zero_grad();
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ToDtypeConvertsFloatingTensorsInPlace) {
  TinyNet net;
  const Tensor w = net.fc->weight;
  const auto before = w.to_vector<double>();
  net.to(DType::f64);
  EXPECT_TRUE(w.is_same(net.fc->weight));
  EXPECT_EQ(w.dtype(), DType::f64);
  EXPECT_EQ(w.to_vector<double>(), before);  // f32 -> f64 is exact
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(net.bn->running_var.dtype(), DType::f64);
  EXPECT_EQ(net.bn->num_batches_tracked.dtype(), DType::i64);
  EXPECT_EQ(net.step.dtype(), DType::i64);
  const Tensor y = net.forward(randn({5, 4}, DType::f64));
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_THROW(net.to(DType::i32), std::invalid_argument);
}

TEST(Module, ToCudaFailsCleanlyAndLeavesTheModuleUntouched) {
#if defined(HANDGRAD_WITH_CUDA)
  GTEST_SKIP() << "built with CUDA: device moves are covered by the CUDA tests";
#endif
  TinyNet net;
  EXPECT_ANY_THROW(net.to(Device::cuda()));
  EXPECT_TRUE(net.fc->weight.device().is_cpu());
  net.to(Device::cpu());  // a no-op move is fine
  EXPECT_TRUE(net.fc->weight.device().is_cpu());
}

TEST(Module, StateDictRoundTripThroughAFile) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "hg_tinynet.safetensors").string();
  Generator g1(1), g2(2);
  TinyNet a(&g1), b(&g2);
  ops::fill_(a.bn->running_mean, 0.25);
  ops::fill_(a.bn->num_batches_tracked, 7);
  a.save_weights(path);
  const Tensor w = b.fc->weight;
  const auto report = b.load_weights(path);
  EXPECT_TRUE(report.ok()) << report.str();
  EXPECT_TRUE(w.is_same(b.fc->weight));  // loaded into the existing tensor
  const auto sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_EQ(sa[i].second.dtype(), sb[i].second.dtype()) << sa[i].first;
    EXPECT_EQ(sa[i].second.to_vector<double>(), sb[i].second.to_vector<double>()) << sa[i].first;
  }
  EXPECT_EQ(b.bn->num_batches_tracked.item<int64_t>(), 7);
  // The file is plain safetensors with the state_dict's names.
  const auto file = safetensors::load(path);
  EXPECT_TRUE(file.contains("head.0.weight"));
  EXPECT_TRUE(file.contains("bn.num_batches_tracked"));
  std::filesystem::remove(path);
}

TEST(Module, StrictLoadListsEveryProblemAndLoadsNothing) {
  TinyNet net;
  NamedTensors source = net.state_dict();
  for (auto& [n, t] : source) t = ops::clone(t);
  source.erase(source.begin() + 2);                      // drop fc.weight -> missing
  source.emplace_back("extra.weight", zeros({2}));       // unexpected
  for (auto& [n, t] : source)
    if (n == "bn.bias") t = zeros({4});                  // mis-shaped
  for (auto& [n, t] : source)
    if (n == "scale") t = full({1}, 5.0);
  try {
    net.load_state_dict(source, true);
    FAIL() << "strict load accepted a broken state dict";
  } catch (const nn::StateDictError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing key: fc.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected key: extra.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bn.bias: expected [3], got [4]"), std::string::npos) << msg;
  }
  EXPECT_EQ(net.scale.item<float>(), 1.0f);  // nothing was loaded

  const auto report = net.load_state_dict(source, false);
  EXPECT_EQ(report.missing, (std::vector<std::string>{"fc.weight"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"extra.weight"}));
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(net.scale.item<float>(), 5.0f);  // the matching keys were loaded
}

TEST(Module, LoadWeightsNamesTheFile) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "hg_partial.safetensors").string();
  safetensors::save(path, {{"scale", ones({1})}});
  TinyNet net;
  try {
    net.load_weights(path);
    FAIL();
  } catch (const nn::StateDictError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(net.load_weights(path, false).ok());
  EXPECT_THROW(net.load_weights(path + ".missing"), std::exception);
  std::filesystem::remove(path);
}

TEST(Module, BaseForwardThrows) {
  nn::Module m("Bare");
  EXPECT_THROW(m.forward(zeros({1})), std::logic_error);
}

}  // namespace
}  // namespace hg
