// Checks that a call throws std::invalid_argument whose message contains `text` (e.g. a shape).
#pragma once
#include <gtest/gtest.h>

#include <functional>
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

}  // namespace hg::testing
