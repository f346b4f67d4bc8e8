// conv2d forward / backward-data / backward-filter on cuDNN (legacy convolution API, still shipped
// in cuDNN 9; the graph API would need an engine heuristic per call for the same result).
//
// Algorithm choice: cudnnGetConvolution*Algorithm_v7 ranks the algorithms by cuDNN's heuristics
// (no timing runs, so the choice itself is reproducible); the first one that succeeded, is
// deterministic when math_options().deterministic, and does not use TF32 tensor cores for f32
// unless math_options().allow_tf32, is taken and cached per (direction, device, dtype, shapes,
// parameters, options) under a mutex. Its workspace comes from context.h's workspace().
// f16/bf16 compute in f32 (CUDNN_DATA_FLOAT) on tensor cores; if cuDNN offers no algorithm for a
// low-precision configuration, the convolution runs in f32 and the result is rounded back, which
// is what the CPU op does.
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "ops/cuda/check.h"
#include "ops/cuda/context.h"
#include "ops/cuda/conv_bias_kernels.h"
#include "ops/cuda/conv_cuda.h"
#include "ops/cuda/copy_kernels.h"
#include "ops/cuda/cudnn_descriptors.h"
#include "ops/cuda/math_options.h"
#include "ops/cuda/tensor_args.h"
#include "tensor/view.h"

namespace hg::cuda {
namespace {

namespace cd = cudnn_desc;

enum class Direction { forward, backward_data, backward_filter };

struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};

// Everything the choice depends on, flattened.
using Key = std::array<int64_t, 20>;

struct Cache {
  std::mutex mutex;
  std::map<Key, std::optional<Choice>> entries;  // nullopt: cuDNN had no acceptable algorithm
  size_t lookups = 0, misses = 0;
};
Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: may be used from static destructors' tensors
  return *c;
}

// The descriptors of one convolution problem: x [N, C, H, W], w [O, C/G, kh, kw], y [N, O, Ho, Wo].
struct Problem {
  DType dtype;
  Shape x, w, y;
  Conv2dParams p;
  int device;
  cd::Tensor4d x_desc, y_desc;
  cd::Filter4d w_desc;
  cd::Convolution conv;

  Problem(DType dt, const Shape& xs, const Shape& ws, const Conv2dParams& params, int dev)
      : dtype(dt), x(xs), w(ws), y{xs[0], ws[0], params.out_h(xs[2], ws[2]), params.out_w(xs[3], ws[3])}, p(params),
        device(dev), x_desc(dt, xs[0], xs[1], xs[2], xs[3]), y_desc(dt, y[0], y[1], y[2], y[3]),
        w_desc(dt, ws[0], ws[1], ws[2], ws[3]),
        conv(params.pad_h, params.pad_w, params.stride_h, params.stride_w, params.dilation_h, params.dilation_w,
             params.groups, dt == DType::f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT) {}

  bool strict_f32() const { return dtype == DType::f32 && !math_options().allow_tf32; }

  // The math type the heuristics are asked under (f32 without TF32: FMA kernels only).
  cudnnMathType_t requested_math() const {
    if (dtype == DType::f64) return CUDNN_DEFAULT_MATH;
    if (strict_f32()) return CUDNN_FMA_MATH;
    return CUDNN_TENSOR_OP_MATH;
  }

  Key key(Direction d) const {
    const MathOptions& o = math_options();
    return {static_cast<int64_t>(d), device, static_cast<int64_t>(dtype), x[0], x[1], x[2], x[3], w[0], w[1], w[2],
            w[3], p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups,
            o.allow_tf32 ? 1 : 0, o.deterministic ? 1 : 0};
  }
};

bool tensor_op(cudnnMathType_t m) { return m == CUDNN_TENSOR_OP_MATH || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION; }

