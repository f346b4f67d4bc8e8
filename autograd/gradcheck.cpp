#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "autograd/shape.h"
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

// Reads/writes element k (row-major logical index) of a CPU f64/f32 tensor through its strides.
double* element_f64(const Tensor& t, int64_t k) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (k % t.size(d)) * t.stride(d);
    k /= t.size(d);
  }
  return t.data<double>() + off;
}

double projected(const GradcheckFn& f, const std::vector<Tensor>& in, const Tensor& r) {
  NoGradGuard no_grad;
  Tensor y = f(in);
  return ops::sum(ops::mul(ops::to_dtype(y, DType::f64), r)).item<double>();
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
  Generator rg(0x9c4ec7, 1);
  Tensor r = uniform(y.sizes(), 0.5, 1.5, DType::f64, &rg);
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
    Tensor a = ops::contiguous(ops::to_dtype(analytic[i], DType::f64));
    for (int64_t k = 0; k < x.numel(); ++k) {
      double* p = element_f64(x, k);
      const double saved = *p;
      *p = saved + o.eps;
      const double plus = projected(f, inputs, r);
      *p = saved - o.eps;
      const double minus = projected(f, inputs, r);
      *p = saved;
      cmp.add(a.data<double>()[k], (plus - minus) / (2 * o.eps), o.atol, o.rtol,
              "input " + std::to_string(i) + " element " + std::to_string(k));
    }
  }

  // Full Jacobian for small outputs: one backward per output element.
  if (y.numel() <= o.full_jacobian_max && cmp.ok) {
    for (int64_t j = 0; j < y.numel(); ++j) {
      Tensor onehot = zeros(y.sizes(), DType::f64);
      *element_f64(onehot, j) = 1.0;
      for (const auto& t : inputs)
        if (t.defined() && t.requires_grad()) const_cast<Tensor&>(t).zero_grad();
      f(inputs).backward(ops::to_dtype(onehot, y.dtype()));
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& x = inputs[i];
        if (!x.defined() || !x.requires_grad() || !x.grad().defined()) continue;
        Tensor a = ops::contiguous(ops::to_dtype(x.grad(), DType::f64));
        for (int64_t k = 0; k < x.numel(); ++k) {
          double* p = element_f64(x, k);
          const double saved = *p;
          *p = saved + o.eps;
          const double plus = projected(f, inputs, onehot);
          *p = saved - o.eps;
          const double minus = projected(f, inputs, onehot);
          *p = saved;
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

GradcheckResult run_gradcheck_case(const GradcheckCase& c, DType dtype) {
  const auto& all = gradcheck_cases();
  const uint64_t index = static_cast<uint64_t>(&c - all.data());
  Generator g(20261123, index < all.size() ? index : 0);
  std::vector<Tensor> inputs = c.make_inputs(g);
  GradcheckOptions o;
  o.atol = c.atol;
  o.rtol = c.rtol;
  o.eps = c.eps;
  if (dtype == DType::f64) return gradcheck(c.fn, inputs, o);
  // Single precision: evaluate f on f32 copies of the inputs, differentiate against f64 leaves
  // through a cast, with tolerances suited to 24-bit mantissas.
  o.eps = 1e-3;
  o.atol = std::max(o.atol, 1e-2);
  o.rtol = std::max(o.rtol, 1e-2);
  GradcheckFn f32 = [&c, dtype](const std::vector<Tensor>& in) {
    std::vector<Tensor> cast;
    for (const auto& t : in) {
      if (!t.defined() || !is_floating(t.dtype())) { cast.push_back(t); continue; }
      cast.push_back(hg::to_dtype(t, dtype));
    }
    return c.fn(cast);
  };
  return gradcheck(f32, inputs, o);
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

}  // namespace hg
