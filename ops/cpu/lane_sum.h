// Deterministic double sums that vectorise, for the CPU reductions (batch-norm statistics and its
// backward sums): kLanes independent partial sums, element i of each added run going to lane
// i mod kLanes, combined pairwise at the end. The order depends only on the data layout (never on
// the thread count), and the lanes live in vector registers, where a single running sum makes
// every add wait for the previous one (about 4 cycles per element).
#pragma once
#include <cstdint>

namespace hg::ops::cpu {

template <int kLanes = 16>
struct LaneSum {
  static_assert(kLanes > 0 && (kLanes & (kLanes - 1)) == 0, "pairwise combination wants a power of two");
  double lane[kLanes] = {};

  // lane[i mod kLanes] += term(i) for i in [0, n)
  template <class Term>
  void add(int64_t n, Term&& term) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] += term(i + l);
    for (int l = 0; i < n; ++i, ++l) lane[l] += term(i);
  }

  // ((lane0 + lane1) + (lane2 + lane3)) + ... : a fixed tree
  double total() const {
    double t[kLanes];
    for (int l = 0; l < kLanes; ++l) t[l] = lane[l];
    for (int width = kLanes / 2; width >= 1; width /= 2)
      for (int l = 0; l < width; ++l) t[l] = t[2 * l] + t[2 * l + 1];
    return t[0];
  }
};

}  // namespace hg::ops::cpu
