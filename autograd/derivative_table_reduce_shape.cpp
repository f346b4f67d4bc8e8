// Derivative table: reductions and shape functions.
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg {
namespace {

using In = std::vector<Tensor>;
In one(Generator& g, const Shape& s) { return In{gc_noncontiguous(g, s)}; }

// Distinct values so max/min/amax have a unique winner with a margin.
Tensor distinct(Generator& g, const Shape& s) {
  Tensor perm = to_dtype(randperm(shape_numel(s), &g), DType::f64);
  Tensor x = reshape(mul(perm, 0.1), s);  // steps of 0.1 between any two values
  return detach(x).set_requires_grad(true);
}

const GradcheckTable rows({
    {"sum/all", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return sum(x[0]); }},
    {"sum/dims_keepdim", [](Generator& g) { return one(g, {2, 3, 4}); }, [](const In& x) { return sum(x[0], {0, 2}, true); }},
    {"mean/dim", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return mean(x[0], {-1}); }},
    {"var/unbiased", [](Generator& g) { return one(g, {3, 5}); }, [](const In& x) { return var(x[0], {1}); }},
    {"var/population_all", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return var(x[0], {}, 0); }},
    {"std/dim", [](Generator& g) { return one(g, {4, 3}); }, [](const In& x) { return std(x[0], {0}, 1, true); }},
    {"norm/p2", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return norm(x[0], 2.0, {1}); }},
    {"norm/p1", [](Generator& g) { return In{gc_away_from_zero(g, {3, 4})}; }, [](const In& x) { return norm(x[0], 1.0, {0}); }},
    {"norm/pinf", [](Generator& g) { return In{distinct(g, {3, 4})}; },
     [](const In& x) { return norm(x[0], std::numeric_limits<double>::infinity(), {1}); }},
    {"logsumexp/dim", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return logsumexp(x[0], {1}); }},
    {"amax/dims", [](Generator& g) { return In{distinct(g, {2, 3, 4})}; }, [](const In& x) { return amax(x[0], {0, 2}); }},
    {"amin/all", [](Generator& g) { return In{distinct(g, {3, 4})}; }, [](const In& x) { return amin(x[0]); }},
    {"max_dim/keepdim", [](Generator& g) { return In{distinct(g, {3, 4})}; }, [](const In& x) { return max(x[0], 1, true).values; }},
    {"min_dim", [](Generator& g) { return In{distinct(g, {3, 4})}; }, [](const In& x) { return min(x[0], 0).values; }},
    {"cumsum/dim1", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return cumsum(x[0], 1); }},
    {"sum_to/broadcast_back", [](Generator& g) { return one(g, {2, 3, 4}); }, [](const In& x) { return sum_to(x[0], {3, 1}); }},
    {"reshape/noncontiguous", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return reshape(x[0], {2, 6}); }},
    {"view", [](Generator& g) { return In{gc_uniform(g, {3, 4})}; }, [](const In& x) { return view(x[0], {4, 3}); }},
    {"squeeze", [](Generator& g) { return In{gc_uniform(g, {3, 1, 2})}; }, [](const In& x) { return squeeze(x[0], 1); }},
    {"unsqueeze", [](Generator& g) { return one(g, {3, 2}); }, [](const In& x) { return unsqueeze(x[0], 0); }},
    {"permute", [](Generator& g) { return In{gc_uniform(g, {2, 3, 4})}; }, [](const In& x) { return permute(x[0], {2, 0, 1}); }},
    {"transpose", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return transpose(x[0], 0, 1); }},
    {"narrow", [](Generator& g) { return one(g, {5, 4}); }, [](const In& x) { return narrow(x[0], 0, 1, 3); }},
    {"slice/step2", [](Generator& g) { return one(g, {3, 7}); }, [](const In& x) { return slice(x[0], 1, 1, 7, 2); }},
    {"select", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return select(x[0], 1, -1); }},
    {"expand", [](Generator& g) { return In{gc_uniform(g, {3, 1})}; }, [](const In& x) { return expand(x[0], {2, 3, 4}); }},
    {"contiguous", [](Generator& g) { return one(g, {3, 4}); }, [](const In& x) { return contiguous(x[0]); }},
    {"to_dtype/f32_roundtrip", [](Generator& g) { return In{gc_uniform(g, {4})}; },
     [](const In& x) { return to_dtype(mul(to_dtype(x[0], DType::f32), 2.0), DType::f64); },
     /*atol=*/1e-5, /*rtol=*/1e-4, /*eps=*/1e-2},  // linear, so a large step is exact up to f32 rounding
    {"cat/dim1", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_noncontiguous(g, {2, 2})}; },
     [](const In& x) { return cat({x[0], x[1]}, 1); }},
    {"stack/dim0", [](Generator& g) { return In{gc_uniform(g, {2, 3}), gc_uniform(g, {2, 3})}; },
     [](const In& x) { return stack({x[0], x[1]}, -1); }},
    {"split/uneven", [](Generator& g) { return In{gc_uniform(g, {5, 2})}; },
     [](const In& x) { auto p = split(x[0], 2, 0); return add(mul(p[0], 2.0), p[1]) ; }},
    {"chunk/three", [](Generator& g) { return In{gc_uniform(g, {6})}; },
     [](const In& x) { auto p = chunk(x[0], 3); return mul(p[0], p[2]); }},
});

}  // namespace
}  // namespace hg
