// Compiles the rasterisers' per-(pixel, face) arithmetic (ops/rasterize_functors.h) for the GPU:
// the same functions the CPU kernels in ops/cpu/rasterize_*.cpp run. A CUDA rasteriser builds on
// these kernels (one thread per pixel over a tile's face list, as on the CPU).
#include "ops/rasterize_functors.h"

namespace hg::cuda {

// Soft forward for one pixel per thread over a list of faces (no tiling): the blend of
// ops/rasterize.h with one attribute channel (the face index), enough to instantiate every path.
template <class T>
__global__ void soft_pixels_kernel(const raster::ScreenTriangle<T>* faces, int num_faces, int width, int height,
                                   T inv_sigma, T radius2, T inv_gamma, T near, T far, T eps, T* out) {
  const int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= width * height) return;
  const T px = T(p % width), py = T(p / width);
  raster::SoftBlend<T> blend(eps);
  T acc = T(0), g_mu[3] = {T(1), T(0), T(0)}, gx[3] = {0, 0, 0}, gy[3] = {0, 0, 0}, gz[3] = {0, 0, 0};
  for (int f = 0; f < num_faces; ++f) {
    raster::SoftFragment<T> s;
    if (!raster::soft_fragment(faces[f], px, py, inv_sigma, radius2, &s)) continue;
    T rescale;
    const T w = blend.add_face(s, raster::normalized_depth(s.z, near, far), inv_gamma, &rescale);
    acc = acc * rescale + w * T(f);
    raster::soft_fragment_backward(faces[f], s, px, py, inv_sigma, T(1), T(1), g_mu, gx, gy, gz);
  }
  const T total = blend.weight_sum + blend.background_weight(eps, inv_gamma);
  out[4 * p] = acc / total;
  out[4 * p + 1] = blend.alpha();
  out[4 * p + 2] = gx[0] + gy[1] + gz[2];
}

// Hard coverage and perspective-correct depth, one pixel per thread.
template <class T>
__global__ void hard_pixels_kernel(const raster::ScreenTriangle<T>* faces, int num_faces, int width, int height,
                                   T* depth) {
  const int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= width * height) return;
  T best = T(0);
  for (int f = 0; f < num_faces; ++f) {
    T bary[3], mu[3];
    if (!raster::covers_pixel(faces[f], T(p % width), T(p / width), bary)) continue;
    const T z = raster::perspective_weights(faces[f], bary, mu);
    if (best == T(0) || z < best) best = z;
  }
  depth[p] = best;
}

template __global__ void soft_pixels_kernel<float>(const raster::ScreenTriangle<float>*, int, int, int, float, float,
                                                   float, float, float, float, float*);
template __global__ void soft_pixels_kernel<double>(const raster::ScreenTriangle<double>*, int, int, int, double,
                                                    double, double, double, double, double, double*);
// Per-face set-up, one face per thread.
template <class T>
__global__ void prepare_kernel(raster::ScreenTriangle<T>* faces, int num_faces, char* drawn) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f < num_faces) drawn[f] = raster::prepare_triangle(&faces[f]);
}

template __global__ void prepare_kernel<float>(raster::ScreenTriangle<float>*, int, char*);
template __global__ void hard_pixels_kernel<float>(const raster::ScreenTriangle<float>*, int, int, int, float*);

}  // namespace hg::cuda
