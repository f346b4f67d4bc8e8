#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "autograd/shape.h"
#include "ops/cuda/runtime.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/allocator.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

std::vector<GradcheckCase>& table() {
  static std::vector<GradcheckCase> t;
  return t;
}

// Offset (in elements, from the tensor's own offset) of element k in row-major logical order.
int64_t element_offset(const Tensor& t, int64_t k) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (k % t.size(d)) * t.stride(d);
    k /= t.size(d);
  }
  return off;
}

// Reads/writes element k of a CPU f64 tensor through its strides.
double* element_f64(const Tensor& t, int64_t k) { return t.data<double>() + element_offset(t, k); }

// Element k of an f64 input: through a host pointer, or (off the CPU, or when asked) through a 0-d
// view of the element and a one-element copy to or from the host.
class Elements {
 public:
  Elements(const Tensor& t, bool by_copy) : t_(t), by_copy_(by_copy || !t.device().is_cpu()) {}
  double get(int64_t k) const { return by_copy_ ? view(k).item<double>() : *element_f64(t_, k); }
  void set(int64_t k, double v) const {
    if (by_copy_) ops::copy_(view(k), scalar_tensor(v, DType::f64));
    else *element_f64(t_, k) = v;
  }

 private:
  Tensor view(int64_t k) const { return ops::as_strided(t_, {}, {}, t_.offset() + element_offset(t_, k)); }
  Tensor t_;
  bool by_copy_;
};

// f64 contents of t on the CPU (a copy only where needed): where analytic gradients are read.
Tensor host_f64(const Tensor& t) {
  return ops::contiguous(ops::to_dtype(ops::to_device(t, Device::cpu()), DType::f64));
}

double projected(const GradcheckFn& f, const std::vector<Tensor>& in, const Tensor& r) {
  NoGradGuard no_grad;
  Tensor y = f(in);
  return ops::sum(ops::mul(ops::to_dtype(y, DType::f64), r)).item<double>();
}

// The random projection R of an output (fixed seed), on the output's device.
Tensor projection(const Tensor& y) {
  Generator rg(0x9c4ec7, 1);
  return ops::to_device(uniform(y.sizes(), 0.5, 1.5, DType::f64, &rg), y.device());
}

struct Comparison {
  double max_abs = 0, max_rel = 0;
  bool ok = true;
  std::string first_failure;
  void add(double analytic, double numeric, double atol, double rtol, const std::string& where) {
    const double err = std::abs(analytic - numeric);
    const bool finite = std::isfinite(analytic) && std::isfinite(numeric);
    max_abs = std::max(max_abs, finite ? err : INFINITY);
    max_rel = std::max(max_rel, finite ? err / std::max(std::abs(numeric), 1e-12) : INFINITY);
    if (!finite || err > atol + rtol * std::abs(numeric)) {
      if (ok) {
        first_failure = where + ": analytic " + std::to_string(analytic) + " vs numeric " + std::to_string(numeric);
      }
      ok = false;
    }
  }
};

}  // namespace

