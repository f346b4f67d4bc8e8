// cross_entropy on CUDA vs the CPU op: [N, C], [N, C, d...] and unbatched logits, every reduction,
// ignore_index and label smoothing, forward (loss, lse, count) and backward. The CUDA kernels work
// in double like the CPU ones, so f64/f32 agree to rounding; f16/bf16 within 1e-2 / 2e-2 (relative
// to max |expected|). Bad targets give the CPU's error.
#include <gtest/gtest.h>

#include "ops/loss.h"
#include "tensor/factory.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/gpu_test.h"

namespace hg {
namespace {

using testing::kGpu;
using testing::tolerance;
using testing::gpu;
using testing::cpu;

struct Case {
  Shape logits;
  int64_t ignore;
  double smoothing;
};

TEST(GpuLoss, CrossEntropyForwardAndBackwardMatchTheCpu) {
  REQUIRE_GPU();
  const Case cases[] = {{{6, 5}, -100, 0.0}, {{4, 3, 2, 5}, 1, 0.1}, {{7}, -100, 0.0}, {{3, 4, 6}, 2, 0.3},
                        {{2, 300}, -100, 0.05}};
  Generator g(21);
  for (DType dt : {DType::f64, DType::f32, DType::f16, DType::bf16})
    for (const Case& c : cases)
      for (Reduction red : {Reduction::none, Reduction::mean, Reduction::sum}) {
        SCOPED_TRACE(std::string(dtype_name(dt)) + " " + shape_str(c.logits) + " " + reduction_name(red));
        const Tensor x = ops::to_dtype(uniform(c.logits, -4, 4, DType::f64, &g), dt);
        Shape ts;
        if (c.logits.size() > 1) {
          ts.push_back(c.logits[0]);
          for (size_t d = 2; d < c.logits.size(); ++d) ts.push_back(c.logits[d]);
        }
        const Tensor t = randint(0, c.logits.size() > 1 ? c.logits[1] : c.logits[0], ts, DType::i64, &g);
        const auto ref = ops::cross_entropy(x, t, red, c.ignore, c.smoothing);
        const auto dev = ops::cross_entropy(gpu(x), gpu(t), red, c.ignore, c.smoothing);
        EXPECT_EQ(dev.count, ref.count);
        EXPECT_TRUE(testing::AllClose(cpu(dev.loss), ref.loss, tolerance(dt)));
        EXPECT_TRUE(testing::AllClose(cpu(dev.lse), ref.lse, 1e-12 * (dt == DType::f64 ? 1 : 1e3)));
        const Tensor go = red == Reduction::none ? ops::to_dtype(uniform(ref.loss.sizes(), -1, 1, DType::f64, &g), dt)
                                                 : scalar_tensor(0.7, dt);
        const Tensor dx = ops::cross_entropy_backward(go, x, t, ref.lse, red, c.ignore, c.smoothing, ref.count);
        const Tensor dx_dev =
            ops::cross_entropy_backward(gpu(go), gpu(x), gpu(t), dev.lse, red, c.ignore, c.smoothing, dev.count);
        EXPECT_TRUE(testing::AllClose(cpu(dx_dev), dx, tolerance(dt)));
      }
}

TEST(GpuLoss, AllIgnoredMeanIsNaNAsOnTheCpu) {
  REQUIRE_GPU();
  const Tensor x = gpu(zeros({3, 4}));
  const Tensor t = gpu(full({3}, 2, DType::i64));
  const auto r = ops::cross_entropy(x, t, Reduction::mean, 2, 0.0);
  EXPECT_EQ(r.count, 0);
  EXPECT_TRUE(std::isnan(r.loss.item<double>()));
}

TEST(GpuLoss, OutOfRangeTargetGivesTheCpuError) {
  REQUIRE_GPU();
  const Tensor x = zeros({2, 3});
  const Tensor t = from_vector<int64_t>({0, 5}, {2});
  std::string cpu_msg, gpu_msg;
  try { ops::cross_entropy(x, t, Reduction::mean, -100, 0.0); } catch (const std::invalid_argument& e) { cpu_msg = e.what(); }
  try { ops::cross_entropy(gpu(x), gpu(t), Reduction::mean, -100, 0.0); } catch (const std::invalid_argument& e) { gpu_msg = e.what(); }
  EXPECT_FALSE(cpu_msg.empty());
  EXPECT_EQ(gpu_msg, cpu_msg);
}

}  // namespace
}  // namespace hg
