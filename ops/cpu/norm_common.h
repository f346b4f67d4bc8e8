// Helpers shared by the normalisation kernels: the CPU ones (batch_norm.cpp, layer_norm.cpp) and
// the host side of the CUDA ones (ops/cuda/batch_norm.cpp, ops/cuda/layer_norm.cpp), so both
// backends check arguments with the same messages.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/device_check.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::ops::norm_detail {

// An optional affine parameter as doubles: its values, or n copies of `fill` when undefined.
inline std::vector<double> param_or(const Tensor& p, int64_t n, double fill) {
  if (!p.defined()) return std::vector<double>(static_cast<size_t>(n), fill);
  return p.to_vector<double>();
}

// Throws unless `p` is undefined or a floating tensor of exactly the shape `expected` on x's device.
inline void check_param(const char* what, const char* name, const Tensor& p, const Shape& expected,
                        const Tensor& x) {
  if (!p.defined()) return;
  if (p.sizes() != expected)
    throw std::invalid_argument(std::string(what) + ": " + name + " has shape " + p.shape_string() + ", expected " +
                                shape_str(expected) + " for input of shape " + x.shape_string());
  if (!is_floating(p.dtype()))
    throw std::invalid_argument(std::string(what) + ": " + name + " must be floating, got " + dtype_name(p.dtype()));
  if (p.device() != x.device())
    throw std::invalid_argument(std::string(what) + ": " + name + " is on " + p.device().str() + " but the input is on " +
                                x.device().str());
}

// A gradient for parameter `like` (its dtype), from doubles.
inline Tensor grad_like(const std::vector<double>& v, const Shape& shape, const Tensor& like, DType fallback) {
  return from_vector(v, shape, like.defined() ? like.dtype() : fallback);
}

// ---- batch norm: x viewed as [N, C, S] (S = product of the spatial dims, 1 for [N, C]) ----
struct BatchNormLayout {
  int64_t n = 0, c = 0, s = 0;
  int64_t per_channel() const { return n * s; }  // M: values reduced per channel
};

inline BatchNormLayout batch_norm_layout(const Tensor& x) {
  if (x.dim() < 2)
    throw std::invalid_argument("batch_norm: expected input of shape [N, C] or [N, C, d...], got " + x.shape_string());
  BatchNormLayout l;
  l.n = x.size(0);
  l.c = x.size(1);
  l.s = 1;
  for (int64_t d = 2; d < x.dim(); ++d) l.s *= x.size(d);
  return l;
}

// Every argument check of ops::batch_norm (the input's dtype included); returns the layout.
inline BatchNormLayout check_batch_norm_args(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                             const Tensor& running_mean, const Tensor& running_var, bool training,
                                             double eps) {
  const char* what = "batch_norm";
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(x.dtype()));
  const BatchNormLayout l = batch_norm_layout(x);
  const Shape pc{l.c};
  check_param(what, "weight", weight, pc, x);
  check_param(what, "bias", bias, pc, x);
  check_param(what, "running_mean", running_mean, pc, x);
  check_param(what, "running_var", running_var, pc, x);
  if (running_mean.defined() != running_var.defined())
    throw std::invalid_argument("batch_norm: running_mean and running_var must both be given or both be undefined");
  if (!training && !running_mean.defined())
    throw std::invalid_argument("batch_norm: inference mode (training=false) needs running_mean and running_var");
  if (training && l.per_channel() <= 1)
    throw std::invalid_argument("batch_norm: expected more than 1 value per channel when training, got input of shape " +
                                x.shape_string());
  if (!(eps >= 0)) throw std::invalid_argument("batch_norm: eps must be >= 0, got " + std::to_string(eps));
  return l;
}

// The saved statistics given to a backward must have one value per channel / row.
inline void check_saved_stats(const char* what, const Tensor& mean, const Tensor& invstd, int64_t count,
                              const Tensor& x) {
  for (const Tensor* t : {&mean, &invstd})
    if (!t->defined() || t->numel() != count)
      throw std::invalid_argument(std::string(what) + ": saved statistics " +
                                  (t->defined() ? t->shape_string() : std::string("(undefined)")) + " should have " +
                                  std::to_string(count) + " values for input of shape " + x.shape_string());
}

// Every argument check of ops::batch_norm_backward: grad_output like x, x a floating [N, C, ...],
// weight of C values (or undefined), one saved mean / invstd per channel, all on x's device.
inline BatchNormLayout check_batch_norm_backward_args(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                                                      const Tensor& mean, const Tensor& invstd) {
  const char* what = "batch_norm_backward";
  check_same_device(what, grad_out, x);
  check_same_shape(what, grad_out, x);
  check_floating(what, x);
  const BatchNormLayout l = batch_norm_layout(x);
  check_param(what, "weight", weight, {l.c}, x);
  check_saved_stats(what, mean, invstd, l.c, x);
  check_same_device(what, x, mean, invstd);
  return l;
}

// ---- layer norm: x viewed as [rows, M], M = prod(normalized_shape) ----
// Number of elements in the normalised trailing dims, after checking they match x.
inline int64_t layer_norm_row_length(const char* what, const Tensor& x, const Shape& ns) {
  const int64_t k = static_cast<int64_t>(ns.size());
  bool ok = k >= 1 && x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == ns[i];
  if (!ok)
    throw std::invalid_argument(std::string(what) + ": normalized_shape " + shape_str(ns) +
                                " does not match the trailing dims of input shape " + x.shape_string());
  return shape_numel(ns);
}

}  // namespace hg::ops::norm_detail
