#include "hand/hand_batch.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "hand/skeleton.h"
#include "hand/two_views.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

// The HandSample tensor members by name.
template <class S, class F>
void for_each_field(S& s, F&& f) {
  f("image", s.image);
  f("K", s.K);
  f("xyz", s.xyz);
  f("uv", s.uv);
  f("valid", s.valid);
  f("mask", s.mask);
  f("depth", s.depth);
  f("verts", s.verts);
  f("mano", s.mano);
}

Tensor f32(const Tensor& t) { return ops::contiguous(ops::to_dtype(t, DType::f32)); }

Tensor vector_f32(const std::array<double, kNumTransformTargets>& v) {
  return from_vector(std::vector<double>(v.begin(), v.end()), {kNumTransformTargets}, DType::f32);
}

}  // namespace

nn::Example sample_to_example(const HandSample& s) {
  nn::Example e;
  for_each_field(s, [&](const char* name, const Tensor& t) {
    if (t.defined()) e.tensors.emplace(name, t);
  });
  e.meta = {{"scale", s.scale}, {"mirrored", s.mirrored}};
  e.source = s.source;
  return e;
}

HandSample example_to_sample(const nn::Example& e) {
  HandSample s;
  for_each_field(s, [&](const char* name, Tensor& t) {
    const auto it = e.tensors.find(name);
    if (it != e.tensors.end()) t = it->second;
  });
  if (e.meta.is_object()) {
    s.scale = e.meta.value("scale", 0.0);
    s.mirrored = e.meta.value("mirrored", false);
  }
  s.source = e.source;
  return s;
}

std::string view_key(const std::string& field, int64_t view, int64_t views) {
  return views == 1 ? field : "view" + std::to_string(view) + "/" + field;
}

nn::Example training_example(const std::vector<AugmentedSample>& views, const HandBatchOptions& o) {
  if (views.empty()) throw std::invalid_argument("training_example: no views");
  const int64_t n = static_cast<int64_t>(views.size());
  nn::Example e;
  e.source = views.front().sample.source;
  e.meta = {{"source", e.source}, {"mirrored", views.front().sample.mirrored}, {"records", nlohmann::json::array()}};
  for (int64_t v = 0; v < n; ++v) {
    const HandSample& s = views[static_cast<size_t>(v)].sample;
    const TransformRecord& r = views[static_cast<size_t>(v)].record;
    const std::string ctx = "training_example (" + s.source + ")";
    const auto put = [&](const std::string& field, const Tensor& t) { e.tensors[view_key(field, v, n)] = t; };
    if (!s.uv.defined() || s.uv.dim() != 2 || s.uv.size(0) != kNumKeypoints)
      throw std::invalid_argument(ctx + ": uv must be [21, 2]");
    put("image", f32(s.image));
    put("uv", f32(s.uv));
    const Tensor valid = s.valid.defined() ? f32(s.valid) : ones({kNumKeypoints});
    put("valid", valid);
    put("targets", vector_f32(transform_targets(r)));
    if (o.include_3d) {
      const bool has_3d = s.xyz.defined() && s.K.defined();
      put("K", has_3d ? f32(s.K) : zeros({3, 3}));
      put("xyz", has_3d ? f32(s.xyz) : zeros({kNumKeypoints, 3}));
      put("valid3d", has_3d ? valid : zeros({kNumKeypoints}));
      put("bone_scale", scalar_tensor(s.scale));
    }
    const int64_t h = s.image.size(1), w = s.image.size(2);
    if (o.include_mask) {
      put("mask", s.mask.defined() ? f32(s.mask) : zeros({1, h, w}));
      put("has_mask", scalar_tensor(s.mask.defined() ? 1.0 : 0.0));
    }
    if (o.include_depth) {
      put("depth", s.depth.defined() ? f32(s.depth) : zeros({1, h, w}));
      put("has_depth", scalar_tensor(s.depth.defined() ? 1.0 : 0.0));
    }
    nlohmann::json record;
    to_json(record, r);
    e.meta["records"].push_back(record);
  }
  if (n == 2) e.tensors["relative_targets"] = vector_f32(relative_targets(views[0].record, views[1].record));
  return e;
}

HandExampleSource::HandExampleSource(HandDatasetPtr dataset, AugmentPipeline pipeline, HandBatchOptions options)
    : dataset_(std::move(dataset)), pipeline_(std::move(pipeline)), options_(options) {
  if (!dataset_) throw std::invalid_argument("HandExampleSource: null data set");
  if (options_.views != 1 && options_.views != 2)
    throw std::invalid_argument("HandExampleSource: views must be 1 or 2, got " + std::to_string(options_.views));
}

int64_t HandExampleSource::size() const { return dataset_->size(); }

nn::Example HandExampleSource::load(int64_t index) const { return sample_to_example(dataset_->get(index)); }

nn::Example HandExampleSource::transform(const nn::Example& loaded, const nn::SampleKey& key) const {
  HandSample s = example_to_sample(loaded);
  // Fields the batch does not carry are not resampled (a mask or depth map costs as much as the image).
  if (!options_.include_mask) s.mask = Tensor();
  if (!options_.include_depth) s.depth = Tensor();
  s.verts = Tensor();
  s.mano = Tensor();
  std::vector<AugmentedSample> views;
  for (int64_t v = 0; v < options_.views; ++v) views.push_back(pipeline_(s, key, v));
  return training_example(views, options_);
}

std::string HandExampleSource::describe(int64_t index) const { return dataset_->name() + ":" + std::to_string(index); }

}  // namespace hg::hand
