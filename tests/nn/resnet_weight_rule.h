// The deterministic weight rule shared with tests/reference/make_resnet_fixtures.py (read its
// docstring): the golden fixtures store no weights; both sides fill the k-th state_dict entry's
// element i from an integer hash of (k, i), scaled in float64 and rounded once to float32.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::testing {

// r in [0, 1) for element i of state_dict entry k (uint32 arithmetic wraps mod 2^32, as the rule says).
inline double golden_rule_uniform(uint32_t k, uint32_t i) {
  uint32_t h = i * 0x9E3779B1u + (k + 1u) * 0x85EBCA77u;
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return static_cast<double>(h >> 8) * (1.0 / 16777216.0);
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Overwrites every state_dict entry of `model` with the rule's values.
inline void apply_golden_weight_rule(nn::Module& model) {
  uint32_t k = 0;
  for (const auto& [name, t] : model.state_dict()) {
    if (ends_with(name, "num_batches_tracked")) {
      ops::zero_(t);
      ++k;
      continue;
    }
    const int64_t n = t.numel();
    std::vector<float> v(static_cast<size_t>(n));
    const double scale = t.dim() >= 2 ? std::sqrt(6.0 / static_cast<double>(n / t.size(0))) : 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double r = golden_rule_uniform(k, static_cast<uint32_t>(i));
      double value;
      if (t.dim() >= 2) value = (2.0 * r - 1.0) * scale;
      else if (ends_with(name, "running_mean") || ends_with(name, "bias")) value = 0.1 * (2.0 * r - 1.0);
      else if (ends_with(name, "running_var")) value = 0.75 + 0.5 * r;
      else value = 0.5 + 0.5 * r;  // BatchNorm weight
      v[static_cast<size_t>(i)] = static_cast<float>(value);
    }
    ops::copy_(t, from_vector(v, t.sizes()));
    ++k;
  }
}

}  // namespace hg::testing
