// Skeleton constants: the MANO -> FreiHAND reorder, the tree of parents and the bone list.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "hand/skeleton.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

TEST(HandSkeleton, ReorderIsAPermutationAndInverse) {
  std::set<int64_t> seen(kManoToFreihand.begin(), kManoToFreihand.end());
  EXPECT_EQ(seen.size(), 21u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 20);
  for (int64_t k = 0; k < 21; ++k) EXPECT_EQ(kFreihandToMano[kManoToFreihand[k]], k);
  // Fingertips in FreiHAND order come from the appended tip vertices 16..20 (thumb..little).
  for (int64_t f = 0; f < 5; ++f) EXPECT_EQ(kManoToFreihand[kFingertips[f]], 16 + f);
}

TEST(HandSkeleton, ParentsFormATreeRootedAtTheWrist) {
  EXPECT_EQ(kKeypointParents[0], -1);
  for (int64_t k = 1; k < 21; ++k) {
    EXPECT_GE(kKeypointParents[k], 0);
    EXPECT_LT(kKeypointParents[k], k);  // parents come first, so walking up always ends at 0
    int64_t j = k, steps = 0;
    while (j != 0 && steps < 21) j = kKeypointParents[j], ++steps;
    EXPECT_EQ(j, 0);
    EXPECT_LE(steps, 4);
  }
  // MANO parents also form a tree rooted at 0, and map onto FreiHAND's: the parent of a MANO
  // joint, taken to FreiHAND order, is the FreiHAND parent of that joint.
  EXPECT_EQ(kManoParents[0], -1);
  for (int64_t j = 1; j < 16; ++j) {
    EXPECT_LT(kManoParents[j], j);
    EXPECT_EQ(kManoToFreihand[kKeypointParents[kFreihandToMano[j]]], kManoParents[j]) << j;
  }
}

TEST(HandSkeleton, BonesOfEachFingerAreConsecutive) {
  ASSERT_EQ(kBones.size(), 20u);
  for (int64_t f = 0; f < 5; ++f) {
    for (int64_t i = 0; i < 4; ++i) {
      const Bone& b = kBones[4 * f + i];
      EXPECT_EQ(b.child, 4 * f + 1 + i);
      EXPECT_EQ(b.parent, i == 0 ? 0 : b.child - 1);
      EXPECT_EQ(finger_of(b.child), f);
    }
  }
  EXPECT_EQ(finger_of(0), -1);
  EXPECT_EQ(kKeypointNames[5], "index_mcp");
  EXPECT_EQ(kManoJointNames[13], "thumb1");
}

TEST(HandSkeleton, TipVertexSets) {
  EXPECT_EQ(kFreihandTipVertices, (std::array<int64_t, 5>{744, 320, 443, 555, 672}));
  EXPECT_EQ(kManopthTipVertices, (std::array<int64_t, 5>{745, 317, 444, 556, 673}));
}

TEST(HandSkeleton, ReorderTensor) {
  // Row k of the MANO-order tensor holds (k, 10k, -k); batch dims are kept.
  std::vector<double> v;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t k = 0; k < 21; ++k)
      for (double x : {double(k + 100 * b), 10.0 * double(k), -double(k)}) v.push_back(x);
  Tensor mano = from_vector(v, {2, 21, 3}, DType::f64);
  Tensor frei = mano_to_freihand(mano);
  ASSERT_EQ(frei.sizes(), (Shape{2, 21, 3}));
  std::vector<double> out = frei.to_vector<double>();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t k = 0; k < 21; ++k) EXPECT_EQ(out[b * 63 + 3 * k], kManoToFreihand[k] + 100 * b);
  EXPECT_EQ(freihand_to_mano(frei).to_vector<double>(), v);
  try {
    mano_to_freihand(zeros({2, 16, 3}));
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 16, 3]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg::hand
