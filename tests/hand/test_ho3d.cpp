// The HO-3D reader on a tiny tree built by the test: images written with tensor/image_io.h, meta
// pickles from tests/fixtures/ho3d_*.pkl (tests/reference/make_ho3d_fixture.py, protocols 2 and 4)
// or hand-written pickle bytes; OpenGL → OpenCV flip, MANO → FreiHAND order, uv = K xyz / z, the
// depth encoding, seg masks, root-only evaluation frames and every kind of malformed input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "hand/ho3d.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = HG_FIXTURE_DIR;
constexpr int64_t kH = 30, kW = 40;

// The fixture formulas (make_ho3d_fixture.py): joint s of variant v in OpenGL axes, and camMat.
std::array<double, 3> gl_joint(int64_t s, int64_t v) {
  const double sd = static_cast<double>(s), vd = static_cast<double>(v);
  return {0.01 * sd - 0.1 + 0.001 * vd, 0.02 + 0.003 * sd, -(0.5 + 0.01 * sd + 0.05 * vd)};
}
std::array<double, 9> cam(int64_t v) {
  const double vd = static_cast<double>(v);
  return {600 + 10 * vd, 0, 20.5, 0, 601 + 10 * vd, 15.25, 0, 0, 1};
}

Tensor u8_image(int64_t h, int64_t w, int64_t seed) {
  Tensor t = Tensor::empty({h, w, 3}, DType::u8);
  uint8_t* p = t.data<uint8_t>();
  for (int64_t k = 0; k < h * w * 3; ++k) p[k] = static_cast<uint8_t>((k * 7 + seed * 31) % 256);
  return t;
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no throw)";
}

