// A buffer that only grows: kept across calls (typically thread_local) so a hot loop does not
// allocate, and page-fault, a fresh multi-megabyte buffer on every call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hg::ops::cpu {

// At least n elements of b (contents unspecified). When b must grow, its old storage is released
// before the new one is allocated, so the two never coexist.
template <class T>
T* grow_only(std::vector<T>& b, int64_t n) {
  if (static_cast<int64_t>(b.size()) < n) {
    b = std::vector<T>();
    b.resize(static_cast<size_t>(n));
  }
  return b.data();
}

}  // namespace hg::ops::cpu
