// Two independently augmented views of one image, for contrastive (SimCLR/PeCLR) and relative
// (REFERENCE.md §2) objectives.
#pragma once
#include <array>

#include "hand/augment_pipeline.h"

namespace hg::hand {

struct TwoViews {
  AugmentedSample first, second;  // views 0 and 1 of the same (seed, epoch, index)
};

TwoViews make_two_views(const HandSample& sample, const AugmentPipeline& pipeline, const nn::SampleKey& key);

// The relative objective's targets θ_ij = θ_j − θ_i (i = first, j = second) in transform_targets'
// order: differences, with the rotation wrapped to (−π, π]; the two size factors (scale and crop
// scale) as ratios θ_j / θ_i, since they compose by multiplication.
std::array<double, kNumTransformTargets> relative_targets(const TransformRecord& first, const TransformRecord& second);

// An angle wrapped to (−π, π].
double wrap_angle(double radians);

}  // namespace hg::hand