// The first acceptable entry of a heuristic ranking.
template <class Perf>
std::optional<Choice> first_acceptable(const std::vector<Perf>& ranked, int returned, const Problem& pr) {
  const bool deterministic = math_options().deterministic;
  for (int i = 0; i < returned; ++i) {
    const Perf& r = ranked[static_cast<size_t>(i)];
    if (r.status != CUDNN_STATUS_SUCCESS) continue;
    if (deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
    if (pr.strict_f32() && tensor_op(r.mathType)) continue;
    Choice c;
    c.algo = static_cast<int>(r.algo);
    c.math = pr.strict_f32() ? CUDNN_FMA_MATH : r.mathType;
    return c;
  }
  return std::nullopt;
}

bool low_precision(DType dt) { return dt == DType::f16 || dt == DType::bf16; }

// The status of a heuristics query: true on success; false when cuDNN refuses a low-precision
// configuration outright (the caller then computes in f32); otherwise throws naming the call.
bool heuristics_ok(cudnnStatus_t st, const Problem& pr, const char* call) {
  if (st == CUDNN_STATUS_SUCCESS) return true;
  const int category = CUDNN_STATUS_CATEGORY(st);
  if (low_precision(pr.dtype) && (category == CUDNN_STATUS_NOT_SUPPORTED || category == CUDNN_STATUS_BAD_PARAM))
    return false;
  detail::fail("cuDNN", cudnnGetErrorString(st), call, __FILE__, __LINE__);
}

std::optional<Choice> ask_cudnn(Direction d, const Problem& pr, cudnnHandle_t h) {
  pr.conv.set_math(pr.requested_math());
  int returned = 0;
  std::optional<Choice> c;
  if (d == Direction::forward) {
    std::vector<cudnnConvolutionFwdAlgoPerf_t> r(CUDNN_CONVOLUTION_FWD_ALGO_COUNT);
    if (!heuristics_ok(cudnnGetConvolutionForwardAlgorithm_v7(h, pr.x_desc.get(), pr.w_desc.get(), pr.conv.get(),
                                                          pr.y_desc.get(), static_cast<int>(r.size()), &returned,
                                                          r.data()),
                       pr, "cudnnGetConvolutionForwardAlgorithm_v7"))
      return std::nullopt;
    c = first_acceptable(r, returned, pr);
    if (c) {
      pr.conv.set_math(c->math);
      HG_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, pr.x_desc.get(), pr.w_desc.get(), pr.conv.get(),
                                                             pr.y_desc.get(),
                                                             static_cast<cudnnConvolutionFwdAlgo_t>(c->algo),
                                                             &c->workspace));
    }
  } else if (d == Direction::backward_data) {
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> r(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT);
    if (!heuristics_ok(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, pr.w_desc.get(), pr.y_desc.get(), pr.conv.get(),
                                                               pr.x_desc.get(), static_cast<int>(r.size()),
                                                               &returned, r.data()),
                       pr, "cudnnGetConvolutionBackwardDataAlgorithm_v7"))
      return std::nullopt;
    c = first_acceptable(r, returned, pr);
    if (c) {
      pr.conv.set_math(c->math);
      HG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
          h, pr.w_desc.get(), pr.y_desc.get(), pr.conv.get(), pr.x_desc.get(),
          static_cast<cudnnConvolutionBwdDataAlgo_t>(c->algo), &c->workspace));
    }
  } else {
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> r(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT);
    if (!heuristics_ok(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, pr.x_desc.get(), pr.y_desc.get(),
                                                                 pr.conv.get(), pr.w_desc.get(),
                                                                 static_cast<int>(r.size()), &returned, r.data()),
                       pr, "cudnnGetConvolutionBackwardFilterAlgorithm_v7"))
      return std::nullopt;
    c = first_acceptable(r, returned, pr);
    if (c) {
      pr.conv.set_math(c->math);
      HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
          h, pr.x_desc.get(), pr.y_desc.get(), pr.conv.get(), pr.w_desc.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(c->algo), &c->workspace));
    }
  }
  return c;
}

// The cached choice for `d` (asking cuDNN on the first use); the descriptor's math type is set to it.
std::optional<Choice> choose(Direction d, const Problem& pr, cudnnHandle_t h) {
  const Key k = pr.key(d);
  Cache& c = cache();
  std::optional<Choice> choice;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    ++c.lookups;
    auto it = c.entries.find(k);
    if (it != c.entries.end()) {
      if (it->second) pr.conv.set_math(it->second->math);
      return it->second;
    }
    ++c.misses;
  }
  // Outside the lock: the heuristics query can take a while. Two threads racing on the same key
  // get the same (deterministic) answer, so the second insert is harmless.
  choice = ask_cudnn(d, pr, h);
  std::lock_guard<std::mutex> lock(c.mutex);
  c.entries.emplace(k, choice);
  return choice;
}

[[noreturn]] void no_algorithm(const char* what, const Problem& pr) {
  throw std::runtime_error(std::string(what) + ": cuDNN offers no " +
                           (math_options().deterministic ? "deterministic " : "") + "algorithm for input " +
                           shape_str(pr.x) + ", weight " + shape_str(pr.w) + " (" + pr.p.str() + ", " +
                           dtype_name(pr.dtype) + ")");
}

// Runs `body(problem, choice, handle, workspace)` for direction d on tensors of dtype dt, or returns
// false when cuDNN has no algorithm and dt is f16/bf16 (the caller then computes in f32).
template <class Body>
bool run(const char* what, Direction d, DType dt, const Shape& x, const Shape& w, const Conv2dParams& p,
         int device, Body&& body) {
  DeviceGuard guard(device);
  cudnnHandle_t h = cudnn(device);
  Problem pr(dt, x, w, p, device);
  const std::optional<Choice> c = choose(d, pr, h);
  if (!c) {
    if (low_precision(dt)) return false;
    no_algorithm(what, pr);
  }
  void* ws = c->workspace ? workspace(device, c->workspace) : nullptr;
  body(pr, *c, h, ws);
  return true;
}

Tensor to_f32(const Tensor& t) { return t.defined() ? ops::to_dtype(t, DType::f32) : t; }

}  // namespace

