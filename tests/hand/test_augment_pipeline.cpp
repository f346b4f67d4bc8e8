// The augmentation pipeline: configs and presets, transform records (determinism, JSON, targets),
// the applied result, two views, and hand batches through the data loader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hand/augment_pipeline.h"
#include "hand/camera.h"
#include "hand/crop.h"
#include "hand/hand_batch.h"
#include "hand/two_views.h"
#include "tensor/factory.h"
#include "tests/common/expect_throw.h"

namespace hg::hand {
namespace {

using nlohmann::json;

// A sample with a random image, a camera, 3D keypoints and a depth map (f64 geometry).
HandSample make_sample(uint64_t seed, int64_t size = 160) {
  Generator g(seed);
  std::vector<double> p;
  for (int k = 0; k < 21; ++k) {
    p.push_back(g.uniform(-0.035, 0.035));
    p.push_back(g.uniform(-0.035, 0.035));
    p.push_back(0.45 + g.uniform(-0.03, 0.03));
  }
  HandSample s;
  s.xyz = from_vector(p, {21, 3}, DType::f64);
  const double c = 0.5 * static_cast<double>(size - 1);
  s.K = from_vector(std::vector<double>{400, 0, c, 0, 400, c, 0, 0, 1}, {3, 3}, DType::f64);
  s.uv = project(s.xyz, s.K);
  s.valid = ones({21});
  s.image = uniform({3, size, size}, 0.1, 0.9, DType::f32, &g);
  s.depth = uniform({1, size, size}, 0.4, 0.5, DType::f32, &g);
  s.scale = 0.03;
  s.source = "memory:" + std::to_string(seed);
  return s;
}

class MemoryDataset final : public HandDataset {
 public:
  explicit MemoryDataset(std::vector<HandSample> samples) : samples_(std::move(samples)) {}
  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  HandSample get(int64_t i) const override { return samples_.at(static_cast<size_t>(i)); }
  std::string name() const override { return "memory"; }

