// json_array: nested number arrays with an expected shape, and one-line errors
// "<file>: <field>[i]...: <problem>".
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/factory.h"
#include "tensor/json_array.h"
#include "tensor/view.h"

using namespace hg;
namespace ja = hg::json_array;
using ja::kAny;

namespace {

std::string error_of(const std::string& text, const Shape& expected, DType dtype = DType::f32) {
  try {
    ja::parse(text, expected, "a.json", "xyz", dtype);
  } catch (const ja::JsonArrayError& e) {
    return e.what();
  }
  return "<parsed>";
}

// Rejected with exactly "a.json: <where>: <problem...>" (problem checked as a prefix).
void expect_error(const std::string& text, const Shape& expected, const std::string& where, const std::string& problem) {
  const std::string m = error_of(text, expected);
  const std::string head = "a.json: " + where + ": ";
  EXPECT_EQ(m.rfind(head, 0), 0u) << m << "\nexpected to start with: " << head;
  EXPECT_NE(m.find(problem, head.size()), std::string::npos) << m << "\nexpected to mention: " << problem;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

}  // namespace

TEST(JsonArray, ParsesNestedArraysWithWildcards) {
  const Tensor t = ja::parse(" [ [[1, 2.5, -3e-2]], [[4,5,6]] ]\n", {kAny, 1, 3}, "f", "x");
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.sizes(), (Shape{2, 1, 3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2.5f, -0.03f, 4, 5, 6}));
  // Inner wildcards take the first array's length; f64 keeps every digit.
  const Tensor d = ja::parse("[[0.1, 0.2], [0.3, 1E2]]", {kAny, kAny}, "f", "x", DType::f64);
  EXPECT_EQ(d.sizes(), (Shape{2, 2}));
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{0.1, 0.2, 0.3, 100.0}));
  // Scalars, empty arrays and tiny numbers.
  EXPECT_EQ(ja::parse("0.125", {}, "f", "s").item<double>(), 0.125);
  EXPECT_EQ(ja::parse("[]", {kAny, 21, 3}, "f", "x").sizes(), (Shape{0, 21, 3}));
  EXPECT_EQ(ja::parse("[[], []]", {2, kAny}, "f", "x").sizes(), (Shape{2, 0}));
  EXPECT_EQ(ja::parse("[1e-400, -0.0]", {2}, "f", "x", DType::f64).to_vector<double>(), (std::vector<double>{0, 0}));
}

TEST(JsonArray, FormatRoundTrips) {
  Generator g(5);
  const Tensor f = randn({3, 21, 3}, DType::f32, &g);
  const std::string text = ja::format(f);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(ja::parse(text, {kAny, 21, 3}, "f", "x").to_vector<float>(), f.to_vector<float>());  // bit exact
  const Tensor d = randn({2, 5}, DType::f64, &g);
  EXPECT_EQ(ja::parse(ja::format(d), {2, 5}, "f", "x", DType::f64).to_vector<double>(), d.to_vector<double>());
  EXPECT_EQ(ja::format(from_vector(std::vector<float>{1, 2.5f, -3, 4}, {2, 2})), "[[1, 2.5], [-3, 4]]");
  EXPECT_EQ(ja::format(from_vector(std::vector<int64_t>{7, -8}, {2})), "[7, -8]");
  EXPECT_EQ(ja::format(scalar_tensor(0.5)), "0.5");
  EXPECT_EQ(ja::format(zeros({0, 21, 3})), "[]");
  EXPECT_EQ(ja::format(zeros({2, 0})), "[[], []]");
  // A non-contiguous view is written in logical order.
  EXPECT_EQ(ja::format(ops::transpose(from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2}), 0, 1)), "[[1, 3], [2, 4]]");
  EXPECT_THROW(ja::format(from_vector(std::vector<float>{1, NAN}, {2})), std::invalid_argument);
}

TEST(JsonArray, SaveAndLoadFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("hg_json_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "K.json").string();
  const Tensor K = from_vector(std::vector<double>{500, 0, 112, 0, 500, 112, 0, 0, 1}, {1, 3, 3}, DType::f64);
  ja::save(path, K);
  EXPECT_EQ(ja::load(path, {kAny, 3, 3}, "K").to_vector<double>(), K.to_vector<double>());
  try {
    ja::load((dir / "missing.json").string(), {kAny}, "K");
    FAIL();
  } catch (const ja::JsonArrayError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json: cannot open"), std::string::npos) << e.what();
  }
  try {
    ja::load(dir.string(), {kAny}, "K");
    FAIL();
  } catch (const ja::JsonArrayError& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": not a regular file");
  }
  std::filesystem::remove_all(dir);
}

