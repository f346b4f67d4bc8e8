// MANO readers and writers (hand/mano_model.h): the official-layout pickle, the npz conversion and the
// expected arrays (tests/reference/make_pickle_fixtures.py) agree bit for bit; the writers round-trip;
// validate() has one test per check.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "hand/mano_model.h"
#include "tensor/factory.h"
#include "tensor/npz.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

using namespace hg;
using namespace hg::hand;
using hg::testing::BitEqual;
using hg::testing::error_message;
using hg::testing::expect_error_parts;

namespace {

const std::string kFixtures = HG_FIXTURE_DIR;

// A scratch folder removed at the end of each test.
struct TempDir {
  std::string path = ::testing::TempDir() + "/hg_mano_io_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

void expect_matches(const ManoModel& m, const std::string& expected_file) {
  const safetensors::File e = safetensors::load(kFixtures + "/" + expected_file);
  EXPECT_TRUE(BitEqual(m.v_template, e.at("v_template")));
  EXPECT_TRUE(BitEqual(m.shapedirs, e.at("shapedirs")));
  EXPECT_TRUE(BitEqual(m.posedirs, e.at("posedirs")));
  EXPECT_TRUE(BitEqual(m.J_regressor, e.at("J_regressor")));
  EXPECT_TRUE(BitEqual(m.weights, e.at("weights")));
  EXPECT_TRUE(BitEqual(m.faces, e.at("f")));
  EXPECT_TRUE(BitEqual(m.hands_components, e.at("hands_components")));
  EXPECT_TRUE(BitEqual(m.hands_mean, e.at("hands_mean")));
  const std::vector<int64_t> kt = e.at("kintree_table").to_vector<int64_t>();
  for (int64_t j = 0; j < kManoJoints; ++j) EXPECT_EQ(m.parents[j], kt[j]) << "joint " << j;
  const std::vector<int64_t> tips = e.at("fingertips").to_vector<int64_t>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m.fingertips[i], tips[i]);
}

void expect_same_model(const ManoModel& a, const ManoModel& b) {
  EXPECT_TRUE(BitEqual(a.v_template, b.v_template));
  EXPECT_TRUE(BitEqual(a.shapedirs, b.shapedirs));
  EXPECT_TRUE(BitEqual(a.posedirs, b.posedirs));
  EXPECT_TRUE(BitEqual(a.J_regressor, b.J_regressor));
  EXPECT_TRUE(BitEqual(a.weights, b.weights));
  EXPECT_TRUE(BitEqual(a.faces, b.faces));
  EXPECT_TRUE(BitEqual(a.hands_components, b.hands_components));
  EXPECT_TRUE(BitEqual(a.hands_mean, b.hands_mean));
  EXPECT_EQ(a.parents, b.parents);
  EXPECT_EQ(a.fingertips, b.fingertips);
  EXPECT_EQ(a.is_right, b.is_right);
}

ManoModel tiny() { return load_mano_npz(kFixtures + "/mano_tiny.npz"); }

// ---- the three formats agree ----

TEST(ManoIo, OfficialLayoutPickleMatchesExpected) {
  const ManoModel m = load_mano_pkl(kFixtures + "/mano_tiny_RIGHT.pkl");
  EXPECT_EQ(m.num_vertices(), 40);
  EXPECT_EQ(m.num_faces(), 60);
  EXPECT_TRUE(m.is_right);
  EXPECT_EQ(m.source, kFixtures + "/mano_tiny_RIGHT.pkl");
  EXPECT_EQ(m.parents, (std::array<int64_t, 16>{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14}));
  expect_matches(m, "mano_tiny_expected.safetensors");
}

TEST(ManoIo, ProtocolZeroPickleMatchesExpected) {
  expect_matches(load_mano_pkl(kFixtures + "/mano_tiny_p0_RIGHT.pkl"), "mano_tiny_p0_expected.safetensors");
}

TEST(ManoIo, NumpyNpzMatchesExpected) { expect_matches(tiny(), "mano_tiny_expected.safetensors"); }

TEST(ManoIo, PickleEqualsNpz) {
  const ManoModel pkl = load_mano(kFixtures + "/mano_tiny_RIGHT.pkl");
  ManoModel npz = load_mano(kFixtures + "/mano_tiny.npz");
  expect_same_model(pkl, npz);
}

TEST(ManoIo, WritersRoundTrip) {
  TempDir dir;
  ManoModel m = tiny();
  m.is_right = false;
  save_mano_safetensors(m, dir.path + "/m.safetensors");
  save_mano_npz(m, dir.path + "/m.npz", true);
  save_mano_npz(m, dir.path + "/m_stored.npz", false);
  for (const char* name : {"/m.safetensors", "/m.npz", "/m_stored.npz"}) {
    SCOPED_TRACE(name);
    const ManoModel back = load_mano(dir.path + name);
    expect_same_model(back, m);  // is_right comes from the stored key, not from the file name
  }
  // The npz holds the official keys plus fingertips and is_right, kintree_table and f as int64.
  const auto arrays = read_npz(dir.path + "/m.npz");
  EXPECT_EQ(arrays.at("kintree_table").dtype(), DType::i64);
  EXPECT_EQ(arrays.at("kintree_table").sizes(), (Shape{2, 16}));
  EXPECT_EQ(arrays.at("f").dtype(), DType::i64);
  EXPECT_EQ(arrays.at("is_right").dtype(), DType::boolean);
  EXPECT_EQ(arrays.at("fingertips").sizes(), (Shape{5}));
}

TEST(ManoIo, WritersValidateFirst) {
  TempDir dir;
  ManoModel m = tiny();
  m.fingertips[0] = 1000;
  expect_error_parts<ManoError>([&] { save_mano_npz(m, dir.path + "/bad.npz"); }, {dir.path + "/bad.npz: fingertips: id 1000"});
  expect_error_parts<ManoError>([&] { save_mano_safetensors(m, dir.path + "/bad.safetensors"); }, {"fingertips: id 1000"});
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/bad.npz"));
}

TEST(ManoIo, DispatchByExtension) {
  TempDir dir;
  std::filesystem::copy_file(kFixtures + "/mano_tiny.npz", dir.path + "/UPPER.NPZ");
  EXPECT_EQ(load_mano(dir.path + "/UPPER.NPZ").num_vertices(), 40);
  expect_error_parts<ManoError>([&] { load_mano(dir.path + "/model.obj"); }, {dir.path + "/model.obj: unknown MANO file extension '.obj'"});
  expect_error_parts<ManoError>([&] { load_mano(dir.path + "/no_extension"); }, {"unknown MANO file extension ''"});
  expect_error_parts<ManoError>([&] { load_mano(dir.path + "/missing.pkl"); }, {dir.path + "/missing.pkl: cannot open"});
}

TEST(ManoIo, LeftHandFromTheFileName) {
  TempDir dir;
  std::filesystem::copy_file(kFixtures + "/mano_tiny_RIGHT.pkl", dir.path + "/MANO_LEFT.pkl");
  EXPECT_FALSE(load_mano(dir.path + "/MANO_LEFT.pkl").is_right);
  EXPECT_TRUE(load_mano(kFixtures + "/mano_tiny_RIGHT.pkl").is_right);
}

TEST(ManoIo, FingertipsRequiredUnlessOfficialSize) {
  expect_error_parts<ManoError>([] { load_mano_pkl(kFixtures + "/mano_tiny_nofingertips.pkl"); },
               {"mano_tiny_nofingertips.pkl: fingertips: no fingertips", "10 vertices"});
  // A 778-vertex model without the key gets FreiHAND's tips.
  TempDir dir;
  const int64_t V = 778;
  std::map<std::string, Tensor> a;
  a["v_template"] = zeros({V, 3}, DType::f64);
  a["shapedirs"] = zeros({V, 3, 10}, DType::f64);
  a["posedirs"] = zeros({V, 3, 135}, DType::f64);
  a["J_regressor"] = zeros({16, V}, DType::f64);
  a["weights"] = zeros({V, 16}, DType::f64);
  a["f"] = zeros({2, 3}, DType::i64);
  a["hands_components"] = eye(45, DType::f64);
  a["hands_mean"] = zeros({45}, DType::f64);
  std::vector<int64_t> kt{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14};
  for (int64_t j = 0; j < 16; ++j) kt.push_back(j);
  a["kintree_table"] = from_vector<int64_t>(kt, {2, 16});
  write_npz(dir.path + "/official_size.npz", a);
  EXPECT_EQ(load_mano_npz(dir.path + "/official_size.npz").fingertips, (std::array<int64_t, 5>{744, 320, 443, 555, 672}));
}

TEST(ManoIo, ReaderErrorsNameFileAndKey) {
  TempDir dir;
  std::map<std::string, Tensor> a = read_npz(kFixtures + "/mano_tiny.npz");
  auto with = [&](const std::string& key, const Tensor& t) {
    std::map<std::string, Tensor> b = a;
    if (t.defined()) b[key] = t; else b.erase(key);
    const std::string path = dir.path + "/" + key + ".npz";
    write_npz(path, b);
    return path;
  };
  const std::string missing = with("posedirs", Tensor());
  expect_error_parts<ManoError>([&] { load_mano_npz(missing); }, {missing + ": posedirs: missing"});
  const std::string ints = with("v_template", zeros({40, 3}, DType::i64));
  expect_error_parts<ManoError>([&] { load_mano_npz(ints); }, {"v_template: expected a floating-point array, got i64"});
  const std::string float_faces = with("f", zeros({60, 3}, DType::f64));
  expect_error_parts<ManoError>([&] { load_mano_npz(float_faces); }, {"f: expected an integer array, got f64"});
  std::vector<int64_t> kt(32, 0);
  const std::string row1 = with("kintree_table", from_vector<int64_t>(kt, {2, 16}));
  expect_error_parts<ManoError>([&] { load_mano_npz(row1); }, {"kintree_table: row 1 must list the joints 0..15"});
  const std::string kshape = with("kintree_table", zeros({16}, DType::i64));
  expect_error_parts<ManoError>([&] { load_mano_npz(kshape); }, {"kintree_table: shape [16], expected [2, 16]"});
  const std::string tips = with("fingertips", zeros({4}, DType::i64));
  expect_error_parts<ManoError>([&] { load_mano_npz(tips); }, {"fingertips: shape [4], expected [5]"});
  const std::string right = with("is_right", scalar_tensor(2.0, DType::f64));
  expect_error_parts<ManoError>([&] { load_mano_npz(right); }, {"is_right: expected a bool"});
  const std::string junk = dir.path + "/junk.npz";
  { std::FILE* f = std::fopen(junk.c_str(), "wb"); std::fputs("not a zip", f); std::fclose(f); }
  expect_error_parts<ManoError>([&] { load_mano_npz(junk); }, {junk + ": "});
  const std::string junk_pkl = dir.path + "/junk.pkl";
  { std::FILE* f = std::fopen(junk_pkl.c_str(), "wb"); std::fputs("cos\nsystem\n.", f); std::fclose(f); }
  expect_error_parts<ManoError>([&] { load_mano_pkl(junk_pkl); }, {junk_pkl + ": global 'os.system' is not allowed"});
}

// ---- validate(): one test per check ----

void expect_invalid(const std::function<void(ManoModel&)>& edit, std::initializer_list<std::string> parts) {
  ManoModel m = tiny();
  edit(m);
  expect_error_parts<ManoError>([&] { validate(m, "where"); }, parts);
}

TEST(ManoValidate, AcceptsTheFixture) { EXPECT_NO_THROW(validate(tiny(), "tiny")); }

TEST(ManoValidate, VTemplateShape) {
  expect_invalid([](ManoModel& m) { m.v_template = zeros({40, 2}, DType::f64); }, {"where: v_template: shape [40, 2]"});
  expect_invalid([](ManoModel& m) { m.v_template = Tensor(); }, {"where: v_template: missing"});
}
TEST(ManoValidate, VTemplateDtype) {
  expect_invalid([](ManoModel& m) { m.v_template = ops::to_dtype(m.v_template, DType::f32); }, {"v_template: dtype f32, expected f64"});
}
TEST(ManoValidate, ShapedirsShape) {
  expect_invalid([](ManoModel& m) { m.shapedirs = zeros({40, 3, 9}, DType::f64); }, {"shapedirs: shape [40, 3, 9], expected [40, 3, 10]"});
}
TEST(ManoValidate, PosedirsShape) {
  expect_invalid([](ManoModel& m) { m.posedirs = zeros({39, 3, 135}, DType::f64); }, {"posedirs: shape [39, 3, 135]"});
}
TEST(ManoValidate, JRegressorShape) {
  expect_invalid([](ManoModel& m) { m.J_regressor = zeros({15, 40}, DType::f64); }, {"J_regressor: shape [15, 40], expected [16, 40]"});
}
TEST(ManoValidate, WeightsShape) {
  expect_invalid([](ManoModel& m) { m.weights = zeros({40, 15}, DType::f64); }, {"weights: shape [40, 15], expected [40, 16]"});
}
TEST(ManoValidate, FacesShapeAndDtype) {
  expect_invalid([](ManoModel& m) { m.faces = zeros({60, 4}, DType::i64); }, {"f: shape [60, 4], expected [F, 3]"});
  expect_invalid([](ManoModel& m) { m.faces = zeros({60, 3}, DType::i32); }, {"f: dtype i32, expected i64"});
}
TEST(ManoValidate, FaceIdsInRange) {
  expect_invalid([](ManoModel& m) { m.faces = ops::clone(m.faces); m.faces.data<int64_t>()[7] = 40; },
                 {"f: id 40 at flat index 7 is outside [0, 40)"});
  expect_invalid([](ManoModel& m) { m.faces = ops::clone(m.faces); m.faces.data<int64_t>()[0] = -1; }, {"f: id -1"});
}
TEST(ManoValidate, FingertipsInRange) {
  expect_invalid([](ManoModel& m) { m.fingertips[4] = 40; }, {"fingertips: id 40 at flat index 4"});
}
TEST(ManoValidate, HandsComponentsShape) {
  expect_invalid([](ManoModel& m) { m.hands_components = zeros({30, 45}, DType::f64); }, {"hands_components: shape [30, 45]"});
}
TEST(ManoValidate, HandsMeanShape) {
  expect_invalid([](ManoModel& m) { m.hands_mean = zeros({48}, DType::f64); }, {"hands_mean: shape [48], expected [45]"});
}
TEST(ManoValidate, FiniteValues) {
  expect_invalid([](ManoModel& m) { m.posedirs = ops::clone(m.posedirs); m.posedirs.data<double>()[5] = NAN; },
                 {"posedirs: non-finite value", "flat index 5"});
  expect_invalid([](ManoModel& m) { m.weights = ops::clone(m.weights); m.weights.data<double>()[0] = INFINITY; },
                 {"weights: non-finite value inf"});
}
TEST(ManoValidate, RootHasNoParent) {
  expect_invalid([](ManoModel& m) { m.parents[0] = 0; }, {"kintree_table: root joint 0 has parent 0, expected -1"});
}
TEST(ManoValidate, ParentsPrecedeChildren) {
  expect_invalid([](ManoModel& m) { m.parents[3] = 5; }, {"kintree_table: joint 3 has parent 5"});
  expect_invalid([](ManoModel& m) { m.parents[4] = 4; }, {"joint 4 has parent 4"});
  expect_invalid([](ManoModel& m) { m.parents[9] = -1; }, {"joint 9 has parent -1"});
}

}  // namespace
