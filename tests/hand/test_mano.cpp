// The MANO forward pass (hand/mano.h): against an independent numpy implementation
// (tests/reference/mano_reference.py -> tests/fixtures/mano_forward.safetensors, whose random V = 50
// model is built here directly from the fixture arrays), geometric properties, options and input
// validation, and the hand_mano gradcheck rows (hand/derivative_table_mano.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "autograd/autocast.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/rotation.h"
#include "hand/mano.h"
#include "hand/skeleton.h"
#include "ops/linalg.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

using hg::testing::AllClose;

ManoModel model_from(const safetensors::File& f) {
  ManoModel m;
  m.v_template = f.at("model.v_template");
  m.shapedirs = f.at("model.shapedirs");
  m.posedirs = f.at("model.posedirs");
  m.J_regressor = f.at("model.J_regressor");
  m.weights = f.at("model.weights");
  m.faces = f.at("model.faces");
  m.hands_components = f.at("model.hands_components");
  m.hands_mean = f.at("model.hands_mean");
  const auto parents = f.at("model.parents").to_vector<int64_t>();
  const auto tips = f.at("model.fingertips").to_vector<int64_t>();
  std::copy(parents.begin(), parents.end(), m.parents.begin());
  std::copy(tips.begin(), tips.end(), m.fingertips.begin());
  m.source = "mano_forward.safetensors";
  return m;
}

class Mano : public ::testing::Test {
 protected:
  safetensors::File f = hg::testing::load_fixture("mano_forward.safetensors");
  ManoModel model = model_from(f);
  int64_t V = model.num_vertices();

  int64_t flag(const std::string& key) const { return f.at(key).to_vector<int64_t>()[0]; }
  // Random parameters for a batch: rotations up to 1.5 rad, a pose of the given width, betas, trans.
  ManoParams random_params(int64_t batch, int64_t pose_width, uint64_t seed, DType dt = DType::f64) const {
    Generator g(seed, 0);
    return {uniform({batch, 3}, -1.5, 1.5, dt, &g), uniform({batch, pose_width}, -0.7, 0.7, dt, &g),
            uniform({batch, 10}, -1, 1, dt, &g), uniform({batch, 3}, -0.2, 0.2, dt, &g)};
  }
};

TEST_F(Mano, MatchesTheIndependentNumpyReference) {
  const int64_t cases = flag("num_cases");
  ASSERT_GE(cases, 8);
  for (int64_t k = 0; k < cases; ++k) {
    const std::string p = "case" + std::to_string(k) + ".";
    SCOPED_TRACE(p);
    ManoOptions o{flag(p + "use_pca") != 0, flag(p + "ncomps"), flag(p + "flat_hand_mean") != 0};
    ManoParams in{f.at(p + "global_rot"), f.at(p + "pose"), flag(p + "has_betas") ? f.at(p + "betas") : Tensor(),
                  flag(p + "has_trans") ? f.at(p + "trans") : Tensor()};
    const ManoOutput out = ManoLayer(model, o).forward(in);
    EXPECT_TRUE(AllClose(out.vertices, f.at(p + "vertices"), 1e-12));
    EXPECT_TRUE(AllClose(out.joints, f.at(p + "joints"), 1e-12));
    EXPECT_TRUE(AllClose(out.joints16, f.at(p + "joints16"), 1e-12));
    EXPECT_TRUE(AllClose(out.full_pose, f.at(p + "full_pose"), 1e-14));
    EXPECT_EQ(out.vertices.dtype(), DType::f64);
  }
}

