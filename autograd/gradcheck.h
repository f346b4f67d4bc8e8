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
//
// Devices. run_gradcheck_case(c, dtype, Device::cuda(i)) builds the case's inputs on the CPU as
// always, moves them to the device (same sizes, strides and offset: non-contiguous cases stay
// non-contiguous; leaves stay leaves that require grad) and then
//   1. runs the function and one backward pass (seed R) on the CPU inputs and on the device inputs
//      and compares the device's output and input gradients with the CPU's (tolerance per dtype:
//      device_tolerance below); the output must also be on the device;
//   2. gradient-checks the device run as above, in f64, perturbing one element at a time through
//      small host <-> device copies (correctness over speed).
// A case whose function makes tensors of its own (constants, index tensors, masks) must make them
// on its inputs' device: gc_on_device_of().
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
  // Read and write the perturbed input elements through small copies instead of host pointers.
  // Always the case for inputs off the CPU; settable so the CPU tests cover that path too.
  bool element_access_by_copy = false;
};

struct GradcheckResult {
  bool passed = false;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::string message;                        // first failure, or empty
  std::vector<std::string> functions_seen;    // Differentiables recorded while running
  // Device runs only: the device's output and input gradients against the CPU's (see
  // device_tolerance). `passed` requires both the finite-difference check and this comparison.
  bool compared_with_cpu = false;
  bool device_matches_cpu = false;
  double device_max_abs_diff = 0;
  double device_max_rel_diff = 0;
  std::string device_message;  // first comparison failure, or empty
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
// converted and tolerances loosened, for auditing single precision. On the CPU this is the plain
// check; on a CUDA device it is run_gradcheck_case_vs_cpu. A CUDA device that is not present throws
// std::invalid_argument naming it and why.
GradcheckResult run_gradcheck_case(const GradcheckCase& c, DType dtype = DType::f64, Device device = Device::cpu());
// The device procedure (header comment: move the inputs, compare with the CPU, gradient-check on the
// device). With device = cpu it runs the same procedure against a second CPU copy: a self-test of the
// machinery (the differences must then be zero) that the CPU-only test suite can run. Exceptions
// thrown by the case on the device are reported as a failure naming the device, not propagated.
GradcheckResult run_gradcheck_case_vs_cpu(const GradcheckCase& c, DType dtype, Device device);

// Device-versus-CPU tolerances, by the dtype the function computes in (TF32 off). An element passes
// when |device - cpu| <= rtol |cpu| + atol max(1, max |cpu|), the max taken over the whole tensor
// (so sums that cancel to ~0 are judged on the scale of the tensor, not of the tiny element):
//
//   dtype   rtol    atol     why
//   f64     1e-12   1e-12    same formulas; only summation order and FMA contraction differ
//   f32     1e-5    1e-6     summation order of GEMM/conv/reductions (cuBLAS, cuDNN vs Eigen)
//   f16     1e-2    1e-3     one rounding of the f32-accumulated result to 11 bits may differ
//   bf16    2e-2    1e-2     the same with 8 bits
struct DeviceTolerance {
  double rtol = 0;
  double atol = 0;
};
DeviceTolerance device_tolerance(DType dtype);  // throws std::invalid_argument for non-floating dtypes

// One tensor of a device run against its CPU reference (any devices and dtypes; compared in f64 on
// the CPU). Shape mismatch, non-finite differences and out-of-tolerance elements fail; `message`
// names `what`, the first failing element and both values.
struct ReferenceComparison {
  bool ok = true;
  double max_abs = 0, max_rel = 0;
  std::string message;
};
ReferenceComparison compare_with_reference(const Tensor& got, const Tensor& reference, DeviceTolerance tol,
                                           const std::string& what);

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

// A constant made inside a case's function, moved to the device of the input `like` (the tensor
// itself when it is already there, so CPU runs are unchanged): index tensors, faces, cameras, ...
Tensor gc_on_device_of(const Tensor& constant, const Tensor& like);

}  // namespace hg
