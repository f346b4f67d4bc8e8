// Autocast policy (autograd/autocast.h, nn/amp.h): which dtype each function produces under the
// policy, that low-precision kernels accumulate in f32 and round once, that gradients reach the f32
// master weights as f32, that a small conv net's bf16 loss is close to its f32 loss, that guards nest
// and restore, and that an f16 step driven by GradScaler skips on overflow.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "autograd/autocast.h"
#include "autograd/conv.h"
#include "autograd/linalg.h"
#include "autograd/loss.h"
#include "autograd/norm.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "nn/activation.h"
#include "nn/amp.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/grad_scaler.h"
#include "nn/linear.h"
#include "nn/optim_sgd.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

Tensor rnd(const Shape& s, uint64_t seed, DType dt = DType::f32) {
  Generator g(seed);
  return randn(s, dt, &g);
}

double max_rel_diff(const Tensor& a, const Tensor& b) {
  const auto va = to_dtype(a, DType::f64).to_vector<double>(), vb = to_dtype(b, DType::f64).to_vector<double>();
  double num = 0, den = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    num = std::max(num, std::abs(va[i] - vb[i]));
    den = std::max(den, std::abs(vb[i]));
  }
  return num / den;  // max abs difference relative to the largest reference magnitude
}

TEST(Autocast, OffByDefaultAndGuardsNestAndRestore) {
  EXPECT_FALSE(autocast_state().enabled);
  {
    nn::autocast a(DType::bf16);
    EXPECT_TRUE(autocast_state().enabled);
    EXPECT_EQ(autocast_state().dtype, DType::bf16);
    {
      nn::autocast b(DType::f16);
      EXPECT_EQ(autocast_state().dtype, DType::f16);
      {
        nn::autocast off(false);
        EXPECT_FALSE(autocast_state().enabled);
        EXPECT_EQ(conv2d(rnd({1, 2, 4, 4}, 1), rnd({3, 2, 3, 3}, 2)).dtype(), DType::f32);
      }
      EXPECT_TRUE(autocast_state().enabled);
      EXPECT_EQ(autocast_state().dtype, DType::f16);
    }
    EXPECT_EQ(autocast_state().dtype, DType::bf16);
    bool other_thread_enabled = true;
    std::thread([&] { other_thread_enabled = autocast_state().enabled; }).join();
    EXPECT_FALSE(other_thread_enabled);  // the policy is per thread
  }
  EXPECT_FALSE(autocast_state().enabled);
  EXPECT_THROW(nn::autocast bad(DType::f64), std::invalid_argument);
  EXPECT_FALSE(autocast_state().enabled);
}

TEST(Autocast, OutputDtypesFollowThePolicy) {
  const Tensor x = rnd({2, 3, 6, 6}, 1), w = rnd({4, 3, 3, 3}, 2), b = rnd({4}, 3);
  const Tensor a = rnd({5, 7}, 4), m = rnd({7, 3}, 5), lw = rnd({2, 7}, 6), lb = rnd({2}, 7);
  const Tensor ba = rnd({2, 5, 7}, 8), bb = rnd({2, 7, 3}, 9);
  const Tensor target = from_vector<int64_t>({0, 2, 1, 2, 0}, {5});
  for (DType low : {DType::bf16, DType::f16}) {
    nn::autocast ac(low);
    EXPECT_EQ(conv2d(x, w, b).dtype(), low);
    EXPECT_EQ(linear(a, lw, lb).dtype(), low);
    EXPECT_EQ(matmul(a, m).dtype(), low);
    EXPECT_EQ(matmul(select(a, 0, 0), m).dtype(), low);  // 1-D rule too
    EXPECT_EQ(bmm(ba, bb).dtype(), low);
    const Tensor y = matmul(a, m);  // a low-precision activation
    EXPECT_EQ(softmax(y, 1).dtype(), DType::f32);
    EXPECT_EQ(log_softmax(y, 1).dtype(), DType::f32);
    EXPECT_EQ(cross_entropy(y, target).dtype(), DType::f32);
    EXPECT_EQ(mse_loss(y, zeros_like(y)).dtype(), DType::f32);
    EXPECT_EQ(l1_loss(y, to_dtype(y, DType::f32)).dtype(), DType::f32);
    EXPECT_EQ(smooth_l1_loss(y, y).dtype(), DType::f32);
    EXPECT_EQ(cosine_similarity(y, y).dtype(), DType::f32);
    EXPECT_EQ(layer_norm(y, {3}).dtype(), DType::f32);
    const Tensor c = conv2d(x, w);
    Tensor rm = zeros({4}), rv = ones({4});
    EXPECT_EQ(batch_norm(c, ones({4}), zeros({4}), rm, rv, true).dtype(), DType::f32);
    EXPECT_EQ(rm.dtype(), DType::f32);  // buffers keep their type
    // untouched: element-wise ops promote, reductions keep the type, f64 is never cast
    EXPECT_EQ(add(y, zeros({5, 3})).dtype(), DType::f32);
    EXPECT_EQ(relu(y).dtype(), low);
    EXPECT_EQ(sum(y).dtype(), low);
    EXPECT_EQ(matmul(to_dtype(a, DType::f64), to_dtype(m, DType::f64)).dtype(), DType::f64);
  }
  EXPECT_EQ(conv2d(x, w, b).dtype(), DType::f32);  // off again
}

