#include "ops/device_check.h"

namespace hg::ops {

void check_dim(const char* what, const Tensor& t, int64_t ndim, const char* name) {
  if (t.dim() != ndim)
    throw std::invalid_argument(std::string(what) + ": expected " + name + " with " + std::to_string(ndim) +
                                " dims, got shape " + t.shape_string());
}

void check_floating(const char* what, const Tensor& t) {
  if (!is_floating(t.dtype()))
    throw std::invalid_argument(std::string(what) + ": expected a floating dtype, got " + dtype_name(t.dtype()));
}

void check_same_shape(const char* what, const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes())
    throw std::invalid_argument(std::string(what) + ": shapes " + a.shape_string() + " and " + b.shape_string() +
                                " differ");
}

}  // namespace hg::ops
