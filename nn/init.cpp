#include "nn/init.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "ops/pointwise.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn::init {

double calculate_gain(Nonlinearity nonlinearity, double negative_slope) {
  switch (nonlinearity) {
    case Nonlinearity::linear: case Nonlinearity::conv: case Nonlinearity::sigmoid: return 1.0;
    case Nonlinearity::tanh: return 5.0 / 3.0;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  }
  return 1.0;
}

static int64_t receptive_field(const Tensor& t, const char* what) {
  if (t.dim() < 2)
    throw std::invalid_argument(std::string(what) + ": fans need a tensor with at least 2 dims, got " +
                                t.shape_string());
  int64_t r = 1;
  for (int64_t d = 2; d < t.dim(); ++d) r *= t.size(d);
  return r;
}
int64_t fan_in(const Tensor& t) {
  const int64_t r = receptive_field(t, "fan_in");
  return t.size(1) * r;
}
int64_t fan_out(const Tensor& t) {
  const int64_t r = receptive_field(t, "fan_out");
  return t.size(0) * r;
}

// Draws in f32 or f64 (the tensor's precision, f32 for half types) and copies into t.
static DType draw_dtype(const Tensor& t) { return t.dtype() == DType::f64 ? DType::f64 : DType::f32; }

const Tensor& uniform_(const Tensor& t, double lo, double hi, Generator* gen) {
  ops::copy_(t, uniform(t.sizes(), lo, hi, draw_dtype(t), gen));
  return t;
}

const Tensor& normal_(const Tensor& t, double mean, double stddev, Generator* gen) {
  Tensor z = randn(t.sizes(), draw_dtype(t), gen);
  ops::copy_(t, ops::add(ops::mul(z, stddev), mean));
  return t;
}

const Tensor& constant_(const Tensor& t, double value) {
  ops::fill_(t, value);
  return t;
}
const Tensor& zeros_(const Tensor& t) { return constant_(t, 0.0); }
const Tensor& ones_(const Tensor& t) { return constant_(t, 1.0); }

static double kaiming_std(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity) {
  const int64_t fan = mode == FanMode::fan_in ? fan_in(t) : fan_out(t);
  if (fan == 0) throw std::invalid_argument("kaiming init: zero fan for a tensor of shape " + t.shape_string());
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}

const Tensor& kaiming_uniform_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return uniform_(t, -bound, bound, gen);
}

const Tensor& kaiming_normal_(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* gen) {
  return normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), gen);
}

}  // namespace hg::nn::init