GradcheckTable::GradcheckTable(std::vector<GradcheckCase> rows) {
  for (auto& r : rows) table().push_back(std::move(r));
}
const std::vector<GradcheckCase>& gradcheck_cases() { return table(); }

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& o) {
  GradcheckResult res;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad() && t.dtype() != DType::f64)
      throw std::invalid_argument("gradcheck: inputs that require grad must be f64 (got " +
                                  std::string(dtype_name(t.dtype())) + ")");
  CpuAllocator::PoisonScope poison;  // unwritten kernel outputs become NaN and fail the check
  std::set<std::string> seen;
  set_node_observer([&](const Differentiable& d) { seen.insert(d.name); });
  struct ObserverReset {
    ~ObserverReset() { set_node_observer(nullptr); }
  } reset;

  // Analytic gradient of s = sum(y * R).
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();
  Tensor y = f(inputs);
  if (!y.requires_grad()) {
    res.message = "output does not require grad";
    return res;
  }
  Tensor r = projection(y);
  Tensor seed = ops::to_dtype(r, y.dtype());
  y.backward(seed);
  std::vector<Tensor> analytic;
  for (const auto& t : inputs) analytic.push_back(t.defined() && t.requires_grad() ? ops::clone(t.grad()) : Tensor());

  Comparison cmp;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    if (!analytic[i].defined()) {
      cmp.ok = false;
      cmp.first_failure = "input " + std::to_string(i) + " received no gradient";
      continue;
    }
    if (analytic[i].sizes() != x.sizes()) {
      cmp.ok = false;
      cmp.first_failure = "input " + std::to_string(i) + ": gradient shape " + analytic[i].shape_string() +
                          " != input shape " + x.shape_string();
      continue;
    }
    Tensor a = host_f64(analytic[i]);
    const Elements e(x, o.element_access_by_copy);
    for (int64_t k = 0; k < x.numel(); ++k) {
      const double saved = e.get(k);
      e.set(k, saved + o.eps);
      const double plus = projected(f, inputs, r);
      e.set(k, saved - o.eps);
      const double minus = projected(f, inputs, r);
      e.set(k, saved);
      cmp.add(a.data<double>()[k], (plus - minus) / (2 * o.eps), o.atol, o.rtol,
              "input " + std::to_string(i) + " element " + std::to_string(k));
    }
  }

  // Full Jacobian for small outputs: one backward per output element.
  if (y.numel() <= o.full_jacobian_max && cmp.ok) {
    for (int64_t j = 0; j < y.numel(); ++j) {
      Tensor onehot = zeros(y.sizes(), DType::f64);
      *element_f64(onehot, j) = 1.0;
      onehot = ops::to_device(onehot, y.device());
      for (const auto& t : inputs)
        if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();
      f(inputs).backward(ops::to_dtype(onehot, y.dtype()));
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& x = inputs[i];
        if (!x.defined() || !x.requires_grad() || !x.grad().defined()) continue;
        Tensor a = host_f64(x.grad());
        const Elements e(x, o.element_access_by_copy);
        for (int64_t k = 0; k < x.numel(); ++k) {
          const double saved = e.get(k);
          e.set(k, saved + o.eps);
          const double plus = projected(f, inputs, onehot);
          e.set(k, saved - o.eps);
          const double minus = projected(f, inputs, onehot);
          e.set(k, saved);
          cmp.add(a.data<double>()[k], (plus - minus) / (2 * o.eps), o.atol, o.rtol,
                  "Jacobian row " + std::to_string(j) + " input " + std::to_string(i) + " element " + std::to_string(k));
        }
      }
    }
  }

  // Accumulation: two backward passes add up (.grad is not overwritten).
  if (cmp.ok) {
    for (const auto& t : inputs)
      if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();
    f(inputs).backward(seed);
    f(inputs).backward(seed);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = inputs[i];
      if (!x.defined() || !x.requires_grad()) continue;
      Tensor twice = ops::to_dtype(x.grad(), DType::f64), once = ops::to_dtype(analytic[i], DType::f64);
      const double diff = ops::amax(ops::abs(ops::sub(twice, ops::mul(once, 2.0)))).item<double>();
      const double scale = ops::amax(ops::abs(once)).item<double>();
      if (diff > 1e-9 * std::max(1.0, scale)) {
        cmp.ok = false;
        cmp.first_failure = "input " + std::to_string(i) + ": a second backward did not accumulate (off by " +
                            std::to_string(diff) + ")";
      }
    }
  }
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();

  res.passed = cmp.ok;
  res.max_abs_error = cmp.max_abs;
  res.max_rel_error = cmp.max_rel;
  res.message = cmp.first_failure;
  res.functions_seen.assign(seen.begin(), seen.end());
  return res;
}

