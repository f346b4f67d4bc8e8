// FreiHAND reader and writer: a small data set written by FreiHandWriter (both splits, 2 background
// versions) reads back exactly; broken files are rejected with one line naming file, field and problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hand/freihand.h"
#include "hand/freihand_writer.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/json_array.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kN = 3, kH = 24, kW = 32, kV = 5;

// A fresh folder per test, removed afterwards.
class FreiHand : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("hg_freihand_" + std::to_string(::getpid()) + "_" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static FreiHandAnnotation annotation(int64_t i) {
    FreiHandAnnotation a;
    a.K = from_vector(std::vector<double>{100.0 + i, 0, 16, 0, 101.0 + i, 12, 0, 0, 1}, {3, 3}, DType::f32);
    Generator g(100 + i);
    Tensor xy = uniform({21, 2}, -0.05, 0.05, DType::f32, &g);
    Tensor z = uniform({21, 1}, 0.4, 0.6, DType::f32, &g);
    Tensor xyz = Tensor::empty({21, 3}, DType::f32);
    ops::copy_(ops::narrow(xyz, 1, 0, 2), xy);
    ops::copy_(ops::narrow(xyz, 1, 2, 1), z);
    a.xyz = xyz;
    a.mano = uniform({61}, -1, 1, DType::f32, &g);
    a.verts = uniform({kV, 3}, 0.1, 0.5, DType::f32, &g);
    a.scale = 0.025 + 0.001 * static_cast<double>(i);
    return a;
  }
  static Tensor rgb_of(int64_t id) {  // a flat colour per image id
    Tensor t = Tensor::empty({3, kH, kW}, DType::f32);
    float* p = t.data<float>();
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t k = 0; k < kH * kW; ++k) p[c * kH * kW + k] = static_cast<float>((40 * id + 70 * c) % 256) / 255.0f;
    return t;
  }
  static Tensor mask_of(int64_t i) {  // columns < 4 (i + 1) are hand
    Tensor t = zeros({1, kH, kW});
    for (int64_t y = 0; y < kH; ++y)
      for (int64_t x = 0; x < 4 * (i + 1); ++x) t.data<float>()[y * kW + x] = 1.0f;
    return t;
  }
  static Tensor depth_of(int64_t i) { return full({1, kH, kW}, 0.5 + 0.1 * static_cast<double>(i)); }

  // Writes `split` with kN annotations and `versions` background versions.
  void write_split(const std::string& split, int64_t versions) {
    FreiHandWriter w(root_, split, kN);
    for (int64_t i = 0; i < kN; ++i) {
      for (int64_t k = 0; k < versions; ++k) w.write_image(k * kN + i, rgb_of(k * kN + i));
      w.write_mask(i, mask_of(i));
      w.write_depth(i, depth_of(i));
      w.set_annotation(i, annotation(i));
    }
    w.finish();
  }
  void write_all() {
    write_split("training", 2);
    write_split("evaluation", 1);
  }
  std::string json(const std::string& split, const std::string& what) const { return freihand_json_path(root_, split, what); }
  static void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  // Constructing the data set (with `options`) must throw FreiHandError, one line starting with `head`.
  void expect_rejected(const FreiHandOptions& options, const std::string& head, const std::string& problem) const {
    try {
      FreiHandDataset ds(root_, options);
      FAIL() << "accepted; expected " << head << problem;
    } catch (const FreiHandError& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind(head, 0), 0u) << m << "\nexpected to start with " << head;
      EXPECT_NE(m.find(problem), std::string::npos) << m << "\nexpected to mention " << problem;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }

  std::string root_;
};

