// The projection head of SimCLR/PeCLR (REFERENCE.md §1):
//   mlp(in, hidden, out, bias_last) = Sequential(Linear(in → hidden), BatchNorm1d(hidden), ReLU,
//                                                Linear(hidden → out, bias = bias_last)),
// names "0.weight", "0.bias", "1.weight", ..., "3.weight" [, "3.bias"]. Input [N, in] -> [N, out].
// PeCLR: mlp(2048, 512, 128, false).
#pragma once
#include <memory>

#include "nn/sequential.h"
#include "tensor/philox.h"

namespace hg::nn {

std::shared_ptr<Sequential> mlp(int64_t in_features, int64_t hidden_features, int64_t out_features,
                                bool bias_last = false, Generator* gen = nullptr);

}  // namespace hg::nn
