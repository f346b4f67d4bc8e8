// Batch normalisation over the channel dim 1 (torch.nn.BatchNorm1d / BatchNorm2d):
//   y = (x − μ) / √(σ² + eps) · weight + bias, per channel,
// training: μ, σ² are the batch's (biased σ²), and the running statistics are updated in place,
//   running = (1 − momentum) · running + momentum · batch (unbiased σ² for running_var),
//   num_batches_tracked += 1;
// eval: μ, σ² are running_mean, running_var.
// Parameters weight (1) and bias (0) when affine; buffers running_mean (0), running_var (1) and
// num_batches_tracked (i64 scalar, 0) when track_running_stats (else batch statistics always).
#pragma once
#include "nn/module.h"

namespace hg::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  // weight 1, bias 0, running stats 0 / 1, num_batches_tracked 0.
  void reset_parameters();
  // The inference fast path, for a caller that owns x (a conv output it does not reuse): in eval
  // mode with running statistics, an f32/f64 contiguous x on which nothing records gradients, x is
  // normalised IN PLACE in one pass, with relu(·) fused when `relu`, and true is returned; else x is
  // left alone and false is returned (then use forward()). Same values as forward() (+ ReLU).
  bool normalize_in_place(const Tensor& x, bool relu);

  const int64_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;                                   // [C] or undefined
  Tensor running_mean, running_var, num_batches_tracked;  // [C], [C], [] i64, or undefined

 protected:
  // `allowed_dims`: the input ranks this variant accepts (e.g. {2, 3} for BatchNorm1d).
  BatchNorm(std::string type_name, int64_t num_features, BatchNormOptions options, std::vector<int64_t> allowed_dims);

 private:
  std::vector<int64_t> allowed_dims_;
  void check_input(const Tensor& x) const;  // rank and channel count, or one clear error
};

// x [N, C] or [N, C, L]
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});
};

// x [N, C, H, W]
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
};

}  // namespace hg::nn