TEST_F(Mano, ZeroPoseAndShapeWithFlatMeanIsTheTemplate) {
  const ManoLayer layer(model, {false, 45, true});
  const Tensor z3 = zeros({2, 3}, DType::f64);
  const ManoOutput out = layer.forward({z3, zeros({2, 45}, DType::f64), zeros({2, 10}, DType::f64), z3});
  const Tensor rest = ops::matmul(model.J_regressor, model.v_template);  // [16, 3]
  for (int64_t b = 0; b < 2; ++b) {
    EXPECT_TRUE(AllClose(ops::select(out.vertices, 0, b), model.v_template, 1e-15));
    EXPECT_TRUE(AllClose(ops::select(out.joints16, 0, b), rest, 1e-15));
  }
  // joints = [J_regressor v_template, template fingertips] in FreiHAND order
  const auto j = out.joints.to_vector<double>(), r = rest.to_vector<double>(), v = model.v_template.to_vector<double>();
  for (int64_t k = 0; k < kNumKeypoints; ++k) {
    const int64_t src = kManoToFreihand[k];
    for (int64_t c = 0; c < 3; ++c) {
      const double want = src < 16 ? r[3 * src + c] : v[3 * model.fingertips[src - 16] + c];
      EXPECT_NEAR(j[3 * k + c], want, 1e-15) << "keypoint " << k;
    }
  }
  EXPECT_TRUE(AllClose(out.full_pose, zeros({2, 48}, DType::f64), 0.0));
}

TEST_F(Mano, TheMeanPoseIsAddedUnlessFlat) {
  ManoParams p = random_params(2, 45, 1);
  const ManoOutput with_mean = ManoLayer(model, {false, 45, false}).forward(p);
  const ManoOutput flat = ManoLayer(model, {false, 45, true}).forward(p);
  const Tensor diff = ops::sub(ops::narrow(with_mean.full_pose, 1, 3, 45), ops::narrow(flat.full_pose, 1, 3, 45));
  EXPECT_TRUE(AllClose(diff, ops::expand(model.hands_mean, {2, 45}), 1e-15));
  // ... and the flat layer given pose + mean reproduces the other.
  p.pose = ops::add(p.pose, model.hands_mean);
  EXPECT_TRUE(AllClose(ManoLayer(model, {false, 45, true}).forward(p).vertices, with_mean.vertices, 1e-14));
}

TEST_F(Mano, PcaWithAllComponentsEqualsTheAxisAngles) {
  ManoParams pca = random_params(3, 45, 2);
  ManoParams aa = pca;
  aa.pose = ops::matmul(pca.pose, model.hands_components);
  const ManoOutput a = ManoLayer(model, {true, 45, false}).forward(pca);
  const ManoOutput b = ManoLayer(model, {false, 45, false}).forward(aa);
  EXPECT_TRUE(AllClose(a.vertices, b.vertices, 1e-14));
  EXPECT_TRUE(AllClose(a.joints, b.joints, 1e-14));
  // Fewer components = the leading ones with the rest zero.
  ManoParams six = random_params(3, 6, 3);
  ManoParams padded = six;
  padded.pose = zeros({3, 45}, DType::f64);
  ops::copy_(ops::narrow(padded.pose, 1, 0, 6), six.pose);
  EXPECT_TRUE(AllClose(ManoLayer(model, {true, 6, false}).forward(six).vertices,
                       ManoLayer(model, {true, 45, false}).forward(padded).vertices, 1e-14));
}

TEST_F(Mano, TranslationShiftsEverything) {
  const ManoLayer layer(model, {true, 12, false});
  ManoParams p = random_params(2, 12, 4);
  const ManoOutput moved = layer.forward(p);
  const Tensor trans = p.trans;
  p.trans = Tensor();
  const ManoOutput still = layer.forward(p);
  EXPECT_TRUE(AllClose(ops::sub(moved.vertices, still.vertices), ops::expand(ops::unsqueeze(trans, 1), {2, V, 3}), 1e-15));
  EXPECT_TRUE(AllClose(ops::sub(moved.joints, still.joints), ops::expand(ops::unsqueeze(trans, 1), {2, 21, 3}), 1e-15));
  EXPECT_TRUE(AllClose(ops::sub(moved.joints16, still.joints16), ops::expand(ops::unsqueeze(trans, 1), {2, 16, 3}), 1e-15));
}

