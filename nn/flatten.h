// Flatten: merges dims start_dim..end_dim into one (default: everything after the batch dim),
// [N, C, H, W] -> [N, C·H·W]. A view when the strides allow, else a copy.
#pragma once
#include "nn/module.h"

namespace hg::nn {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  const int64_t start_dim, end_dim;
};

}  // namespace hg::nn
