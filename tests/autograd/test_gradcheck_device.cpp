// The device path of the gradient checker (autograd/gradcheck.h, "Devices"), run on the CPU: the
// GPU suite (tests/gpu/test_gradcheck_gpu.cpp) runs the same procedure against cuda:0, so what can
// be checked without a GPU is checked here — the CPU path is unchanged, the procedure (inputs moved
// with their layout, elements perturbed through copies, outputs and gradients compared with a
// reference run) gives exactly the plain check's numbers, and the comparison catches differences.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/pointwise.h"
#include "autograd/reduce.h"
#include "tests/common/cuda_skip.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

const GradcheckCase& table_case(const std::string& name) {
  for (const auto& c : gradcheck_cases())
    if (c.name == name) return c;
  throw std::out_of_range("no gradcheck case " + name);
}

// A spread of rows: broadcasting, non-contiguous and 0-stride inputs, integer targets, undefined
// inputs, a constant weight, index tensors and faces made inside the function, outputs small
// enough for the full Jacobian, a per-device MANO layer, kinks and the rasteriser.
const char* const kSample[] = {
    "add/broadcast",
    "conv2d/noncontiguous_input",
    "conv2d/input_only",
    "cross_entropy/mean_4d_ignore_smoothing",
    "gather/repeated_dim1",
    "scatter_add/dim0",
    "max_pool2d/3d_input_noncontiguous",
    "batch_norm/train_4d_affine_channels_last",
    "select",
    "amin/all",
    "hand_mano/pca6_no_betas_no_trans",
    "hand_invert_latent_transform/with_scale_noncontiguous",
    "rasterize_soft/one_triangle",
};

TEST(GradcheckDevice, CpuDeviceIsThePlainCheck) {
  for (const char* name : kSample) {
    const GradcheckCase& c = table_case(name);
    const GradcheckResult plain = run_gradcheck_case(c);
    const GradcheckResult on_cpu = run_gradcheck_case(c, DType::f64, Device::cpu());
    EXPECT_TRUE(plain.passed) << name << ": " << plain.message;
    EXPECT_EQ(on_cpu.passed, plain.passed) << name;
    EXPECT_EQ(on_cpu.max_abs_error, plain.max_abs_error) << name;
    EXPECT_EQ(on_cpu.max_rel_error, plain.max_rel_error) << name;
    EXPECT_EQ(on_cpu.functions_seen, plain.functions_seen) << name;
    EXPECT_FALSE(on_cpu.compared_with_cpu) << name;
  }
}

// Same perturbations, same function, same seeds: the copy-based procedure must reproduce the
// pointer-based check bit for bit, and the "device" run must equal the reference exactly.
TEST(GradcheckDevice, DeviceProcedureOnTheCpuReproducesThePlainCheck) {
  for (const char* name : kSample) {
    const GradcheckCase& c = table_case(name);
    const GradcheckResult plain = run_gradcheck_case(c);
    const GradcheckResult dev = run_gradcheck_case_vs_cpu(c, DType::f64, Device::cpu());
    EXPECT_TRUE(dev.passed) << name << ": " << dev.message;
    EXPECT_TRUE(dev.compared_with_cpu) << name;
    EXPECT_TRUE(dev.device_matches_cpu) << name << ": " << dev.device_message;
    EXPECT_EQ(dev.device_max_abs_diff, 0.0) << name;
    EXPECT_EQ(dev.max_abs_error, plain.max_abs_error) << name;
    EXPECT_EQ(dev.max_rel_error, plain.max_rel_error) << name;
    EXPECT_EQ(dev.functions_seen, plain.functions_seen) << name;
  }
}

TEST(GradcheckDevice, SinglePrecisionProcedureOnTheCpu) {
  for (const char* name : {"matmul/2d", "softmax/middle_dim", "conv2d/stride2_pad1"}) {
    const GradcheckCase& c = table_case(name);
    const GradcheckResult plain = run_gradcheck_case(c, DType::f32);
    const GradcheckResult dev = run_gradcheck_case_vs_cpu(c, DType::f32, Device::cpu());
    EXPECT_TRUE(dev.device_matches_cpu) << name << ": " << dev.device_message;
    EXPECT_EQ(dev.passed, plain.passed) << name << ": " << dev.message;
    EXPECT_EQ(dev.max_abs_error, plain.max_abs_error) << name;
  }
}

// The moved inputs keep sizes, strides and offset (a transposed view stays transposed), are leaves
// and require grad exactly where the originals do.
TEST(GradcheckDevice, MovedInputsKeepTheirLayout) {
  struct Seen {
    std::vector<Shape> strides;
    std::vector<int64_t> offsets;
    std::vector<bool> leaf, needs_grad;
  };
  auto seen = std::make_shared<Seen>();
  GradcheckCase c{"layout_probe",
                  [](Generator& g) {
                    Tensor sliced = ops::slice(gc_constant(g, {7}), 0, 2, 7, 2);  // offset 2, stride 2
                    return std::vector<Tensor>{gc_noncontiguous(g, {3, 4}), sliced};
                  },
                  [seen](const std::vector<Tensor>& x) {
                    seen->strides.push_back(x[0].strides());
                    seen->offsets.push_back(x[1].offset());
                    seen->leaf.push_back(x[0].is_leaf());
                    seen->needs_grad.push_back(x[1].requires_grad());
                    return mul(x[0], sum(x[1]));
                  }};
  const GradcheckResult r = run_gradcheck_case_vs_cpu(c, DType::f64, Device::cpu());
  EXPECT_TRUE(r.passed) << r.message;
  ASSERT_GE(seen->strides.size(), 2u);
  for (size_t i = 0; i < seen->strides.size(); ++i) {
    EXPECT_EQ(seen->strides[i], (Shape{1, 3})) << "call " << i;
    EXPECT_EQ(seen->offsets[i], 2) << "call " << i;
    EXPECT_TRUE(seen->leaf[i]);
    EXPECT_FALSE(seen->needs_grad[i]);
  }
}

