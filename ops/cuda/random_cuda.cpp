// Host side of ops/cuda/random_cuda.h: reserve the draw's counters exactly as tensor/factory.cpp
// does, then launch the kernels of ops/cuda/random.cu.
#include "ops/cuda/random_cuda.h"

#include <stdexcept>
#include <string>

#include "ops/cuda/random_kernels.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

void require_cuda(const char* what, Device d) {
  if (!d.is_cuda()) throw std::invalid_argument(std::string(what) + ": expected a CUDA device, got " + d.str());
}

// An f64-layout draw of n values: (n + 1) / 2 blocks, as the CPU's rand(.., f64).
PhiloxDraw draw_f64(Generator& gen, int64_t n) {
  return {gen.seed(), gen.stream(), gen.reserve(static_cast<uint64_t>((n + 1) / 2))};
}

}  // namespace

Tensor uniform(const Shape& sizes, double lo, double hi, TensorOptions opts, Generator& gen) {
  require_cuda("uniform", opts.device);
  Tensor out = Tensor::empty(sizes, TensorOptions(opts.dtype, opts.device));
  const int64_t n = out.numel();
  const bool double_draw = opts.dtype == DType::f64;
  const PhiloxDraw d{gen.seed(), gen.stream(),
                     gen.reserve(static_cast<uint64_t>(double_draw ? (n + 1) / 2 : (n + 3) / 4))};
  launch_uniform(strided_arg(out), d, lo, hi, double_draw, opts.device.index);
  if (opts.requires_grad) out.set_requires_grad(true);
  return out;
}

Tensor bernoulli(const Shape& sizes, double p, TensorOptions opts, Generator& gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("bernoulli: p must be in [0, 1]");
  require_cuda("bernoulli", opts.device);
  Tensor out = Tensor::empty(sizes, TensorOptions(opts.dtype, opts.device));
  launch_bernoulli(strided_arg(out), draw_f64(gen, out.numel()), p, nullptr, opts.device.index);
  if (opts.requires_grad) out.set_requires_grad(true);
  return out;
}

Tensor bernoulli(const Tensor& p, Generator& gen) {
  require_cuda("bernoulli", p.device());
  const Tensor pc = ops::contiguous(ops::to_dtype(p, DType::f64));
  Tensor out = Tensor::empty(p.sizes(), p.options());
  launch_bernoulli(strided_arg(out), draw_f64(gen, out.numel()), 0.0, pc.data<double>(), p.device().index);
  return out;
}

}  // namespace hg::cuda
