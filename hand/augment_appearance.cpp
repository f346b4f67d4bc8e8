// RGB appearance transforms on [3, H, W] f32 images in [0, 1] (formulas in hand/augment.h).
// Host loops in double precision; every function returns a new tensor.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/augment.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

// A contiguous f32 copy-or-view of an image that must be [C, H, W].
Tensor image_f32(const Tensor& x, const char* what, int64_t channels = 3) {
  if (!x.defined() || x.dim() != 3 || (channels > 0 && x.size(0) != channels))
    throw std::invalid_argument(std::string(what) + ": expected an image [" +
                                (channels > 0 ? std::to_string(channels) : std::string("C")) + ", H, W], got " +
                                (x.defined() ? x.shape_string() : std::string("undefined")));
  return ops::contiguous(ops::to_dtype(x, DType::f32));
}

struct Hsv {
  double h, s, v;
};

// Hexcone model: v = max, s = (max − min)/max, h in turns [0, 1).
Hsv to_hsv(double r, double g, double b) {
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), c = mx - mn;
  Hsv out{0, mx > 0 ? c / mx : 0, mx};
  if (c > 0) {
    double h;
    if (mx == r) {
      h = (g - b) / c;  // in [−1, 1]
      if (h < 0) h += 6;
    } else if (mx == g) h = (b - r) / c + 2;
    else h = (r - g) / c + 4;
    out.h = h / 6;
  }
  return out;
}

void to_rgb(const Hsv& p, double& r, double& g, double& b) {
  const double h6 = (p.h - std::floor(p.h)) * 6;
  const double sector = std::floor(h6), f = h6 - sector;
  const double v = p.v, lo = v * (1 - p.s), falling = v * (1 - p.s * f), rising = v * (1 - p.s * (1 - f));
  switch (static_cast<int>(sector) % 6) {
    case 0: r = v; g = rising; b = lo; break;
    case 1: r = falling; g = v; b = lo; break;
    case 2: r = lo; g = v; b = rising; break;
    case 3: r = lo; g = falling; b = v; break;
    case 4: r = rising; g = lo; b = v; break;
    default: r = v; g = lo; b = falling; break;
  }
}

// Calls f(pixel, in[3], out[3]) for every pixel of a [3, H, W] image; returns the result.
template <class F>
Tensor per_pixel(const Tensor& image, const char* what, F f) {
  const Tensor x = image_f32(image, what);
  Tensor y = Tensor::empty(x.sizes(), DType::f32);
  const int64_t n = x.size(1) * x.size(2);
  const float* in = x.data<float>();
  float* out = y.data<float>();
  for (int64_t p = 0; p < n; ++p) {
    double rgb[3] = {in[p], in[n + p], in[2 * n + p]}, res[3];
    f(rgb, res);
    for (int c = 0; c < 3; ++c) out[c * n + p] = static_cast<float>(res[c]);
  }
  return y;
}

double luma(double r, double g, double b) { return 0.299 * r + 0.587 * g + 0.114 * b; }

// Half-sample symmetric extension: … x1 x0 | x0 x1 … x_{n-1} | x_{n-1} x_{n-2} … (period 2n).
int64_t fold(int64_t m, int64_t n) {
  const int64_t period = 2 * n;
  m %= period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

}  // namespace

Tensor rgb_to_hsv(const Tensor& image) {
  return per_pixel(image, "rgb_to_hsv", [](const double* in, double* out) {
    const Hsv p = to_hsv(in[0], in[1], in[2]);
    out[0] = p.h;
    out[1] = p.s;
    out[2] = p.v;
  });
}

Tensor hsv_to_rgb(const Tensor& hsv) {
  return per_pixel(hsv, "hsv_to_rgb", [](const double* in, double* out) { to_rgb({in[0], in[1], in[2]}, out[0], out[1], out[2]); });
}

Tensor color_jitter_hsv(const Tensor& image, const ColorJitterRecord& j) {
  return per_pixel(image, "color_jitter_hsv", [&](const double* in, double* out) {
    Hsv p = to_hsv(in[0], in[1], in[2]);
    p.h *= j.hue;                                                                   // hue × factor,
    p.h -= std::floor(p.h);                                                         // in turns mod 1
    p.s = std::clamp(p.s * j.saturation, 0.0, 1.0);                                 // saturation × factor
    p.v = std::clamp(j.value_gain * (255 * p.v) + j.value_bias, 0.0, 255.0) / 255;  // a·v + b on 0–255
    to_rgb(p, out[0], out[1], out[2]);
  });
}

Tensor greyscale(const Tensor& image) {
  return per_pixel(image, "greyscale", [](const double* in, double* out) {
    out[0] = out[1] = out[2] = luma(in[0], in[1], in[2]);
  });
}

