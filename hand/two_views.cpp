#include "hand/two_views.h"

#include <cmath>

namespace hg::hand {

TwoViews make_two_views(const HandSample& sample, const AugmentPipeline& pipeline, const nn::SampleKey& key) {
  return {pipeline(sample, key, 0), pipeline(sample, key, 1)};
}

double wrap_angle(double a) {
  constexpr double kTwoPi = 6.283185307179586476925;
  double w = std::fmod(a, kTwoPi);  // (−2π, 2π)
  if (w <= -kTwoPi / 2) w += kTwoPi;
  if (w > kTwoPi / 2) w -= kTwoPi;
  return w;
}

std::array<double, kNumTransformTargets> relative_targets(const TransformRecord& first, const TransformRecord& second) {
  const auto a = transform_targets(first), b = transform_targets(second);
  std::array<double, kNumTransformTargets> d{};
  for (int64_t k = 0; k < kNumTransformTargets; ++k) {
    const std::string_view name = kTransformTargetNames[static_cast<size_t>(k)];
    const size_t i = static_cast<size_t>(k);
    if (name == "scale" || name == "crop_scale") d[i] = b[i] / a[i];
    else if (name == "rotation") d[i] = wrap_angle(b[i] - a[i]);
    else d[i] = b[i] - a[i];
  }
  return d;
}

}  // namespace hg::hand
