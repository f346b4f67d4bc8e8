// safetensors: writing then reading gives back every tensor bit for bit (all dtypes, metadata,
// non-contiguous sources, 0-d and empty tensors), and the written layout follows the format.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iterator>
#include <limits>

#include "tensor/factory.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

using namespace hg;
namespace st = hg::safetensors;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const Tensor& t) {
  const Tensor c = ops::contiguous(t);
  return std::string(static_cast<const char*>(c.raw_data()), c.numel() * dtype_size(c.dtype()));
}

void expect_same(const Tensor& expected, const Tensor& got, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(got.defined());
  EXPECT_EQ(got.dtype(), expected.dtype());
  EXPECT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(got.is_contiguous());
  EXPECT_TRUE(got.device().is_cpu());
  EXPECT_EQ(bytes_of(got), bytes_of(expected));
}

// One tensor of every dtype, with values that exercise sign, extremes and special floats.
std::vector<std::pair<std::string, Tensor>> all_dtypes() {
  const float inf = std::numeric_limits<float>::infinity();
  return {
      {"f32", from_vector<float>({0.f, -0.f, 1.5f, -inf, inf, 3.4e38f}, {2, 3})},
      {"f64", from_vector<double>({1.0 / 3.0, -1e300, 5e-324}, {3})},
      {"f16", from_vector<half>({half(1.f), half(-0.5f), half(65504.f), half(6.1e-5f)}, {4})},
      {"bf16", from_vector<bfloat16>({bfloat16(1.f), bfloat16(-2.f), bfloat16(3.140625f), bfloat16(1e38f)}, {2, 2})},
      {"i32", from_vector<int32_t>({INT32_MIN, -1, 0, 1, INT32_MAX}, {5})},
      {"i64", from_vector<int64_t>({INT64_MIN, 0, INT64_MAX}, {3, 1})},
      {"u8", from_vector<uint8_t>({0, 1, 127, 128, 254, 255}, {1, 2, 3})},
      {"bool", from_vector<bool>({true, false, false, true}, {2, 2})},
  };
}

std::string temp_dir() {
  const fs::path d = fs::temp_directory_path() / ("hg_st_" + std::to_string(::getpid()) + "_" +
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

}  // namespace

TEST(SafetensorsRoundTrip, EveryDtypeWithMetadata) {
  const auto tensors = all_dtypes();
  const std::map<std::string, std::string> meta{{"format", "pt"}, {"epoch", "12"}, {"note", "a \"quoted\" é"}};
  const st::File f = st::parse(st::serialize(tensors, meta), "roundtrip");
  ASSERT_EQ(f.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    ASSERT_TRUE(f.contains(name)) << name;
    expect_same(t, f.at(name), name);
  }
  EXPECT_EQ(f.metadata, meta);
  EXPECT_EQ(f.source, "roundtrip");
}

TEST(SafetensorsRoundTrip, NonContiguousInputIsStoredRowMajor) {
  const Tensor base = arange(0, 24, 1, DType::f32);
  const Tensor t = ops::permute(ops::view(base, {2, 3, 4}), {2, 0, 1});  // [4, 2, 3], not contiguous
  const Tensor s = ops::slice(base, 0, 1, 24, 5);                        // stride 5
  const Tensor e = ops::expand(ops::view(arange(0, 3, 1, DType::i32), {3, 1}), {3, 4});  // stride 0
  ASSERT_FALSE(t.is_contiguous());
  const st::File f = st::parse(st::serialize({{"perm", t}, {"step", s}, {"bcast", e}}));
  expect_same(t, f.at("perm"), "perm");
  expect_same(s, f.at("step"), "step");
  expect_same(e, f.at("bcast"), "bcast");
  EXPECT_EQ(f.at("perm").to_vector<float>(), t.to_vector<float>());
}

TEST(SafetensorsRoundTrip, ZeroDimAndEmptyTensors) {
  const Tensor scalar = scalar_tensor(42.5, DType::f64);
  const Tensor empty = zeros({0, 3}, DType::f32);
  const Tensor empty_i = zeros({4, 0, 2}, DType::i64);
  const st::File f = st::parse(st::serialize({{"scalar", scalar}, {"empty", empty}, {"empty_i", empty_i}}));
  EXPECT_EQ(f.at("scalar").dim(), 0);
  EXPECT_EQ(f.at("scalar").item<double>(), 42.5);
  EXPECT_EQ(f.at("empty").sizes(), (Shape{0, 3}));
  EXPECT_EQ(f.at("empty_i").sizes(), (Shape{4, 0, 2}));
  EXPECT_EQ(f.at("empty_i").dtype(), DType::i64);
}

TEST(SafetensorsRoundTrip, NoTensorsAtAll) {
  const std::string bytes = st::serialize({}, {{"k", "v"}});
  const st::File f = st::parse(bytes);
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_EQ(f.metadata.at("k"), "v");
}

TEST(SafetensorsRoundTrip, LayoutFollowsTheFormat) {
  const std::string bytes = st::serialize({{"zeta", ones({3}, DType::u8)}, {"alpha", ones({2}, DType::f32)}});
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "header padded to a multiple of 8";
  EXPECT_EQ(bytes[8], '{');
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.find_last_not_of(' ') + 1, header.rfind('}') + 1) << "padding is spaces after the JSON";
  EXPECT_EQ(bytes.size(), 8 + n + 2 * 4 + 3);
  // Data in name order: alpha's two f32 ones, then zeta's three bytes of 1.
  const float one = 1.f;
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + n, &one, 4), 0);
  EXPECT_EQ(bytes.substr(8 + n + 8), std::string("\x01\x01\x01", 3));
  const st::File f = st::parse(bytes);
  EXPECT_EQ(f.tensors[0].first, "alpha");
  EXPECT_EQ(f.tensors[1].first, "zeta");
  EXPECT_EQ(st::serialize({{"zeta", ones({3}, DType::u8)}, {"alpha", ones({2}, DType::f32)}}), bytes)
      << "serialisation is deterministic";
}

