// The YouTube3DHands reader on small fixture files written by the test (a 30-vertex stand-in
// model, PNG images), including every kind of malformed file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hand/skeleton.h"
#include "hand/youtube3d.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kV = 30;

// Joint j = mean of vertices j and j + 10; fingertips 25..29.
ManoModel tiny_model() {
  ManoModel m;
  std::vector<double> J(static_cast<size_t>(16 * kV), 0.0);
  for (int64_t j = 0; j < 16; ++j) {
    J[static_cast<size_t>(j * kV + j)] = 0.5;
    J[static_cast<size_t>(j * kV + j + 10)] = 0.5;
  }
  m.J_regressor = from_vector(J, {16, kV}, DType::f64);
  m.fingertips = {25, 26, 27, 28, 29};
  return m;
}

std::vector<std::vector<double>> mesh(uint64_t seed, double w, double h) {
  Generator g(seed);
  std::vector<std::vector<double>> v;
  for (int64_t i = 0; i < kV; ++i) v.push_back({g.uniform(2, w - 3), g.uniform(2, h - 3), g.uniform(-20, 20)});
  return v;
}

// The keypoints the reader must produce, computed independently: FreiHAND k ← MANO+tips kManoToFreihand[k].
std::vector<double> expected_uv(const std::vector<std::vector<double>>& v) {
  std::vector<double> uv;
  for (int64_t k = 0; k < 21; ++k) {
    const int64_t m = kManoToFreihand[static_cast<size_t>(k)];
    for (int c = 0; c < 2; ++c)
      uv.push_back(m < 16 ? 0.5 * (v[static_cast<size_t>(m)][c] + v[static_cast<size_t>(m + 10)][c])
                          : v[static_cast<size_t>(25 + m - 16)][c]);
  }
  return uv;
}

class YouTube3DTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("hg_youtube3d_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "frames");
    // Two 40 × 30 images whose pixel (i, j) encodes its column: red = 6j.
    for (int id = 0; id < 2; ++id) {
      Tensor img = Tensor::empty({30, 40, 3}, DType::u8);
      uint8_t* p = img.data<uint8_t>();
      for (int64_t i = 0; i < 30; ++i)
        for (int64_t j = 0; j < 40; ++j) {
          p[(i * 40 + j) * 3 + 0] = static_cast<uint8_t>(6 * j);
          p[(i * 40 + j) * 3 + 1] = static_cast<uint8_t>(5 * i + 50 * id);
          p[(i * 40 + j) * 3 + 2] = 7;
        }
      image::write_png((root_ / ("frames/" + std::to_string(id) + ".png")).string(), img);
    }
    meshes_ = {mesh(1, 40, 30), mesh(2, 40, 30), mesh(3, 40, 30)};
    doc_ = json{{"info", {{"note", "ignored"}}},
                {"images",
                 {{{"name", "frames/0.png"}, {"width", 40}, {"height", 30}, {"id", 100}},
                  {{"name", "frames/1.png"}, {"width", 40}, {"height", 30}, {"id", 101}}}},
                {"annotations",
                 {{{"vertices", meshes_[0]}, {"is_left", 0}, {"image_id", 100}, {"id", 0}},
                  {{"vertices", meshes_[1]}, {"is_left", 1}, {"image_id", 101}, {"id", 1}},
                  {{"vertices", meshes_[2]}, {"is_left", false}, {"image_id", 101}}}}};
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& text, const std::string& split = "train") {
    std::ofstream(root_ / ("youtube_" + split + ".json"), std::ios::binary) << text;
  }
  YouTube3DHandsDataset open(YouTube3DOptions options = {}) {
    return YouTube3DHandsDataset(root_.string(), "train", tiny_model(), std::move(options));
  }
  // The document with one change must be rejected naming `field`.
  void expect_rejected(const std::string& text, const std::string& field) {
    write(text);
    try {
      open();
      ADD_FAILURE() << "expected a YouTube3DError naming " << field;
    } catch (const YouTube3DError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("youtube_train.json"), std::string::npos) << m;
      EXPECT_NE(m.find(field), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }

  fs::path root_;
  std::vector<std::vector<std::vector<double>>> meshes_;
  json doc_;
};

