// The soft rasteriser as a differentiable function: forward and backward kernels are in
// ops/cpu/rasterize_soft.cpp.
#include "autograd/rasterize.h"

#include "autograd/node.h"

namespace hg {

static const Differentiable kRasterizeSoft(
    "rasterize_soft",
    "with W = sum_f W_f + W_bg, w_f = W_f / W: dL/dW_f = (sum_c g_c (a_fc - out_c) + g_depth (z_f - depth)) / W; "
    "dL/dx_f = g_alpha prod_g(1 - D_g) D_f + dL/dW_f exp(zbar_f/gamma) D_f (1 - D_f) (x_f = delta d^2/sigma); "
    "dL/dz_f = g_depth w_f - dL/dW_f W_f / (gamma (far - near)); dL/da_fc = g_c w_f; then through d^2 (nearest "
    "boundary point), the barycentrics (edge functions / edge parameter t) and the perspective-correct weights");

Tensor rasterize_soft(const Tensor& screen, const Tensor& faces, const Tensor& attrs,
                      const SoftRasterSettings& settings) {
  ops::SoftRaster fwd = ops::rasterize_soft(screen, faces, attrs, settings);
  // The closure keeps the raw forward outputs (no graph on them), so no reference cycle.
  return record(kRasterizeSoft, {screen, attrs}, fwd.image,
                [screen, faces, attrs, fwd, settings](const Tensor& g, const NeedsGrad& needs) {
                  ops::SoftRasterGrads r =
                      ops::rasterize_soft_backward(g, screen, faces, attrs, fwd, settings, needs[0], needs[1]);
                  return Grads{r.screen, r.attrs};
                });
}

}  // namespace hg
