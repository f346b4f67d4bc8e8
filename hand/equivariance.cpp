#include "hand/equivariance.h"

#include <cmath>
#include <stdexcept>

#include "autograd/node.h"
#include "autograd/shape.h"
#include "hand/augment_pipeline.h"
#include "hand/freihand.h"
#include "hand/pose_checkpoint.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

std::vector<double> evenly(double lo, double hi, int64_t n) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(n == 1 ? 0.5 * (lo + hi) : lo + (hi - lo) * i / (n - 1));
  return v;
}

// Predicted uv [N, 21, 2] (f64 values) of the samples under `record`, batched.
std::vector<double> predict_all(const std::vector<HandSample>& samples, const AugmentPipeline& pipe,
                                const TransformRecord& record, const KeypointPredictor& predict, int64_t batch) {
  std::vector<double> uv;
  for (size_t start = 0; start < samples.size(); start += batch) {
    std::vector<Tensor> images;
    for (size_t i = start; i < std::min(samples.size(), start + batch); ++i)
      images.push_back(pipe.apply(samples[i], record).sample.image);
    const Tensor out = ops::to_dtype(ops::contiguous(predict(stack(images, 0))), DType::f64);
    const std::vector<double> v = out.to_vector<double>();
    uv.insert(uv.end(), v.begin(), v.end());
  }
  return uv;
}

EquivarianceCurve sweep(const std::vector<HandSample>& samples, const AugmentPipeline& pipe,
                        const KeypointPredictor& predict, const std::vector<TransformRecord>& ts,
                        std::vector<std::vector<double>> params, const std::string& kind, int64_t batch, int64_t side) {
  EquivarianceCurve c;
  c.kind = kind;
  c.params = std::move(params);
  const std::vector<double> base = predict_all(samples, pipe, TransformRecord{}, predict, batch);  // f(I)
  for (const auto& t : ts) {
    const std::vector<double> moved = predict_all(samples, pipe, t, predict, batch);  // f(t I)
    const PixelWarp w = augmentation_warp(t, side, side);
    double total = 0;
    for (size_t k = 0; k < base.size() / 2; ++k) {
      const auto p = w.apply(base[2 * k], base[2 * k + 1]);  // t f(I)
      total += std::hypot(p[0] - moved[2 * k], p[1] - moved[2 * k + 1]);
    }
    c.l_equiv.push_back(total / (base.size() / 2));
  }
  double s = 0;
  for (double v : c.l_equiv) s += v;
  c.mean = c.l_equiv.empty() ? 0 : s / c.l_equiv.size();
  return c;
}

nlohmann::json curve_json(const EquivarianceCurve& c) {
  return {{"kind", c.kind}, {"params", c.params}, {"l_equiv_px", c.l_equiv}, {"mean_px", c.mean}};
}

}  // namespace

nlohmann::json EquivarianceResult::to_json() const {
  return {{"rotation", curve_json(rotation)}, {"translation", curve_json(translation)}};
}

EquivarianceResult measure_equivariance(const HandDataset& data, const KeypointPredictor& predict,
                                        const EquivarianceOptions& o) {
  if (o.images < 1 || o.rotations < 1 || o.translations < 1 || o.batch_size < 1)
    throw std::invalid_argument("measure_equivariance: images, rotations, translations and batch_size must be >= 1");
  NoGradGuard no_grad;
  std::vector<HandSample> samples;
  for (int64_t i = 0; i < std::min(o.images, data.size()); ++i) samples.push_back(data.get(i));
  if (samples.empty()) throw std::invalid_argument("measure_equivariance: " + data.name() + " has no images");
  AugmentConfig config = augment_preset("none");
  config.crop.size = o.image_size;
  const AugmentPipeline pipe(config);

  EquivarianceResult r;
  std::vector<TransformRecord> ts;
  std::vector<std::vector<double>> params;
  for (double deg : evenly(-o.max_degrees, o.max_degrees, o.rotations)) {
    TransformRecord t;
    t.rotation = deg * M_PI / 180;
    ts.push_back(t);
    params.push_back({deg});
  }
  r.rotation = sweep(samples, pipe, predict, ts, params, "rotation", o.batch_size, o.image_size);
  ts.clear(), params.clear();
  const std::vector<double> grid = evenly(-o.max_pixels, o.max_pixels, o.translations);
  for (double dv : grid)
    for (double du : grid) {
      TransformRecord t;
      t.translation = std::array<double, 2>{du, dv};
      ts.push_back(t);
      params.push_back({du, dv});
    }
  r.translation = sweep(samples, pipe, predict, ts, params, "translation", o.batch_size, o.image_size);
  return r;
}

EquivarianceResult measure_checkpoint_equivariance(const std::string& checkpoint, const std::string& data,
                                                   const std::string& split, EquivarianceOptions options) {
  const LoadedPoseNet net = load_pose_checkpoint(checkpoint);
  FreiHandOptions fo;
  fo.split = split;
  fo.load_masks = false, fo.load_depth = false;
  const FreiHandDataset dataset(data, fo);
  options.image_size = net.image_size;
  const double side = static_cast<double>(net.image_size);
  const Device device = Device::parse(options.device);
  net.model->to(device);
  return measure_equivariance(
      dataset,
      [&](const Tensor& images) {
        const Tensor pred = ops::to_device(net.model->forward(ops::to_device(images, device)), Device::cpu());
        return decode_pose25d(pred, side).uv;
      },
      options);
}

nlohmann::json equivariance_improvement(const EquivarianceResult& a, const EquivarianceResult& b) {
  auto improv = [](double la, double lb) { return la > 0 ? (la - lb) / la : 0.0; };
  nlohmann::json j;
  for (const auto* pair : {&a.rotation, &a.translation}) {
    const EquivarianceCurve& ca = *pair;
    const EquivarianceCurve& cb = ca.kind == "rotation" ? b.rotation : b.translation;
    std::vector<double> per_t;
    for (size_t i = 0; i < std::min(ca.l_equiv.size(), cb.l_equiv.size()); ++i) per_t.push_back(improv(ca.l_equiv[i], cb.l_equiv[i]));
    j[ca.kind] = {{"l_improv", per_t}, {"mean_l_improv", improv(ca.mean, cb.mean)}};
  }
  return j;
}

}  // namespace hg::hand