void expect_one_line_naming(const std::string& msg, const std::vector<std::string>& parts) {
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

class Ho3d : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("hg_ho3d_" + std::to_string(::getpid()) + "_" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string seq_dir(const std::string& split, const std::string& seq) const { return root_ + "/" + split + "/" + seq; }
  // One frame: rgb (png or jpg) + meta copied from a fixture.
  void add_frame(const std::string& split, const std::string& seq, const std::string& frame,
                 const std::string& fixture, bool jpg = false, int64_t seed = 0) {
    const std::string dir = seq_dir(split, seq);
    fs::create_directories(dir + "/rgb");
    fs::create_directories(dir + "/meta");
    if (jpg) image::write_jpeg(dir + "/rgb/" + frame + ".jpg", u8_image(kH, kW, seed), 95);
    else image::write_png(dir + "/rgb/" + frame + ".png", u8_image(kH, kW, seed));
    if (!fixture.empty()) fs::copy_file(kFixtures + "/" + fixture, dir + "/meta/" + frame + ".pkl");
  }
  void write_meta_bytes(const std::string& split, const std::string& seq, const std::string& frame,
                        const std::string& bytes) {
    write_text(seq_dir(split, seq) + "/meta/" + frame + ".pkl", bytes);
  }
  void write_list(const std::string& split, const std::string& text) { write_text(root_ + "/" + split + ".txt", text); }

  std::string root_;
};

// xyz = diag(1, −1, −1) · joint kManoToFreihand[k]; K as stored; uv = K xyz / z to 1e-4 px.
void expect_full_frame(const HandSample& s, int64_t variant, double tol) {
  ASSERT_EQ(s.xyz.sizes(), (Shape{21, 3}));
  ASSERT_EQ(s.uv.sizes(), (Shape{21, 2}));
  const std::array<double, 9> k = cam(variant);
  for (int64_t i = 0; i < 9; ++i) EXPECT_NEAR(s.K.data<float>()[i], k[static_cast<size_t>(i)], 1e-4);
  const float* xyz = s.xyz.data<float>();
  const float* uv = s.uv.data<float>();
  for (int64_t j = 0; j < 21; ++j) {
    const std::array<double, 3> g = gl_joint(kManoToFreihand[static_cast<size_t>(j)], variant);
    EXPECT_NEAR(xyz[3 * j], g[0], tol) << j;
    EXPECT_NEAR(xyz[3 * j + 1], -g[1], tol) << j;
    EXPECT_NEAR(xyz[3 * j + 2], -g[2], tol) << j;
    EXPECT_EQ(s.valid.data<float>()[j], 1.0f);
    const double X = xyz[3 * j], Y = xyz[3 * j + 1], Z = xyz[3 * j + 2];
    const float* K = s.K.data<float>();
    EXPECT_NEAR(uv[2 * j], (K[0] * X + K[1] * Y + K[2] * Z) / Z, 1e-4) << j;
    EXPECT_NEAR(uv[2 * j + 1], (K[4] * Y + K[5] * Z) / Z, 1e-4) << j;
  }
  // FreiHAND order: keypoint 4 is the thumb tip = file joint 16, keypoint 5 the index MCP = file 1.
  EXPECT_NEAR(xyz[3 * 4], gl_joint(16, variant)[0], tol);
  EXPECT_NEAR(xyz[3 * 5], gl_joint(1, variant)[0], tol);
  // scale = |J9 − J10| (middle MCP → PIP = file joints 4 → 5).
  const std::array<double, 3> a = gl_joint(4, variant), b = gl_joint(5, variant);
  EXPECT_NEAR(s.scale, std::sqrt(std::pow(a[0] - b[0], 2) + std::pow(a[1] - b[1], 2) + std::pow(a[2] - b[2], 2)), 1e-6);
}

TEST_F(Ho3d, TrainFramesProtocol2And4) {
  add_frame("train", "ABF10", "0000", "ho3d_train_p2.pkl", false, 1);
  add_frame("train", "ABF10", "0001", "ho3d_train_p4.pkl", true, 2);  // v3 stores .jpg
  write_list("train", "ABF10/0000\r\n\nABF10/0001\n");
  Ho3dDataset ds(root_);
  ASSERT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.name(), "ho3d:train");
  EXPECT_EQ(ds.frame(1), "ABF10/0001");

  HandSample s0 = ds.get(0);
  EXPECT_EQ(s0.source, "ho3d:train:ABF10/0000");
  EXPECT_EQ(s0.image.sizes(), (Shape{3, kH, kW}));
  // The PNG image reads back exactly.
  const Tensor expect = image::to_chw_float(u8_image(kH, kW, 1));
  for (int64_t k = 0; k < expect.numel(); ++k) ASSERT_EQ(s0.image.data<float>()[k], expect.data<float>()[k]);
  expect_full_frame(s0, 0, 1e-7);
  EXPECT_FALSE(s0.mask.defined());
  EXPECT_FALSE(s0.depth.defined());
  EXPECT_FALSE(s0.mano.defined());

  HandSample s1 = ds.get(1);  // float32 arrays in the pickle
  EXPECT_EQ(s1.image.sizes(), (Shape{3, kH, kW}));
  expect_full_frame(s1, 1, 1e-6);

  // The MANO parameters are exposed unchanged.
  const Ho3dMeta m = read_ho3d_meta(ds.meta_path(0));
  ASSERT_TRUE(m.hand_pose.defined());
  EXPECT_EQ(m.hand_pose.sizes(), (Shape{48}));
  EXPECT_DOUBLE_EQ(m.hand_pose.data<double>()[47], 0.47);
  EXPECT_DOUBLE_EQ(m.hand_beta.data<double>()[9], 0.9);
  EXPECT_DOUBLE_EQ(m.hand_trans.data<double>()[2], -0.5);
  EXPECT_FALSE(m.hand_bbox.defined());
  EXPECT_FALSE(m.root_only);
  EXPECT_THROW(ds.get(2), std::out_of_range);
}

