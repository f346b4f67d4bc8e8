// Finite-difference gradient checking and the registry of gradcheck cases ("derivative table").
//
// gradcheck(f, inputs) compares the analytic gradient of  s = sum(f(inputs) * R)  (R a fixed
// random tensor) with central differences (s(x + eps e_k) - s(x - eps e_k)) / 2 eps for every
// element k of every input that requires grad; for outputs of at most `full_jacobian_max`
// elements it also compares the whole Jacobian row by row. It then checks that a second backward
// *accumulates* into .grad (2x the first). Pass when |analytic - numeric| <= atol + rtol |numeric|.
//
// Every Differentiable (autograd/node.h) must be exercised by at least one registered case; the
// test suite and `handgrad gradcheck` fail otherwise, so nothing can be added unchecked.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
  int64_t full_jacobian_max = 12;  // outputs up to this many elements get a full Jacobian check
};

struct GradcheckResult {
  bool passed = false;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::string message;                        // first failure, or empty
  std::vector<std::string> functions_seen;    // Differentiables recorded while running
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});

// One row of the derivative table.
struct GradcheckCase {
  std::string name;  // "conv2d/stride2_groups2"; the part before '/' names the public function
  std::function<std::vector<Tensor>(Generator&)> make_inputs;  // f64; inputs to check require grad
  GradcheckFn fn;
  double atol = 1e-7;
  double rtol = 1e-5;
  double eps = 1e-6;  // finite-difference step (larger for functions that round, e.g. casts)
};

// Registers rows at start-up: `static const GradcheckTable rows({ {...}, {...} });`
struct GradcheckTable {
  explicit GradcheckTable(std::vector<GradcheckCase> rows);
};
const std::vector<GradcheckCase>& gradcheck_cases();

// Runs one case (inputs built from Generator(seed, case index)); with dtype f32 the inputs are
// converted and tolerances loosened, for auditing single precision.
GradcheckResult run_gradcheck_case(const GradcheckCase& c, DType dtype = DType::f64);

// Names of registered Differentiables that no case exercises (runs every case once).
std::vector<std::string> differentiables_without_case();

// Input helpers for cases: f64, requires_grad leaves.
Tensor gc_uniform(Generator& g, const Shape& shape, double lo = -1.0, double hi = 1.0);
// Values away from zero: |x| in [lo, hi] with random sign (for abs, relu, div, ... kinks).
Tensor gc_away_from_zero(Generator& g, const Shape& shape, double lo = 0.2, double hi = 1.0);
// A non-contiguous leaf with the given shape: a transposed view of a fresh buffer.
Tensor gc_noncontiguous(Generator& g, const Shape& shape, double lo = -1.0, double hi = 1.0);
// make_inputs for a row that draws from its own Philox stream (the table's seed, `stream`) instead of
// the one its position in the table selects: for functions with kinks (e.g. the rasteriser), where a
// rare draw lands within ±eps of one, adding rows elsewhere must not change this row's inputs.
template <class Make>
std::function<std::vector<Tensor>(Generator&)> gc_own_stream(uint64_t stream, Make make) {
  return [stream, make](Generator& table) {
    Generator g(table.seed(), stream);
    return make(g);
  };
}

// Without requires_grad (constants such as targets or masks).
Tensor gc_constant(Generator& g, const Shape& shape, double lo = -1.0, double hi = 1.0);

}  // namespace hg
