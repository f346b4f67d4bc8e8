// Padding the last one or two dims of a tensor (torch.nn.functional.pad semantics), no graph.
//
// `pads` is in torch order, last dim first: {left, right} pads the last dim, {left, right, top,
// bottom} the last two. For an output position p along a padded dim of input size n (p counted
// from the padded start, i = p - left the position in input coordinates):
//   constant:  x[i] when 0 <= i < n, else `value`
//   reflect:   x[r(i)] with r(i) = -i for i < 0, 2(n-1) - i for i >= n   (mirror, edge not repeated;
//              needs every pad < n)
//   replicate: x[clamp(i, 0, n-1)]                                        (edge repeated)
// The backward sums the gradient of every output position into the input element it read from.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

// The mode enum lives in hg (not hg::ops) so that argument-dependent lookup of an unqualified
// call such as pad(x, pads, PadMode::reflect) finds only the differentiable hg::pad.
namespace hg {
enum class PadMode { constant, reflect, replicate };
// "constant" | "reflect" | "replicate"; throws std::invalid_argument naming the allowed values.
PadMode parse_pad_mode(const std::string& name);
const char* pad_mode_name(PadMode mode);
}  // namespace hg

namespace hg::ops {

// x: 2-D to 4-D; pads: 2 or 4 non-negative values (4 needs at least 2 dims to pad).
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::constant, double value = 0.0);
// dL/dx given dL/dy = grad (y = pad(x, pads, mode)); input_shape = x's shape.
Tensor pad_backward(const Tensor& grad, const Shape& input_shape, const std::vector<int64_t>& pads, PadMode mode);

}  // namespace hg::ops