// A function whose derivative is wrong (the x² term is hidden from autograd) fails through the
// copy-based element access, while the device run still agrees with the reference.
TEST(GradcheckDevice, WrongDerivativeFailsThroughCopies) {
  GradcheckCase c{"wrong_derivative", [](Generator& g) { return std::vector<Tensor>{gc_uniform(g, {2, 3}, 0.5, 1.0)}; },
                  [](const std::vector<Tensor>& x) { return add(mul(x[0], 2.0), detach(mul(x[0], x[0]))); }};
  const GradcheckResult r = run_gradcheck_case_vs_cpu(c, DType::f64, Device::cpu());
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.device_matches_cpu) << r.device_message;
  EXPECT_NE(r.message.find("input 0 element"), std::string::npos) << r.message;
}

// A function that computes something else on the moved inputs than on the originals: the
// comparison with the reference catches a 1e-9 difference in f64.
TEST(GradcheckDevice, ComparisonCatchesADeviceDifference) {
  auto original = std::make_shared<const Storage*>(nullptr);
  GradcheckCase c{"differs_on_copy", [](Generator& g) { return std::vector<Tensor>{gc_uniform(g, {2, 2})}; },
                  [original](const std::vector<Tensor>& x) {
                    if (!*original) *original = x[0].storage().get();  // the first call sees the CPU inputs
                    return x[0].storage().get() == *original ? mul(x[0], 3.0) : mul(x[0], 3.0 + 1e-9);
                  }};
  const GradcheckResult r = run_gradcheck_case_vs_cpu(c, DType::f64, Device::cpu());
  EXPECT_TRUE(r.compared_with_cpu);
  EXPECT_FALSE(r.device_matches_cpu);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.device_message.find("cpu vs cpu: output element"), std::string::npos) << r.device_message;
  EXPECT_GT(r.device_max_abs_diff, 0.0);
}

TEST(GradcheckDevice, ToleranceTable) {
  EXPECT_EQ(device_tolerance(DType::f64).rtol, 1e-12);
  EXPECT_EQ(device_tolerance(DType::f32).rtol, 1e-5);
  EXPECT_EQ(device_tolerance(DType::f16).rtol, 1e-2);
  EXPECT_EQ(device_tolerance(DType::bf16).rtol, 2e-2);
  EXPECT_THROW(device_tolerance(DType::i64), std::invalid_argument);
}

TEST(GradcheckDevice, CompareWithReference) {
  const DeviceTolerance tol = device_tolerance(DType::f64);
  const Tensor ref = from_vector(std::vector<double>{1000.0, 0.0, -2.0}, {3});
  // |diff| <= 1e-12 |ref| + 1e-12 * 1000 (the tensor's scale): 5e-10 passes at element 1 ...
  EXPECT_TRUE(compare_with_reference(from_vector(std::vector<double>{1000.0, 5e-10, -2.0}, {3}), ref, tol, "t").ok);
  // ... 2e-9 does not, and the message names the element and both values.
  const ReferenceComparison bad =
      compare_with_reference(from_vector(std::vector<double>{1000.0, 2e-9, -2.0}, {3}), ref, tol, "t");
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.message.find("t element 1: 2.0000000000000001e-09 vs reference 0"), std::string::npos) << bad.message;
  EXPECT_DOUBLE_EQ(bad.max_abs, 2e-9);
  // f32 results compare against an f64 reference after conversion.
  const Tensor near_one = from_vector(std::vector<double>{1.0 + 1e-7}, {1});
  const Tensor rounded = ops::to_dtype(near_one, DType::f32);  // off by ~2e-8 after rounding
  EXPECT_TRUE(compare_with_reference(rounded, near_one, device_tolerance(DType::f32), "t").ok);
  EXPECT_FALSE(compare_with_reference(rounded, near_one, tol, "t").ok);
  const ReferenceComparison shape = compare_with_reference(zeros({3, 1}, DType::f64), ref, tol, "grad");
  EXPECT_FALSE(shape.ok);
  EXPECT_NE(shape.message.find("grad: shape [3, 1], reference [3]"), std::string::npos) << shape.message;
  const Tensor nan_ref = from_vector(std::vector<double>{NAN, 1.0}, {2});
  EXPECT_TRUE(compare_with_reference(nan_ref, nan_ref, tol, "t").ok);  // the same special values match
  EXPECT_FALSE(compare_with_reference(from_vector(std::vector<double>{0.0, 1.0}, {2}), nan_ref, tol, "t").ok);
  EXPECT_FALSE(compare_with_reference(nan_ref, from_vector(std::vector<double>{0.0, 1.0}, {2}), tol, "t").ok);
}

TEST(GradcheckDevice, ConstantsFollowTheInputsDevice) {
  const Tensor like = zeros({2}, DType::f64);
  const Tensor constant = from_vector(std::vector<int64_t>{1, 0}, {2});
  EXPECT_TRUE(gc_on_device_of(constant, like).is_same(constant));
  EXPECT_TRUE(gc_on_device_of(constant, Tensor()).is_same(constant));
}

TEST(GradcheckDevice, MissingDeviceIsAClearError) {
  if (testing::cuda_available()) GTEST_SKIP() << "a CUDA device is present";
  const GradcheckCase& c = table_case("add/broadcast");
  try {
    run_gradcheck_case(c, DType::f64, Device::cuda(0));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0: no CUDA device is present"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hg