TEST_F(YouTube3DTest, ReadsKeypointsThroughTheJointRegressor) {
  write(doc_.dump());
  const YouTube3DHandsDataset d = open();
  ASSERT_EQ(d.size(), 3);
  EXPECT_EQ(d.name(), "youtube3d:train");
  const HandSample s = d.get(0);
  EXPECT_EQ(s.image.sizes(), (Shape{3, 30, 40}));
  EXPECT_FALSE(s.K.defined());
  EXPECT_FALSE(s.xyz.defined());
  EXPECT_FALSE(s.mirrored);
  EXPECT_EQ(s.source, "youtube3d:train:0");
  EXPECT_EQ(s.valid.to_vector<float>(), std::vector<float>(21, 1.0f));
  const auto uv = s.uv.to_vector<double>(), want = expected_uv(meshes_[0]);
  for (size_t k = 0; k < uv.size(); ++k) EXPECT_NEAR(uv[k], want[k], 1e-4);
  EXPECT_NEAR(s.image.to_vector<float>()[7], 42 / 255.0, 1e-6);  // red of pixel (0, 7) = 6·7
  EXPECT_EQ(d.annotation(2).image_id, 101);
  EXPECT_THROW(d.get(3), std::out_of_range);
}

TEST_F(YouTube3DTest, LeftHandsAreMirroredToRightOnes) {
  write(doc_.dump());
  const HandSample s = open().get(1);
  EXPECT_TRUE(s.mirrored);
  const auto uv = s.uv.to_vector<double>(), want = expected_uv(meshes_[1]);
  for (size_t k = 0; k < uv.size(); k += 2) {
    EXPECT_NEAR(uv[k], 39 - want[k], 1e-4);  // u' = W − 1 − u
    EXPECT_NEAR(uv[k + 1], want[k + 1], 1e-4);
  }
  EXPECT_NEAR(s.image.to_vector<float>()[0], 6 * 39 / 255.0, 1e-6);  // column 0 now shows column 39
  const HandSample kept = open({.mirror_left = false}).get(1);
  EXPECT_FALSE(kept.mirrored);
  EXPECT_NEAR(kept.uv.to_vector<double>()[0], want[0], 1e-4);
}