// The low-precision kernels take bf16/f16 operands, accumulate in f32 and round the result once:
// the autocast result equals the f32 computation on the rounded operands, rounded.
TEST(Autocast, LowPrecisionKernelsAccumulateInF32AndRoundOnce) {
  const Tensor x = rnd({2, 8, 9, 9}, 11), w = rnd({6, 8, 3, 3}, 12), a = rnd({17, 300}, 13), m = rnd({300, 9}, 14);
  for (DType low : {DType::bf16, DType::f16}) {
    auto rounded = [&](const Tensor& t) { return to_dtype(to_dtype(t, low), DType::f32); };
    const Tensor conv_ref = to_dtype(conv2d(rounded(x), rounded(w), Tensor(), Conv2dParams::square(1, 1)), low);
    const Tensor mm_ref = to_dtype(matmul(rounded(a), rounded(m)), low);
    nn::autocast ac(low);
    const Tensor conv_low = conv2d(x, w, Tensor(), Conv2dParams::square(1, 1));
    const Tensor mm_low = matmul(a, m);
    EXPECT_EQ(max_rel_diff(conv_low, conv_ref), 0.0) << dtype_name(low);
    EXPECT_EQ(max_rel_diff(mm_low, mm_ref), 0.0) << dtype_name(low);
    // a sum of 300 products would drift far more than one rounding if it accumulated in bf16/f16
    const double unit = low == DType::bf16 ? 1.0 / 256 : 1.0 / 2048;
    EXPECT_LT(max_rel_diff(mm_low, matmul(rounded(a), rounded(m))), unit);
  }
}

TEST(Autocast, GradientsReachF32MasterWeightsAsF32) {
  Tensor x = rnd({2, 3, 6, 6}, 21).set_requires_grad(true);
  Tensor w = mul(rnd({4, 3, 3, 3}, 22), 0.3).set_requires_grad(true);
  Tensor lw = mul(rnd({5, 16}, 23), 0.3).set_requires_grad(true), lb = zeros({5}).set_requires_grad(true);
  auto loss_of = [&] {
    Tensor h = relu(conv2d(x, w, Tensor(), Conv2dParams::square(2, 1)));  // [2, 4, 3, 3]
    Tensor f = reshape(slice(reshape(h, {2, -1}), 1, 0, 16), {2, 16});
    return cross_entropy(linear(f, lw, lb), from_vector<int64_t>({1, 3}, {2}));
  };
  loss_of().backward();
  const Tensor gw = w.grad(), glw = lw.grad(), gx = x.grad();
  for (Tensor* p : {&w, &lw, &lb, &x}) p->zero_grad();
  {
    nn::autocast ac(DType::bf16);
    Tensor loss = loss_of();
    EXPECT_EQ(loss.dtype(), DType::f32);
    loss.backward();
  }
  for (const Tensor* p : {&w, &lw, &lb, &x}) {
    ASSERT_TRUE(p->grad().defined());
    EXPECT_EQ(p->grad().dtype(), DType::f32);
  }
  EXPECT_LT(max_rel_diff(w.grad(), gw), 2e-2);
  EXPECT_LT(max_rel_diff(lw.grad(), glw), 2e-2);
  EXPECT_LT(max_rel_diff(x.grad(), gx), 2e-2);
}

