// The synthetic data set: the building blocks (placement, rotation, compositing, backgrounds) and a
// tiny generated set that must be deterministic for any thread count, readable by the FreiHAND
// reader, with every hand in view and annotations that agree with the rendered pixels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/rotation.h"
#include "hand/freihand.h"
#include "hand/mano.h"
#include "hand/render.h"
#include "hand/synth_background.h"
#include "hand/synth_composite.h"
#include "hand/synth_generator.h"
#include "hand/synth_scene.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

namespace fs = std::filesystem;

TEST(SynthScene, PlacementKeepsEveryVertexInView) {
  Generator g(3);
  for (int trial = 0; trial < 200; ++trial) {
    const SynthCamera cam = sample_camera(g, 96);
    // A random elongated point cloud (a stand-in for a hand), 8-25 cm across, anywhere.
    const int64_t n = 50;
    Tensor p = Tensor::empty({n, 3}, DType::f64);
    const double sx = g.uniform(0.02, 0.12), sy = g.uniform(0.02, 0.12), sz = g.uniform(0.02, 0.12);
    const double ox = g.uniform(-1, 1), oy = g.uniform(-1, 1), oz = g.uniform(-1, 1);
    for (int64_t i = 0; i < n; ++i) {
      p.data<double>()[3 * i] = ox + g.uniform(-sx, sx);
      p.data<double>()[3 * i + 1] = oy + g.uniform(-sy, sy);
      p.data<double>()[3 * i + 2] = oz + g.uniform(-sz, sz);
    }
    const double margin = 4, fill = g.uniform(0.3, 0.95);
    const auto t = place_in_view(g, p, cam, 96, margin, fill);
    double umin = 1e9, umax = -1e9;
    for (int64_t i = 0; i < n; ++i) {
      const double x = p.data<double>()[3 * i] + t[0], y = p.data<double>()[3 * i + 1] + t[1],
                   z = p.data<double>()[3 * i + 2] + t[2];
      ASSERT_GE(z, 0.12);
      const double u = cam.fx * x / z + cam.cx, v = cam.fy * y / z + cam.cy;
      ASSERT_GE(u, margin);
      ASSERT_LE(u, 95 - margin);
      ASSERT_GE(v, margin);
      ASSERT_LE(v, 95 - margin);
      umin = std::min(umin, u);
      umax = std::max(umax, u);
    }
    EXPECT_GT(umax - umin, 2.0);  // not pushed to a dot
  }
}

TEST(SynthScene, RotationsAreUniformAndHandRotationsAvoidTheWrist) {
  Generator g(5);
  double mean_cos = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const auto w = random_rotation(g);
    const double theta = std::sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    ASSERT_LE(theta, 3.14159265358979323846 + 1e-9);
    mean_cos += std::cos(theta) / n;
  }
  // Uniform (Haar) rotations have E[tr R] = 0, and tr R = 1 + 2 cos θ, so E[cos θ] = -1/2.
  EXPECT_NEAR(mean_cos, -0.5, 0.03);
  int pointing_away = 0;
  for (int i = 0; i < 500; ++i) {
    const auto w = random_hand_rotation(g, 0.5);
    // The z component of R·ŷ (row z, column y of R), with R from autograd's Rodrigues.
    const Tensor R = rodrigues(from_vector(std::vector<double>(w.begin(), w.end()), {3}, DType::f64));
    const double zy = R.to_vector<double>()[2 * 3 + 1];
    EXPECT_LE(zy, 0.5 + 1e-12);
    pointing_away += zy > 0.25;
  }
  EXPECT_GT(pointing_away, 20);  // the condition cuts, it does not collapse the distribution
}

TEST(SynthComposite, SoftEdgeAndInterior) {
  Tensor image = zeros({3, 8, 8});
  Tensor rgb = full({3, 8, 8}, 1.0);
  Tensor mask = zeros({1, 8, 8});
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 4; ++j) mask.data<float>()[i * 8 + j] = 1;  // left half
  composite_layer(image, rgb, mask);
  auto at = [&](int64_t i, int64_t j) { return image.data<float>()[i * 8 + j]; };
  EXPECT_FLOAT_EQ(at(4, 1), 1.0f);   // inside
  EXPECT_FLOAT_EQ(at(4, 3), 0.75f);  // last inside column: coverage 3/4
  EXPECT_FLOAT_EQ(at(4, 4), 0.25f);  // first outside column: 1/4 of the neighbours' colour
  EXPECT_FLOAT_EQ(at(4, 6), 0.0f);   // untouched
  EXPECT_THROW(composite_layer(image, rgb, zeros({1, 7, 8})), std::invalid_argument);
}

