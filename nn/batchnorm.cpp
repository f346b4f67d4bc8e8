#include "nn/batchnorm.h"

#include <algorithm>

#include "autograd/node.h"
#include "autograd/norm.h"
#include "nn/init.h"
#include "ops/norm.h"
#include "ops/pointwise.h"
#include "tensor/factory.h"

namespace hg::nn {

BatchNorm::BatchNorm(std::string type_name, int64_t c, BatchNormOptions o, std::vector<int64_t> allowed_dims)
    : Module(std::move(type_name)), num_features(c), options(o), allowed_dims_(std::move(allowed_dims)) {
  if (c <= 0) throw std::invalid_argument(this->type_name() + ": num_features must be positive, got " + std::to_string(c));
  if (o.affine) {
    weight = register_parameter("weight", Tensor::empty({c}));
    bias = register_parameter("bias", Tensor::empty({c}));
  }
  if (o.track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::empty({c}));
    running_var = register_buffer("running_var", Tensor::empty({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::empty({}, DType::i64));
  }
  reset_parameters();
}

void BatchNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
  if (running_mean.defined()) {
    init::zeros_(running_mean);
    init::ones_(running_var);
    ops::zero_(num_batches_tracked);
  }
}

void BatchNorm::check_input(const Tensor& x) const {
  const bool rank_ok = std::find(allowed_dims_.begin(), allowed_dims_.end(), x.dim()) != allowed_dims_.end();
  if (!rank_ok || x.size(1) != num_features) {
    std::string ranks;
    for (int64_t d : allowed_dims_) ranks += (ranks.empty() ? "" : " or ") + std::to_string(d);
    throw std::invalid_argument(type_name() + "(" + std::to_string(num_features) + "): expected a " + ranks +
                                "-D input with " + std::to_string(num_features) + " channels in dim 1, got " +
                                x.shape_string());
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_input(x);
  const bool use_batch_stats = is_training() || !running_mean.defined();
  if (use_batch_stats && x.numel() / num_features <= 1)
    throw std::invalid_argument(type_name() + ": batch statistics need more than 1 value per channel, got input " +
                                x.shape_string());
  if (is_training() && num_batches_tracked.defined())
    ops::fill_(num_batches_tracked, static_cast<double>(num_batches_tracked.item<int64_t>() + 1));
  return batch_norm(x, weight, bias, running_mean, running_var, use_batch_stats, options.momentum, options.eps);
}

BatchNorm1d::BatchNorm1d(int64_t c, BatchNormOptions o) : BatchNorm("BatchNorm1d", c, o, {2, 3}) {}
BatchNorm2d::BatchNorm2d(int64_t c, BatchNormOptions o) : BatchNorm("BatchNorm2d", c, o, {4}) {}

bool BatchNorm::normalize_in_place(const Tensor& x, bool relu) {
  if (is_training() || !running_mean.defined()) return false;
  if (x.dtype() != DType::f32 && x.dtype() != DType::f64) return false;  // autocast computes a low-precision x in f32
  if (!x.is_contiguous() || any_requires_grad({x}) || (weight.defined() && any_requires_grad({weight, bias})))
    return false;
  check_input(x);
  ops::batch_norm_inference_(x, weight, bias, running_mean, running_var, options.eps, relu);
  return true;
}

}  // namespace hg::nn