// With global rotation r instead of 0 (no translation), every point p moves to R(r)(p − J_0) + J_0.
TEST_F(Mano, GlobalRotationRotatesTheHandAboutTheWrist) {
  const ManoLayer layer(model, {false, 45, false});
  ManoParams p = random_params(2, 45, 5);
  p.trans = Tensor();
  const Tensor r = p.global_rot;
  p.global_rot = zeros({2, 3}, DType::f64);
  const ManoOutput rest = layer.forward(p);
  p.global_rot = r;
  const ManoOutput turned = layer.forward(p);
  const Tensor R = rodrigues(r);                               // [2, 3, 3]
  const Tensor wrist = ops::narrow(rest.joints16, 1, 0, 1);    // [2, 1, 3]
  auto rotate = [&](const Tensor& pts) {                       // (p − J_0) Rᵀ + J_0
    return ops::add(ops::matmul(ops::sub(pts, wrist), ops::transpose(R, 1, 2)), wrist);
  };
  EXPECT_TRUE(AllClose(turned.vertices, rotate(rest.vertices), 1e-14));
  EXPECT_TRUE(AllClose(turned.joints, rotate(rest.joints), 1e-14));
  EXPECT_TRUE(AllClose(turned.joints16, rotate(rest.joints16), 1e-14));
}

TEST_F(Mano, BatchElementsAreIndependent) {
  const ManoLayer layer(model, {true, 30, false});
  const ManoParams p = random_params(3, 30, 6);
  const ManoOutput all = layer.forward(p);
  for (int64_t b = 0; b < 3; ++b) {
    auto one = [&](const Tensor& t) { return ops::narrow(t, 0, b, 1); };
    const ManoOutput single = layer.forward({one(p.global_rot), one(p.pose), one(p.betas), one(p.trans)});
    EXPECT_TRUE(AllClose(single.vertices, one(all.vertices), 1e-15));
    EXPECT_TRUE(AllClose(single.joints, one(all.joints), 1e-15));
  }
}

TEST_F(Mano, SinglePrecisionFollowsDouble) {
  const ManoParams p64 = random_params(4, 20, 7);
  const ManoParams p32{ops::to_dtype(p64.global_rot, DType::f32), ops::to_dtype(p64.pose, DType::f32),
                       ops::to_dtype(p64.betas, DType::f32), ops::to_dtype(p64.trans, DType::f32)};
  const ManoOutput a = ManoLayer(model, {true, 20, false}, DType::f64).forward(p64);
  const ManoOutput b = ManoLayer(model, {true, 20, false}, DType::f32).forward(p32);
  EXPECT_EQ(b.vertices.dtype(), DType::f32);
  EXPECT_EQ(b.joints.dtype(), DType::f32);
  EXPECT_TRUE(AllClose(b.vertices, a.vertices, 1e-6));
  EXPECT_TRUE(AllClose(b.joints, a.joints, 1e-6));
  // f64 parameters into an f32 layer are converted, and their gradients come back in f64.
  ManoParams mixed = random_params(1, 20, 8);
  mixed.pose.set_requires_grad(true);
  sum(ManoLayer(model, {true, 20, false}, DType::f32).forward(mixed).vertices).backward();
  ASSERT_TRUE(mixed.pose.grad().defined());
  EXPECT_EQ(mixed.pose.grad().dtype(), DType::f64);
}

TEST_F(Mano, AutocastDoesNotLowerThePrecision) {
  const ManoLayer layer(model, {true, 20, false}, DType::f32);
  const ManoParams p64 = random_params(2, 20, 10);
  const ManoParams p{ops::to_dtype(p64.global_rot, DType::f32), ops::to_dtype(p64.pose, DType::f32),
                     ops::to_dtype(p64.betas, DType::f32), ops::to_dtype(p64.trans, DType::f32)};
  const ManoOutput plain = layer.forward(p);
  const AutocastGuard bf16(DType::bf16);
  const ManoOutput autocast = layer.forward(p);
  EXPECT_EQ(autocast.vertices.dtype(), DType::f32);
  EXPECT_TRUE(AllClose(autocast.vertices, plain.vertices, 0.0));
  EXPECT_TRUE(autocast_state().enabled);  // restored after forward
}

