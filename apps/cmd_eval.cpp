// `handgrad eval`: 2D/3D keypoint errors, Procrustes-aligned errors and PCK/AUC of a pose
// checkpoint (or of the mean-pose baseline) on a FreiHAND-layout split. When the checkpoint lies in
// a run folder (<run>/checkpoints/*.safetensors) the results go to <run>/results.json and the run's
// report.html is rewritten with them.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/device_option.h"
#include "apps/commands.h"
#include "apps/json_options.h"
#include "hand/evaluate.h"
#include "nn/report_html.h"
#include "nn/run_log.h"
#include "tensor/atomic_file.h"

namespace hg::apps {

void print_eval_table(const std::vector<hand::EvalResult>& results, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %7s %9s %10s %9s %9s %7s %7s\n", "model", "images", "EPE2D px", "EPE3D mm",
                "RR-EPE mm", "PA-EPE mm", "AUC", "PA-AUC");
  out << line;
  for (const auto& r : results) {
    std::string name = r.name.size() > 28 ? "..." + r.name.substr(r.name.size() - 25) : r.name;
    std::snprintf(line, sizeof line, "%-28s %7lld %9.2f %10.2f %9.2f %9.2f %7.3f %7.3f\n", name.c_str(),
                  static_cast<long long>(r.images), r.epe2d_px.mean, r.pose3d.epe_mm.mean, r.pose3d.rr_epe_mm.mean,
                  r.pose3d.pa_epe_mm.mean, r.pose3d.pck.auc, r.pose3d.pa_pck.auc);
    out << line;
  }
}

Run add_eval(CLI::App& app) {
  auto* sub = app.add_subcommand("eval", "Evaluate a pose checkpoint: EPE 2D/3D, Procrustes EPE, PCK/AUC");
  struct State {
    std::unique_ptr<JsonOptions> options;
    bool baseline = false;
    int64_t image_size = 128;
    std::string out;
  };
  auto st = std::make_shared<State>();
  sub->add_flag("--baseline", st->baseline, "also evaluate the mean-pose baseline");
  sub->add_option("--baseline-size", st->image_size, "crop side for the baseline without a checkpoint")->check(CLI::Range(32, 1024));
  sub->add_option("--out", st->out, "results JSON (default: <run>/results.json for a checkpoint in a run folder)");
  st->options = std::make_unique<JsonOptions>(
      sub, nlohmann::json(hand::EvalConfig{}),
      std::map<std::string, std::string>{{"data", "FreiHAND-layout data folder"},
                                         {"checkpoint", "a finetune checkpoint ('' with --baseline: baseline only)"},
                                         {"split", "training or evaluation"},
                                         {"batch_size", "images per batch"},
                                         {"bone", "reference bone for 3D: true (ground truth) or mean (training mean)"},
                                         {"workers", "data-loader threads"},
                                         {"limit", "evaluate the first N images only (-1: all)"},
                                         {"device", "where the network runs: cpu, cuda, cuda:N"}});
  return [st] {
    hand::EvalConfig config;
    st->options->translating([&] {
      try {
        from_json(st->options->resolve(), config);
      } catch (const std::invalid_argument& e) {
        throw UsageError(st->options->translate(e.what()));
      }
      if (config.checkpoint.empty() && st->baseline) config.checkpoint = "-";  // validated, unused
      hand::validate(config);
      require_device_option(config.device);
      return 0;
    });
    std::vector<hand::EvalResult> results;
    if (config.checkpoint != "-") results.push_back(st->options->translating([&] { return hand::evaluate_checkpoint(config); }));
    if (st->baseline) results.push_back(st->options->translating([&] { return hand::evaluate_mean_pose(config, st->image_size); }));
    print_eval_table(results, std::cout);
    namespace fs = std::filesystem;
    std::string out = st->out, run_dir;
    const fs::path ckpt(config.checkpoint);
    if (config.checkpoint != "-" && ckpt.parent_path().filename() == "checkpoints") run_dir = ckpt.parent_path().parent_path().string();
    if (out.empty() && !run_dir.empty()) out = run_dir + "/results.json";
    if (!out.empty()) {
      nlohmann::json j = results.front().to_json();
      for (size_t i = 1; i < results.size(); ++i) j["baseline"] = results[i].to_json();
      const std::string text = j.dump(2) + "\n";
      write_file_atomically(out, {text});
      std::cout << "results: " << out << "\n";
      if (!run_dir.empty() && out == run_dir + "/results.json") std::cout << "report: " << nn::write_report(run_dir) << "\n";
    }
    return 0;
  };
}

}  // namespace hg::apps