std::shared_ptr<nn::Sequential> small_conv_net(uint64_t seed) {
  Generator g(seed);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(3, 8, 3, nn::Conv2dOptions{.stride = 1, .padding = 1, .bias = false}, &g),
      std::make_shared<nn::BatchNorm2d>(8), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Conv2d>(8, 16, 3, nn::Conv2dOptions{.stride = 2, .padding = 1, .bias = false}, &g),
      std::make_shared<nn::BatchNorm2d>(16), std::make_shared<nn::ReLU>(), std::make_shared<nn::AdaptiveAvgPool2d>(),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(16, 10, true, &g)});
}

TEST(Autocast, SmallConvNetLossUnderBf16IsCloseToF32) {
  const Tensor x = rnd({8, 3, 16, 16}, 31);
  Generator g(32);
  const Tensor y = randint(0, 10, {8}, DType::i64, &g);
  auto net32 = small_conv_net(33), net16 = small_conv_net(33);
  const double l32 = cross_entropy((*net32)(x), y).item<double>();
  Tensor l16;
  {
    nn::autocast ac(DType::bf16);
    l16 = cross_entropy((*net16)(x), y);
  }
  EXPECT_EQ(l16.dtype(), DType::f32);
  EXPECT_NEAR(l16.item<double>(), l32, 1e-2 * std::abs(l32));
  for (const auto& [name, p] : net16->named_parameters()) EXPECT_EQ(p.dtype(), DType::f32) << name;
}

// f16 training step with loss scaling: a scale so large that the f16 activation gradients overflow
// makes GradScaler skip the step (parameters untouched) and halve the scale; a sane scale steps.
TEST(Autocast, GradScalerF16StepSkipsOnOverflow) {
  const Tensor x = rnd({4, 3, 8, 8}, 41);
  const Tensor y = from_vector<int64_t>({1, 0, 9, 4}, {4});
  auto net = small_conv_net(42);
  nn::SGD opt(net->named_parameters(), nn::SGDOptions{.lr = 0.1});
  auto scaled_step = [&](nn::GradScaler& scaler) {
    opt.zero_grad();
    {
      nn::autocast ac(DType::f16);
      Tensor loss = cross_entropy((*net)(x), y);
      EXPECT_EQ(loss.dtype(), DType::f32);
      scaler.scale(loss).backward();
    }
    const bool stepped = scaler.step(opt);
    scaler.update();
    return stepped;
  };
  auto snapshot = [&] {
    std::vector<std::vector<float>> v;
    for (const auto& [n, p] : net->named_parameters()) v.push_back(p.to_vector<float>());
    return v;
  };

  const auto before = snapshot();
  nn::GradScaler huge(nn::GradScalerOptions{.init_scale = std::ldexp(1.0, 40)});
  EXPECT_FALSE(scaled_step(huge));
  EXPECT_EQ(snapshot(), before);  // skipped: bit-for-bit unchanged
  EXPECT_DOUBLE_EQ(huge.get_scale(), std::ldexp(1.0, 39));

  nn::GradScaler sane(nn::GradScalerOptions{.init_scale = 1024.0});
  EXPECT_TRUE(scaled_step(sane));
  EXPECT_NE(snapshot(), before);
  for (const auto& [n, p] : net->named_parameters()) {
    EXPECT_EQ(p.dtype(), DType::f32) << n;
    EXPECT_EQ(p.grad().dtype(), DType::f32) << n;
    for (float v : p.to_vector<float>()) ASSERT_TRUE(std::isfinite(v)) << n;
  }
  EXPECT_EQ(sane.get_scale(), 1024.0);
}

}  // namespace
}  // namespace hg
