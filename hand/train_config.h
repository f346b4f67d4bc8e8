// The options of every training / evaluation job, as plain structs with JSON (de)serialisation and
// range checks. The CLI (apps/) fills them from flags or `--config run.json`; the run folder's
// config.json is to_json of the resolved struct, so a run can be re-created from it.
//
// A run's config.json is that JSON plus "job" (pretrain | finetune) and "derived" (values computed
// from the options: the learning rate, step counts, the augmentation); options_from_run_config()
// strips those two to get the options back.
//
// Validation errors are std::invalid_argument "<option>: <problem> (allowed: <range>)" — the option
// name is the JSON key, which is also the CLI flag without "--" (underscores become dashes).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace hg::hand {

// Shared by every training job.
struct TrainCommon {
  std::string data;            // FreiHAND-layout root (real FreiHAND or `handgrad synth` output)
  std::string run_dir;         // runs/<name>
  int resnet = 18;             // 18, 34, 50, 101, 152
  int64_t image_size = 128;    // crop side
  int64_t batch_size = 32;     // micro-batch
  int64_t accumulate = 1;      // micro-batches per optimiser step
  int64_t epochs = 1;
  int64_t max_steps = -1;      // stop after this many optimiser steps in total (-1 = run all epochs);
                               // the schedule still spans all epochs, so a resumed run continues it
  std::string amp = "none";    // none | bf16 | f16 (f16 adds the GradScaler)
  uint64_t seed = 0;
  int64_t workers = 2;         // data-loader threads
  int64_t checkpoint_every = 0;  // optimiser steps between extra checkpoints (0 = epoch ends only)
  bool skip_bad = false;       // skip unreadable samples (counted in metrics.jsonl)
  bool progress = true;
  std::string device = "cpu";  // cpu | cuda | cuda:N: where the model, optimiser state and batches live
};

// SimCLR / PeCLR pre-training (REFERENCE.md §1).
struct PretrainConfig {
  TrainCommon common;
  std::string method = "peclr";  // simclr | peclr
  double base_lr = 1e-4;         // lr = base_lr · sqrt(batch_size · accumulate)
  double weight_decay = 1e-6;    // none on biases and BatchNorm parameters
  double warmup_fraction = 0.1;  // warm-up steps as a fraction of all steps (PeCLR: 10 of 100 epochs)
  double temperature = 0.5;      // τ (0.5 in PeCLR's code; SimCLR used 0.1)
  double lars_eta = 0.02;        // LARC clip mode, as PeCLR
  bool invert_scale = false;     // PeCLR: also undo the scale in latent space (off in the public code)
  int64_t projection_dim = 128;
  int64_t hidden_dim = 512;
};

// Supervised 2.5D training: from scratch, fine-tuning a pre-trained encoder, or a linear probe.
struct FinetuneConfig {
  TrainCommon common;
  std::string init;              // pre-training checkpoint (its encoder is loaded); "" = from scratch
  std::string mode = "full";     // full | linear (frozen encoder + one linear layer)
  double lr = 5e-4;              // Adam, cosine schedule (REFERENCE.md §1)
  double weight_decay = 0;
  double labels = 1.0;           // fraction of the labelled training samples used (0, 1]; JSON and the
                                 // CLI also take a percentage string "10%" (parse_fraction_or_percent)
  std::string augment = "finetune";  // augmentation preset
};

// Evaluation of a pose checkpoint on a split.
struct EvalConfig {
  std::string data;
  std::string checkpoint;        // a finetune run's checkpoint
  std::string split = "evaluation";
  int64_t batch_size = 32;
  std::string bone = "true";     // reference bone for 3D: true (from the ground truth) | mean (training mean)
  int64_t workers = 2;
  int64_t limit = -1;            // evaluate only the first N samples (-1 = all)
  std::string device = "cpu";    // cpu | cuda | cuda:N
};

void to_json(nlohmann::json& j, const TrainCommon& c);
void from_json(const nlohmann::json& j, TrainCommon& c);
void to_json(nlohmann::json& j, const PretrainConfig& c);
void from_json(const nlohmann::json& j, PretrainConfig& c);
void to_json(nlohmann::json& j, const FinetuneConfig& c);
void from_json(const nlohmann::json& j, FinetuneConfig& c);
void to_json(nlohmann::json& j, const EvalConfig& c);
void from_json(const nlohmann::json& j, EvalConfig& c);

// A run folder's config.json without "job" and "derived"; throws std::invalid_argument when its job
// is not `job`.
nlohmann::json options_from_run_config(const nlohmann::json& config, const std::string& job);

// A fraction "0.1" in (0, 1] or a percentage "10%" in (0%, 100%] (the number then '%', nothing
// else) → the fraction (10% → 0.1). Anything else — "0%", "150%", "abc", "10%%", "", " 0.1", "nan" —
// throws std::invalid_argument "<option>: '<text>' <problem> (allowed: a fraction in (0, 1] or a
// percentage in (0%, 100%], e.g. 0.1 or 10%)".
double parse_fraction_or_percent(const std::string& text, const std::string& option);

void validate(const TrainCommon& c);
void validate(const PretrainConfig& c);
void validate(const FinetuneConfig& c);
void validate(const EvalConfig& c);

}  // namespace hg::hand