TEST_F(FreiHand, ReadsBothSplitsAndVersions) {
  write_all();
  FreiHandOptions o;
  o.load_verts = true;
  const FreiHandDataset train(root_, o);
  EXPECT_EQ(train.num_annotations(), kN);
  EXPECT_EQ(train.versions_on_disk(), 2);
  EXPECT_EQ(train.size(), 2 * kN);
  EXPECT_TRUE(train.has_masks());
  EXPECT_TRUE(train.has_depth());
  EXPECT_EQ(train.name(), "freihand:training");
  for (int64_t index = 0; index < train.size(); ++index) {
    const int64_t id = train.image_id(index), i = train.annotation_of(index);
    EXPECT_EQ(id, index);
    EXPECT_EQ(i, index % kN);
    const HandSample s = train.get(index);
    const FreiHandAnnotation a = annotation(i);
    EXPECT_EQ(s.image.sizes(), (Shape{3, kH, kW}));
    EXPECT_NEAR(s.image.to_vector<float>()[0], static_cast<float>((40 * id) % 256) / 255.0f, 2.0 / 255);  // JPEG
    EXPECT_EQ(s.K.to_vector<float>(), a.K.to_vector<float>());
    EXPECT_EQ(s.xyz.to_vector<float>(), a.xyz.to_vector<float>());
    EXPECT_EQ(s.mano.to_vector<float>(), a.mano.to_vector<float>());
    EXPECT_EQ(s.verts.to_vector<float>(), a.verts.to_vector<float>());
    EXPECT_FLOAT_EQ(static_cast<float>(s.scale), static_cast<float>(a.scale));
    EXPECT_EQ(s.valid.to_vector<float>(), std::vector<float>(21, 1.0f));
    // uv = K xyz / z.
    const auto xyz = a.xyz.to_vector<double>(), k = a.K.to_vector<double>(), uv = s.uv.to_vector<double>();
    for (int j = 0; j < 21; ++j) {
      EXPECT_NEAR(uv[2 * j], k[0] * xyz[3 * j] / xyz[3 * j + 2] + k[2], 1e-4);
      EXPECT_NEAR(uv[2 * j + 1], k[4] * xyz[3 * j + 1] / xyz[3 * j + 2] + k[5], 1e-4);
    }
    // Mask and depth belong to the annotation, not the image id.
    EXPECT_EQ(s.mask.to_vector<float>(), mask_of(i).to_vector<float>());
    EXPECT_EQ(s.depth.sizes(), (Shape{1, kH, kW}));
    EXPECT_NEAR(s.depth.to_vector<float>()[7], 0.5 + 0.1 * static_cast<double>(i), 1e-6);
    EXPECT_NE(s.source.find("freihand:training:0000000" + std::to_string(id)), std::string::npos) << s.source;
  }
  // One version only, and the evaluation split.
  o.versions = {1};
  const FreiHandDataset v1(root_, o);
  EXPECT_EQ(v1.size(), kN);
  EXPECT_EQ(v1.image_id(0), kN);
  FreiHandOptions e;
  e.split = "evaluation";
  e.load_masks = false;
  const FreiHandDataset eval(root_, e);
  EXPECT_EQ(eval.size(), kN);
  EXPECT_EQ(eval.versions_on_disk(), 1);
  EXPECT_FALSE(eval.get(1).mask.defined());
  EXPECT_FALSE(eval.get(1).verts.defined());  // not asked for
  EXPECT_THROW(eval.get(kN), std::out_of_range);
}

TEST_F(FreiHand, CountMismatchNamesBothFiles) {
  write_all();
  json_array::save(json("training", "xyz"), ops::narrow(json_array::load(json("training", "xyz"), {-1, 21, 3}, "xyz"), 0, 0, 2));
  expect_rejected({}, json("training", "xyz") + ": xyz: ", "2 entries, but " + json("training", "K") + " has 3");
}

