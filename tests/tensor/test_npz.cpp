// .npy / .npz (tensor/npz.h): files written by numpy (tests/reference/make_pickle_fixtures.py) read
// bit-exactly, round trips of every dtype, and one test per rejection rule.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "tensor/factory.h"
#include "tensor/npz.h"
#include "tensor/view.h"
#include "tensor/zip.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

using namespace hg;
using hg::testing::BitEqual;
using hg::testing::error_message;
using hg::testing::expect_error_parts;
using hg::testing::fixture_bytes;

namespace {

const std::string kFixtures = HG_FIXTURE_DIR;

template <class T>
Tensor make(std::vector<T> v, Shape s) {
  return from_vector<T>(v, s);
}
Tensor make_bool(std::initializer_list<int> v) {
  Tensor t = Tensor::empty({static_cast<int64_t>(v.size())}, DType::boolean);
  int64_t i = 0;
  for (int x : v) t.data<bool>()[i++] = x != 0;
  return t;
}
Tensor make_f16(std::vector<float> v, Shape s) { return ops::to_dtype(from_vector<float>(v, s), DType::f16); }

// The arrays of npz_arrays() in make_pickle_fixtures.py, as the reader must return them.
std::map<std::string, Tensor> expected_fixture_arrays() {
  std::map<std::string, Tensor> e;
  e["f2"] = make_f16({0.5f, -2.0f, 65504.0f, 0.0f}, {2, 2});
  std::vector<float> f4(12);
  for (int i = 0; i < 12; ++i) f4[i] = static_cast<float>(i) / 8;
  e["f4"] = make<float>(f4, {3, 4});
  std::vector<double> f8(7);
  const double step = 2.0 / 6;  // numpy.linspace: arange(n) * step + start, last element = stop
  for (int i = 0; i < 7; ++i) f8[i] = i * step + -1.0;
  f8[6] = 1.0;
  e["f8"] = make<double>(f8, {7});
  e["i1"] = make<int32_t>({-128, 0, 127}, {3});
  e["i2"] = make<int32_t>({-32768, 32767}, {2});
  e["i4"] = make<int32_t>({-5, 6, 7}, {1, 3});
  e["i8"] = make<int64_t>({-(int64_t{1} << 62), 3, int64_t{1} << 62}, {3});
  e["u1"] = make<uint8_t>({0, 128, 255}, {3});
  e["u2"] = make<int32_t>({0, 65535}, {2});
  e["u4"] = make<int64_t>({4294967295LL, 1}, {2});
  e["u8"] = make<int64_t>({INT64_MAX, 0}, {2});
  e["b1"] = make_bool({1, 0, 0, 1});
  std::vector<double> seq(24);
  for (int i = 0; i < 24; ++i) seq[i] = i;
  e["fortran"] = make<double>(seq, {2, 3, 4});
  e["fortran_i4"] = make<int32_t>({0, 1, 2, 3, 4, 5}, {2, 3});
  e["big_f8"] = make<double>({1.5, -2.25, 1e10}, {3});
  e["big_i2"] = make<int32_t>({-2, 300}, {2});
  e["zero_d"] = make<double>({3.25}, {});
  e["empty"] = Tensor::empty({0, 3}, DType::f32);
  return e;
}

void expect_fixture(const std::string& name) {
  const std::map<std::string, Tensor> got = read_npz(kFixtures + "/" + name);
  const std::map<std::string, Tensor> want = expected_fixture_arrays();
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [k, t] : want) {
    ASSERT_TRUE(got.count(k)) << k;
    EXPECT_TRUE(BitEqual(got.at(k), t)) << name << ": " << k;
  }
}

// A .npy file from header text (padded like numpy's) and raw data.
std::string npy_with(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const size_t n = header.size();
  out += static_cast<char>(n & 0xFF);
  out += static_cast<char>((n >> 8) & 0xFF);
  if (major > 1) out += std::string(2, '\0');
  return out + header + data;
}