TEST_F(YouTube3DTest, ImageReaderCanBeInjectedAndSizesAreChecked) {
  write(doc_.dump());
  int calls = 0;
  const YouTube3DHandsDataset d = open({.read_image = [&](const std::string& path) {
    ++calls;
    EXPECT_NE(path.find("frames/1.png"), std::string::npos);
    return zeros({3, 30, 40});
  }});
  EXPECT_EQ(d.get(2).image.sizes(), (Shape{3, 30, 40}));
  EXPECT_EQ(calls, 1);
  const YouTube3DHandsDataset wrong = open({.read_image = [](const std::string&) { return zeros({3, 31, 40}); }});
  try {
    wrong.get(0);
    FAIL();
  } catch (const YouTube3DError& e) {
    EXPECT_NE(std::string(e.what()).find("frames/0.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("40x30"), std::string::npos) << e.what();
  }
  fs::remove(root_ / "frames/0.png");
  try {
    open().get(0);
    FAIL();
  } catch (const image::ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("frames/0.png"), std::string::npos) << e.what();
  }
}

TEST_F(YouTube3DTest, MalformedFilesAreRejectedNamingTheField) {
  const auto with = [&](auto&& edit) {
    json d = doc_;
    edit(d);
    return d.dump();
  };
  expect_rejected(doc_.dump().substr(0, 200), "invalid JSON");
  expect_rejected("[1, 2]", "top level");
  expect_rejected(with([](json& d) { d.erase("images"); }), "images: missing");
  expect_rejected(with([](json& d) { d.erase("annotations"); }), "annotations: missing");
  expect_rejected(with([](json& d) { d["annotations"] = json::object(); }), "annotations: expected an array");
  expect_rejected(with([](json& d) { d["images"] = 3; }), "images: expected an array");
  expect_rejected(with([](json& d) { d["annotations"][1] = 7; }), "annotations[1]: expected an object");
  expect_rejected(with([](json& d) { d["annotations"][0]["vertices"].erase(0); }), "annotations[0].vertices");
  expect_rejected(with([](json& d) { d["annotations"][2]["vertices"][3] = {1, 2}; }), "annotations[2].vertices[3]");
  expect_rejected(with([](json& d) { d["annotations"][2]["vertices"][4][1] = "x"; }), "annotations[2].vertices[4]");
  expect_rejected(with([](json& d) { d["annotations"][0]["vertices"] = "none"; }), "annotations[0].vertices");
  expect_rejected(with([](json& d) { d["annotations"][1]["is_left"] = "yes"; }), "annotations[1].is_left");
  expect_rejected(with([](json& d) { d["annotations"][1].erase("image_id"); }), "annotations[1].image_id: missing");
  expect_rejected(with([](json& d) { d["annotations"][1]["image_id"] = 5; }), "annotations[1].image_id");
  expect_rejected(with([](json& d) { d["images"][1]["id"] = 100; }), "images[1].id");
  expect_rejected(with([](json& d) { d["images"][0]["width"] = -4; }), "images[0]");
  expect_rejected(with([](json& d) { d["images"][0]["name"] = 12; }), "images[0].name");
  // NaN cannot be written in JSON; an overflowing number is a JSON error.
  std::string inf = doc_.dump();
  inf.insert(inf.find("\"vertices\":[[") + 13, "1e999,");
  expect_rejected(inf, "number overflow");
  EXPECT_THROW(YouTube3DHandsDataset(root_.string(), "dev", tiny_model()), YouTube3DError);
  try {
    YouTube3DHandsDataset(root_.string(), "val", tiny_model());
    FAIL();
  } catch (const YouTube3DError& e) {
    EXPECT_NE(std::string(e.what()).find("youtube_val.json: cannot open"), std::string::npos) << e.what();
  }
  write(doc_.dump());
  ManoModel bad = tiny_model();
  bad.fingertips[0] = 99;
  EXPECT_THROW(YouTube3DHandsDataset(root_.string(), "train", bad), YouTube3DError);
}

TEST_F(YouTube3DTest, DamagedFilesNeverCrash) {
  const std::string good = doc_.dump();
  Generator g(17);
  int accepted = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string text = good;
    const int edits = static_cast<int>(g.randint(1, 4));
    for (int e = 0; e < edits; ++e) {
      const auto at = static_cast<size_t>(g.randint(0, static_cast<int64_t>(text.size())));
      if (g.uniform() < 0.2) text.erase(at, static_cast<size_t>(g.randint(1, 40)));
      else text[at] = "0123456789-.,:[]{}\"ae "[g.randint(0, 22)];
    }
    write(text);
    try {
      const YouTube3DHandsDataset d = open();
      ++accepted;
      for (int64_t i = 0; i < d.size(); ++i) (void)d.get(i);
    } catch (const std::exception&) {
    }
  }
  EXPECT_GT(accepted, 0);  // some edits only touch numbers
}

TEST(YouTube3DKeypoints, RegressionMatchesTheDefinition) {
  const ManoModel m = tiny_model();
  const auto v = mesh(9, 100, 80);
  std::vector<double> flat;
  for (const auto& p : v) flat.insert(flat.end(), p.begin(), p.end());
  const auto k = regress_keypoints(m, flat);
  const auto uv = expected_uv(v);
  for (size_t i = 0; i < 21; ++i) {
    EXPECT_NEAR(k[3 * i], uv[2 * i], 1e-12);
    EXPECT_NEAR(k[3 * i + 1], uv[2 * i + 1], 1e-12);
  }
  // The wrist (FreiHAND 0 = MANO 0) keeps its depth too.
  EXPECT_NEAR(k[2], 0.5 * (v[0][2] + v[10][2]), 1e-12);
  EXPECT_THROW(regress_keypoints(m, std::vector<double>(10, 0.0)), std::invalid_argument);
}

}  // namespace
}  // namespace hg::hand
