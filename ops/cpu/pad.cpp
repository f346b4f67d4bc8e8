// CPU padding. The input is viewed as [planes, H, W] (H = 1 when only the last dim is padded);
// every output row/column reads one input row/column (or the constant), found once per call
// (pad_geometry, from the index rule padding::source_index shared with the CUDA kernels).
#include "ops/pad.h"
#include "ops/pad_geometry.h"

#include <vector>

#include "ops/cuda/dispatch.h"
#include "ops/cuda/pad_cuda.h"
#include "ops/device_check.h"
#include "ops/pad_functors.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {

PadMode parse_pad_mode(const std::string& name) {
  if (name == "constant") return PadMode::constant;
  if (name == "reflect") return PadMode::reflect;
  if (name == "replicate") return PadMode::replicate;
  throw std::invalid_argument("pad: unknown mode '" + name + "' (allowed: constant, reflect, replicate)");
}

const char* pad_mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::constant: return "constant";
    case PadMode::reflect: return "reflect";
    case PadMode::replicate: return "replicate";
  }
  return "?";
}

}  // namespace hg

namespace hg::ops {

static_assert(padding::kConstant == static_cast<int>(PadMode::constant) &&
              padding::kReflect == static_cast<int>(PadMode::reflect) &&
              padding::kReplicate == static_cast<int>(PadMode::replicate));

PadGeometry pad_geometry(const char* what, const Shape& in, const std::vector<int64_t>& pads, PadMode mode) {
  const int64_t nd = static_cast<int64_t>(in.size());
  const int64_t npad = static_cast<int64_t>(pads.size()) / 2;
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(what) + ": " + why + " (input shape " + shape_str(in) + ", pads " +
                                shape_str(pads) + ")");
  };
  if (nd < 2 || nd > 4) fail("expected a 2-D to 4-D input");
  if (pads.size() != 2 && pads.size() != 4) fail("expected 2 or 4 pad values");
  for (int64_t p : pads)
    if (p < 0) fail("pads must be non-negative");
  PadGeometry g;
  g.out_shape = in;
  for (int64_t k = 0; k < npad; ++k) {  // k = 0: last dim (pads[0], pads[1]); k = 1: the one before
    const int64_t d = nd - 1 - k, n = in[d], before = pads[2 * k], after = pads[2 * k + 1];
    if (mode == PadMode::reflect && (before >= n || after >= n))
      fail(std::string("reflect padding must be smaller than the padded dim's size ") + std::to_string(n));
    if (mode == PadMode::replicate && n == 0 && (before > 0 || after > 0)) fail("cannot replicate an empty dim");
    g.out_shape[d] = n + before + after;
    std::vector<int64_t>& src = k == 0 ? g.src_col : g.src_row;
    for (int64_t p = 0; p < g.out_shape[d]; ++p) src.push_back(padding::source_index(p, before, n, static_cast<int>(mode)));
  }
  g.w = in[nd - 1];
  g.ow = g.out_shape[nd - 1];
  if (npad == 2) {
    g.h = in[nd - 2];
    g.oh = g.out_shape[nd - 2];
  } else {
    g.src_row = {0};
  }
  g.planes = shape_numel(Shape(in.begin(), in.end() - npad));
  return g;
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value) {
  const PadGeometry g = pad_geometry("pad", x.sizes(), pads, mode);
  HG_ON_CUDA(x, cuda::pad(x, g, value));
  const Tensor xc = contiguous(x);
  Tensor out = Tensor::empty(g.out_shape, x.options());
  dispatch_all(x.dtype(), "pad", [&]<class T>() {
    const T* in = static_cast<const T*>(xc.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    const T fill = static_cast<T>(value);
#pragma omp parallel for schedule(static) if (out.numel() > 65536)
    for (int64_t p = 0; p < g.planes; ++p) {
      for (int64_t r = 0; r < g.oh; ++r) {
        T* orow = o + (p * g.oh + r) * g.ow;
        const int64_t sr = g.src_row[r];
        const T* irow = in + (p * g.h + (sr < 0 ? 0 : sr)) * g.w;
        for (int64_t c = 0; c < g.ow; ++c) {
          const int64_t sc = g.src_col[c];
          orow[c] = (sr < 0 || sc < 0) ? fill : irow[sc];
        }
      }
    }
  });
  return out;
}

// dL/dx[i] = sum of dL/dy[p] over the output positions p that read x[i].
Tensor pad_backward(const Tensor& grad, const Shape& input_shape, const std::vector<int64_t>& pads, PadMode mode) {
  const PadGeometry g = pad_geometry("pad_backward", input_shape, pads, mode);
  if (grad.sizes() != g.out_shape)
    throw std::invalid_argument("pad_backward: gradient shape " + grad.shape_string() + " != padded shape " +
                                shape_str(g.out_shape));
  HG_ON_CUDA(grad, cuda::pad_backward(grad, input_shape, g));
  const Tensor gc = contiguous(grad);
  Tensor gi = Tensor::empty(input_shape, grad.options());
  dispatch_float(grad.dtype(), "pad_backward", [&]<class T>() {
    using C = compute_t<T>;
    const T* go = static_cast<const T*>(gc.raw_data());
    T* o = static_cast<T*>(gi.raw_data());
#pragma omp parallel for schedule(static) if (grad.numel() > 65536)
    for (int64_t p = 0; p < g.planes; ++p) {
      std::vector<C> acc(g.h * g.w, C(0));  // one plane, accumulated in output order
      for (int64_t r = 0; r < g.oh; ++r) {
        const int64_t sr = g.src_row[r];
        if (sr < 0) continue;
        const T* grow = go + (p * g.oh + r) * g.ow;
        for (int64_t c = 0; c < g.ow; ++c)
          if (g.src_col[c] >= 0) acc[sr * g.w + g.src_col[c]] += static_cast<C>(grow[c]);
      }
      T* plane = o + p * g.h * g.w;
      for (int64_t k = 0; k < g.h * g.w; ++k) plane[k] = static_cast<T>(acc[k]);
    }
  });
  return gi;
}

}  // namespace hg::ops
