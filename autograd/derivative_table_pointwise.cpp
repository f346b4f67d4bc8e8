// Derivative table: element-wise functions. Inputs avoid kinks (|x| >= 0.2 for abs/relu/...) and
// include broadcast shapes and non-contiguous views.
#include "autograd/gradcheck.h"
#include "autograd/pointwise.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

GradcheckCase unary(const char* name, Tensor (*f)(const Tensor&), double lo = -1.0, double hi = 1.0) {
  return {name, [lo, hi](Generator& g) { return In{gc_noncontiguous(g, {3, 4}, lo, hi)}; },
          [f](const In& x) { return f(x[0]); }};
}
GradcheckCase unary_kink(const char* name, Tensor (*f)(const Tensor&)) {
  return {name, [](Generator& g) { return In{gc_away_from_zero(g, {3, 4})}; }, [f](const In& x) { return f(x[0]); }};
}
GradcheckCase binary(const char* name, Tensor (*f)(const Tensor&, const Tensor&), double lo = -1.0, double hi = 1.0) {
  return {name, [lo, hi](Generator& g) { return In{gc_uniform(g, {2, 3, 4}, lo, hi), gc_uniform(g, {3, 1}, lo, hi)}; },
          [f](const In& x) { return f(x[0], x[1]); }};
}

const GradcheckTable rows({
    binary("add/broadcast", add),
    binary("sub/broadcast", sub),
    binary("mul/broadcast", mul),
    {"div/broadcast", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_away_from_zero(g, {3}, 0.5, 1.5)}; },
     [](const In& x) { return div(x[0], x[1]); }},
    {"pow/tensor_exponent", [](Generator& g) { return In{gc_uniform(g, {2, 3}, 0.5, 2.0), gc_uniform(g, {2, 3}, -1.5, 1.5)}; },
     [](const In& x) { return pow(x[0], x[1]); }},
    {"pow_scalar/p2.5", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}, 0.5, 2.0)}; },
     [](const In& x) { return pow(x[0], 2.5); }},
    {"pow_scalar/p-1", [](Generator& g) { return In{gc_uniform(g, {5}, 0.5, 2.0)}; }, [](const In& x) { return pow(x[0], -1.0); }},
    {"atan2/broadcast", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_away_from_zero(g, {2, 1}, 0.3, 1.0)}; },
     [](const In& x) { return atan2(x[0], x[1]); }},
    // maximum/minimum: inputs separated by at least 0.1 so no ties occur
    {"maximum/separated", [](Generator& g) {
       Tensor a = gc_uniform(g, {3, 4});
       Tensor d = ops::mul(ops::sign(gc_constant(g, {3, 4})), 0.3);
       Tensor b = ops::add(ops::add(ops::clone(a), gc_constant(g, {3, 4}, -0.1, 0.1)), d);
       return In{a, b.set_requires_grad(true)}; },
     [](const In& x) { return maximum(x[0], x[1]); }},
    {"minimum/separated", [](Generator& g) {
       Tensor a = gc_uniform(g, {3, 4});
       Tensor d = ops::mul(ops::sign(gc_constant(g, {3, 4})), 0.3);
       Tensor b = ops::add(ops::add(ops::clone(a), gc_constant(g, {3, 4}, -0.1, 0.1)), d);
       return In{a, b.set_requires_grad(true)}; },
     [](const In& x) { return minimum(x[0], x[1]); }},
    {"add_scalar", [](Generator& g) { return In{gc_uniform(g, {4})}; }, [](const In& x) { return add(x[0], 2.5); }},
    {"mul_scalar", [](Generator& g) { return In{gc_uniform(g, {4})}; }, [](const In& x) { return mul(x[0], -1.5); }},
    {"rsub_scalar", [](Generator& g) { return In{gc_uniform(g, {4})}; }, [](const In& x) { return rsub(x[0], 3.0); }},
    unary("neg", neg),
    unary_kink("abs", abs),
    unary("exp", exp),
    unary("log", log, 0.2, 2.0),
    unary("log1p", log1p, -0.5, 2.0),
    unary("sqrt", sqrt, 0.2, 2.0),
    unary("rsqrt", rsqrt, 0.2, 2.0),
    unary("square", square),
    unary("sin", sin, -3.0, 3.0),
    unary("cos", cos, -3.0, 3.0),
    unary("tanh", tanh, -2.0, 2.0),
    unary("sigmoid", sigmoid, -4.0, 4.0),
    unary_kink("relu", relu),
    {"leaky_relu/slope0.2", [](Generator& g) { return In{gc_away_from_zero(g, {3, 4})}; },
     [](const In& x) { return leaky_relu(x[0], 0.2); }},
    {"softplus/beta2", [](Generator& g) { return In{gc_uniform(g, {3, 4}, -3, 3)}; },
     [](const In& x) { return softplus(x[0], 2.0, 20.0); }},
    {"clamp/inside_and_outside", [](Generator&) {  // values on both sides of both bounds, none on them
       Tensor x = from_vector(std::vector<double>{-1.7, -1.2, -0.6, -0.1, 0.4, 0.9, 1.3, 2.2}, {2, 4});
       return In{x.set_requires_grad(true)}; },
     [](const In& x) { return clamp(x[0], -0.9, 1.1); }},
    {"where/broadcast", [](Generator& g) {
       return In{ops::gt(gc_constant(g, {3, 4}), 0.0), gc_uniform(g, {3, 4}), gc_uniform(g, {4})}; },
     [](const In& x) { return where(x[0], x[1], x[2]); }},
});

}  // namespace
}  // namespace hg