 private:
  std::vector<HandSample> samples_;
};

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}

json record_json(const TransformRecord& r) {
  json j;
  to_json(j, r);
  return j;
}

TEST(AugmentConfig, PresetsMatchTheReference) {
  for (const auto& name : augment_preset_names()) EXPECT_NO_THROW(AugmentPipeline(augment_preset(name))) << name;
  const AugmentConfig p = augment_preset("peclr");
  EXPECT_TRUE(p.rotation.enabled && p.translation.enabled && p.scale.enabled && p.color_jitter.enabled);
  EXPECT_EQ(p.rotation.degrees.lo, -45);
  EXPECT_EQ(p.translation.pixels.hi, 15);
  EXPECT_EQ(p.scale.factor.lo, 0.6);
  EXPECT_EQ(p.scale.factor.hi, 2.0);
  EXPECT_EQ(p.color_jitter.value_bias.lo, 5);
  EXPECT_EQ(p.color_jitter.value_gain.lo, 0.5);
  EXPECT_EQ(p.crop.size, 128);
  EXPECT_FALSE(p.greyscale.enabled);
  const AugmentConfig d = augment_preset("dualmodal");
  EXPECT_EQ(d.rotation.degrees.hi, 180);
  EXPECT_EQ(d.scale.factor.lo, 0.8);
  EXPECT_TRUE(d.greyscale.enabled && d.erasing.enabled && d.depth_erasing.enabled && d.depth_salt_pepper.enabled);
  EXPECT_EQ(augment_preset("finetune").rotation.degrees.hi, 90);
  testing::expect_throw_naming([] { augment_preset("simclr2"); }, "simclr2");
}

TEST(AugmentConfig, JsonRoundTripsAndOverridesAPreset) {
  for (const auto& name : augment_preset_names()) {
    const json j = augment_config_to_json(augment_preset(name));
    EXPECT_EQ(augment_config_to_json(augment_config_from_json(j)), j) << name;
  }
  const AugmentConfig c = augment_config_from_json(
      json::parse(R"({"preset": "peclr", "rotation": {"degrees": [-30, 30]}, "blur": {"enabled": true},
                      "crop": {"size": 224}, "padding": "border"})"));
  EXPECT_EQ(c.rotation.degrees.lo, -30);
  EXPECT_TRUE(c.blur.enabled);
  EXPECT_EQ(c.crop.size, 224);
  EXPECT_EQ(c.padding, GridPadding::border);
  EXPECT_EQ(c.translation.pixels.hi, 15);  // untouched: still the preset's
  EXPECT_EQ(json(c).get<AugmentConfig>().rotation.degrees.hi, 30);
}

TEST(AugmentConfig, MalformedConfigsNameTheField) {
  const auto bad = [](const char* text, const std::string& names) {
    testing::expect_throw_naming([&] { augment_config_from_json(json::parse(text), "run.json"); }, names);
  };
  bad(R"({"rotaton": {}})", "rotaton");
  bad(R"({"rotation": {"degrees": 45}})", "rotation.degrees");
  bad(R"({"rotation": {"degrees": [50, 10]}})", "rotation.degrees");
  bad(R"({"rotation": {"probability": 2}})", "rotation.probability");
  bad(R"({"rotation": {"enabled": "yes"}})", "rotation.enabled");
  bad(R"({"rotation": {"speed": 1}})", "rotation.speed");
  bad(R"({"scale": {"factor": [0, 2]}})", "scale.factor");
  bad(R"({"crop": {"size": 0}})", "crop.size");
  bad(R"({"crop": {"size": 12.5}})", "crop.size");
  bad(R"({"erasing": {"area": [0.1, 1.5]}})", "erasing.area");
  bad(R"({"preset": "nope"})", "preset");
  bad(R"({"padding": "reflect"})", "padding");
  bad(R"([1, 2])", "run.json");
  bad(R"({"noise": []})", "noise");
  // Random byte damage to a valid config: a parse error or a clear invalid_argument, never a crash.
  const std::string good = augment_config_to_json(augment_preset("dualmodal")).dump();
  Generator g(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text = good;
    for (int e = 0; e < 3; ++e) text[static_cast<size_t>(g.randint(0, static_cast<int64_t>(text.size())))] =
        "0123456789-.,:[]{}\"aez "[g.randint(0, 24)];
    try {
      augment_config_from_json(json::parse(text));
    } catch (const json::exception&) {
    } catch (const std::invalid_argument&) {
    }
  }
}

TEST(AugmentRecord, IsAPureFunctionOfSeedEpochIndexAndView) {
  const AugmentPipeline pipe(augment_preset("dualmodal"));
  const HandSample s = make_sample(1);
  const json a = record_json(pipe.sample_record(s, {7, 2, 11}, 0));
  EXPECT_EQ(record_json(pipe.sample_record(s, {7, 2, 11}, 0)), a);
  EXPECT_NE(record_json(pipe.sample_record(s, {7, 3, 11}, 0)), a);  // epoch
  EXPECT_NE(record_json(pipe.sample_record(s, {7, 2, 12}, 0)), a);  // index
  EXPECT_NE(record_json(pipe.sample_record(s, {8, 2, 11}, 0)), a);  // seed
  EXPECT_NE(record_json(pipe.sample_record(s, {7, 2, 11}, 1)), a);  // view
  // Switching one transform off leaves the others' parameters alone.
  AugmentConfig c = augment_preset("dualmodal");
  set_transform_enabled(c, "color_jitter", false);
  json b = record_json(AugmentPipeline(c).sample_record(s, {7, 2, 11}, 0));
  EXPECT_FALSE(b.contains("color_jitter"));
  EXPECT_EQ(b["rotation"], a["rotation"]);
  EXPECT_EQ(b["translation"], a["translation"]);
  testing::expect_throw_naming([&] { set_transform_enabled(c, "wobble", true); }, "wobble");
}

TEST(AugmentRecord, ParametersStayInTheirRangesAndProbabilities) {
  AugmentConfig c = augment_preset("peclr");
  c.greyscale = {true, 0.3};
  c.noise = {true, 1, {0.02, 0.04}};
  const AugmentPipeline pipe(c);
  const HandSample s = make_sample(2);
  int grey = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    const TransformRecord r = pipe.sample_record(s, {1, 0, i}, 0);
    ASSERT_TRUE(r.rotation && r.translation && r.scale && r.color_jitter && r.noise && r.crop);
    EXPECT_LE(std::abs(*r.rotation), 45 * M_PI / 180);
    EXPECT_LE(std::abs((*r.translation)[0]), 15);
    EXPECT_LE(std::abs((*r.translation)[1]), 15);
    EXPECT_TRUE(*r.scale >= 0.6 && *r.scale <= 2.0);
    EXPECT_TRUE(r.color_jitter->hue >= 0.01 && r.color_jitter->hue <= 1);
    EXPECT_TRUE(r.color_jitter->value_bias >= 5 && r.color_jitter->value_bias <= 20);
    EXPECT_TRUE(r.noise->stddev >= 0.02 && r.noise->stddev <= 0.04);
    EXPECT_EQ(r.crop->scale, 1.0);  // peclr: no crop jitter
    grey += r.greyscale;
  }
  EXPECT_NEAR(grey / static_cast<double>(n), 0.3, 0.075);  // 3.3 standard errors
}

