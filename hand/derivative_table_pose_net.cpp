// Derivative table: the 2.5D pose loss (a composition of L1 terms; inputs away from the |·| kink).
#include <vector>

#include "autograd/gradcheck.h"
#include "hand/pose_net.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

using In = std::vector<Tensor>;

const GradcheckTable rows({
    {"hand_pose25d_loss/masked",
     [](Generator& g) {
       Tensor valid = ones({2, 21}, DType::f64);
       valid.data<double>()[5] = 0;
       // Targets at 0; predictions |x| in [0.2, 1]: never at the kink of |pred − target|.
       return In{gc_away_from_zero(g, {2, 21, 3}), zeros({2, 21, 2}, DType::f64), zeros({2, 21}, DType::f64), valid};
     },
     [](const In& x) { return pose25d_loss(x[0], x[1], x[2], x[3], 1.0); }},
});

}  // namespace
}  // namespace hg::hand