std::string raw_of(const Tensor& t) {
  return std::string(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
}

TEST(Npz, ReadsNumpySavez) { expect_fixture("npz_stored.npz"); }
TEST(Npz, ReadsNumpySavezCompressed) { expect_fixture("npz_compressed.npz"); }

TEST(Npz, NumpyUsesTheMethodsWeExpect) {
  // The fixtures really are stored / deflated (and savez's members carry ZIP64 local extras).
  for (const zip::Entry& e : zip::read(kFixtures + "/npz_stored.npz")) EXPECT_EQ(e.method, 0) << e.name;
  for (const zip::Entry& e : zip::read(kFixtures + "/npz_compressed.npz")) EXPECT_EQ(e.method, 8) << e.name;
}

TEST(Npy, ReadsFormatVersions1To3) {
  std::vector<int64_t> v(10);
  for (int i = 0; i < 10; ++i) v[i] = 3 * i;
  const Tensor want = make<int64_t>(v, {2, 5});
  for (int version : {1, 2, 3}) EXPECT_TRUE(BitEqual(read_npy(kFixtures + "/npy_v" + std::to_string(version) + ".npy"), want));
}

TEST(Npy, WritesTheBytesNumpyWrites) {
  const std::string numpy_bytes = fixture_bytes("npy_v1.npy");
  std::vector<int64_t> v(10);
  for (int i = 0; i < 10; ++i) v[i] = 3 * i;
  EXPECT_EQ(npy_bytes(make<int64_t>(v, {2, 5})), numpy_bytes);
}

TEST(Npz, RoundTripsEveryDtypeBitExactly) {
  Generator g(7);
  std::map<std::string, Tensor> arrays{
      {"f16", randn({3, 5}, DType::f16, &g)},
      {"f32", randn({2, 3, 4}, DType::f32, &g)},
      {"f64", randn({17}, DType::f64, &g)},
      {"i32", randint(-1000, 1000, {4, 4}, DType::i32, &g)},
      {"i64", randint(-(int64_t{1} << 40), int64_t{1} << 40, {6}, DType::i64, &g)},
      {"u8", randint(0, 256, {2, 9}, DType::u8, &g)},
      {"bool", bernoulli({11}, 0.5, DType::boolean, &g)},
      {"scalar", scalar_tensor(-0.0, DType::f64)},
      {"empty", Tensor::empty({0, 7}, DType::i32)},
      {"transposed", ops::transpose(randn({3, 4}, DType::f32, &g), 0, 1)},
  };
  for (bool compress : {false, true}) {
    const auto back = parse_npz(npz_bytes(arrays, compress), "rt.npz");
    ASSERT_EQ(back.size(), arrays.size());
    for (const auto& [k, t] : arrays) EXPECT_TRUE(BitEqual(back.at(k), t)) << k << " compress=" << compress;
  }
}

TEST(Npz, WriteAndReadFiles) {
  const std::string dir = ::testing::TempDir() + "/hg_npz_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const Tensor t = make<double>({1, 2, 3}, {3});
  write_npz(dir + "/a.npz", {{"x", t}});
  EXPECT_TRUE(BitEqual(read_npz(dir + "/a.npz").at("x"), t));
  write_npy(dir + "/a.npy", t);
  EXPECT_TRUE(BitEqual(read_npy(dir + "/a.npy"), t));
  expect_error_parts<NpzError>([&] { read_npz(dir + "/nope.npz"); }, {dir + "/nope.npz: cannot open"});
  std::filesystem::remove_all(dir);
}

TEST(Npz, Bf16HasNoNumpyDtype) {
  expect_error_parts<NpzError>([] { npz_bytes({{"b", Tensor::empty({2}, DType::bf16)}}, false); }, {"dtype bf16 has no numpy equivalent"});
}

TEST(Npy, LargeHeadersUseVersion2) {
  Shape s(40, 1);  // still fits v1; a v1 header is limited to 65535 bytes, which shapes never reach
  const std::string b = npy_bytes(Tensor::empty(s, DType::f32));
  EXPECT_EQ(b[6], 1);
  EXPECT_EQ((10 + (static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8))) % 64, 0u);
}