TEST(AugmentRecord, JsonRoundTripReproducesTheSample) {
  AugmentConfig c = augment_preset("dualmodal");
  for (const char* t : {"blur", "noise", "sobel"}) set_transform_enabled(c, t, true);
  const AugmentPipeline pipe(c);
  const HandSample s = make_sample(3);
  for (int64_t i = 0; i < 6; ++i) {
    const TransformRecord r = pipe.sample_record(s, {4, 1, i}, 0);
    const json j = record_json(r);
    const TransformRecord back = j.get<TransformRecord>();
    EXPECT_EQ(record_json(back), j);
    EXPECT_EQ(transform_targets(back), transform_targets(r));
    const AugmentedSample a = pipe.apply(s, r), b = pipe.apply(s, back);
    EXPECT_TRUE(bit_equal(a.sample.image, b.sample.image));
    EXPECT_TRUE(bit_equal(a.sample.depth, b.sample.depth));
  }
  testing::expect_throw_naming([] { json::parse(R"({"rotation": {"degrees": 3}})").get<TransformRecord>(); },
                               "rotation.degrees");
  testing::expect_throw_naming([] { json::parse(R"({"spin": {}})").get<TransformRecord>(); }, "spin");
}

TEST(AugmentRecord, TargetsAreIdentityWhenNothingIsApplied) {
  const auto t = transform_targets(TransformRecord{});
  EXPECT_EQ(t, (std::array<double, 9>{0, 0, 0, 1, 1, 1, 1, 0, 1}));
  TransformRecord a, b;
  a.rotation = 170 * M_PI / 180;
  b.rotation = -170 * M_PI / 180;
  a.translation = std::array<double, 2>{3, -4};
  b.scale = 1.5;
  a.scale = 0.75;
  b.crop = CropRecord{0, 0, 10, 1.2};
  const auto d = relative_targets(a, b);
  EXPECT_NEAR(d[0], 20 * M_PI / 180, 1e-12);  // −340° wrapped
  EXPECT_EQ(d[1], -3);
  EXPECT_EQ(d[2], 4);
  EXPECT_DOUBLE_EQ(d[3], 2);    // scale ratio
  EXPECT_DOUBLE_EQ(d[8], 1.2);  // crop scale ratio
  EXPECT_NEAR(wrap_angle(M_PI), M_PI, 1e-15);
  EXPECT_NEAR(wrap_angle(-M_PI), M_PI, 1e-15);
}

TEST(AugmentPipelineApply, KeypointsAndCameraStayConsistent) {
  const AugmentPipeline pipe(augment_preset("peclr"));
  for (int64_t i = 0; i < 8; ++i) {
    const HandSample s = make_sample(10 + static_cast<uint64_t>(i));
    const AugmentedSample a = pipe(s, {3, 0, i});
    EXPECT_EQ(a.sample.image.sizes(), (Shape{3, 128, 128}));
    EXPECT_EQ(a.sample.depth.sizes(), (Shape{1, 128, 128}));
    const auto p = project(a.sample.xyz, a.sample.K).to_vector<double>(), uv = a.sample.uv.to_vector<double>();
    for (size_t k = 0; k < p.size(); ++k) EXPECT_NEAR(p[k], uv[k], 1e-3);
    // The keypoints are where the warp of the record puts them.
    const PixelWarp w = crop_warp({a.record.crop->centre_u, a.record.crop->centre_v, a.record.crop->side}, 128)
                            .then(augmentation_warp(a.record, 128, 128));
    const auto src = s.uv.to_vector<double>();
    const auto q = w.apply(src[0], src[1]);
    EXPECT_NEAR(uv[0], q[0], 1e-9);
    EXPECT_NEAR(uv[1], q[1], 1e-9);
    EXPECT_EQ(a.sample.source, s.source);
  }
}