Tensor conv2d(const Tensor& x0, const Tensor& w0, const Tensor& bias, const Conv2dParams& p) {
  const DType dt = x0.dtype();
  const Tensor x = ops::contiguous(x0), w = ops::contiguous(w0);
  const Shape out_shape{x.size(0), w.size(0), p.out_h(x.size(2), w.size(2)), p.out_w(x.size(3), w.size(3))};
  Tensor y = Tensor::empty(out_shape, TensorOptions(dt, x.device()));
  if (y.numel() == 0) return y;
  const int device = x.device().index;
  const bool ok = run("conv2d", Direction::forward, dt, x.sizes(), w.sizes(), p, device,
                      [&](const Problem& pr, const Choice& c, cudnnHandle_t h, void* ws) {
                        const cd::Scale one(dt, 1.0), zero(dt, 0.0);
                        HG_CUDNN_CHECK(cudnnConvolutionForward(
                            h, one.ptr(), pr.x_desc.get(), x.raw_data(), pr.w_desc.get(), w.raw_data(),
                            pr.conv.get(), static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), ws, c.workspace,
                            zero.ptr(), pr.y_desc.get(), y.raw_data()));
                      });
  if (!ok) return ops::to_dtype(conv2d(to_f32(x), to_f32(w), to_f32(bias), p), dt);
  if (bias.defined())
    launch_add_channel_bias(strided_arg(y), strided_arg(ops::contiguous(bias)), out_shape[0], out_shape[1],
                            out_shape[2] * out_shape[3], device);
  return y;
}

Tensor conv2d_backward_input(const Tensor& gy0, const Tensor& w0, const Shape& input_sizes, const Conv2dParams& p) {
  const DType dt = gy0.dtype();
  const Tensor gy = ops::contiguous(gy0), w = ops::contiguous(w0);
  Tensor gx = Tensor::empty(input_sizes, TensorOptions(dt, gy.device()));
  if (gx.numel() == 0) return gx;
  const int device = gy.device().index;
  const bool ok = run("conv2d_backward_input", Direction::backward_data, dt, input_sizes, w.sizes(), p, device,
                      [&](const Problem& pr, const Choice& c, cudnnHandle_t h, void* ws) {
                        const cd::Scale one(dt, 1.0), zero(dt, 0.0);
                        HG_CUDNN_CHECK(cudnnConvolutionBackwardData(
                            h, one.ptr(), pr.w_desc.get(), w.raw_data(), pr.y_desc.get(), gy.raw_data(),
                            pr.conv.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), ws, c.workspace,
                            zero.ptr(), pr.x_desc.get(), gx.raw_data()));
                      });
  if (!ok) return ops::to_dtype(conv2d_backward_input(to_f32(gy), to_f32(w), input_sizes, p), dt);
  return gx;
}

Tensor conv2d_backward_weight(const Tensor& gy0, const Tensor& x0, const Shape& weight_sizes, const Conv2dParams& p) {
  const DType dt = gy0.dtype();
  const Tensor gy = ops::contiguous(gy0), x = ops::contiguous(x0);
  Tensor gw = Tensor::empty(weight_sizes, TensorOptions(dt, gy.device()));
  if (gw.numel() == 0) return gw;
  const int device = gy.device().index;
  if (x.numel() == 0) {  // empty batch: no contribution
    launch_fill(strided_arg(gw), 0.0, device);
    return gw;
  }
  const bool ok = run("conv2d_backward_weight", Direction::backward_filter, dt, x.sizes(), weight_sizes, p, device,
                      [&](const Problem& pr, const Choice& c, cudnnHandle_t h, void* ws) {
                        const cd::Scale one(dt, 1.0), zero(dt, 0.0);
                        HG_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
                            h, one.ptr(), pr.x_desc.get(), x.raw_data(), pr.y_desc.get(), gy.raw_data(),
                            pr.conv.get(), static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), ws, c.workspace,
                            zero.ptr(), pr.w_desc.get(), gw.raw_data()));
                      });
  if (!ok) return ops::to_dtype(conv2d_backward_weight(to_f32(gy), to_f32(x), weight_sizes, p), dt);
  return gw;
}

Tensor conv2d_backward_bias(const Tensor& gy0) {
  const Tensor gy = ops::contiguous(gy0);
  Tensor gb = Tensor::empty({gy.size(1)}, TensorOptions(gy.dtype(), gy.device()));
  if (gb.numel() == 0) return gb;
  launch_channel_sums(strided_arg(gb), strided_arg(gy), gy.size(0), gy.size(1), gy.size(2) * gy.size(3),
                      gy.device().index);
  return gb;
}

ConvAlgorithmCacheStats conv_algorithm_cache_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return {c.entries.size(), c.lookups, c.misses};
}

void clear_conv_algorithm_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.entries.clear();
  c.lookups = c.misses = 0;
}

}  // namespace hg::cuda