TEST(SynthComposite, BackgroundAndSensorAreDeterministicAndInRange) {
  Generator a(11, 3), b(11, 3), c(11, 4);
  const Tensor x = synth_background(a, 40, 56), y = synth_background(b, 40, 56), z = synth_background(c, 40, 56);
  EXPECT_EQ(x.sizes(), (Shape{3, 40, 56}));
  EXPECT_EQ(x.to_vector<float>(), y.to_vector<float>());
  EXPECT_NE(x.to_vector<float>(), z.to_vector<float>());
  for (float v : x.to_vector<float>()) ASSERT_TRUE(v >= 0 && v <= 1);
  Tensor n1 = ops::clone(x), n2 = ops::clone(x);
  Generator s1(2), s2(2);
  apply_sensor_effects(s1, n1);
  apply_sensor_effects(s2, n2);
  EXPECT_EQ(n1.to_vector<float>(), n2.to_vector<float>());
  double diff = 0;
  const auto p = n1.to_vector<float>(), q = x.to_vector<float>();
  for (size_t i = 0; i < p.size(); ++i) diff = std::max(diff, std::fabs(static_cast<double>(p[i] - q[i])));
  EXPECT_GT(diff, 0.0);
  EXPECT_LT(diff, 0.35);  // mild
}

// ---- a tiny generated set ----

class SynthSet : public ::testing::Test {
 protected:
  static SynthOptions options() {
    SynthOptions o;
    o.count = 6;
    o.eval_count = 2;
    o.size = 80;
    o.seed = 7;
    o.versions = 2;
    o.distractor_prob = 0.5;
    return o;
  }
  static std::string dir(const std::string& name) {
    return (fs::temp_directory_path() / ("hg_synth_" + std::to_string(::getpid()) + "_" + name)).string();
  }
  static void SetUpTestSuite() {
    SynthOptions o = options();
    o.threads = 1;
    write_synth_dataset(o, dir("one"));
    o.threads = 2;
    write_synth_dataset(o, dir("two"));
  }
  static void TearDownTestSuite() {
    fs::remove_all(dir("one"));
    fs::remove_all(dir("two"));
  }
};

std::map<std::string, std::string> files_under(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = image::read_file(e.path().string());
  return files;
}

TEST_F(SynthSet, SameSeedSameBytesForAnyThreadCount) {
  const auto one = files_under(dir("one")), two = files_under(dir("two"));
  // 12 + 2 images, 6 + 2 masks and depth maps, 2 × 5 JSON files, the model and synth.json.
  EXPECT_EQ(one.size(), 14u + 8u + 8u + 10u + 2u);
  ASSERT_EQ(one.size(), two.size());
  for (const auto& [name, bytes] : one) {
    ASSERT_TRUE(two.count(name)) << name;
    EXPECT_TRUE(bytes == two.at(name)) << name << " differs between 1 and 2 threads";
  }
  const auto meta = nlohmann::json::parse(one.at("synth.json"));
  EXPECT_EQ(meta["options"]["seed"], 7);
  EXPECT_EQ(meta["version"], 1);
  // A different seed gives different images.
  SynthOptions o = options();
  o.seed = 8;
  o.count = 1;
  o.eval_count = 0;
  o.versions = 1;
  write_synth_dataset(o, dir("other"));
  EXPECT_NE(image::read_file(dir("other") + "/training/rgb/00000000.jpg"), one.at("training/rgb/00000000.jpg"));
  fs::remove_all(dir("other"));
}

