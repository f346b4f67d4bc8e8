// The CPU pooling and batch-norm kernels on the formulas and checks they share with the CUDA
// backend (ops/pool_functors.h, ops/pool_shape.h, ops/batch_norm_functors.h, ops/cpu/norm_common.h):
// the ops throw exactly the shared checks' messages, the output-column spans the max / avg kernels
// build from fn::pool_inside_taps are the brute-force ones, and the backward refuses saved
// statistics of the wrong length instead of reading past them.
#include <gtest/gtest.h>

#include <string>

#include "ops/batch_norm_functors.h"
#include "ops/norm.h"
#include "ops/pool.h"
#include "ops/pool_functors.h"
#include "ops/pool_shape.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg {
namespace {

using testing::error_message;
using testing::kNoError;

TEST(PoolSharedChecks, OpsThrowTheSharedCheckMessages) {
  namespace ps = ops::pool_shape;
  const Shape in{2, 3, 6, 5};
  const ps::Window w = ps::make_window("avg_pool2d_backward", in, 3, 2, 1, 1, false);  // output 3x3
  const Tensor bad_gy = zeros({2, 3, 3, 2});
  const std::string avg = error_message<std::invalid_argument>([&] {
    ops::avg_pool2d_backward(bad_gy, in, 3, 2, 1, false, true);
  });
  EXPECT_NE(avg.find("grad_output [2, 3, 3, 2] does not match [2, 3, 3, 3]"), std::string::npos) << avg;
  EXPECT_EQ(avg, error_message<std::invalid_argument>([&] { ps::check_avg_pool_backward_args("avg_pool2d_backward", bad_gy, in, w); }));

  const std::string adaptive = error_message<std::invalid_argument>([&] {
    ops::adaptive_avg_pool2d_backward(zeros({2, 4, 3, 3}), in);
  });
  EXPECT_NE(adaptive.find("grad_output [2, 4, 3, 3] does not match input [2, 3, 6, 5]"), std::string::npos) << adaptive;
  EXPECT_EQ(adaptive, error_message<std::invalid_argument>([&] {
              ps::check_adaptive_backward_args("adaptive_avg_pool2d_backward", zeros({2, 4, 3, 3}), in);
            }));
  EXPECT_EQ(error_message<std::invalid_argument>([&] { ops::adaptive_avg_pool2d(zeros(in), 2, -1); }),
            error_message<std::invalid_argument>([&] { ps::adaptive_pooled_shape("adaptive_avg_pool2d", in, 2, -1); }));

  // indices must be i64; a matching f32 tensor is refused by the shared check
  const std::string idx = error_message<std::invalid_argument>([&] {
    ops::max_pool2d_backward(zeros({2, 3, 3, 3}), zeros({2, 3, 3, 3}), in);
  });
  EXPECT_NE(idx, kNoError);
  EXPECT_NE(idx.find("max_pool2d_backward: expected dtype"), std::string::npos) << idx;
  EXPECT_NO_THROW(ps::check_max_pool_backward_args("max_pool2d_backward", zeros({2, 3, 3, 3}),
                                                   zeros({2, 3, 3, 3}, DType::i64), in));
}

// The max / avg kernels sweep, for each kernel column b, the output columns j whose tap
// j·s − p + b·d lies in [0, W): fn::pool_inside_taps with the output columns as the taps.
TEST(PoolSharedFunctors, OutputColumnSpansAreTheBruteForceOnes) {
  for (int64_t W = 1; W <= 9; ++W)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t d = 1; d <= 2; ++d)
          for (int64_t p = 0; p <= k / 2; ++p)
            for (bool ceil_mode : {false, true}) {
              const int64_t Wo = fn::pool_output_size(W, k, s, p, d, ceil_mode);
              if (Wo <= 0) continue;
              for (int64_t b = 0; b < k; ++b) {
                const fn::PoolTaps span = fn::pool_inside_taps(b * d - p, s, Wo, W);
                for (int64_t j = 0; j < Wo; ++j) {
                  const int64_t at = j * s - p + b * d;
                  EXPECT_EQ(j >= span.lo && j < span.hi, at >= 0 && at < W)
                      << "W " << W << " k " << k << " s " << s << " d " << d << " p " << p << " b " << b << " j " << j;
                }
              }
            }
}

TEST(BatchNormSharedChecks, BackwardRefusesMismatchedSavedStatisticsAndWeight) {
  const Tensor x = zeros({4, 3, 2}), gy = zeros({4, 3, 2});
  const std::string stats = error_message<std::invalid_argument>([&] {
    ops::batch_norm_backward(gy, x, Tensor(), zeros({2}, DType::f64), zeros({3}, DType::f64), true, {true, true, true});
  });
  EXPECT_NE(stats.find("batch_norm_backward: saved statistics [2] should have 3 values"), std::string::npos) << stats;
  const std::string weight = error_message<std::invalid_argument>([&] {
    ops::batch_norm_backward(gy, x, zeros({4}), zeros({3}, DType::f64), zeros({3}, DType::f64), true, {true, true, true});
  });
  EXPECT_NE(weight.find("weight has shape [4], expected [3]"), std::string::npos) << weight;
  const std::string shape = error_message<std::invalid_argument>([&] {
    ops::batch_norm_backward(zeros({4, 3}), x, Tensor(), zeros({3}, DType::f64), zeros({3}, DType::f64), true,
                             {true, true, true});
  });
  EXPECT_NE(shape, kNoError);
}

// The running statistics follow fn::bn_running_update with the unbiased batch variance.
TEST(BatchNormSharedFunctors, RunningStatisticsFollowTheSharedUpdate) {
  // channel 0 holds {1, 3, 5, 7}: mean 4, biased variance 5, unbiased 20/3
  const Tensor x = from_vector(std::vector<double>{1, 3, 5, 7}, {4, 1}, DType::f64);
  Tensor rm = from_vector(std::vector<double>{0.5}, {1}, DType::f64);
  Tensor rv = from_vector(std::vector<double>{2.0}, {1}, DType::f64);
  ops::batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.25, 1e-5);
  EXPECT_EQ(rm.to_vector<double>()[0], fn::bn_running_update(0.5, 4.0, 0.25));
  EXPECT_EQ(rv.to_vector<double>()[0], fn::bn_running_update(2.0, fn::bn_unbiased_var(5.0, 4.0), 0.25));
  EXPECT_DOUBLE_EQ(rv.to_vector<double>()[0], 0.75 * 2.0 + 0.25 * 20.0 / 3.0);
}

}  // namespace
}  // namespace hg
