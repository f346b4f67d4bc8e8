// Derivative table: normalisation, softmax, dropout and losses (all f64, default tolerances
// atol 1e-7, rtol 1e-5, step 1e-6). Inputs include non-contiguous views; l1 / smooth-L1 inputs are
// built so that x − y stays away from 0 and from ±beta (their kinks); dropout draws its mask from a
// Generator seeded inside the function, so every evaluation sees the same mask.
#include "autograd/dropout.h"
#include "autograd/gradcheck.h"
#include "autograd/loss.h"
#include "autograd/norm.h"
#include "autograd/softmax.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;

Tensor targets(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }

// A batch of shape `shape` as a non-contiguous view: channels-last storage permuted to [N, C, d...].
Tensor channels_last(Generator& g, const Shape& shape) {
  Shape stored{shape[0]};
  for (size_t d = 2; d < shape.size(); ++d) stored.push_back(shape[d]);
  stored.push_back(shape[1]);
  std::vector<int64_t> perm{0, static_cast<int64_t>(shape.size()) - 1};
  for (size_t d = 1; d + 1 < shape.size(); ++d) perm.push_back(static_cast<int64_t>(d));
  Tensor v = ops::permute(uniform(stored, -1.0, 1.0, DType::f64, &g), perm);
  return v.set_requires_grad(true);
}

// y = x + offset where every |offset| lies in one of the given bands (so x − y avoids kinks).
In pair_with_offsets(Generator& g, const Shape& shape, const std::vector<double>& offsets) {
  Tensor x = gc_noncontiguous(g, shape);
  Tensor off = from_vector(offsets, shape, DType::f64);
  Tensor y = ops::add(ops::clone(x), off);
  return In{x, y.set_requires_grad(true)};
}

Tensor running(double lo, double hi, int64_t c, Generator& g) { return gc_constant(g, {c}, lo, hi); }