namespace {

// The case's inputs, drawn on the CPU from Generator(table seed, the case's index in the table).
std::vector<Tensor> case_inputs(const GradcheckCase& c) {
  const auto& all = gradcheck_cases();
  const uint64_t index = static_cast<uint64_t>(&c - all.data());
  Generator g(20261123, index < all.size() ? index : 0);
  return c.make_inputs(g);
}

// The case's tolerances; single precision uses a larger step and tolerances suited to 24-bit mantissas.
GradcheckOptions case_options(const GradcheckCase& c, DType dtype) {
  GradcheckOptions o;
  o.atol = c.atol;
  o.rtol = c.rtol;
  o.eps = c.eps;
  if (dtype != DType::f64) {
    o.eps = 1e-3;
    o.atol = std::max(o.atol, 1e-2);
    o.rtol = std::max(o.rtol, 1e-2);
  }
  return o;
}

// The case's function evaluated in `dtype`: floating inputs pass through the differentiable cast,
// so the leaves (and the finite differences) stay f64.
GradcheckFn in_precision(const GradcheckCase& c, DType dtype) {
  if (dtype == DType::f64) return c.fn;
  return [fn = c.fn, dtype](const std::vector<Tensor>& in) {
    std::vector<Tensor> cast;
    for (const auto& t : in) {
      if (!t.defined() || !is_floating(t.dtype())) {
        cast.push_back(t);
        continue;
      }
      cast.push_back(hg::to_dtype(t, dtype));
    }
    return fn(cast);
  };
}

void require_device_present(Device device) {
  if (device.is_cpu()) return;
  const auto devices = cuda::devices();
  if (devices.empty())
    throw std::invalid_argument("gradcheck: " + device.str() + ": no CUDA device is present (" +
                                cuda::unavailable_reason() + ")");
  if (device.index < 0 || device.index >= static_cast<int>(devices.size()))
    throw std::invalid_argument("gradcheck: " + device.str() + ": no such device (" + std::to_string(devices.size()) +
                                " found)");
}

// x on `device` with the same sizes, strides and offset: its whole storage is copied and viewed the
// same way again. A fresh leaf, requiring grad when x does.
Tensor moved_input(const Tensor& x, Device device) {
  if (!x.defined()) return x;
  const int64_t n = static_cast<int64_t>(x.storage()->nbytes() / dtype_size(x.dtype()));
  Tensor buffer = Tensor::empty({n}, TensorOptions(x.dtype(), device));
  if (n > 0) ops::copy_(buffer, ops::as_strided(x, {n}, {1}, 0));
  Tensor moved = ops::as_strided(buffer, x.sizes(), x.strides(), x.offset());
  if (x.requires_grad()) moved.set_requires_grad(true);
  return moved;
}

// One forward pass and one backward pass seeded with the projection R; results copied to the CPU
// in f64, with the devices they were on.
struct Evaluation {
  Tensor output;
  Device output_device;
  std::vector<Tensor> grads;  // undefined where the input needs no gradient or got none
  std::vector<Device> grad_devices;
};

Evaluation forward_backward(const GradcheckFn& f, const std::vector<Tensor>& inputs) {
  auto reset = [&] {
    for (const auto& t : inputs)
      if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();
  };
  reset();
  Evaluation e;
  const Tensor y = f(inputs);
  e.output = host_f64(y);
  e.output_device = y.device();
  if (y.requires_grad()) y.backward(ops::to_dtype(projection(y), y.dtype()));
  for (const auto& t : inputs) {
    const bool has = t.defined() && t.requires_grad() && t.grad().defined();
    e.grads.push_back(has ? host_f64(t.grad()) : Tensor());
    e.grad_devices.push_back(has ? t.grad().device() : Device::cpu());
  }
  reset();
  return e;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The device run against the CPU run: devices, output and every input gradient.
ReferenceComparison compare_runs(const Evaluation& dev, const Evaluation& cpu, Device device, DeviceTolerance tol) {
  ReferenceComparison all;
  auto fail = [&](const std::string& message) {
    if (all.ok) all.message = message;
    all.ok = false;
  };
  auto merge = [&](const ReferenceComparison& r) {
    all.max_abs = std::max(all.max_abs, r.max_abs);
    all.max_rel = std::max(all.max_rel, r.max_rel);
    if (!r.ok) fail(r.message);
  };
  if (dev.output_device != device)
    fail("the output is on " + dev.output_device.str() + ", expected " + device.str() +
         " (a constant made inside the case or the function stays on another device)");
  merge(compare_with_reference(dev.output, cpu.output, tol, "output"));
  for (size_t i = 0; i < cpu.grads.size(); ++i) {
    const std::string what = "gradient of input " + std::to_string(i);
    if (dev.grads[i].defined() != cpu.grads[i].defined()) {
      fail(what + (cpu.grads[i].defined() ? " is missing on " : " exists only on ") + device.str());
      continue;
    }
    if (!cpu.grads[i].defined()) continue;
    if (dev.grad_devices[i] != device)
      fail(what + " is on " + dev.grad_devices[i].str() + ", expected " + device.str());
    merge(compare_with_reference(dev.grads[i], cpu.grads[i], tol, what));
  }
  return all;
}

}  // namespace

DeviceTolerance device_tolerance(DType dtype) {
  switch (dtype) {
    case DType::f64: return {1e-12, 1e-12};
    case DType::f32: return {1e-5, 1e-6};
    case DType::f16: return {1e-2, 1e-3};
    case DType::bf16: return {2e-2, 1e-2};
    default:
      throw std::invalid_argument(std::string("device_tolerance: no tolerance for non-floating dtype ") +
                                  dtype_name(dtype));
  }
}

ReferenceComparison compare_with_reference(const Tensor& got, const Tensor& reference, DeviceTolerance tol,
                                           const std::string& what) {
  ReferenceComparison r;
  if (got.sizes() != reference.sizes()) {
    r.ok = false;
    r.message = what + ": shape " + got.shape_string() + ", reference " + reference.shape_string();
    return r;
  }
  const Tensor a = host_f64(got), b = host_f64(reference);
  const double* pa = a.data<double>();
  const double* pb = b.data<double>();
  const int64_t n = a.numel();
  double scale = 1.0;
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(pb[i])) scale = std::max(scale, std::abs(pb[i]));
  for (int64_t i = 0; i < n; ++i) {
    const bool same_special = (std::isnan(pa[i]) && std::isnan(pb[i])) || (std::isinf(pb[i]) && pa[i] == pb[i]);
    if (same_special) continue;
    const double diff = std::abs(pa[i] - pb[i]);
    const double bound = tol.rtol * std::abs(pb[i]) + tol.atol * scale;
    const bool finite = std::isfinite(diff);
    r.max_abs = std::max(r.max_abs, finite ? diff : INFINITY);
    r.max_rel = std::max(r.max_rel, finite ? diff / std::max(std::abs(pb[i]), 1e-12) : INFINITY);
    if (!finite || diff > bound) {
      if (r.ok)
        r.message = what + " element " + std::to_string(i) + ": " + number(pa[i]) + " vs reference " + number(pb[i]) +
                    " (allowed difference " + number(bound) + ")";
      r.ok = false;
    }
  }
  return r;
}

