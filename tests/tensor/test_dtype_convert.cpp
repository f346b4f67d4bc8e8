// dtype conversion (ops::to_dtype / copy_): exact round trips, and IEEE round-to-nearest-even when
// narrowing to f16 / bf16.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/factory.h"
#include "tensor/view.h"

using namespace hg;

namespace {
Tensor f32(const std::vector<float>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }
}  // namespace

TEST(DtypeConvert, SameDtypeReturnsTheSameTensor) {
  const Tensor a = ones({3});
  EXPECT_TRUE(ops::to_dtype(a, DType::f32).is_same(a));
  EXPECT_FALSE(ops::to_dtype(a, DType::f64).is_same(a));
}

TEST(DtypeConvert, WideningRoundTripsAreExact) {
  const std::vector<float> v{0.f, -0.f, 1.f / 3, 3.4e38f, -1.17549435e-38f, 1e-45f};
  EXPECT_EQ(ops::to_dtype(ops::to_dtype(f32(v), DType::f64), DType::f32).to_vector<float>(), v);
  const std::vector<int64_t> i{-(int64_t{1} << 53), -1, 0, 7, int64_t{1} << 53};
  EXPECT_EQ(ops::to_dtype(ops::to_dtype(from_vector(i, {5}), DType::f64), DType::i64).to_vector<int64_t>(), i);
  const std::vector<int32_t> j{INT32_MIN, -5, 0, INT32_MAX};
  EXPECT_EQ(ops::to_dtype(ops::to_dtype(from_vector(j, {4}), DType::i64), DType::i32).to_vector<int32_t>(), j);
}

TEST(DtypeConvert, EveryHalfAndBfloatSurvivesF32) {
  // All 65536 bit patterns: f16 -> f32 -> f16 and bf16 -> f32 -> bf16 are the identity (NaNs stay NaN).
  std::vector<uint16_t> bits(65536);
  for (int i = 0; i < 65536; ++i) bits[i] = static_cast<uint16_t>(i);
  for (DType dt : {DType::f16, DType::bf16}) {
    Tensor t = Tensor::empty({65536}, dt);
    std::memcpy(t.raw_data(), bits.data(), bits.size() * 2);
    const Tensor back = ops::to_dtype(ops::to_dtype(t, DType::f32), dt);
    const auto* out = static_cast<const uint16_t*>(back.raw_data());
    const auto as_f32 = t.to_vector<float>();
    for (int i = 0; i < 65536; ++i) {
      if (std::isnan(as_f32[i])) continue;
      ASSERT_EQ(out[i], bits[i]) << dtype_name(dt) << " pattern " << i;
    }
  }
}

TEST(DtypeConvert, NarrowingRoundsToNearestEven) {
  const float u = std::ldexp(1.f, -10);  // f16 spacing at 1
  // 1 + u/2 ties to even (1); 1 + 3u/2 ties to even (1 + 2u); 1 + 0.6u rounds up.
  EXPECT_EQ(ops::to_dtype(f32({1 + u / 2, 1 + 3 * u / 2, 1 + 0.6f * u, 65504.f, 70000.f, 1e-8f}), DType::f16)
                .to_vector<float>(),
            (std::vector<float>{1.f, 1 + 2 * u, 1 + u, 65504.f, std::numeric_limits<float>::infinity(), 0.f}));
  const float b = std::ldexp(1.f, -7);  // bf16 spacing at 1
  EXPECT_EQ(ops::to_dtype(f32({1 + b / 2, 1 + 3 * b / 2, 3.14159265f, -3e38f}), DType::bf16).to_vector<float>(),
            (std::vector<float>{1.f, 1 + 2 * b, 3.140625f, -3.00405527e38f}));  // values checked against torch
  // f16 subnormals: 2^-24 is the smallest; 2^-25 ties to 0.
  EXPECT_EQ(ops::to_dtype(f32({std::ldexp(1.f, -24), std::ldexp(1.f, -25)}), DType::f16).to_vector<float>(),
            (std::vector<float>{std::ldexp(1.f, -24), 0.f}));
}

