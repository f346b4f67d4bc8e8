// Helpers shared by the CPU normalisation kernels (batch_norm.cpp, layer_norm.cpp).
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::ops::norm_detail {

// An optional affine parameter as doubles: its values, or n copies of `fill` when undefined.
inline std::vector<double> param_or(const Tensor& p, int64_t n, double fill) {
  if (!p.defined()) return std::vector<double>(static_cast<size_t>(n), fill);
  return p.to_vector<double>();
}

// Throws unless `p` is undefined or has exactly the shape `expected`.
inline void check_param(const char* what, const char* name, const Tensor& p, const Shape& expected,
                        const Tensor& x) {
  if (!p.defined()) return;
  if (p.sizes() != expected)
    throw std::invalid_argument(std::string(what) + ": " + name + " has shape " + p.shape_string() + ", expected " +
                                shape_str(expected) + " for input of shape " + x.shape_string());
  if (!is_floating(p.dtype()))
    throw std::invalid_argument(std::string(what) + ": " + name + " must be floating, got " + dtype_name(p.dtype()));
  if (!p.device().is_cpu())
    throw std::runtime_error(std::string(what) + ": no kernel for " + p.device().str() + " tensors in this build");
}

// A gradient for parameter `like` (its dtype), from doubles.
inline Tensor grad_like(const std::vector<double>& v, const Shape& shape, const Tensor& like, DType fallback) {
  return from_vector(v, shape, like.defined() ? like.dtype() : fallback);
}

}  // namespace hg::ops::norm_detail