TEST(SafetensorsRoundTrip, LoadedTensorsDoNotAliasTheInput) {
  std::string bytes = st::serialize({{"x", full({4}, 7.0, DType::f32)}});
  const st::File f = st::parse(bytes);
  const char* p = static_cast<const char*>(f.at("x").raw_data());
  EXPECT_TRUE(p < bytes.data() || p >= bytes.data() + bytes.size());
  std::fill(bytes.begin(), bytes.end(), '\0');
  EXPECT_EQ(f.at("x").to_vector<float>(), (std::vector<float>{7, 7, 7, 7}));
}

TEST(SafetensorsRoundTrip, SaveAndLoadThroughAFile) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/model.safetensors";
  st::save(path, all_dtypes(), {{"step", "3"}});
  st::save(path, all_dtypes(), {{"step", "4"}});  // overwrites atomically
  const st::File f = st::load(path);
  for (const auto& [name, t] : all_dtypes()) expect_same(t, f.at(name), name);
  EXPECT_EQ(f.metadata.at("step"), "4");
  EXPECT_EQ(f.source, path);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary file is left behind";
  fs::remove_all(dir);
}

TEST(SafetensorsRoundTrip, FailedSaveLeavesNoTemporaryFile) {
  const std::string dir = temp_dir();
  const std::string target = dir + "/occupied";
  fs::create_directories(target + "/child");  // renaming a file over a non-empty directory fails
  try {
    st::save(target, {{"x", ones({2})}});
    FAIL() << "expected SafetensorsError";
  } catch (const st::SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
  }
  const auto entries = std::distance(fs::directory_iterator(dir), fs::directory_iterator());
  EXPECT_EQ(entries, 1) << "only the directory remains";
  EXPECT_THROW(st::save(dir + "/no/such/dir/x.safetensors", {{"x", ones({2})}}), st::SafetensorsError);
  fs::remove_all(dir);
}

TEST(SafetensorsRoundTrip, SerializeRejectsBadNames) {
  const Tensor x = ones({2});
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const st::SafetensorsError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(message([&] { st::serialize({{"a", x}, {"a", x}}); }).find("appears twice"), std::string::npos);
  EXPECT_NE(message([&] { st::serialize({{"__metadata__", x}}); }).find("__metadata__"), std::string::npos);
  EXPECT_NE(message([&] { st::serialize({{"u", Tensor()}}); }).find("undefined"), std::string::npos);
  EXPECT_NE(message([&] { st::serialize({{"bad\xff", x}}); }).find("UTF-8"), std::string::npos);
}

TEST(SafetensorsRoundTrip, AtNamesTheMissingTensor) {
  const st::File f = st::parse(st::serialize({{"x", ones({1})}}), "ckpt.safetensors");
  try {
    f.at("y");
    FAIL();
  } catch (const st::SafetensorsError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("ckpt.safetensors"), std::string::npos) << m;
    EXPECT_NE(m.find("'y'"), std::string::npos) << m;
  }
  EXPECT_FALSE(f.contains("y"));
}
