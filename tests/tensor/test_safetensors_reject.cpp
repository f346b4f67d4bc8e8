// safetensors: every rule of the format (tensor/safetensors_header.h) has a test that breaks it
// and checks the one-line SafetensorsError names the file and the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tensor/safetensors.h"

using namespace hg;
namespace st = hg::safetensors;

namespace {

const char* kSource = "bad.safetensors";

// A file from a header length, header text and data section (length defaults to the text's).
std::string file_with(const std::string& header, const std::string& data = "", int64_t length = -1) {
  const uint64_t n = length < 0 ? header.size() : static_cast<uint64_t>(length);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

// The error message parse() gives, or "<parsed>" if it accepted the bytes.
std::string error_of(const std::string& bytes) {
  try {
    st::parse(bytes, kSource);
  } catch (const st::SafetensorsError& e) {
    return e.what();
  }
  return "<parsed>";
}

// parse() must fail with a single-line message naming the source and containing `problem`.
void expect_rejected(const std::string& bytes, const std::string& problem) {
  const std::string m = error_of(bytes);
  EXPECT_EQ(m.rfind(std::string(kSource) + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(problem), std::string::npos) << "message: " << m << "\nexpected to mention: " << problem;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

std::string f32_entry(const std::string& shape, const std::string& offsets) {
  return R"({"dtype":"F32","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

}  // namespace

TEST(SafetensorsReject, Baseline) {
  EXPECT_EQ(error_of(file_with(R"({"a":)" + f32_entry("[2]", "[0,8]") + "}", std::string(8, '\0'))), "<parsed>");
}

TEST(SafetensorsReject, FileShorterThanEightBytes) {
  expect_rejected("", "shorter than the 8-byte header length");
  expect_rejected("abcdefg", "7 bytes, shorter than");
}

TEST(SafetensorsReject, HeaderLengthBeyondTheFile) {
  expect_rejected(file_with("{}", "", 100), "header length 100 is larger than the 2 bytes");
}

TEST(SafetensorsReject, HeaderLengthAbsurd) {
  expect_rejected(file_with("{}", "", int64_t{1} << 40), "is absurd");
  expect_rejected(file_with("{}", "", -1 & 0x7fffffffffffffff), "is absurd");
}

TEST(SafetensorsReject, HeaderNotValidJson) {
  expect_rejected(file_with(R"({"a":)"), "not valid JSON");
  expect_rejected(file_with(""), "not valid JSON");
  expect_rejected(file_with("{\"a\xff\":1}"), "not valid JSON");  // invalid UTF-8
  expect_rejected(file_with("{} {}"), "not valid JSON");          // trailing garbage
}

TEST(SafetensorsReject, HeaderNotAnObject) {
  expect_rejected(file_with("[1, 2]"), "header is not a JSON object");
  expect_rejected(file_with("\"text\""), "header is not a JSON object");
}

TEST(SafetensorsReject, EntryNotAnObject) {
  expect_rejected(file_with(R"({"w": [1, 2]})"), "tensor 'w': entry is not a JSON object");
}

TEST(SafetensorsReject, MissingField) {
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[1]}})"), "tensor 'w': missing field \"data_offsets\"");
  expect_rejected(file_with(R"({"w":{"shape":[],"data_offsets":[0,0]}})"), "missing field \"dtype\"");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","data_offsets":[0,0]}})"), "missing field \"shape\"");
}

TEST(SafetensorsReject, UnexpectedField) {
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[],"data_offsets":[0,4],"extra":1}})", "abcd"),
                  "unexpected field 'extra'");
}

TEST(SafetensorsReject, WrongTypedFields) {
  expect_rejected(file_with(R"({"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "\"dtype\" is not a string");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,4]}})", "abcd"),
                  "\"shape\" is not an array");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})", "abcd"),
                  "shape[0] is not an integer");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", "abcd"),
                  "shape[0] is not an integer");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd"),
                  "\"data_offsets\" is not an array [begin, end]");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":{"0":4}}})", "abcd"),
                  "\"data_offsets\" is not an array");
  expect_rejected(file_with(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}})", "abcd"),
                  "data_offsets[1] is not an integer");
}

