// Derivative table: NT-Xent (a composition; the row checks it end to end, including the −inf mask).
#include <vector>

#include "autograd/gradcheck.h"
#include "nn/contrastive.h"

namespace hg::nn {
namespace {

using In = std::vector<Tensor>;

const GradcheckTable rows({
    {"nt_xent/tau0.5", [](Generator& g) { return In{gc_uniform(g, {6, 5})}; },
     [](const In& x) { return nt_xent(x[0], 0.5); }},
    {"nt_xent/tau0.1_noncontiguous", [](Generator& g) { return In{gc_noncontiguous(g, {4, 3})}; },
     [](const In& x) { return nt_xent(x[0], 0.1); }},
});

}  // namespace
}  // namespace hg::nn