GradcheckResult run_gradcheck_case(const GradcheckCase& c, DType dtype, Device device) {
  if (!device.is_cpu()) return run_gradcheck_case_vs_cpu(c, dtype, device);
  return gradcheck(in_precision(c, dtype), case_inputs(c), case_options(c, dtype));
}

GradcheckResult run_gradcheck_case_vs_cpu(const GradcheckCase& c, DType dtype, Device device) {
  require_device_present(device);
  const DeviceTolerance tol = device_tolerance(dtype);
  const std::vector<Tensor> cpu_inputs = case_inputs(c);
  for (size_t i = 0; i < cpu_inputs.size(); ++i)
    if (cpu_inputs[i].defined() && !cpu_inputs[i].device().is_cpu())
      throw std::logic_error(c.name + ": make_inputs must build CPU tensors; input " + std::to_string(i) + " is on " +
                             cpu_inputs[i].device().str());
  const GradcheckFn f = in_precision(c, dtype);
  GradcheckOptions o = case_options(c, dtype);
  o.element_access_by_copy = true;
  GradcheckResult res;
  try {
    std::vector<Tensor> device_inputs;
    for (const auto& x : cpu_inputs) device_inputs.push_back(moved_input(x, device));
    const Evaluation reference = forward_backward(f, cpu_inputs);
    const Evaluation on_device = forward_backward(f, device_inputs);
    const ReferenceComparison cmp = compare_runs(on_device, reference, device, tol);
    res = gradcheck(f, device_inputs, o);
    res.compared_with_cpu = true;
    res.device_matches_cpu = cmp.ok;
    res.device_max_abs_diff = cmp.max_abs;
    res.device_max_rel_diff = cmp.max_rel;
    if (!cmp.ok) {
      res.device_message = device.str() + " vs cpu: " + cmp.message;
      res.message = res.passed ? res.device_message : res.message + "; " + res.device_message;
      res.passed = false;
    }
  } catch (const std::exception& e) {
    res.passed = false;
    res.device_matches_cpu = false;
    res.message = res.device_message = device.str() + ": " + e.what();
  }
  return res;
}

std::vector<std::string> differentiables_without_case() {
  std::set<std::string> covered;
  for (const auto& c : gradcheck_cases()) {
    auto r = run_gradcheck_case(c);
    covered.insert(r.functions_seen.begin(), r.functions_seen.end());
  }
  std::vector<std::string> missing;
  for (const auto* d : differentiable_functions())
    if (!covered.count(d->name)) missing.push_back(d->name);
  return missing;
}

Tensor gc_uniform(Generator& g, const Shape& shape, double lo, double hi) {
  return uniform(shape, lo, hi, DType::f64, &g).set_requires_grad(true);
}

Tensor gc_away_from_zero(Generator& g, const Shape& shape, double lo, double hi) {
  Tensor mag = uniform(shape, lo, hi, DType::f64, &g);
  Tensor sgn = ops::sub(ops::mul(bernoulli(shape, 0.5, DType::f64, &g), 2.0), ones(shape, DType::f64));
  Tensor t = ops::mul(mag, sgn);
  return t.set_requires_grad(true);
}

Tensor gc_noncontiguous(Generator& g, const Shape& shape, double lo, double hi) {
  if (shape.size() < 2) {  // every other element of a buffer twice as long
    Shape big = shape.empty() ? Shape{2} : Shape{shape[0] * 2};
    Tensor buf = uniform(big, lo, hi, DType::f64, &g);
    Tensor v = shape.empty() ? ops::select(buf, 0, 0) : ops::slice(buf, 0, 0, big[0], 2);
    return v.set_requires_grad(true);
  }
  Shape swapped = shape;
  std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
  Tensor buf = uniform(swapped, lo, hi, DType::f64, &g);
  Tensor v = ops::transpose(buf, -1, -2);
  return v.set_requires_grad(true);
}

Tensor gc_constant(Generator& g, const Shape& shape, double lo, double hi) {
  return uniform(shape, lo, hi, DType::f64, &g);
}

Tensor gc_on_device_of(const Tensor& constant, const Tensor& like) {
  return like.defined() ? ops::to_device(constant, like.device()) : constant;
}

}  // namespace hg
