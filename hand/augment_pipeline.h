// The augmentation pipeline: a config (hand/augment.h) → per sample and view, a transform record of
// drawn parameters → the augmented sample. Order of application: see hand/augment.h.
//
//   AugmentPipeline pipe(augment_preset("peclr"));
//   AugmentedSample a = pipe(sample, nn::SampleKey{seed, epoch, index}, /*view=*/0);
//   a.record  → JSON (to_json) or regression targets (transform_targets)
//
// Randomness: transform t of view v draws only from
//   nn::sample_generator(key, RandomPurpose::augment, substream = v · 256 + t)
// so the record is a pure function of (seed, epoch, index, repeat, view), and switching one
// transform on or off never changes the parameters drawn for another.
//
// Config JSON (augment_config_from_json): an object whose optional "preset" names the starting
// values (default "none"), then per transform an object of the fields to override, e.g.
//   {"preset": "peclr", "rotation": {"degrees": [-30, 30]}, "blur": {"enabled": true, "probability": 0.5}}
// Ranges are [lo, hi] arrays; "padding" is "zeros" or "border". Unknown keys, wrong types and
// out-of-range values throw std::invalid_argument "<where>: <field>: <problem>".
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hand/augment.h"
#include "hand/dataset.h"
#include "nn/data_loader.h"

namespace hg::hand {

// Presets:
//   "none"      crop to 128 × 128 only;
//   "peclr"     REFERENCE.md §1 pre-training: scale U(0.6, 2), rotation U(±45°), translation U(±15 px)²,
//               HSV jitter hue × U(0.01, 1), saturation × U(0.01, 1), value a·v + b, a U(0.5, 1), b U(5, 20);
//   "relative"  §2: crop jitter (scale U(0.7, 1.3), centre ±10 %), rotation, translation and colour
//               jitter as "peclr" (the regressed families); cutout, Sobel, noise and blur configured
//               but disabled (switch them on to enumerate compositions);
//   "dualmodal" §6: rotation U(±180°), scale U(0.8, 1), translation U(±20 px); RGB colour jitter (PeCLR's
//               ranges), grey-scale p 0.2, random erasing p 0.5; depth random erasing p 0.5 and
//               salt-and-pepper p 0.5;
//   "finetune"  §1 fine-tuning: rotation U(±90°), translation U(±20 px), scale U(0.7, 1.3).
// REFERENCE.md gives no probabilities for PeCLR: every transform there fires with probability 1.
AugmentConfig augment_preset(const std::string& name);
const std::vector<std::string>& augment_preset_names();

// The switchable transforms by name (the AugmentConfig member names, crop jitter as "crop") and a
// helper for enumerating compositions.
const std::vector<std::string>& augment_transform_names();
void set_transform_enabled(AugmentConfig& config, const std::string& name, bool enabled);

// Checks every range and probability; throws std::invalid_argument "<where>: <field>: <problem>".
void validate(const AugmentConfig& config, const std::string& where = "augment config");

nlohmann::json augment_config_to_json(const AugmentConfig& config);
AugmentConfig augment_config_from_json(const nlohmann::json& j, const std::string& where = "augment config");
void to_json(nlohmann::json& j, const AugmentConfig& config);
void from_json(const nlohmann::json& j, AugmentConfig& config);

struct AugmentedSample {
  HandSample sample;
  TransformRecord record;
};

class AugmentPipeline {
 public:
  explicit AugmentPipeline(AugmentConfig config = augment_preset("none"));  // validates
  const AugmentConfig& config() const { return config_; }
  int64_t output_size() const { return config_.crop.size; }

  // Draws the parameters of view `view` (0..255) of a sample.
  TransformRecord sample_record(const HandSample& sample, const nn::SampleKey& key, int64_t view = 0) const;
  // Applies given parameters (a record from sample_record, from JSON, or built by hand, e.g. for
  // the equivariance evaluation). A record without a crop uses the config's un-jittered box.
  AugmentedSample apply(const HandSample& sample, const TransformRecord& record) const;
  AugmentedSample operator()(const HandSample& sample, const nn::SampleKey& key, int64_t view = 0) const {
    return apply(sample, sample_record(sample, key, view));
  }

 private:
  AugmentConfig config_;
};

}  // namespace hg::hand