TEST_F(Mano, GradientsAreFiniteAtTheZeroPose) {
  const ManoLayer layer(model, {false, 45, true});
  Tensor rot = zeros({2, 3}, DType::f64).set_requires_grad(true);
  Tensor pose = zeros({2, 45}, DType::f64).set_requires_grad(true);
  const ManoOutput out = layer.forward({rot, pose, Tensor(), Tensor()});
  sum(mul(out.vertices, out.vertices)).backward();
  for (const Tensor& g : {rot.grad(), pose.grad()}) {
    ASSERT_TRUE(g.defined());
    for (double v : g.to_vector<double>()) EXPECT_TRUE(std::isfinite(v));
  }
  EXPECT_GT(ops::amax(ops::abs(pose.grad())).item<double>(), 0.0);
}

TEST_F(Mano, AnEmptyBatchGivesEmptyOutputs) {
  const ManoOutput out = ManoLayer(model, {true, 30, false}).forward(random_params(0, 30, 11));
  EXPECT_EQ(out.vertices.sizes(), (Shape{0, V, 3}));
  EXPECT_EQ(out.joints.sizes(), (Shape{0, 21, 3}));
  EXPECT_EQ(out.joints16.sizes(), (Shape{0, 16, 3}));
  EXPECT_EQ(out.full_pose.sizes(), (Shape{0, 48}));
}

TEST_F(Mano, RejectsBadOptionsAndParameterShapes) {
  for (int64_t n : {0, 5, 46})
    hg::testing::expect_throw_naming([&] { ManoLayer(model, {true, n, false}); }, "got " + std::to_string(n));
  EXPECT_NO_THROW(ManoLayer(model, {false, 3, false}));  // ncomps is ignored without PCA
  hg::testing::expect_throw_naming([&] { ManoLayer(model, {}, DType::f16); }, "f16");

  const ManoLayer pca(model, {true, 12, false});
  const ManoParams good = random_params(2, 12, 9);
  auto with = [&](auto edit) {
    ManoParams p = good;
    edit(p);
    return [&pca, p] { pca.forward(p); };
  };
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.pose = zeros({2, 45}, DType::f64); }), "[2, 45]");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.pose = zeros({2, 45}, DType::f64); }), "[2, 12]");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.betas = zeros({3, 10}, DType::f64); }), "global_rot [2, 3]");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.betas = zeros({3, 10}, DType::f64); }), "betas has shape [3, 10]");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.trans = zeros({2, 3, 1}, DType::f64); }), "trans");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.global_rot = zeros({2, 4}, DType::f64); }), "[2, 4]");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.global_rot = Tensor(); }), "global_rot has shape undefined");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.pose = Tensor(); }), "pose is undefined");
  hg::testing::expect_throw_naming(with([](ManoParams& p) { p.pose = zeros({2, 12}, DType::i64); }), "i64");
  const ManoLayer full(model, {false, 45, false});
  hg::testing::expect_throw_naming([&] { full.forward(good); }, "15 axis-angles");
}

