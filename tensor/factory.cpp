#include "tensor/factory.h"

#include <cmath>
#include <numeric>

#include "tensor/strided_loop.h"
#include "tensor/view.h"

namespace hg {
namespace {

// Fills a host buffer of n values of T via f(i) in parallel (f must be a pure function of i).
template <class T, class F>
void fill_indexed(T* p, int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = f(i);
}

// Builds the tensor on the CPU in dtype `compute`, then converts/moves to opts.
template <class F>
Tensor make_on_host(const Shape& sizes, TensorOptions opts, DType compute, F fill) {
  Tensor host = Tensor::empty(sizes, TensorOptions(compute));
  fill(host);
  Tensor r = ops::to_device(ops::to_dtype(host, opts.dtype), opts.device);
  if (opts.requires_grad) r.set_requires_grad(true);
  return r;
}

Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }
DeviceRandomHooks g_device_random;

}  // namespace

Tensor full(const Shape& sizes, double value, TensorOptions opts) {
  return make_on_host(sizes, opts, DType::f64, [&](Tensor& t) {
    fill_indexed(t.data<double>(), t.numel(), [=](int64_t) { return value; });
  });
}
Tensor zeros(const Shape& sizes, TensorOptions opts) { return full(sizes, 0.0, opts); }
Tensor ones(const Shape& sizes, TensorOptions opts) { return full(sizes, 1.0, opts); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.options()); }
Tensor full_like(const Tensor& t, double value) { return full(t.sizes(), value, t.options()); }
Tensor scalar_tensor(double value, TensorOptions opts) { return full({}, value, opts); }

Tensor arange(double start, double end, double step, TensorOptions opts) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    throw std::invalid_argument("arange: step must be non-zero and bounds finite");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  return make_on_host({n}, opts, DType::f64, [&](Tensor& t) {
    fill_indexed(t.data<double>(), n, [=](int64_t i) { return start + step * static_cast<double>(i); });
  });
}
Tensor arange(int64_t end, TensorOptions opts) { return arange(0.0, static_cast<double>(end), 1.0, opts); }

Tensor linspace(double start, double end, int64_t steps, TensorOptions opts) {
  if (steps < 0) throw std::invalid_argument("linspace: steps must be >= 0");
  return make_on_host({steps}, opts, DType::f64, [&](Tensor& t) {
    const double d = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // Symmetric formula (as torch): the first half counts up from start, the second down from end.
    fill_indexed(t.data<double>(), steps, [=](int64_t i) {
      if (steps == 1) return start;
      return i < steps / 2 ? start + d * static_cast<double>(i) : end - d * static_cast<double>(steps - 1 - i);
    });
  });
}

Tensor eye(int64_t n, TensorOptions opts) {
  return make_on_host({n, n}, opts, DType::f64, [&](Tensor& t) {
    fill_indexed(t.data<double>(), n * n, [=](int64_t i) { return i / n == i % n ? 1.0 : 0.0; });
  });
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& sizes, TensorOptions opts) {
  if (static_cast<int64_t>(values.size()) != shape_numel(sizes))
    throw std::invalid_argument("from_vector: " + std::to_string(values.size()) + " values for shape " +
                                shape_str(sizes));
  return make_on_host(sizes, opts, dtype_of<T>::value, [&](Tensor& t) {
    std::copy(values.begin(), values.end(), t.data<T>());
  });
}
template Tensor from_vector(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<int32_t>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<int64_t>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<uint8_t>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<half>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<bfloat16>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<bool>&, const Shape&, TensorOptions);


Tensor tensor(std::initializer_list<double> values, TensorOptions opts) {
  return from_vector(std::vector<double>(values), {static_cast<int64_t>(values.size())}, opts);
}

// --- random ---
// Element i of a draw that starts at counter c uses block c + i / 4, word i % 4 (f64: c + i / 2,
// words 2(i%2), 2(i%2)+1), so values never depend on the thread count.

Tensor rand(const Shape& sizes, TensorOptions opts, Generator* g) {
  return uniform(sizes, 0.0, 1.0, opts, g);
}

void install_device_random(DeviceRandomHooks hooks) { g_device_random = hooks; }

Tensor uniform(const Shape& sizes, double lo, double hi, TensorOptions opts, Generator* g) {
  Generator& gen = gen_or_default(g);
  if (opts.device.is_cuda() && g_device_random.uniform) {
    Tensor r = g_device_random.uniform(sizes, lo, hi, opts, gen);
    if (opts.requires_grad) r.set_requires_grad(true);
    return r;
  }
  const int64_t n = shape_numel(sizes);
  if (opts.dtype == DType::f64) {
    const uint64_t base = gen.reserve((n + 1) / 2);
    return make_on_host(sizes, opts, DType::f64, [&](Tensor& t) {
      fill_indexed(t.data<double>(), n, [&](int64_t i) {
        const auto b = gen.block(base + i / 2);
        const int w = 2 * static_cast<int>(i % 2);
        return lo + (hi - lo) * uniform_double(b[w], b[w + 1]);
      });
    });
  }
  const uint64_t base = gen.reserve((n + 3) / 4);
  return make_on_host(sizes, opts, DType::f32, [&](Tensor& t) {
    fill_indexed(t.data<float>(), n, [&](int64_t i) {
      const float u = uniform_float(gen.block(base + i / 4)[i % 4]);
      return static_cast<float>(lo + (hi - lo) * u);
    });
  });
}

