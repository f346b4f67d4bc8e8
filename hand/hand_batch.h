// Hand samples in the generic data loader (nn/data_loader.h): HandSample ↔ nn::Example, and an
// ExampleSource that decodes from a HandDataset and augments one or two views per sample.
//
// Tensor names of a training example (each stacked to [B, ...] by the loader); with two views every
// per-view name is prefixed "view0/" or "view1/" (view_key):
//   image [3, S, S] f32            uv [21, 2] f32 (pixels of the crop)     valid [21] f32
//   targets [9] f32                (transform_targets of the view's record)
//   with include_3d:   K [3, 3], xyz [21, 3] (zeros without 3D), valid3d [21] (valid, or 0 without
//                      3D), bone_scale [] (the FreiHAND scale, 0 = unknown)
//   with include_mask: mask [1, S, S], has_mask [] (0 and a zero mask when the source has none)
//   with include_depth: depth [1, S, S], has_depth [] (likewise)
//   two views only:    relative_targets [9] f32 (relative_targets(view 0, view 1), REFERENCE.md §2)
// Metadata per sample: {"source", "mirrored", "records": [transform record JSON per view]}.
// Fields a batch does not carry (mask / depth unless included, verts, mano) are dropped before
// augmentation, so they cost nothing; without include_depth no depth transform is drawn either.
#pragma once
#include <cstdint>
#include <string>

#include "hand/augment_pipeline.h"
#include "hand/dataset.h"
#include "nn/data_loader.h"

namespace hg::hand {

// Every defined field of a sample under its HandSample member name; scale and mirrored in meta.
nn::Example sample_to_example(const HandSample& sample);
HandSample example_to_sample(const nn::Example& example);

struct HandBatchOptions {
  int64_t views = 1;  // 1, or 2 for contrastive / relative training
  bool include_3d = true;
  bool include_mask = false;
  bool include_depth = false;
};

// "image" for one view, "view1/image" for view 1 of two.
std::string view_key(const std::string& field, int64_t view, int64_t views);

// The training example of augmented views (one per element of `views`).
nn::Example training_example(const std::vector<AugmentedSample>& views, const HandBatchOptions& options);

class HandExampleSource final : public nn::ExampleSource {
 public:
  HandExampleSource(HandDatasetPtr dataset, AugmentPipeline pipeline, HandBatchOptions options = {});
  int64_t size() const override;
  nn::Example load(int64_t index) const override;
  nn::Example transform(const nn::Example& loaded, const nn::SampleKey& key) const override;
  std::string describe(int64_t index) const override;
  const AugmentPipeline& pipeline() const { return pipeline_; }

 private:
  HandDatasetPtr dataset_;
  AugmentPipeline pipeline_;
  HandBatchOptions options_;
};

}  // namespace hg::hand