TEST_F(Ho3d, EvaluationFrameHasOnlyTheRoot) {
  add_frame("evaluation", "SM1", "0042", "ho3d_eval_p4.pkl");
  write_list("evaluation", "SM1/0042\n");
  Ho3dDataset ds(root_, {.split = "evaluation"});
  const HandSample s = ds.get(0);
  EXPECT_EQ(s.source, "ho3d:evaluation:SM1/0042");
  const std::array<double, 3> g = gl_joint(0, 2);
  const std::array<double, 9> k = cam(2);
  EXPECT_EQ(s.valid.data<float>()[0], 1.0f);
  EXPECT_NEAR(s.xyz.data<float>()[0], g[0], 1e-7);
  EXPECT_NEAR(s.xyz.data<float>()[1], -g[1], 1e-7);
  EXPECT_NEAR(s.xyz.data<float>()[2], -g[2], 1e-7);
  EXPECT_NEAR(s.uv.data<float>()[0], k[0] * g[0] / -g[2] + k[2], 1e-4);
  EXPECT_NEAR(s.uv.data<float>()[1], k[4] * -g[1] / -g[2] + k[5], 1e-4);
  for (int64_t j = 1; j < 21; ++j) {
    EXPECT_EQ(s.valid.data<float>()[j], 0.0f) << j;
    for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(s.xyz.data<float>()[3 * j + c], 0.0f);
    for (int64_t c = 0; c < 2; ++c) EXPECT_EQ(s.uv.data<float>()[2 * j + c], 0.0f);
  }
  EXPECT_EQ(s.scale, 0.0);
  const Ho3dMeta m = read_ho3d_meta(ds.meta_path(0));
  EXPECT_TRUE(m.root_only);
  ASSERT_TRUE(m.hand_bbox.defined());
  EXPECT_EQ(m.hand_bbox.data<double>()[2], 30.0);
  EXPECT_FALSE(m.hand_pose.defined());
}

TEST_F(Ho3d, UnannotatedFrameIsAllInvalid) {
  add_frame("train", "MC1", "0007", "ho3d_none_p4.pkl");
  write_list("train", "MC1/0007\n");
  const HandSample s = Ho3dDataset(root_).get(0);
  for (int64_t j = 0; j < 21; ++j) EXPECT_EQ(s.valid.data<float>()[j], 0.0f);
  EXPECT_EQ(s.K.data<float>()[0], 600.0f);
}

TEST_F(Ho3d, DepthIsDecodedFromRedAndGreen) {
  add_frame("train", "ABF10", "0000", "ho3d_train_p2.pkl");
  write_list("train", "ABF10/0000\n");
  Tensor enc = zeros({kH, kW, 3}, DType::u8);
  uint8_t* p = enc.data<uint8_t>();
  for (int64_t i = 0; i < kH; ++i)
    for (int64_t j = 0; j < kW; ++j) {
      p[(i * kW + j) * 3] = static_cast<uint8_t>((i * 37 + j * 11) % 256);  // R: low byte
      p[(i * kW + j) * 3 + 1] = static_cast<uint8_t>((i + j) % 40);         // G: high byte
      p[(i * kW + j) * 3 + 2] = 200;                                         // B: ignored
    }
  fs::create_directories(seq_dir("train", "ABF10") + "/depth");
  image::write_png(seq_dir("train", "ABF10") + "/depth/0000.png", enc);
  const HandSample s = Ho3dDataset(root_).get(0);
  ASSERT_TRUE(s.depth.defined());
  ASSERT_EQ(s.depth.sizes(), (Shape{1, kH, kW}));
  for (int64_t i = 0; i < kH; ++i)
    for (int64_t j = 0; j < kW; ++j) {
      const double raw = ((i * 37 + j * 11) % 256) + 256.0 * ((i + j) % 40);
      ASSERT_FLOAT_EQ(s.depth.data<float>()[i * kW + j], static_cast<float>(raw * kHo3dDepthScale)) << i << "," << j;
    }
  // A known value: R = 0, G = 32 → 8192 units = 1.0239 m.
  Tensor one = zeros({1, 1, 3}, DType::u8);
  one.data<uint8_t>()[1] = 32;
  EXPECT_NEAR(decode_ho3d_depth(one).data<float>()[0], 8192 * 0.00012498664727900177, 1e-7);
  EXPECT_THROW(decode_ho3d_depth(zeros({2, 2}, DType::u8)), std::invalid_argument);

  // load_depth = false skips it; a depth map of another size is rejected naming the file.
  EXPECT_FALSE(Ho3dDataset(root_, {.load_depth = false}).get(0).depth.defined());
  image::write_png(seq_dir("train", "ABF10") + "/depth/0000.png", zeros({kH, kW - 1, 3}, DType::u8));
  expect_one_line_naming(message_of([&] { Ho3dDataset(root_).get(0); }), {"depth/0000.png", "differs"});
  // A 16-bit grey PNG is not HO-3D's encoding.
  image::write_png16(seq_dir("train", "ABF10") + "/depth/0000.png", zeros({kH, kW}, DType::i32));
  expect_one_line_naming(message_of([&] { Ho3dDataset(root_).get(0); }), {"depth/0000.png", "8-bit RGB PNG"});
}