Tensor gaussian_blur(const Tensor& image, double sigma) {
  const Tensor x = image_f32(image, "gaussian_blur", 0);
  if (!std::isfinite(sigma)) throw std::invalid_argument("gaussian_blur: sigma must be finite");
  if (sigma <= 0) return ops::clone(x);
  const int64_t radius = static_cast<int64_t>(std::ceil(3 * sigma));
  std::vector<double> weight(static_cast<size_t>(2 * radius + 1));
  double total = 0;
  for (int64_t k = -radius; k <= radius; ++k)
    total += weight[static_cast<size_t>(k + radius)] = std::exp(-0.5 * static_cast<double>(k * k) / (sigma * sigma));
  for (double& w : weight) w /= total;

  const int64_t channels = x.size(0), h = x.size(1), w = x.size(2);
  std::vector<double> tmp(static_cast<size_t>(channels * h * w));
  Tensor y = Tensor::empty(x.sizes(), DType::f32);
  const float* in = x.data<float>();
  float* out = y.data<float>();
  std::vector<int64_t> col(static_cast<size_t>(w + 2 * radius)), row(static_cast<size_t>(h + 2 * radius));
  for (int64_t m = -radius; m < w + radius; ++m) col[static_cast<size_t>(m + radius)] = fold(m, w);
  for (int64_t m = -radius; m < h + radius; ++m) row[static_cast<size_t>(m + radius)] = fold(m, h);
  for (int64_t c = 0; c < channels; ++c) {
    const float* src = in + c * h * w;
    double* mid = tmp.data() + c * h * w;
    for (int64_t i = 0; i < h; ++i)  // horizontal pass
      for (int64_t j = 0; j < w; ++j) {
        double acc = 0;
        for (int64_t k = 0; k <= 2 * radius; ++k) acc += weight[static_cast<size_t>(k)] * src[i * w + col[static_cast<size_t>(j + k)]];
        mid[i * w + j] = acc;
      }
    for (int64_t i = 0; i < h; ++i)  // vertical pass
      for (int64_t j = 0; j < w; ++j) {
        double acc = 0;
        for (int64_t k = 0; k <= 2 * radius; ++k) acc += weight[static_cast<size_t>(k)] * mid[row[static_cast<size_t>(i + k)] * w + j];
        out[c * h * w + i * w + j] = static_cast<float>(acc);
      }
  }
  return y;
}

Tensor sobel_edges(const Tensor& image) {
  const Tensor x = image_f32(image, "sobel_edges");
  const int64_t h = x.size(1), w = x.size(2), n = h * w;
  const float* in = x.data<float>();
  std::vector<double> y(static_cast<size_t>(n));
  for (int64_t p = 0; p < n; ++p) y[static_cast<size_t>(p)] = luma(in[p], in[n + p], in[2 * n + p]);
  const auto at = [&](int64_t i, int64_t j) {  // replicated border
    return y[static_cast<size_t>(std::clamp<int64_t>(i, 0, h - 1) * w + std::clamp<int64_t>(j, 0, w - 1))];
  };
  Tensor out = Tensor::empty(x.sizes(), DType::f32);
  float* o = out.data<float>();
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      // gx = [-1 0 1; -2 0 2; -1 0 1] / 8, gy its transpose
      // (differences first, so a constant image gives exactly 0)
      const double gx = ((at(i - 1, j + 1) - at(i - 1, j - 1)) + 2 * (at(i, j + 1) - at(i, j - 1)) +
                         (at(i + 1, j + 1) - at(i + 1, j - 1))) / 8;
      const double gy = ((at(i + 1, j - 1) - at(i - 1, j - 1)) + 2 * (at(i + 1, j) - at(i - 1, j)) +
                         (at(i + 1, j + 1) - at(i - 1, j + 1))) / 8;
      const float m = static_cast<float>(std::sqrt(gx * gx + gy * gy));
      o[i * w + j] = o[n + i * w + j] = o[2 * n + i * w + j] = m;
    }
  return out;
}

Tensor add_gaussian_noise(const Tensor& image, const NoiseRecord& p) {
  const Tensor x = image_f32(image, "add_gaussian_noise", 0);
  if (!(p.stddev >= 0) || !std::isfinite(p.stddev))
    throw std::invalid_argument("add_gaussian_noise: stddev must be finite and >= 0, got " + std::to_string(p.stddev));
  Generator g(p.key, 0);
  const Tensor noise = randn(x.sizes(), DType::f32, &g);
  Tensor y = Tensor::empty(x.sizes(), DType::f32);
  const float* in = x.data<float>();
  const float* e = noise.data<float>();
  float* out = y.data<float>();
  for (int64_t k = 0; k < x.numel(); ++k)
    out[k] = std::clamp(static_cast<float>(in[k] + p.stddev * e[k]), 0.0f, 1.0f);
  return y;
}

Tensor erase_rect(const Tensor& x, const RectRecord& r, double value) {
  const Tensor c = image_f32(x, "erase_rect", 0);
  const int64_t channels = c.size(0), h = c.size(1), w = c.size(2);
  if (r.top < 0 || r.left < 0 || r.height < 0 || r.width < 0 || r.top + r.height > h || r.left + r.width > w)
    throw std::invalid_argument("erase_rect: rectangle (top " + std::to_string(r.top) + ", left " +
                                std::to_string(r.left) + ", " + std::to_string(r.height) + "x" +
                                std::to_string(r.width) + ") is not inside the " + std::to_string(h) + "x" +
                                std::to_string(w) + " image");
  Tensor y = ops::clone(c);
  float* out = y.data<float>();
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = r.top; i < r.top + r.height; ++i)
      std::fill_n(out + (ch * h + i) * w + r.left, r.width, static_cast<float>(value));
  return y;
}

std::optional<RectRecord> sample_erasing_rect(int64_t h, int64_t w, const ErasingConfig& c, Generator& g) {
  const double area = static_cast<double>(h * w);
  const Range log_aspect{std::log(c.aspect.lo), std::log(c.aspect.hi)};
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * c.area.sample(g);
    const double aspect = std::exp(log_aspect.sample(g));  // height / width
    const auto rh = static_cast<int64_t>(std::lround(std::sqrt(target * aspect)));
    const auto rw = static_cast<int64_t>(std::lround(std::sqrt(target / aspect)));
    if (rh < 1 || rw < 1 || rh >= h || rw >= w) continue;
    RectRecord r;
    r.height = rh;
    r.width = rw;
    r.top = g.randint(0, h - rh + 1);
    r.left = g.randint(0, w - rw + 1);
    return r;
  }
  return std::nullopt;
}

}  // namespace hg::hand
