// Creating tensors: constants, ranges, from host data, and random values (Philox, see philox.h).
// All results are new contiguous leaves; pass TensorOptions for dtype/device/requires_grad.
#pragma once
#include <initializer_list>
#include <vector>

#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg {

Tensor zeros(const Shape& sizes, TensorOptions opts = {});
Tensor ones(const Shape& sizes, TensorOptions opts = {});
Tensor full(const Shape& sizes, double value, TensorOptions opts = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor scalar_tensor(double value, TensorOptions opts = {});  // 0-d
// [start, end) in steps of `step` (like torch.arange).
Tensor arange(double start, double end, double step = 1.0, TensorOptions opts = {});
Tensor arange(int64_t end, TensorOptions opts = DType::i64);
// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, TensorOptions opts = {});
Tensor eye(int64_t n, TensorOptions opts = {});
// Copies host values (converted to opts.dtype); sizes must match values.size().
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& sizes, TensorOptions opts = dtype_of<T>::value);
Tensor tensor(std::initializer_list<double> values, TensorOptions opts = {});  // 1-D

// Random tensors. With no generator the default generator is used (and advanced).
Tensor rand(const Shape& sizes, TensorOptions opts = {}, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& sizes, TensorOptions opts = {}, Generator* gen = nullptr);  // N(0, 1)
Tensor uniform(const Shape& sizes, double lo, double hi, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Shape& sizes, TensorOptions opts = DType::i64,
               Generator* gen = nullptr);  // uniform integers in [low, high)
// Each element is 1 with probability p (same dtype as p, or opts for the scalar form).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Shape& sizes, double p, TensorOptions opts = {}, Generator* gen = nullptr);
// Random permutation of 0..n-1 (i64).
Tensor randperm(int64_t n, Generator* gen = nullptr);

// Random draws on a GPU: the CUDA backend installs generators that produce, on the device, the
// values the CPU factories produce for the same Generator state (and advance it identically), so
// uniform / rand / bernoulli with a CUDA device need no host buffer and no copy. Unset: the draw is
// made on the host and copied.
struct DeviceRandomHooks {
  Tensor (*uniform)(const Shape& sizes, double lo, double hi, TensorOptions opts, Generator& gen) = nullptr;
  Tensor (*bernoulli)(const Shape& sizes, double p, TensorOptions opts, Generator& gen) = nullptr;
  Tensor (*bernoulli_like)(const Tensor& p, Generator& gen) = nullptr;
};
void install_device_random(DeviceRandomHooks hooks);

}  // namespace hg