TEST(JsonArray, WrongLengthsNameTheElement) {
  expect_error("[[1,2,3],[4,5]]", {kAny, 3}, "xyz[1]", "expected 3 entries, got 2");
  expect_error("[[1,2,3],[4,5,6,7]]", {kAny, 3}, "xyz[1]", "expected 3 entries, got more");
  expect_error("[[1,2],[3,4,5]]", {kAny, kAny}, "xyz[1]", "expected 2 entries (like the first), got more");
  expect_error("[1,2,3]", {2}, "xyz", "expected 2 entries, got more");
  expect_error("[[[1,2,3]],[[1,2,3],[4,5,6]]]", {kAny, 1, 3}, "xyz[1]", "expected 1 entries, got more");
  expect_error("[]", {1}, "xyz", "expected 1 entries, got 0");
  expect_error("[[1,2,3],[4,5]]", {kAny, kAny}, "xyz[1]", "expected 3 entries (like the first), got 2");
}

TEST(JsonArray, WrongTypesNameTheElement) {
  expect_error("[[1,2,3],[4,[5],6]]", {kAny, 3}, "xyz[1][1]", "expected a number, got an array (nested deeper than 2 levels)");
  expect_error("[[1,2,3],7]", {kAny, 3}, "xyz[1]", "expected an array, got a number");
  expect_error("{\"a\": 1}", {kAny}, "xyz", "expected an array, got an object");
  expect_error("[1, \"2\"]", {kAny}, "xyz[1]", "expected a number, got a string");
  expect_error("[1, null]", {kAny}, "xyz[1]", "expected a number, got null");
  expect_error("[true]", {kAny}, "xyz[0]", "expected a number, got a boolean");
  expect_error("[[1,2,3],[4,5,6]]", {}, "xyz", "expected a number, got an array");
}

TEST(JsonArray, BadNumbers) {
  expect_error("[[0,1],[2,NaN]]", {kAny, 2}, "xyz[1][1]", "not a finite number (NaN)");
  expect_error("[Infinity]", {kAny}, "xyz[0]", "not a finite number (Infinity)");
  expect_error("[1, -Infinity]", {kAny}, "xyz[1]", "not a finite number (-Infinity)");
  expect_error("[1e400]", {kAny}, "xyz[0]", "number 1e400 is out of range");
  expect_error("[1e39]", {kAny}, "xyz[0]", "number 1e39 is out of range for f32");
  EXPECT_EQ(error_of("[1e39]", {kAny}, DType::f64), "<parsed>");
  for (const char* bad : {"01", "1.", ".5", "-", "1e", "1e+", "1.2.3", "3x", "+1", "0x10", "1,5e2e3"}) {
    const std::string text = std::string("[") + bad + "]";
    const std::string m = error_of(text, {kAny});
    EXPECT_EQ(m.rfind("a.json: xyz[", 0), 0u) << text << " -> " << m;
    EXPECT_TRUE(m.find("malformed number") != std::string::npos || m.find("expected a number") != std::string::npos)
        << text << " -> " << m;
  }
}

TEST(JsonArray, SyntaxErrors) {
  expect_error("[1, 2", {kAny}, "xyz", "unexpected end of text (missing ']')");
  expect_error("[1 2]", {kAny}, "xyz", "expected ',' or ']', got '2' (line 1, column 4)");
  expect_error("[1,\n 2;]", {kAny}, "xyz[1]", "malformed number '2;' (line 2, column 2)");
  expect_error("[1, 2] x", {kAny}, "xyz", "unexpected 'x' after the end of the array");
  expect_error("[1, 2]]", {kAny}, "xyz", "unexpected ']' after the end of the array");
  expect_error("", {kAny}, "xyz", "expected an array, got the end of the text");
  expect_error("[1,]", {kAny}, "xyz[1]", "expected a number, got ']'");
  expect_error(std::string("[1,\x01]"), {kAny}, "xyz[1]", "expected a number, got \\x01");
  // Deep nesting stops at the expected depth (no recursion on hostile input).
  expect_error(std::string(100000, '['), {kAny, 3}, "xyz[0][0]", "expected a number, got an array");
  EXPECT_THROW(ja::parse("[1]", {kAny}, "f", "x", DType::i32), std::invalid_argument);
}