Tensor randn(const Shape& sizes, TensorOptions opts, Generator* g) {
  // Box-Muller on pairs: block k gives two pairs (words 0,1) and (2,3) -> four normals.
  Generator& gen = gen_or_default(g);
  const int64_t n = shape_numel(sizes);
  const uint64_t base = gen.reserve((n + 3) / 4);
  return make_on_host(sizes, opts, DType::f64, [&](Tensor& t) {
    fill_indexed(t.data<double>(), n, [&](int64_t i) {
      const auto b = gen.block(base + i / 4);
      const int pair = static_cast<int>(i % 4) / 2;
      const double u1 = (static_cast<double>(b[2 * pair]) + 1.0) / 4294967297.0;  // (0, 1)
      const double u2 = static_cast<double>(b[2 * pair + 1]) / 4294967296.0;      // [0, 1)
      const double r = std::sqrt(-2.0 * std::log(u1));
      const double a = 6.283185307179586 * u2;
      return (i % 2 == 0) ? r * std::cos(a) : r * std::sin(a);
    });
  });
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, TensorOptions opts, Generator* g) {
  if (high <= low) throw std::invalid_argument("randint: high must be greater than low");
  Generator& gen = gen_or_default(g);
  const int64_t n = shape_numel(sizes);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);  // no signed overflow
  const uint64_t base = gen.reserve((n + 1) / 2);
  return make_on_host(sizes, opts, DType::i64, [&](Tensor& t) {
    fill_indexed(t.data<int64_t>(), n, [&](int64_t i) {
      const auto b = gen.block(base + i / 2);
      const int w = 2 * static_cast<int>(i % 2);
      const uint64_t bits = (static_cast<uint64_t>(b[w]) << 32) | b[w + 1];
      return static_cast<int64_t>(static_cast<uint64_t>(low) + bits % range);  // bias < 2^-32 for ranges < 2^32
    });
  });
}

Tensor bernoulli(const Shape& sizes, double p, TensorOptions opts, Generator* g) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("bernoulli: p must be in [0, 1]");
  if (opts.device.is_cuda() && g_device_random.bernoulli) {
    Tensor r = g_device_random.bernoulli(sizes, p, opts, gen_or_default(g));
    if (opts.requires_grad) r.set_requires_grad(true);
    return r;
  }
  Tensor u = rand(sizes, DType::f64, g);
  double* d = u.data<double>();
  fill_indexed(d, u.numel(), [=](int64_t i) { return d[i] < p ? 1.0 : 0.0; });
  Tensor r = ops::to_device(ops::to_dtype(u, opts.dtype), opts.device);
  if (opts.requires_grad) r.set_requires_grad(true);
  return r;
}

Tensor bernoulli(const Tensor& p, Generator* g) {
  if (p.device().is_cuda() && g_device_random.bernoulli_like) return g_device_random.bernoulli_like(p, gen_or_default(g));
  Tensor pc = ops::contiguous(ops::to_dtype(ops::to_device(p, Device::cpu()), DType::f64));
  Tensor u = rand(p.sizes(), DType::f64, g);
  double* d = u.data<double>();
  const double* pp = pc.data<double>();
  fill_indexed(d, u.numel(), [=](int64_t i) { return d[i] < pp[i] ? 1.0 : 0.0; });
  return ops::to_device(ops::to_dtype(u, p.dtype()), p.device());
}

Tensor randperm(int64_t n, Generator* g) {
  Generator& gen = gen_or_default(g);
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[gen.randint(0, i + 1)]);  // Fisher-Yates
  return from_vector(v, {n});
}

// --- Generator ---

double Generator::normal(double mean, double stddev) {
  const auto b = block(reserve(1));
  const double u1 = (static_cast<double>(b[0]) + 1.0) / 4294967297.0;
  const double u2 = static_cast<double>(b[1]) / 4294967296.0;
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

int64_t Generator::randint(int64_t lo, int64_t hi) {
  if (hi <= lo) throw std::invalid_argument("Generator::randint: empty range");
  const auto b = block(reserve(1));
  const uint64_t bits = (static_cast<uint64_t>(b[0]) << 32) | b[1];
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + bits % range);
}

Generator& default_generator() {
  static Generator g(0x5eed, 0);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0, 0); }

}  // namespace hg
