// Derivative table: conv2d and pooling. Shapes are tiny (each row well under a second in f64).
// Max-pool inputs are a scaled permutation (all values >= 0.1 apart), so no window has a tie the
// finite differences could cross.
#include "autograd/conv.h"
#include "autograd/gradcheck.h"
#include "autograd/pool.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

Conv2dParams params(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh = 1, int64_t dw = 1, int64_t groups = 1) {
  return {sh, sw, ph, pw, dh, dw, groups};
}

// conv2d case: x, w and (if bias) b as requires-grad leaves.
GradcheckCase conv_case(const char* name, Shape x, Shape w, bool bias, Conv2dParams p) {
  return {name,
          [x, w, bias](Generator& g) {
            In in{gc_uniform(g, x), gc_uniform(g, w)};
            if (bias) in.push_back(gc_uniform(g, {w[0]}));
            return in;
          },
          [p](const In& t) { return conv2d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), p); }};
}

// Distinct values: a random permutation of 0..n-1, times 0.1, shifted to be centred on 0.
Tensor distinct(Generator& g, const Shape& shape) {
  const int64_t n = shape_numel(shape);
  Tensor v = ops::add(ops::mul(ops::to_dtype(randperm(n, &g), DType::f64), 0.1), -0.05 * static_cast<double>(n));
  return ops::contiguous(ops::reshape(v, shape)).set_requires_grad(true);
}

const GradcheckTable rows({
    conv_case("conv2d/plain", {2, 3, 5, 5}, {4, 3, 3, 3}, false, {}),
    conv_case("conv2d/bias", {1, 2, 4, 4}, {3, 2, 2, 2}, true, {}),
    conv_case("conv2d/stride2_pad1", {2, 2, 5, 6}, {3, 2, 3, 3}, true, params(2, 2, 1, 1)),
    conv_case("conv2d/dilation2_asymmetric", {1, 2, 6, 7}, {2, 2, 3, 2}, false, params(1, 2, 2, 1, 2, 2)),
    conv_case("conv2d/groups2", {2, 4, 4, 4}, {6, 2, 3, 3}, true, params(1, 1, 1, 1, 1, 1, 2)),
    conv_case("conv2d/depthwise", {1, 3, 5, 5}, {3, 1, 3, 3}, false, params(1, 1, 1, 1, 1, 1, 3)),
    conv_case("conv2d/1x1", {2, 4, 3, 3}, {5, 4, 1, 1}, true, {}),
    conv_case("conv2d/1x1_stride2", {2, 3, 5, 5}, {2, 3, 1, 1}, false, params(2, 2, 0, 0)),
    {"conv2d/noncontiguous_input",
     [](Generator& g) { return In{gc_noncontiguous(g, {2, 3, 4, 5}), gc_noncontiguous(g, {2, 3, 2, 2}), gc_uniform(g, {2})}; },
     [](const In& t) { return conv2d(t[0], t[1], t[2], params(1, 1, 1, 0)); }},
    {"conv2d/input_only",  // constant weight: only dx is computed
     [](Generator& g) { return In{gc_uniform(g, {2, 2, 4, 4}), gc_constant(g, {3, 2, 3, 3})}; },
     [](const In& t) { return conv2d(t[0], t[1], Tensor(), params(1, 1, 1, 1)); }},

    {"max_pool2d/k3s2", [](Generator& g) { return In{distinct(g, {2, 2, 5, 5})}; },
     [](const In& t) { return max_pool2d(t[0], 3, 2).values; }},
    {"max_pool2d/pad1_dilation2", [](Generator& g) { return In{distinct(g, {1, 2, 6, 7})}; },
     [](const In& t) { return max_pool2d(t[0], 3, {1, 2}, 1, 2).values; }},
    {"max_pool2d/ceil_mode", [](Generator& g) { return In{distinct(g, {1, 2, 5, 5})}; },
     [](const In& t) { return max_pool2d(t[0], 2, 2, 0, 1, true).values; }},
    {"max_pool2d/3d_input_noncontiguous", [](Generator& g) {
       Tensor d = distinct(g, {2, 4, 5});
       return In{ops::transpose(ops::clone(ops::transpose(d, 1, 2)), 1, 2).set_requires_grad(true)}; },
     [](const In& t) { return max_pool2d(t[0], 2, 1).values; }},

    {"avg_pool2d/pad1_count_include_pad", [](Generator& g) { return In{gc_uniform(g, {2, 2, 5, 5})}; },
     [](const In& t) { return avg_pool2d(t[0], 3, 2, 1, false, true); }},
    {"avg_pool2d/pad1_exclude_pad_ceil", [](Generator& g) { return In{gc_noncontiguous(g, {1, 2, 6, 5})}; },
     [](const In& t) { return avg_pool2d(t[0], 3, 2, 1, true, false); }},
    {"avg_pool2d/rect_kernel", [](Generator& g) { return In{gc_uniform(g, {1, 3, 4, 6})}; },
     [](const In& t) { return avg_pool2d(t[0], {2, 3}, {1, 2}); }},

    {"adaptive_avg_pool2d/nondivisible", [](Generator& g) { return In{gc_uniform(g, {2, 3, 7, 5})}; },
     [](const In& t) { return adaptive_avg_pool2d(t[0], 3, 2); }},
    {"adaptive_avg_pool2d/upsample_global", [](Generator& g) { return In{gc_noncontiguous(g, {1, 2, 3, 4})}; },
     [](const In& t) { return adaptive_avg_pool2d(t[0], 5, 1); }},
});

}  // namespace
}  // namespace hg