TEST(AugmentPipelineApply, AppearanceStepsAreTheDocumentedFunctions) {
  const HandSample s = make_sample(4);
  AugmentConfig geometric_only = augment_preset("none");
  const TransformRecord crop_only = AugmentPipeline(geometric_only).sample_record(s, {0, 0, 0});
  const Tensor cropped = AugmentPipeline(geometric_only).apply(s, crop_only).sample.image;
  TransformRecord r = crop_only;
  r.color_jitter = ColorJitterRecord{0.4, 0.7, 0.8, 10};
  r.blur_sigma = 1.2;
  r.erasing = RectRecord{5, 6, 20, 30};
  const Tensor got = AugmentPipeline(geometric_only).apply(s, r).sample.image;
  const Tensor want = erase_rect(gaussian_blur(color_jitter_hsv(cropped, *r.color_jitter), 1.2), *r.erasing, 0);
  EXPECT_TRUE(bit_equal(got, want));
  // The input sample is never modified.
  EXPECT_TRUE(bit_equal(s.image, make_sample(4).image));
}

TEST(AugmentPipelineApply, DepthTransformsTouchOnlyTheDepth) {
  const HandSample s = make_sample(7);
  const AugmentPipeline pipe(augment_preset("none"));
  const TransformRecord plain = pipe.sample_record(s, {0, 0, 0});
  TransformRecord r = plain;
  r.depth_erasing = RectRecord{10, 20, 30, 40};
  r.depth_salt_pepper = SaltPepperRecord{0.05, 0.5, 77};
  const AugmentedSample a = pipe.apply(s, plain), b = pipe.apply(s, r);
  EXPECT_TRUE(bit_equal(a.sample.image, b.sample.image));
  const Tensor want = salt_and_pepper(erase_rect(a.sample.depth, *r.depth_erasing, 0), *r.depth_salt_pepper);
  EXPECT_TRUE(bit_equal(b.sample.depth, want));
  const auto d = b.sample.depth.to_vector<float>();
  int zeros_in_rect = 0;
  for (int64_t i = 10; i < 40; ++i)
    for (int64_t j = 20; j < 60; ++j) zeros_in_rect += d[static_cast<size_t>(i * 128 + j)] == 0.0f;
  EXPECT_GE(zeros_in_rect, 30 * 40 * 0.95);  // salt may land inside the erased rectangle
  // The dual-modality preset draws depth transforms only for samples that have depth.
  HandSample no_depth = s;
  no_depth.depth = Tensor();
  const AugmentPipeline dual(augment_preset("dualmodal"));
  for (int64_t i = 0; i < 20; ++i) {
    const TransformRecord x = dual.sample_record(no_depth, {0, 0, i});
    EXPECT_FALSE(x.depth_erasing || x.depth_salt_pepper);
  }
}

TEST(TwoViews, ViewsAreIndependentAndRelativeTargetsMatchTheRecords) {
  const AugmentPipeline pipe(augment_preset("relative"));
  const HandSample s = make_sample(5);
  const TwoViews v = make_two_views(s, pipe, {9, 1, 3});
  EXPECT_NE(record_json(v.first.record), record_json(v.second.record));
  EXPECT_EQ(record_json(v.first.record), record_json(pipe.sample_record(s, {9, 1, 3}, 0)));
  EXPECT_EQ(record_json(v.second.record), record_json(pipe.sample_record(s, {9, 1, 3}, 1)));
  EXPECT_FALSE(bit_equal(v.first.sample.image, v.second.sample.image));
  const auto d = relative_targets(v.first.record, v.second.record);
  EXPECT_NEAR(d[0], wrap_angle(*v.second.record.rotation - *v.first.record.rotation), 1e-15);
  EXPECT_DOUBLE_EQ(d[8], v.second.record.crop->scale / v.first.record.crop->scale);
}

