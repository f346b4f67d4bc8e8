// Checks on thrown errors: "throws std::invalid_argument naming X", the message of a call that must
// throw a given type, and "throws E whose message contains every one of these parts".
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace hg::testing {

inline void expect_throw_naming(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    FAIL() << "expected a throw naming " << text;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// What error_message returns when the call does not throw.
inline const std::string kNoError = "<no error>";

// The message of the E that f() throws, or kNoError. Any other exception propagates (and fails the test).
template <class E, class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return kNoError;
}

// f() must throw E whose message contains every one of `parts`.
template <class E, class F>
void expect_error_parts(F&& f, std::initializer_list<std::string> parts) {
  const std::string m = error_message<E>(f);
  for (const std::string& p : parts) EXPECT_NE(m.find(p), std::string::npos) << "message: " << m << "\nmissing: " << p;
}

}  // namespace hg::testing