TEST_F(Ho3d, SegBlueChannelIsTheHandMask) {
  add_frame("train", "ABF10", "0000", "ho3d_train_p2.pkl");
  write_list("train", "ABF10/0000\n");
  // Half resolution (15 × 20): hand (blue) in columns < 8, object (green) elsewhere.
  Tensor seg = zeros({kH / 2, kW / 2, 3}, DType::u8);
  uint8_t* p = seg.data<uint8_t>();
  for (int64_t i = 0; i < kH / 2; ++i)
    for (int64_t j = 0; j < kW / 2; ++j) p[(i * kW / 2 + j) * 3 + (j < 8 ? 2 : 1)] = 255;
  fs::create_directories(seq_dir("train", "ABF10") + "/seg");
  image::write_jpeg(seq_dir("train", "ABF10") + "/seg/0000.jpg", seg, 95);
  const HandSample s = Ho3dDataset(root_).get(0);
  ASSERT_TRUE(s.mask.defined());
  ASSERT_EQ(s.mask.sizes(), (Shape{1, kH, kW}));
  for (int64_t i = 0; i < kH; ++i)
    for (int64_t j = 0; j < kW; ++j) {
      const float m = s.mask.data<float>()[i * kW + j];
      ASSERT_TRUE(m == 0.0f || m == 1.0f);
      if (j < 14) {  // away from the JPEG-blurred edge at 16
        EXPECT_EQ(m, 1.0f) << i << "," << j;
      }
      if (j >= 18) {
        EXPECT_EQ(m, 0.0f) << i << "," << j;
      }
    }
  EXPECT_FALSE(Ho3dDataset(root_, {.load_masks = false}).get(0).mask.defined());
  // Not an integer fraction of the image: rejected naming the file.
  image::write_jpeg(seq_dir("train", "ABF10") + "/seg/0000.jpg", zeros({kH / 2, kW / 3, 3}, DType::u8), 95);
  expect_one_line_naming(message_of([&] { Ho3dDataset(root_).get(0); }), {"seg/0000.jpg", "integer factor"});
}

