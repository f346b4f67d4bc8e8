// Derivative table: linear algebra.
#include "autograd/gradcheck.h"
#include "autograd/linalg.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

// A well-conditioned 3x3 batch: identity plus a small random perturbation.
Tensor well_conditioned(Generator& g, int64_t batch) {
  Tensor m = add(gc_constant(g, {batch, 3, 3}, -0.3, 0.3), expand(eye(3, DType::f64), {batch, 3, 3}));
  return contiguous(m).set_requires_grad(true);
}

const GradcheckTable rows({
    {"matmul/2d", [](Generator& g) { return In{gc_uniform(g, {3, 4}), gc_uniform(g, {4, 2})}; },
     [](const In& x) { return matmul(x[0], x[1]); }},
    {"matmul/batch_broadcast_noncontiguous", [](Generator& g) { return In{gc_uniform(g, {2, 1, 3, 4}), gc_noncontiguous(g, {3, 4, 2})}; },
     [](const In& x) { return matmul(x[0], x[1]); }},
    {"matmul/vector_vector", [](Generator& g) { return In{gc_uniform(g, {4}), gc_uniform(g, {4})}; },
     [](const In& x) { return matmul(x[0], x[1]); }},
    {"matmul/matrix_vector", [](Generator& g) { return In{gc_uniform(g, {2, 3, 4}), gc_uniform(g, {4})}; },
     [](const In& x) { return matmul(x[0], x[1]); }},
    {"bmm", [](Generator& g) { return In{gc_uniform(g, {2, 3, 4}), gc_uniform(g, {2, 4, 5})}; },
     [](const In& x) { return bmm(x[0], x[1]); }},
    {"linear/bias_3d_input", [](Generator& g) { return In{gc_uniform(g, {2, 3, 4}), gc_uniform(g, {5, 4}), gc_uniform(g, {5})}; },
     [](const In& x) { return linear(x[0], x[1], x[2]); }},
    {"linear/no_bias", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {2, 4})}; },
     [](const In& x) { return linear(x[0], x[1]); }},
    {"det3/batch", [](Generator& g) { return In{gc_uniform(g, {2, 3, 3})}; }, [](const In& x) { return det3(x[0]); }},
    {"inverse3/batch", [](Generator& g) { return In{well_conditioned(g, 2)}; }, [](const In& x) { return inverse3(x[0]); }},
    {"cross/broadcast_dim0", [](Generator& g) { return In{gc_uniform(g, {3, 4}), gc_uniform(g, {3, 1})}; },
     [](const In& x) { return cross(x[0], x[1], 0); }},
});

}  // namespace
}  // namespace hg