TEST_F(SynthSet, ReaderReadsItBackAndAnnotationsMatchThePixels) {
  NoGradGuard no_grad;
  const int64_t size = options().size;
  const double margin = options().margin * static_cast<double>(size);
  const ManoModel model = load_mano(dir("one") + "/hand_model.npz");
  ManoOptions absolute;
  absolute.use_pca = false;
  absolute.flat_hand_mean = true;
  const ManoLayer layer(model, absolute, DType::f64);
  for (const std::string split : {"training", "evaluation"}) {
    FreiHandOptions fo;
    fo.split = split;
    fo.load_verts = true;
    const FreiHandDataset ds(dir("one"), fo);
    const int64_t n = split == "training" ? 6 : 2;
    ASSERT_EQ(ds.num_annotations(), n);
    ASSERT_EQ(ds.size(), split == "training" ? 2 * n : n);
    for (int64_t a = 0; a < n; ++a) {
      const HandSample s = ds.get(a);
      ASSERT_EQ(s.image.sizes(), (Shape{3, size, size}));
      ASSERT_TRUE(s.mask.defined() && s.depth.defined() && s.verts.defined() && s.mano.defined());
      const std::vector<float> k = s.K.to_vector<float>(), v = s.verts.to_vector<float>();
      // Every vertex projects inside the image, with the margin.
      for (size_t i = 0; i < v.size(); i += 3) {
        const double u = k[0] * v[i] / v[i + 2] + k[2], w = k[4] * v[i + 1] / v[i + 2] + k[5];
        ASSERT_TRUE(u >= margin && u <= size - 1 - margin && w >= margin && w <= size - 1 - margin)
            << s.source << " vertex " << i / 3 << " at (" << u << ", " << w << ")";
      }
      // Re-rendering the stored vertices through the stored K reproduces the stored mask (up to
      // JPEG error, which thresholding removes almost entirely) and the depth map (in mm).
      const HardRender r = render_hard(s.verts, model.faces, zeros({model.num_vertices(), 3}), s.K, Tensor(),
                                       [&] {
                                         RenderSettings rs;
                                         rs.height = rs.width = size;
                                         rs.near = 0.05;
                                         return rs;
                                       }());
      const std::vector<float> mask = s.mask.to_vector<float>(), depth = s.depth.to_vector<float>();
      const std::vector<double> rmask = r.mask.to_vector<double>(), rdepth = r.depth.to_vector<double>();
      int64_t mask_diff = 0, depth_diff = 0, hand_pixels = 0;
      for (size_t p = 0; p < mask.size(); ++p) {
        hand_pixels += rmask[p] > 0.5;
        mask_diff += (mask[p] > 0.5) != (rmask[p] > 0.5);
        const double mm = std::round(rdepth[p] * 1000);
        depth_diff += std::fabs(depth[p] * 1000 - mm) > 0.5;
      }
      EXPECT_GT(hand_pixels, size * size / 50) << s.source;
      EXPECT_LE(mask_diff, hand_pixels / 100 + 2) << s.source;
      EXPECT_EQ(depth_diff, 0) << s.source;
      // The keypoints project onto the rendered hand (within 1.5 px of a mask pixel).
      const std::vector<float> uv = s.uv.to_vector<float>();
      for (int j = 0; j < 21; ++j) {
        bool near = false;
        for (int di = -2; di <= 2 && !near; ++di)
          for (int dj = -2; dj <= 2 && !near; ++dj) {
            const double i = std::round(uv[2 * j + 1]) + di, jj = std::round(uv[2 * j]) + dj;
            if (i < 0 || jj < 0 || i >= size || jj >= size) continue;
            if (std::hypot(i - uv[2 * j + 1], jj - uv[2 * j]) > 1.5) continue;
            near = mask[static_cast<size_t>(i * size + jj)] > 0.5;
          }
        EXPECT_TRUE(near) << s.source << " keypoint " << j << " at (" << uv[2 * j] << ", " << uv[2 * j + 1] << ")";
      }
      // The 61 MANO values reproduce the mesh: pose and shape through the model, placed by xyz[0].
      const std::vector<double> m = s.mano.to_vector<double>();
      ManoParams p;
      p.global_rot = from_vector(std::vector<double>(m.begin(), m.begin() + 3), {1, 3}, DType::f64);
      p.pose = from_vector(std::vector<double>(m.begin() + 3, m.begin() + 48), {1, 45}, DType::f64);
      p.betas = from_vector(std::vector<double>(m.begin() + 48, m.begin() + 58), {1, 10}, DType::f64);
      const ManoOutput out = layer.forward(p);
      const std::vector<double> mv = out.vertices.to_vector<double>(), mj = out.joints.to_vector<double>();
      const std::vector<float> xyz = s.xyz.to_vector<float>();
      double worst = 0;
      for (size_t i = 0; i < v.size(); ++i) worst = std::max(worst, std::fabs(mv[i] - mj[i % 3] + xyz[i % 3] - v[i]));
      EXPECT_LT(worst, 2e-5) << s.source;
      EXPECT_NEAR(m[58], uv[0], 1e-3);  // uv_root
      EXPECT_NEAR(m[59], uv[1], 1e-3);
      const double bone = std::sqrt(std::pow(xyz[30] - xyz[27], 2) + std::pow(xyz[31] - xyz[28], 2) +
                                    std::pow(xyz[32] - xyz[29], 2));
      EXPECT_NEAR(m[60], bone, 1e-6);
      EXPECT_NEAR(s.scale, bone, 1e-6);
    }
  }
}

TEST(SynthOptionsCheck, BadOptionsAreRejected) {
  SynthOptions o;
  o.count = 0;
  EXPECT_THROW(SynthGenerator{o}, std::invalid_argument);
  o.count = 1;
  o.size = 8;
  EXPECT_THROW(SynthGenerator{o}, std::invalid_argument);
  o.size = 64;
  o.distractor_prob = 2;
  EXPECT_THROW(SynthGenerator{o}, std::invalid_argument);
}

}  // namespace
}  // namespace hg::hand