TEST_F(Mano, RejectsAnInconsistentModel) {
  auto expect_model_error = [&](auto edit, const std::string& text) {
    ManoModel m = model;
    edit(m);
    try {
      ManoLayer layer(m);
      FAIL() << "expected a ManoError naming " << text;
    } catch (const ManoError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_model_error([](ManoModel& m) { m.weights = zeros({50, 15}, DType::f64); }, "weights");
  expect_model_error([](ManoModel& m) { m.posedirs = zeros({50, 3, 134}, DType::f64); }, "posedirs");
  expect_model_error([](ManoModel& m) { m.J_regressor = Tensor(); }, "J_regressor");
  expect_model_error([](ManoModel& m) { m.fingertips[2] = 50; }, "fingertips");
  expect_model_error([](ManoModel& m) { m.parents[4] = 7; }, "parent");
  expect_model_error([](ManoModel& m) { m.parents[0] = 0; }, "parent");
}

TEST(ManoKinematics, LevelsFollowTheMANOTree) {
  const KinematicLevels tree = make_kinematic_levels(kManoParents);
  ASSERT_EQ(tree.levels.size(), 4u);
  EXPECT_EQ(tree.levels[0].joints.to_vector<int64_t>(), (std::vector<int64_t>{0}));
  EXPECT_EQ(tree.levels[1].joints.to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 7, 10, 13}));
  EXPECT_EQ(tree.levels[3].joints.to_vector<int64_t>(), (std::vector<int64_t>{3, 6, 9, 12, 15}));
  EXPECT_EQ(tree.levels[2].parents.to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 7, 10, 13}));
  EXPECT_EQ(tree.levels[2].parent_positions.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(tree.slot_of_joint.to_vector<int64_t>(),
            (std::vector<int64_t>{0, 1, 6, 11, 2, 7, 12, 3, 8, 13, 4, 9, 14, 5, 10, 15}));
}

// The depth-batched chain equals the joint-by-joint product G_j = G_parent [R_j | J_j − J_parent]
// on arbitrary trees (parent < child), deep and shallow.
TEST(ManoKinematics, ChainMatchesJointByJointComposition) {
  Generator g(12, 0);
  const Tensor R = rodrigues(uniform({2, 16, 3}, -2, 2, DType::f64, &g));
  const Tensor J = uniform({2, 16, 3}, -0.1, 0.1, DType::f64, &g);
  std::array<int64_t, kManoJoints> chain{}, star{}, random{};
  const auto picks = randint(0, 1 << 20, {16}, DType::i64, &g).to_vector<int64_t>();
  for (int64_t j = 0; j < kManoJoints; ++j) {
    chain[j] = j - 1;
    star[j] = j == 0 ? -1 : 0;
    random[j] = j == 0 ? -1 : picks[j] % j;
  }
  for (const auto& parents : {kManoParents, chain, star, random}) {
    const WorldTransforms world = mano_kinematic_chain(R, J, make_kinematic_levels(parents));
    for (int64_t b = 0; b < 2; ++b) {
      std::vector<Tensor> rot(16), t(16);
      auto at = [&](const Tensor& x, int64_t j) { return ops::select(ops::select(x, 0, b), 0, j); };
      for (int64_t j = 0; j < kManoJoints; ++j) {
        if (const int64_t p = parents[j]; p < 0) {
          rot[j] = at(R, j);
          t[j] = at(J, j);
        } else {
          rot[j] = ops::matmul(rot[p], at(R, j));
          const Tensor offset = ops::unsqueeze(ops::sub(at(J, j), at(J, p)), 1);
          t[j] = ops::add(ops::squeeze(ops::matmul(rot[p], offset), 1), t[p]);
        }
        EXPECT_TRUE(AllClose(at(world.rotations, j), rot[j], 1e-14)) << "joint " << j;
        EXPECT_TRUE(AllClose(at(world.translations, j), t[j], 1e-14)) << "joint " << j;
      }
    }
  }
}

// The hand_mano rows of the derivative table (also run by test_autograd and `handgrad gradcheck`).
TEST(ManoGradcheck, EveryParameterMatchesFiniteDifferences) {
  int rows = 0;
  for (const GradcheckCase& c : gradcheck_cases()) {
    if (c.name.rfind("hand_mano/", 0) != 0) continue;
    ++rows;
    const GradcheckResult r = run_gradcheck_case(c);
    EXPECT_TRUE(r.passed) << c.name << ": " << r.message << " (max abs " << r.max_abs_error << ")";
    EXPECT_NE(std::find(r.functions_seen.begin(), r.functions_seen.end(), "rodrigues"), r.functions_seen.end());
  }
  EXPECT_GE(rows, 6);
}

}  // namespace
}  // namespace hg::hand