TEST(SafetensorsReject, UnknownDtype) {
  expect_rejected(file_with(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "a"),
                  "unknown dtype 'F8_E4M3'");
  expect_rejected(file_with(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "unknown dtype 'f32'");  // the format's names are upper case
}

TEST(SafetensorsReject, NegativeShapeEntry) {
  expect_rejected(file_with(R"({"w":)" + f32_entry("[2,-1]", "[0,0]") + "}"), "shape[1] = -1 is negative");
}

TEST(SafetensorsReject, ShapeTooLarge) {
  expect_rejected(file_with(R"({"w":)" + f32_entry("[18446744073709551615]", "[0,0]") + "}"), "is too large");
  expect_rejected(file_with(R"({"w":)" + f32_entry("[4294967296,4294967296]", "[0,0]") + "}"),
                  "overflows int64 element count");
  // numel fits but numel * 4 bytes does not.
  expect_rejected(file_with(R"({"w":)" + f32_entry("[4611686018427387904]", "[0,0]") + "}"),
                  "byte size of shape [4611686018427387904] overflows");
  // An empty tensor whose other dims would overflow the strides.
  expect_rejected(file_with(R"({"w":)" + f32_entry("[0,4294967296,4294967296]", "[0,0]") + "}"), "overflows");
}

TEST(SafetensorsReject, OffsetsNotBeginEnd) {
  expect_rejected(file_with(R"({"w":)" + f32_entry("[1]", "[8,4]") + "}", std::string(8, 'x')),
                  "data_offsets [8, 4] has begin > end");
  expect_rejected(file_with(R"({"w":)" + f32_entry("[1]", "[-4,0]") + "}"), "data_offsets[0] = -4 is negative");
}

TEST(SafetensorsReject, OffsetsBeyondTheData) {
  expect_rejected(file_with(R"({"w":)" + f32_entry("[2]", "[0,8]") + "}", "abcd"),
                  "data_offsets end 8 is beyond the data section of 4 bytes");
}

TEST(SafetensorsReject, ByteLengthDisagreesWithShape) {
  expect_rejected(file_with(R"({"w":)" + f32_entry("[3]", "[0,8]") + "}", std::string(8, 'x')),
                  "cover 8 bytes but F32 [3] needs 12 bytes");
}

TEST(SafetensorsReject, OverlappingRanges) {
  const std::string h = R"({"a":)" + f32_entry("[2]", "[0,8]") + R"(,"b":)" + f32_entry("[2]", "[4,12]") + "}";
  expect_rejected(file_with(h, std::string(12, 'x')), "tensors 'a' and 'b' overlap");
  const std::string same = R"({"a":)" + f32_entry("[1]", "[0,4]") + R"(,"b":)" + f32_entry("[1]", "[0,4]") + "}";
  expect_rejected(file_with(same, std::string(4, 'x')), "overlap");
}

TEST(SafetensorsReject, HoleInTheData) {
  const std::string h = R"({"a":)" + f32_entry("[1]", "[0,4]") + R"(,"b":)" + f32_entry("[1]", "[8,12]") + "}";
  expect_rejected(file_with(h, std::string(12, 'x')), "data bytes [4, 8) are not covered by any tensor");
  expect_rejected(file_with(R"({"a":)" + f32_entry("[1]", "[4,8]") + "}", std::string(8, 'x')),
                  "data bytes [0, 4) are not covered");
}

TEST(SafetensorsReject, TrailingBytesAfterTheLastTensor) {
  expect_rejected(file_with(R"({"a":)" + f32_entry("[1]", "[0,4]") + "}", std::string(6, 'x')),
                  "data bytes [4, 6) at the end are not covered by any tensor");
  expect_rejected(file_with("{}", "x"), "data bytes [0, 1) at the end");
}

TEST(SafetensorsReject, MetadataNotAnObjectOfStrings) {
  expect_rejected(file_with(R"({"__metadata__":["a"]})"), "\"__metadata__\" is not an object of strings");
  expect_rejected(file_with(R"({"__metadata__":{"epoch":3}})"), "\"__metadata__\" value for key 'epoch' is not a string");
}

TEST(SafetensorsReject, DuplicateKeys) {
  const std::string e = f32_entry("[1]", "[0,4]");
  expect_rejected(file_with(R"({"a":)" + e + R"(,"a":)" + e + "}", "abcd"), "duplicate key 'a'");
  expect_rejected(file_with(R"({"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd"),
                  "duplicate key 'dtype'");
  expect_rejected(file_with(R"({"__metadata__":{"k":"1","k":"2"}})"), "duplicate key 'k'");
}

TEST(SafetensorsReject, DeepNesting) {
  const std::string deep = R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_rejected(file_with(deep), "nests deeper than");
}

TEST(SafetensorsReject, BoolBytesOtherThanZeroOrOne) {
  expect_rejected(file_with(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x01\x00\x02", 3)),
                  "byte value 2 at element 2 (expected 0 or 1)");
}

TEST(SafetensorsReject, NamesAreQuotedOnOneLine) {
  expect_rejected(file_with("{\"line\\nbreak\": 1}"), "tensor 'line\\x0abreak'");
}

TEST(SafetensorsReject, LoadNamesThePath) {
  namespace fs = std::filesystem;
  const std::string missing = "/nonexistent/dir/model.safetensors";
  try {
    st::load(missing);
    FAIL();
  } catch (const st::SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find(missing + ": cannot open"), std::string::npos) << e.what();
  }
  const std::string dir = fs::temp_directory_path().string();
  try {
    st::load(dir);
    FAIL();
  } catch (const st::SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  const std::string path = (fs::temp_directory_path() / ("hg_reject_" + std::to_string(::getpid()))).string();
  std::ofstream(path, std::ios::binary) << file_with(R"({"a":)" + f32_entry("[2]", "[0,8]") + "}", "abcd");
  try {
    st::load(path);
    FAIL();
  } catch (const st::SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": tensor 'a': data_offsets end 8 is beyond"), std::string::npos)
        << e.what();
  }
  fs::remove(path);
}

TEST(SafetensorsReject, NulByteInsideTheHeader) {
  // A corrupted padding space: the JSON before it is complete, which a parser stopping at NUL would accept.
  const std::string header = std::string(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})") + '\0' + "      ";
  const std::string msg = error_of(file_with(header, "x"));
  EXPECT_NE(msg.find("NUL"), std::string::npos) << msg;
  EXPECT_NE(msg.find(kSource), std::string::npos) << msg;
}