TEST(DtypeConvert, IntegersAndBool) {
  const Tensor x = f32({-2.7f, -0.5f, 0.f, 0.5f, 2.7f});
  EXPECT_EQ(ops::to_dtype(x, DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{-2, 0, 0, 0, 2}))
      << "truncation toward zero";
  EXPECT_EQ(ops::to_dtype(x, DType::boolean).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0, 1, 1}))
      << "non-zero is true";
  EXPECT_EQ(ops::to_dtype(from_vector<bool>({true, false}, {2}), DType::f32).to_vector<float>(),
            (std::vector<float>{1.f, 0.f}));
  EXPECT_EQ(ops::to_dtype(from_vector<uint8_t>({0, 200, 255}, {3}), DType::i64).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 200, 255}));
  EXPECT_EQ(ops::to_dtype(from_vector<half>({half(0.f), half(-0.f), half(1.f)}, {3}), DType::boolean)
                .to_vector<uint8_t>(),
            (std::vector<uint8_t>{0, 0, 1}));
}

TEST(DtypeConvert, ConvertsNonContiguousSources) {
  const Tensor t = ops::transpose(ops::view(arange(0, 6, 1, DType::i64), {2, 3}), 0, 1);
  const Tensor f = ops::to_dtype(t, DType::bf16);
  EXPECT_TRUE(f.is_contiguous());
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(DtypeConvert, Names) {
  for (DType dt : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8,
                   DType::boolean}) {
    EXPECT_EQ(parse_dtype(dtype_name(dt)), dt);
    EXPECT_EQ(parse_dtype(dtype_safetensors_name(dt)), dt);
  }
  EXPECT_EQ(parse_dtype("float32"), DType::f32);
  EXPECT_EQ(parse_dtype("bfloat16"), DType::bf16);
  try {
    parse_dtype("f8");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'f8'"), std::string::npos);
  }
  EXPECT_EQ(promote_types(DType::f16, DType::bf16), DType::f32);
  EXPECT_EQ(promote_types(DType::i64, DType::f16), DType::f16);
  EXPECT_EQ(promote_types(DType::boolean, DType::u8), DType::u8);
}

// The bulk f32 <-> bf16 path (tensor/bf16_convert.h, taken by copy_ between contiguous tensors)
// gives Eigen::bfloat16's bits for every bf16 value, every rounding tie and NaN payload tried, and
// random f32 bit patterns; a strided copy (the element-by-element path) agrees with it.
TEST(DtypeConvert, BulkBfloat16ConversionMatchesElementwise) {
  std::vector<uint32_t> bits;
  for (uint32_t h = 0; h < 0x10000u; ++h) {  // every bf16, exactly, and with each kind of low half
    bits.push_back(h << 16);
    bits.push_back((h << 16) | 0x8000u);  // a tie: rounds to even
    bits.push_back((h << 16) | 0x8001u);  // just above the tie
    bits.push_back((h << 16) | 0x7fffu);  // just below
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 100000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    bits.push_back(static_cast<uint32_t>(state >> 32));
  }
  std::vector<float> values(bits.size());
  std::memcpy(values.data(), bits.data(), sizeof(float) * bits.size());
  const int64_t n = static_cast<int64_t>(values.size());
  const Tensor source = from_vector(values, {n});
  const Tensor bulk = ops::to_dtype(source, DType::bf16);
  ASSERT_TRUE(source.is_contiguous() && bulk.is_contiguous());
  const auto* got = static_cast<const bfloat16*>(bulk.raw_data());
  for (int64_t i = 0; i < n; ++i) {
    const bfloat16 want(values[i]);
    ASSERT_EQ(got[i].value, want.value) << "f32 bits 0x" << std::hex << bits[i];
  }
  // Back to f32: exact, and equal to Eigen's widening.
  const Tensor widened = ops::to_dtype(bulk, DType::f32);
  const auto* back = static_cast<const float*>(widened.raw_data());
  for (int64_t i = 0; i < n; ++i) {
    const float want = static_cast<float>(got[i]);
    ASSERT_EQ(std::memcmp(&back[i], &want, sizeof(float)), 0) << "bf16 bits 0x" << std::hex << got[i].value;
  }
  // A strided source takes the element-by-element path; same bits.
  const Tensor every_other = ops::to_dtype(ops::as_strided(source, {n / 2}, {2}, 0), DType::bf16);
  const auto* strided = static_cast<const bfloat16*>(every_other.raw_data());
  for (int64_t i = 0; i < n / 2; ++i) ASSERT_EQ(strided[i].value, got[2 * i].value) << i;
}