TEST(Npy, BigEndianAndSmallIntegersConvert) {
  const std::string be = std::string("\x00\x00\x00\x01\xff\xff\xff\xfe", 8);
  EXPECT_TRUE(BitEqual(read_npy_bytes(npy_with("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be), "be.npy"),
                       make<int32_t>({1, -2}, {2})));
  // Python 2 wrote long literals: (2L,)
  EXPECT_TRUE(BitEqual(read_npy_bytes(npy_with("{'descr': '<u2', 'fortran_order': False, 'shape': (2L,), }", std::string("\xff\xff\x01\x00", 4)), "p2.npy"),
                       make<int32_t>({65535, 1}, {2})));
  // Key order and quoting are free, as in any Python dict literal.
  EXPECT_TRUE(BitEqual(read_npy_bytes(npy_with("{\"shape\": (), \"fortran_order\": True, \"descr\": \"|u1\"}", "\x07"), "q.npy"),
                       make<uint8_t>({7}, {})));
}

TEST(Npy, RejectsMalformedFiles) {
  const std::string f8x2 = raw_of(make<double>({1, 2}, {2}));
  const std::string ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  auto bad = [&](const std::string& bytes, std::initializer_list<std::string> parts) {
    expect_error_parts<NpzError>([&] { read_npy_bytes(bytes, "bad.npy"); }, parts);
    EXPECT_EQ(error_message<NpzError>([&] { read_npy_bytes(bytes, "bad.npy"); }).rfind("bad.npy: ", 0), 0u);
  };
  ASSERT_NO_THROW(read_npy_bytes(npy_with(ok, f8x2), "good.npy"));
  bad("PK\x03\x04", {"no \\x93NUMPY magic"});
  std::string v4 = npy_with(ok, f8x2);
  v4[6] = 4;
  bad(v4, {"format version 4.0 is not supported"});
  std::string long_header = npy_with(ok, f8x2);
  long_header[8] = '\xff';
  long_header[9] = '\xff';
  bad(long_header, {"header length 65535 runs past the end"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False}", f8x2), {"lacks the key 'shape'"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", f8x2), {"unexpected key 'extra'"});
  bad(npy_with("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f8x2), {"structured dtypes"});
  for (const char* d : {"<c16", "|O", "<U3", "|S4", "<f16", "<i3", "f", ""})
    bad(npy_with(std::string("{'descr': '") + d + "', 'fortran_order': False, 'shape': (2,), }", f8x2), {"unsupported dtype"});
  bad(npy_with("{'descr': '|f8', 'fortran_order': False, 'shape': (2,), }", f8x2), {"no byte order but is wider"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", f8x2), {"expected a non-negative integer"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", f8x2), {"'shape' must be a tuple"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': 'no', 'shape': (2,), }", f8x2), {"must be True or False"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x", f8x2), {"text after its closing"});
  bad(npy_with("{'descr': '<f\\x38', 'fortran_order': False, 'shape': (2,), }", f8x2), {"escapes"});
  bad(npy_with(ok, f8x2.substr(0, 15)), {"needs 16 data bytes, found 15"});
  bad(npy_with(ok, f8x2 + "x"), {"needs 16 data bytes, found 17"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", f8x2), {"shape [4611686018427387904, 4] is too large"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4), }", ""), {"is too large"});
  bad(npy_with("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", std::string("\x01\x02", 2)), {"byte value 2 at element 1"});
  bad(npy_with("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\xff')), {"does not fit int64"});
  bad(npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", f8x2), {"dimension is too large"});
}

TEST(Npz, ErrorsNameTheFileAndTheMember) {
  const std::string good = npy_with("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'));
  const std::string z = zip::serialize({{"ok.npy", good}, {"broken.npy", good.substr(0, 20)}}, true);
  expect_error_parts<NpzError>([&] { parse_npz(z, "model.npz"); }, {"model.npz: 'broken.npy': "});
  const std::string other = zip::serialize({{"readme.txt", "hello"}}, false);
  expect_error_parts<NpzError>([&] { parse_npz(other, "model.npz"); }, {"model.npz: 'readme.txt': member is not a '<name>.npy' array"});
  expect_error_parts<NpzError>([&] { parse_npz("not a zip at all, just text", "model.npz"); }, {"model.npz: no end-of-central-directory"});
}

}  // namespace