const GradcheckTable rows({
    // ---- batch_norm: train / eval, 2-D / 4-D, with / without affine ----
    {"batch_norm/train_2d_affine",
     [](Generator& g) {
       return In{gc_noncontiguous(g, {4, 3}), gc_uniform(g, {3}, 0.5, 1.5), gc_uniform(g, {3}),
                 running(-0.5, 0.5, 3, g), running(0.5, 1.5, 3, g)};
     },
     [](const In& x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], true); }},
    {"batch_norm/train_4d_affine_channels_last",
     [](Generator& g) {
       return In{channels_last(g, {2, 3, 2, 2}), gc_uniform(g, {3}, 0.5, 1.5), gc_uniform(g, {3}),
                 running(-0.5, 0.5, 3, g), running(0.5, 1.5, 3, g)};
     },
     [](const In& x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], true, 0.2); }},
    {"batch_norm/train_4d_no_affine_no_running",
     [](Generator& g) { return In{gc_uniform(g, {3, 2, 2, 1})}; },
     [](const In& x) { return batch_norm(x[0], Tensor(), Tensor(), Tensor(), Tensor(), true); }},
    {"batch_norm/eval_2d_affine",
     [](Generator& g) {
       return In{gc_noncontiguous(g, {4, 3}), gc_uniform(g, {3}, 0.5, 1.5), gc_uniform(g, {3}),
                 running(-0.5, 0.5, 3, g), running(0.5, 1.5, 3, g)};
     },
     [](const In& x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], false); }},
    {"batch_norm/eval_4d_no_affine",
     [](Generator& g) {
       return In{channels_last(g, {2, 3, 2, 2}), running(-0.5, 0.5, 3, g), running(0.5, 1.5, 3, g)};
     },
     [](const In& x) { return batch_norm(x[0], Tensor(), Tensor(), x[1], x[2], false); }},
    {"batch_norm/train_4d_weight_only",
     [](Generator& g) { return In{gc_uniform(g, {2, 2, 3, 2}), gc_uniform(g, {2}, 0.5, 1.5)}; },
     [](const In& x) { return batch_norm(x[0], x[1], Tensor(), Tensor(), Tensor(), true); }},

    // ---- layer_norm ----
    {"layer_norm/last_dim_affine",
     [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {4}, 0.5, 1.5), gc_uniform(g, {4})}; },
     [](const In& x) { return layer_norm(x[0], {4}, x[1], x[2]); }},
    {"layer_norm/two_dims_no_affine", [](Generator& g) { return In{gc_noncontiguous(g, {2, 3, 4})}; },
     [](const In& x) { return layer_norm(x[0], {3, 4}); }},
    {"layer_norm/bias_only", [](Generator& g) { return In{gc_uniform(g, {2, 5}), gc_uniform(g, {5})}; },
     [](const In& x) { return layer_norm(x[0], {5}, Tensor(), x[1], 1e-3); }},

    // ---- normalize ----
    {"normalize/p2_dim1", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4})}; },
     [](const In& x) { return normalize(x[0]); }},
    {"normalize/p1_dim0", [](Generator& g) { return In{gc_away_from_zero(g, {3, 4})}; },
     [](const In& x) { return normalize(x[0], 1.0, 0); }},
    {"normalize/p3_last_dim", [](Generator& g) { return In{gc_away_from_zero(g, {2, 3})}; },
     [](const In& x) { return normalize(x[0], 3.0, -1); }},

    // ---- softmax / log_softmax ----
    {"softmax/last_dim", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}, -2, 2)}; },
     [](const In& x) { return softmax(x[0], -1); }},
    {"softmax/middle_dim", [](Generator& g) { return In{gc_uniform(g, {2, 3, 4}, -2, 2)}; },
     [](const In& x) { return softmax(x[0], 1); }},
    {"log_softmax/last_dim", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}, -2, 2)}; },
     [](const In& x) { return log_softmax(x[0], -1); }},
    {"log_softmax/middle_dim", [](Generator& g) { return In{gc_noncontiguous(g, {2, 3, 4}, -2, 2)}; },
     [](const In& x) { return log_softmax(x[0], 1); }},

    // ---- dropout (mask fixed by a generator seeded inside the function) ----
    {"dropout/p0.3_seeded", [](Generator& g) { return In{gc_noncontiguous(g, {4, 5})}; },
     [](const In& x) {
       Generator gen(7);
       return dropout(x[0], 0.3, true, &gen);
     }},
    {"dropout/p1_zeros", [](Generator& g) { return In{gc_uniform(g, {3})}; },
     [](const In& x) { return dropout(x[0], 1.0, true); }},

    // ---- cross_entropy ----
    {"cross_entropy/mean", [](Generator& g) { return In{gc_noncontiguous(g, {4, 5}, -2, 2), targets({1, 0, 4, 2}, {4})}; },
     [](const In& x) { return cross_entropy(x[0], x[1]); }},
    {"cross_entropy/sum_ignore_index",
     [](Generator& g) { return In{gc_uniform(g, {4, 3}, -2, 2), targets({2, -100, 0, 1}, {4})}; },
     [](const In& x) { return cross_entropy(x[0], x[1], Reduction::sum); }},
    {"cross_entropy/none_label_smoothing",
     [](Generator& g) { return In{gc_uniform(g, {3, 4}, -2, 2), targets({3, 0, 1}, {3})}; },
     [](const In& x) { return cross_entropy(x[0], x[1], Reduction::none, -100, 0.1); }},
    {"cross_entropy/mean_4d_ignore_smoothing",
     [](Generator& g) {
       return In{channels_last(g, {2, 3, 2, 2}), targets({0, 2, 1, 1, 2, 0, 1, 2}, {2, 2, 2})};
     },
     [](const In& x) { return cross_entropy(x[0], x[1], Reduction::mean, 1, 0.25); }},

    // ---- regression losses (x − y away from 0 and from ±beta) ----
    {"mse_loss/mean", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {3, 4})}; },
     [](const In& x) { return mse_loss(x[0], x[1]); }},
    {"mse_loss/none", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_uniform(g, {2, 3})}; },
     [](const In& x) { return mse_loss(x[0], x[1], Reduction::none); }},
    {"l1_loss/sum",
     [](Generator& g) { return pair_with_offsets(g, {2, 3}, {0.3, -0.5, 0.8, -0.25, 1.2, -0.9}); },
     [](const In& x) { return l1_loss(x[0], x[1], Reduction::sum); }},
    {"l1_loss/none",
     [](Generator& g) { return pair_with_offsets(g, {4}, {-0.4, 0.6, 0.2, -1.1}); },
     [](const In& x) { return l1_loss(x[0], x[1], Reduction::none); }},
    {"smooth_l1_loss/mean_beta1",
     [](Generator& g) { return pair_with_offsets(g, {2, 4}, {-1.7, -0.6, 0.3, 1.4, -0.2, 0.7, 1.5, -1.3}); },
     [](const In& x) { return smooth_l1_loss(x[0], x[1]); }},
    {"smooth_l1_loss/sum_beta0.5",
     [](Generator& g) { return pair_with_offsets(g, {3, 2}, {0.2, -0.3, 0.8, -1.2, 0.1, 0.65}); },
     [](const In& x) { return smooth_l1_loss(x[0], x[1], Reduction::sum, 0.5); }},

    // ---- cosine_similarity ----
    {"cosine_similarity/dim1", [](Generator& g) { return In{gc_noncontiguous(g, {3, 4}), gc_uniform(g, {3, 4})}; },
     [](const In& x) { return cosine_similarity(x[0], x[1]); }},
    {"cosine_similarity/broadcast_last_dim",
     [](Generator& g) { return In{gc_uniform(g, {2, 3, 4}), gc_uniform(g, {3, 4})}; },
     [](const In& x) { return cosine_similarity(x[0], x[1], -1); }},
});

}  // namespace
}  // namespace hg
