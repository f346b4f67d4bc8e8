// safetensors: reads the file written by PyTorch in tests/reference/make_safetensors_fixture.py and
// checks every value (they are exactly representable, so equality is the right comparison).
#include <gtest/gtest.h>

#include <cmath>

#include "tensor/safetensors.h"

using namespace hg;
namespace st = hg::safetensors;

namespace {

const std::string kPath = std::string(HG_FIXTURE_DIR) + "/safetensors_all_dtypes.safetensors";

template <class T>
void expect_values(const st::File& f, const std::string& name, DType dtype, const Shape& shape,
                   const std::vector<T>& values) {
  SCOPED_TRACE(name);
  const Tensor& t = f.at(name);
  EXPECT_EQ(t.dtype(), dtype);
  EXPECT_EQ(t.sizes(), shape);
  EXPECT_EQ(t.to_vector<T>(), values);
}

}  // namespace

TEST(SafetensorsFixture, ReadsEveryDtypeWrittenByPyTorch) {
  const st::File f = st::load(kPath);
  expect_values<float>(f, "f32", DType::f32, {2, 3}, {0.f, 1.5f, -2.25f, 1024.f, -0.f, std::ldexp(1.f, -20)});
  EXPECT_TRUE(std::signbit(f.at("f32").to_vector<float>()[4])) << "-0.0 keeps its sign";
  expect_values<double>(f, "f64", DType::f64, {3}, {1.0 / 3.0, -1e300, 2.5});
  expect_values<float>(f, "f16", DType::f16, {4}, {1.f, -0.5f, 65504.f, std::ldexp(1.f, -14)});
  expect_values<float>(f, "bf16", DType::bf16, {2, 2}, {1.f, -2.f, 3.140625f, -0.0078125f});
  expect_values<int32_t>(f, "i32", DType::i32, {5}, {INT32_MIN, -1, 0, 1, INT32_MAX});
  expect_values<int64_t>(f, "i64", DType::i64, {3}, {INT64_MIN, 0, INT64_MAX});
  expect_values<uint8_t>(f, "u8", DType::u8, {2, 2, 2}, {0, 1, 2, 127, 128, 200, 254, 255});
  expect_values<uint8_t>(f, "bool", DType::boolean, {3}, {1, 0, 1});
  expect_values<float>(f, "scalar", DType::f32, {}, {42.5f});
  expect_values<float>(f, "empty", DType::f32, {0, 3}, {});
  // torch.arange(6).reshape(2, 3).t(), stored row-major.
  expect_values<int32_t>(f, "transposed", DType::i32, {3, 2}, {0, 3, 1, 4, 2, 5});
}

TEST(SafetensorsFixture, KeepsFileOrderAndMetadata) {
  const st::File f = st::load(kPath);
  std::vector<std::string> names;
  for (const auto& [name, t] : f.tensors) names.push_back(name);
  // Sorted by data offset = the order the Python script inserted them (empty shares scalar's end).
  EXPECT_EQ(names, (std::vector<std::string>{"f32", "f64", "f16", "bf16", "i32", "i64", "u8", "bool", "scalar",
                                             "empty", "transposed"}));
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "pt"},
                                                            {"producer", "make_safetensors_fixture.py"}}));
}

TEST(SafetensorsFixture, ParseOfTheSameBytesAgrees) {
  std::FILE* fp = std::fopen(kPath.c_str(), "rb");
  ASSERT_NE(fp, nullptr) << kPath;
  std::string bytes;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, fp)) > 0;) bytes.append(buf, n);
  std::fclose(fp);
  EXPECT_LT(bytes.size(), 10000u);
  const st::File a = st::parse(bytes, kPath), b = st::load(kPath);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].first, b.tensors[i].first);
    EXPECT_EQ(a.tensors[i].second.to_vector<double>(), b.tensors[i].second.to_vector<double>());
  }
}
