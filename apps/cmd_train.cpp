// `handgrad pretrain` and `handgrad finetune`: the training jobs of hand/pretrain.h and
// hand/finetune.h, with every option as a flag (see apps/json_options.h), `--config run.json`, and
// `--resume RUN_DIR` to continue a run exactly from its last checkpoint.
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/device_option.h"
#include "apps/json_options.h"
#include "hand/finetune.h"
#include "hand/pretrain.h"

namespace hg::apps {
namespace {

const std::map<std::string, std::string> kCommonHelp = {
    {"data", "FreiHAND-layout data folder (e.g. made by `handgrad synth`)"},
    {"run_dir", "run folder (default runs/<name>)"},
    {"resnet", "encoder depth: 18, 34, 50, 101, 152"},
    {"image_size", "crop side in pixels"},
    {"batch_size", "images per micro-batch"},
    {"accumulate", "micro-batches per optimiser step (effective batch = batch-size x accumulate)"},
    {"epochs", "passes over the data"},
    {"max_steps", "stop after this many optimiser steps (-1: no limit)"},
    {"amp", "mixed precision: none, bf16, f16 (f16 uses dynamic loss scaling)"},
    {"seed", "seed of the initialisation, data order and augmentation"},
    {"workers", "data-loader threads"},
    {"checkpoint_every", "optimiser steps between extra checkpoints (0: epoch ends only)"},
    {"skip_bad", "skip unreadable images (counted in metrics.jsonl) instead of stopping"},
    {"progress", "show progress (a bar on a terminal, log lines otherwise)"},
    {"device", "where the model, optimiser state and batches live: cpu, cuda, cuda:N"},
};

std::map<std::string, std::string> with_common(std::map<std::string, std::string> help) {
  help.insert(kCommonHelp.begin(), kCommonHelp.end());
  return help;
}

struct TrainCommand {
  std::unique_ptr<JsonOptions> options;
  std::string name, resume;
};

// Fills run_dir from --name when not given; with --resume, reads the run's own config.json.
template <class Config>
Config resolve_config(const TrainCommand& cmd, const std::string& job) {
  nlohmann::json j;
  if (!cmd.resume.empty()) {
    if (cmd.options->config_given()) throw UsageError("--config: not allowed with --resume (the run's config.json is used)");
    j = hand::options_from_run_config(read_json_file(cmd.resume + "/config.json"), job);
    cmd.options->apply_flags(j);  // e.g. a new --max-steps or --workers
  } else {
    j = cmd.options->resolve();
  }
  if (cmd.resume.empty() && j.value("run_dir", std::string()).empty() && !cmd.name.empty()) j["run_dir"] = "runs/" + cmd.name;
  Config c;
  try {
    from_json(j, c);
  } catch (const std::invalid_argument& e) {  // an unknown key or a mistyped value
    throw UsageError(cmd.options->translate(e.what()));
  }
  if (!cmd.resume.empty()) c.common.run_dir = cmd.resume;
  require_device_option(c.common.device);  // a missing GPU: one line, exit 2
  return c;
}

void print_result(const hand::TrainResult& r) {
  if (!r.losses.empty())
    std::cout << "steps " << r.losses.size() << ", loss " << r.losses.front() << " -> " << r.losses.back() << "\n";
  std::cout << "checkpoint: " << r.checkpoint << "\n";
  if (r.best)
    std::cout << "best: " << r.best_checkpoint << " (step " << r.best->step << ", " << r.best->monitor << " "
              << r.best->value << ")\n";
  for (const auto& sample : r.samples) std::cout << "sample: " << sample << "\n";
  std::cout << "report: " << r.report << "\n";
}

}  // namespace

Run add_pretrain(CLI::App& app) {
  auto* sub = app.add_subcommand("pretrain", "Self-supervised pre-training: SimCLR or PeCLR (equivariant contrastive)");
  auto cmd = std::make_shared<TrainCommand>();
  sub->add_option("--name", cmd->name, "run name: the run folder is runs/<name>");
  sub->add_option("--resume", cmd->resume, "continue the run in this folder from its last checkpoint (flags given override its config)");
  hand::PretrainConfig defaults;
  cmd->options = std::make_unique<JsonOptions>(
      sub, nlohmann::json(defaults),
      with_common({{"method", "simclr or peclr"},
                   {"base_lr", "lr = base-lr x sqrt(effective batch)"},
                   {"weight_decay", "weight decay (not on biases / BatchNorm)"},
                   {"warmup_fraction", "linear warm-up over this fraction of the steps, then cosine"},
                   {"temperature", "NT-Xent temperature"},
                   {"lars_eta", "LARS (LARC clip) trust coefficient"},
                   {"invert_scale", "PeCLR: also undo the scale augmentation in latent space"},
                   {"projection_dim", "projection head output size (read as 2-D points)"},
                   {"hidden_dim", "projection head hidden size"}}));
  return [cmd] {
    const auto config = cmd->options->translating([&] {
      auto c = resolve_config<hand::PretrainConfig>(*cmd, "pretrain");
      hand::validate(c);
      return c;
    });
    print_result(cmd->options->translating([&] { return hand::run_pretrain(config, !cmd->resume.empty()); }));
    return 0;
  };
}

Run add_finetune(CLI::App& app) {
  auto* sub = app.add_subcommand("finetune", "Supervised 2.5D pose training: from scratch, fine-tuning, or a linear probe");
  auto cmd = std::make_shared<TrainCommand>();
  sub->add_option("--name", cmd->name, "run name: the run folder is runs/<name>");
  sub->add_option("--resume", cmd->resume, "continue the run in this folder from its last checkpoint (flags given override its config)");
  hand::FinetuneConfig defaults;
  cmd->options = std::make_unique<JsonOptions>(
      sub, nlohmann::json(defaults),
      with_common({{"init", "pre-training checkpoint whose encoder starts the network ('' = from scratch)"},
                   {"mode", "full (train everything) or linear (frozen encoder + linear layer)"},
                   {"lr", "Adam learning rate (cosine schedule)"},
                   {"weight_decay", "Adam weight decay"},
                   {"labels", "share of the labelled training images to use: a fraction in (0, 1] or a percentage, e.g. 0.1 or 10%"},
                   {"augment", "augmentation preset: none, finetune, peclr, relative, dualmodal"}}));
  cmd->options->set_parser("labels", [](const std::string& raw) { return hand::parse_fraction_or_percent(raw, "labels"); });
  return [cmd] {
    const auto config = cmd->options->translating([&] {
      auto c = resolve_config<hand::FinetuneConfig>(*cmd, "finetune");
      hand::validate(c);
      return c;
    });
    print_result(cmd->options->translating([&] { return hand::run_finetune(config, !cmd->resume.empty()); }));
    return 0;
  };
}

}  // namespace hg::apps
