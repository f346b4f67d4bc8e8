// The pre-training and pose networks: shapes, encoder transfer, ImageNet normalisation, 2.5D loss.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/node.h"
#include "hand/pose_net.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

using testing::AllClose;

TEST(PoseNet, ShapesAndEncoderTransfer) {
  Generator g1(1), g2(2), gx(3);
  ContrastiveNet pre(18, 128, 512, &g1);
  PoseNet25d pose(18, &g2);
  pre.eval();
  pose.eval();
  NoGradGuard no_grad;
  const Tensor x = rand({2, 3, 32, 32}, {}, &gx);
  EXPECT_EQ(pre.forward(x).sizes(), (Shape{2, 128}));
  EXPECT_EQ(pose.forward(x).sizes(), (Shape{2, 21, 3}));
  EXPECT_FALSE(AllClose(pose.encoder->forward(normalize_imagenet(x)), pre.features(x), 1e-3));
  pose.load_encoder_from(pre);
  EXPECT_TRUE(AllClose(pose.encoder->forward(normalize_imagenet(x)), pre.features(x), 0));
  nn::Linear not_an_encoder(2, 2);
  EXPECT_THROW(pose.load_encoder_from(not_an_encoder), std::invalid_argument);  // no encoder.* names
}

TEST(PoseNet, ImagenetNormalisation) {
  const Tensor x = ops::reshape(tensor({0.485, 0.456 + 0.224, 0.406 - 0.225}), {1, 3, 1, 1});
  EXPECT_TRUE(AllClose(normalize_imagenet(x), ops::reshape(tensor({0, 1, -1}), {1, 3, 1, 1}), 1e-6));
  testing::expect_throw_naming([] { normalize_imagenet(zeros({3, 4, 4})); }, "[3, 4, 4]");
}

TEST(PoseNet, Pose25dLossValue) {
  // One sample, all 21 keypoints valid except the last; prediction off by (S/10, 0) px and 0.2 in Ẑ.
  const double S = 128;
  Tensor uv = zeros({1, 21, 2}, DType::f64), z = zeros({1, 21}, DType::f64), valid = ones({1, 21}, DType::f64);
  valid.data<double>()[20] = 0;
  Tensor pred = zeros({1, 21, 3}, DType::f64);
  for (int k = 0; k < 21; ++k) pred.data<double>()[3 * k] = 0.1, pred.data<double>()[3 * k + 2] = 0.2;
  pred.data<double>()[3 * 20] = 100;  // invalid keypoint: ignored
  const double expected = 0.5 * 0.1 + 5 * 0.2;
  EXPECT_NEAR(pose25d_loss(pred, uv, z, valid, S).item<double>(), expected, 1e-12);
  testing::expect_throw_naming([&] { pose25d_loss(pred, zeros({1, 21, 3}), z, valid, S); }, "[1, 21, 3]");
  const Pose25d d = decode_pose25d(pred, S);
  EXPECT_NEAR(d.uv.to_vector<double>()[0], 0.1 * S, 1e-12);
  EXPECT_NEAR(d.z_rel_norm.to_vector<double>()[0], 0.2, 1e-12);
}

}  // namespace
}  // namespace hg::hand