TEST(HandBatch, LoaderGivesIdenticalTwoViewBatchesForAnyWorkerCount) {
  std::vector<HandSample> samples;
  for (uint64_t i = 0; i < 10; ++i) samples.push_back(make_sample(100 + i, 96));
  HandSample no_3d = make_sample(200, 96);
  no_3d.xyz = Tensor();
  no_3d.depth = Tensor();
  samples.push_back(no_3d);
  auto dataset = std::make_shared<MemoryDataset>(samples);
  AugmentConfig c = augment_preset("peclr");
  c.crop.size = 64;
  const HandBatchOptions opts{.views = 2, .include_3d = true, .include_depth = true};
  auto source = std::make_shared<HandExampleSource>(dataset, AugmentPipeline(c), opts);

  std::vector<std::vector<nn::Batch>> runs;
  for (const int64_t workers : {1, 4}) {
    nn::DataLoader loader(source, {.batch_size = 4, .num_workers = workers, .seed = 21, .cache_bytes = 64 << 20});
    std::vector<nn::Batch> batches;
    for (int epoch = 0; epoch < 2; ++epoch)
      while (auto b = loader.next()) batches.push_back(std::move(*b));
    runs.push_back(std::move(batches));
  }
  ASSERT_EQ(runs[0].size(), 6u);
  for (size_t b = 0; b < runs[0].size(); ++b) {
    EXPECT_EQ(runs[0][b].indices, runs[1][b].indices);
    for (const auto& [name, t] : runs[0][b].tensors) EXPECT_TRUE(bit_equal(t, runs[1][b].at(name))) << name;
  }
  const nn::Batch& first = runs[0][0];
  EXPECT_EQ(first.at("view0/image").sizes(), (Shape{4, 3, 64, 64}));
  EXPECT_EQ(first.at("view1/uv").sizes(), (Shape{4, 21, 2}));
  EXPECT_EQ(first.at("view0/targets").sizes(), (Shape{4, 9}));
  EXPECT_EQ(first.at("relative_targets").sizes(), (Shape{4, 9}));
  EXPECT_EQ(first.at("view1/depth").sizes(), (Shape{4, 1, 64, 64}));
  // The targets in the batch are those of the records in the metadata.
  const auto rel = first.at("relative_targets").to_vector<float>();
  for (int64_t k = 0; k < first.size(); ++k) {
    const json& recs = first.meta[static_cast<size_t>(k)]["records"];
    const auto want = relative_targets(recs[0].get<TransformRecord>(), recs[1].get<TransformRecord>());
    for (size_t t = 0; t < 9; ++t) EXPECT_FLOAT_EQ(rel[static_cast<size_t>(k) * 9 + t], static_cast<float>(want[t]));
  }
  // The sample without 3D and depth has zero flags; the others have them.
  for (const auto& batch : runs[0])
    for (int64_t k = 0; k < batch.size(); ++k) {
      const bool is_no_3d = batch.indices[static_cast<size_t>(k)] == 10;
      EXPECT_EQ(batch.at("view0/valid3d").to_vector<float>()[static_cast<size_t>(k) * 21], is_no_3d ? 0.0f : 1.0f);
      EXPECT_EQ(batch.at("view1/has_depth").to_vector<float>()[static_cast<size_t>(k)], is_no_3d ? 0.0f : 1.0f);
    }
  // An epoch later the same index is augmented differently.
  std::map<int64_t, json> epoch0, epoch1;
  for (const auto& batch : runs[0])
    for (int64_t k = 0; k < batch.size(); ++k)
      (batch.epoch == 0 ? epoch0 : epoch1)[batch.indices[static_cast<size_t>(k)]] = batch.meta[static_cast<size_t>(k)]["records"];
  ASSERT_EQ(epoch0.size(), 11u);
  ASSERT_EQ(epoch1.size(), 11u);
  for (const auto& [index, records] : epoch0) EXPECT_NE(records, epoch1[index]) << index;
}

TEST(HandBatch, SampleExampleRoundTrip) {
  HandSample s = make_sample(6);
  s.mirrored = true;
  const HandSample back = example_to_sample(sample_to_example(s));
  EXPECT_TRUE(back.image.is_same(s.image));
  EXPECT_TRUE(back.K.is_same(s.K));
  EXPECT_FALSE(back.mask.defined());
  EXPECT_EQ(back.scale, s.scale);
  EXPECT_TRUE(back.mirrored);
  EXPECT_EQ(back.source, s.source);
  EXPECT_EQ(view_key("image", 1, 2), "view1/image");
  EXPECT_EQ(view_key("image", 0, 1), "image");
}

}  // namespace
}  // namespace hg::hand