TEST_F(Ho3d, MalformedMetaIsRejectedNamingFileAndField) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"ho3d_bad_nokey.pkl", {"camMat: missing"}},
      {"ho3d_bad_shape.pkl", {"camMat: expected [3, 3], got [3]"}},
      {"ho3d_bad_joints.pkl", {"handJoints3D: expected [21, 3] or [3] or [1, 3], got [20, 3]"}},
  };
  for (const auto& [fixture, parts] : cases) {
    fs::remove_all(root_);
    add_frame("train", "GSF11", "0003", fixture);
    write_list("train", "GSF11/0003\n");
    Ho3dDataset ds(root_);
    std::vector<std::string> want = parts;
    want.push_back("GSF11/meta/0003.pkl");
    expect_one_line_naming(message_of([&] { ds.get(0); }), want);
    EXPECT_THROW(ds.get(0), Ho3dError);
  }
  // Hand-written pickles: a list instead of a dict; a dict whose camMat calls os.system.
  fs::remove_all(root_);
  add_frame("train", "GSF11", "0003", "");
  write_list("train", "GSF11/0003\n");
  static const char kList[] = "\x80\x02" "]q\x00" "(K\x01" "K\x02" "e.";  // [1, 2]
  write_meta_bytes("train", "GSF11", "0003", std::string(kList, sizeof kList - 1));
  Ho3dDataset ds(root_);
  expect_one_line_naming(message_of([&] { ds.get(0); }), {"meta/0003.pkl", "expected a dict", "list"});
  // {'camMat': os.system('true')} at protocol 2.
  static const char kEvil[] = "\x80\x02" "}q\x00" "X\x06\x00\x00\x00" "camMatq\x01" "cos\nsystem\nq\x02"
                              "X\x04\x00\x00\x00" "trueq\x03" "\x85q\x04" "Rq\x05" "s.";
  const std::string evil(kEvil, sizeof kEvil - 1);
  write_meta_bytes("train", "GSF11", "0003", evil);
  expect_one_line_naming(message_of([&] { ds.get(0); }), {"meta/0003.pkl", "global 'os.system' is not allowed"});
  // Truncated pickle.
  std::ifstream in(kFixtures + "/ho3d_train_p4.pkl", std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_meta_bytes("train", "GSF11", "0003", good.substr(0, good.size() / 2));
  expect_one_line_naming(message_of([&] { ds.get(0); }), {"meta/0003.pkl"});
  EXPECT_THROW(ds.get(0), Ho3dError);
  // The same file whole reads.
  write_meta_bytes("train", "GSF11", "0003", good);
  EXPECT_NO_THROW(ds.get(0));
}

TEST_F(Ho3d, MissingFilesAndBadLists) {
  add_frame("train", "ABF10", "0000", "ho3d_train_p2.pkl");
  add_frame("train", "ABF10", "0001", "ho3d_train_p4.pkl");
  fs::remove(seq_dir("train", "ABF10") + "/rgb/0001.png");
  write_list("train", "ABF10/0000\nABF10/0001\n");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"ABF10/rgb/0001.png: missing", "train.txt line 2"});
  {
    Ho3dDataset ds(root_, {.skip_bad = true});
    EXPECT_EQ(ds.size(), 1);
    EXPECT_EQ(ds.skipped(), 1);
  }
  add_frame("train", "ABF10", "0001", "");  // image back, meta absent
  fs::remove(seq_dir("train", "ABF10") + "/meta/0001.pkl");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"ABF10/meta/0001.pkl: missing"});

  write_list("train", "ABF10/0000\n../etc/passwd\n");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"train.txt: line 2", "SEQ/FRAME"});
  write_list("train", "ABF10\n");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"train.txt: line 1"});
  write_list("train", "\n\n");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"train.txt: no readable frames"});
  fs::remove(root_ + "/train.txt");
  expect_one_line_naming(message_of([&] { Ho3dDataset ds(root_); }), {"train.txt: cannot open"});
  EXPECT_THROW(Ho3dDataset(root_, {.split = "test"}), std::invalid_argument);
  EXPECT_THROW(Ho3dDataset(root_ + "/nowhere"), Ho3dError);
}

TEST_F(Ho3d, CorruptFramesAreSkippedWhenAsked) {
  add_frame("train", "ABF10", "0000", "ho3d_train_p2.pkl");
  add_frame("train", "ABF10", "0001", "ho3d_train_p4.pkl", true);
  write_list("train", "ABF10/0000\nABF10/0001\n");
  write_text(seq_dir("train", "ABF10") + "/rgb/0000.png", "\x89PNG\r\n\x1a\n truncated");
  EXPECT_THROW(Ho3dDataset(root_).get(0), image::ImageError);
  Ho3dDataset ds(root_, {.skip_bad = true});
  const HandSample s = ds.get(0);
  EXPECT_EQ(s.source, "ho3d:train:ABF10/0001");
  EXPECT_EQ(ds.skipped(), 1);
  write_meta_bytes("train", "ABF10", "0001", "not a pickle");
  EXPECT_THROW(ds.get(0), Ho3dError);  // nothing readable left
}

}  // namespace
}  // namespace hg::hand