TEST_F(FreiHand, NanAndWrongShapesAreRejected) {
  write_all();
  write_text(json("training", "scale"), "[0.02, NaN, 0.03]");
  expect_rejected({}, json("training", "scale") + ": scale[1]: ", "not a finite number (NaN)");
  write_text(json("training", "scale"), "[0.02, 0, 0.03]");
  expect_rejected({}, json("training", "scale") + ": scale[1]: ", "must be positive");
  write_text(json("training", "K"), "[[[1,0,1],[0,1,1],[0,0,1]], [[1,0,1],[0,1],[0,0,1]]]");
  expect_rejected({}, json("training", "K") + ": K[1][1]: ", "expected 3 entries, got 2");
  write_text(json("training", "K"), "[[[1,0,1],[0,1,1],[0,0,1]], [[-5,0,1],[0,1,1],[0,0,1]], [[1,0,1],[0,1,1],[0,0,1]]]");
  expect_rejected({}, json("training", "K") + ": K[1]: ", "focal lengths must be positive");
  write_text(json("training", "K"), "[[[1,0,1],[0,1,1],[0,0,1]], [[1,0,1],[0,1,1],[0,0,2]], [[1,0,1],[0,1,1],[0,0,1]]]");
  expect_rejected({}, json("training", "K") + ": K[1]: ", "the last row must be (0, 0, 1)");
  write_text(json("training", "K"), "[[[1,0,1],[0,1,1],[0,0,1]]]");
  // xyz with a keypoint behind the camera.
  Tensor xyz = json_array::load(json("training", "xyz"), {-1, 21, 3}, "xyz");
  xyz = ops::narrow(xyz, 0, 0, 1);
  Tensor bad = ops::clone(xyz);
  bad.data<float>()[4 * 3 + 2] = -0.2f;
  json_array::save(json("training", "xyz"), bad);
  expect_rejected({}, json("training", "xyz") + ": xyz[0][4]: ", "z = -0.2 m, behind the camera");
  write_text(json("training", "xyz"), "[[[0, 0, 1]]]");
  expect_rejected({}, json("training", "xyz") + ": xyz[0]: ", "expected 21 entries, got 1");
  fs::remove(json("training", "K"));
  expect_rejected({}, json("training", "K") + ": cannot open", "");
}

TEST_F(FreiHand, MissingAndCorruptImages) {
  write_all();
  const std::string missing = freihand_image_path(root_, "training", 4);
  fs::remove(missing);
  expect_rejected({}, missing + ": missing", "(annotation 1, background version 1)");
  FreiHandOptions skip;
  skip.skip_bad = true;
  const FreiHandDataset ds(root_, skip);
  EXPECT_EQ(ds.size(), 2 * kN - 1);
  EXPECT_EQ(ds.skipped(), 1);
  FreiHandOptions bad_version;
  bad_version.versions = {2};
  expect_rejected(bad_version, root_ + "/training/rgb: background version 2 requested", "2 version(s) are on disk");

  // A corrupt image fails in get() naming the file, or is replaced (and counted) with skip_bad.
  const std::string corrupt = freihand_image_path(root_, "training", 1);
  const std::string bytes = image::read_file(corrupt);
  image::write_file(corrupt, bytes.substr(0, bytes.size() / 2));
  const FreiHandDataset strict(root_, FreiHandOptions{"training", {0}});
  try {
    strict.get(1);
    FAIL() << "accepted a truncated image";
  } catch (const image::ImageError& e) {
    EXPECT_EQ(std::string(e.what()), corrupt + ": truncated JPEG (no end-of-image marker)");
  }
  FreiHandOptions lenient{"training", {0}};
  lenient.skip_bad = true;
  const FreiHandDataset tolerant(root_, lenient);
  const HandSample s = tolerant.get(1);
  EXPECT_EQ(tolerant.skipped(), 1);
  EXPECT_EQ(s.source, "freihand:training:00000002");
  // A mask of the wrong size.
  image::write_jpeg(freihand_mask_path(root_, "training", 0), image::to_hwc_u8(zeros({1, kH, kW + 1})));
  try {
    strict.get(0);
    FAIL();
  } catch (const FreiHandError& e) {
    EXPECT_NE(std::string(e.what()).find("mask/00000000.jpg: size 33x24 differs from the image's 32x24"), std::string::npos)
        << e.what();
  }
}

TEST_F(FreiHand, WriterChecksItsInput) {
  FreiHandWriter w(root_, "training", 2);
  FreiHandAnnotation a = annotation(0);
  a.xyz = zeros({20, 3});
  EXPECT_THROW(w.set_annotation(0, a), std::invalid_argument);
  a = annotation(0);
  a.mano.data<float>()[3] = NAN;
  EXPECT_THROW(w.set_annotation(0, a), std::invalid_argument);
  a = annotation(0);
  a.scale = 0;
  EXPECT_THROW(w.set_annotation(0, a), std::invalid_argument);
  w.set_annotation(0, annotation(0));
  EXPECT_THROW(w.finish(), std::logic_error);  // annotation 1 missing
  EXPECT_FALSE(fs::exists(json("training", "K")));
  EXPECT_THROW(FreiHandWriter(root_, "train", 2), std::invalid_argument);
}

}  // namespace
}  // namespace hg::hand
