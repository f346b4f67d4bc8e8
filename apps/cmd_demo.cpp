// `handgrad demo`: the main job on the built-in synthetic data, start to finish —
//   1. render a synthetic FreiHAND-layout data set (training + evaluation split),
//   2. pre-train SimCLR and PeCLR briefly (same seed, data order and augmentation: the only
//      difference is PeCLR's inversion of the geometric transforms in latent space),
//   3. fine-tune each, and a from-scratch baseline, on a small labelled fraction,
//   4. evaluate all three and the mean-pose baseline on the evaluation split,
//   5. measure the equivariance (PeCLR supp. §6) of the SimCLR and PeCLR models,
// then print one comparison table and the path of every report. The defaults finish in well under
// 20 minutes on 2 cores; --full or the flags scale it up.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/device_option.h"
#include "apps/commands.h"
#include "apps/json_options.h"
#include "hand/equivariance.h"
#include "hand/evaluate.h"
#include "hand/finetune.h"
#include "hand/freihand.h"
#include "hand/pretrain.h"
#include "hand/synth_generator.h"
#include "nn/checkpoint.h"
#include "nn/report_html.h"
#include "tensor/atomic_file.h"

namespace hg::apps {

void print_eval_table(const std::vector<hand::EvalResult>& results, std::ostream& out);  // cmd_eval.cpp

namespace {

struct DemoOptions {
  std::string out = "runs/demo";
  bool overwrite = false, full = false;
  int64_t train_images = 1000, eval_images = 200, image_size = 128;
  int64_t pretrain_steps = 64, finetune_steps = 100, batch_size = 32;
  std::string labels_text = "10%";  // --labels as given: a fraction or a percentage
  double labels = 0.1;              // ... resolved by run_demo (hand::parse_fraction_or_percent)
  int resnet = 18;
  uint64_t seed = 0;
  int64_t workers = 2;
  int64_t equivariance_images = 48;
  std::string device = "cpu";  // training, evaluation and the equivariance sweep
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `steps` optimiser steps over `images` images: whole epochs (the schedule spans them), stopped at
// exactly `steps`.
hand::TrainCommon common(const DemoOptions& o, const std::string& run, int64_t steps, int64_t images) {
  hand::TrainCommon c;
  c.data = o.out + "/data";
  c.run_dir = o.out + "/" + run;
  c.resnet = o.resnet;
  c.image_size = o.image_size;
  c.batch_size = o.batch_size;
  const int64_t per_epoch = std::max<int64_t>(1, images / o.batch_size);
  c.epochs = (steps + per_epoch - 1) / per_epoch;
  c.max_steps = steps;
  c.seed = o.seed;
  c.workers = o.workers;
  c.device = o.device;
  return c;
}

int run_demo(DemoOptions o) {
  namespace fs = std::filesystem;
  try {
    o.labels = hand::parse_fraction_or_percent(o.labels_text, "labels");
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--") + e.what());
  }
  require_device_option(o.device);
  if (o.full) {
    o.train_images = std::max<int64_t>(o.train_images, 8000), o.eval_images = std::max<int64_t>(o.eval_images, 1000);
    o.pretrain_steps = std::max<int64_t>(o.pretrain_steps, 3000), o.finetune_steps = std::max<int64_t>(o.finetune_steps, 2000);
    o.batch_size = std::max<int64_t>(o.batch_size, 64), o.equivariance_images = std::max<int64_t>(o.equivariance_images, 500);
  }
  if (fs::exists(o.out) && !fs::is_empty(o.out)) {
    if (!o.overwrite) throw UsageError("--out: " + o.out + " exists and is not empty (pass --overwrite to replace it)");
    fs::remove_all(o.out);
  }
  fs::create_directories(o.out);
  const auto t0 = std::chrono::steady_clock::now();
  auto stage = [&](const std::string& what) {
    std::printf("\n== %s (%.0f s elapsed)\n", what.c_str(), seconds_since(t0));
    std::fflush(stdout);
  };

  stage("1/5 synthetic data: " + std::to_string(o.train_images) + " training + " + std::to_string(o.eval_images) + " evaluation images");
  hand::SynthOptions so;
  so.count = o.train_images, so.eval_count = o.eval_images, so.seed = o.seed;
  hand::write_synth_dataset(so, o.out + "/data", [](const std::string& line) { std::printf("%s\n", line.c_str()); });

  std::map<std::string, std::string> pretrained;
  for (const std::string method : {"simclr", "peclr"}) {
    stage("2/5 pre-training " + method + " (" + std::to_string(o.pretrain_steps) + " steps)");
    hand::PretrainConfig pc;
    pc.common = common(o, "pretrain_" + method, o.pretrain_steps, o.train_images);
    pc.method = method;
    pc.warmup_fraction = 0.1;
    pretrained[method] = hand::run_pretrain(pc).checkpoint;
  }

  std::vector<std::pair<std::string, std::string>> finetuned;  // name, checkpoint
  for (const std::string init : {"simclr", "peclr", "scratch"}) {
    char share[32];
    std::snprintf(share, sizeof share, "%g%%", 100 * o.labels);
    stage("3/5 fine-tuning from " + init + " on " + share + " of the labels (" + std::to_string(o.finetune_steps) +
          " steps)");
    hand::FinetuneConfig fc;
    fc.common = common(o, "finetune_" + init, o.finetune_steps,
                       static_cast<int64_t>(std::ceil(o.labels * o.train_images - 1e-9)));
    fc.labels = o.labels;
    if (init != "scratch") fc.init = pretrained[init];
    finetuned.emplace_back(init, hand::run_finetune(fc).checkpoint);
  }

  stage("4/5 evaluation on the evaluation split");
  std::vector<hand::EvalResult> results;
  hand::EvalConfig ec;
  ec.data = o.out + "/data";
  ec.workers = o.workers;
  ec.device = o.device;
  for (const auto& [name, checkpoint] : finetuned) {
    ec.checkpoint = checkpoint;
    hand::EvalResult r = hand::evaluate_checkpoint(ec);
    r.name = name == "scratch" ? "supervised from scratch" : name + " + fine-tune";
    const std::string run_dir = fs::path(checkpoint).parent_path().parent_path().string();
    const std::string text = r.to_json().dump(2) + "\n";
    write_file_atomically(run_dir + "/results.json", {text});
    nn::write_report(run_dir);
    results.push_back(r);
  }
  results.push_back(hand::evaluate_mean_pose(ec, o.image_size));

  stage("5/5 equivariance (PeCLR supp. §6): rotations in [-80, 80] deg, translations in [-25, 25]^2 px");
  hand::EquivarianceOptions eo;
  eo.images = o.equivariance_images;
  eo.device = o.device;
  const auto eq_simclr = hand::measure_checkpoint_equivariance(finetuned[0].second, o.out + "/data", "evaluation", eo);
  const auto eq_peclr = hand::measure_checkpoint_equivariance(finetuned[1].second, o.out + "/data", "evaluation", eo);
  const nlohmann::json improvement = hand::equivariance_improvement(eq_simclr, eq_peclr);

  std::printf("\n== results (%.0f s in total)\n", seconds_since(t0));
  print_eval_table(results, std::cout);
  std::printf("\nL_equiv (mean 2D keypoint px)   rotation  translation\n");
  std::printf("  SimCLR + fine-tune            %8.2f  %11.2f\n", eq_simclr.rotation.mean, eq_simclr.translation.mean);
  std::printf("  PeCLR + fine-tune             %8.2f  %11.2f\n", eq_peclr.rotation.mean, eq_peclr.translation.mean);
  std::printf("  L_improv (SimCLR - PeCLR)/SimCLR %5.1f%%  %10.1f%%\n",
              100 * improvement["rotation"]["mean_l_improv"].get<double>(),
              100 * improvement["translation"]["mean_l_improv"].get<double>());
  nlohmann::json summary = {{"options", {{"train_images", o.train_images}, {"eval_images", o.eval_images},
                                         {"image_size", o.image_size}, {"resnet", o.resnet},
                                         {"pretrain_steps", o.pretrain_steps}, {"finetune_steps", o.finetune_steps},
                                         {"batch_size", o.batch_size}, {"labels", o.labels}, {"seed", o.seed}}},
                            {"seconds", seconds_since(t0)},
                            {"equivariance", {{"simclr", eq_simclr.to_json()}, {"peclr", eq_peclr.to_json()}, {"improvement", improvement}}}};
  for (const auto& r : results) summary["results"].push_back(r.to_json());
  const std::string text = summary.dump(2) + "\n";
  write_file_atomically(o.out + "/summary.json", {text});
  std::printf("\nreports:\n");
  for (const std::string run : {"pretrain_simclr", "pretrain_peclr", "finetune_simclr", "finetune_peclr", "finetune_scratch"})
    std::printf("  %s/%s/report.html\n", o.out.c_str(), run.c_str());
  std::printf("summary: %s/summary.json\n", o.out.c_str());
  return 0;
}

}  // namespace

Run add_demo(CLI::App& app) {
  auto* sub = app.add_subcommand("demo", "The main job on synthetic data: synth, SimCLR/PeCLR pre-training, fine-tuning, evaluation, equivariance");
  auto o = std::make_shared<DemoOptions>();
  sub->add_option("--out", o->out, "output folder (data and every run)")->capture_default_str();
  sub->add_flag("--overwrite", o->overwrite, "replace --out if it exists");
  sub->add_flag("--full", o->full, "a larger run (8000 images, 3000 pre-training steps; hours on 2 cores)");
  sub->add_option("--train-images", o->train_images, "synthetic training images")->check(CLI::Range(64, 1000000))->capture_default_str();
  sub->add_option("--eval-images", o->eval_images, "synthetic evaluation images")->check(CLI::Range(16, 1000000))->capture_default_str();
  sub->add_option("--image-size", o->image_size, "network input side")->check(CLI::Range(64, 512))->capture_default_str();
  sub->add_option("--pretrain-steps", o->pretrain_steps, "optimiser steps of each pre-training")->check(CLI::Range(1, 10000000))->capture_default_str();
  sub->add_option("--finetune-steps", o->finetune_steps, "optimiser steps of each fine-tuning")->check(CLI::Range(1, 10000000))->capture_default_str();
  sub->add_option("--batch-size", o->batch_size, "images per batch")->check(CLI::Range(4, 4096))->capture_default_str();
  sub->add_option("--labels", o->labels_text, "labelled share for fine-tuning: a fraction in (0, 1] or a percentage, e.g. 0.1 or 10%")
      ->capture_default_str();
  sub->add_option("--resnet", o->resnet, "encoder depth")->check(CLI::IsMember({18, 34, 50, 101, 152}))->capture_default_str();
  sub->add_option("--seed", o->seed, "seed of everything")->capture_default_str();
  sub->add_option("--device", o->device, "where the networks run: cpu, cuda, cuda:N")->capture_default_str();
  sub->add_option("--workers", o->workers, "data-loader threads")->check(CLI::Range(0, 64))->capture_default_str();
  sub->add_option("--equivariance-images", o->equivariance_images, "evaluation images in the equivariance sweep")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  return [o] { return run_demo(*o); };
}

}  // namespace hg::apps
