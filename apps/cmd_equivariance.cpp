// `handgrad equivariance --data DIR A.safetensors [B.safetensors]`: PeCLR supp. §6's L_equiv of one
// or two pose checkpoints over a rotation sweep ([−80°, 80°]) and a translation grid ([−25, 25]² px),
// and, with two, L_improv = (L_A − L_B) / L_A (positive: B is more equivariant).
#include <cstdio>
#include <memory>

#include "apps/device_option.h"
#include "apps/commands.h"
#include "apps/json_options.h"
#include "hand/equivariance.h"
#include "tensor/atomic_file.h"

namespace hg::apps {

Run add_equivariance(CLI::App& app) {
  auto* sub = app.add_subcommand("equivariance", "Equivariance of pose checkpoints to rotation/translation (PeCLR supp. §6)");
  struct State {
    std::vector<std::string> checkpoints;
    std::string data, split = "evaluation", out;
    hand::EquivarianceOptions options;
  };
  auto st = std::make_shared<State>();
  sub->add_option("checkpoints", st->checkpoints, "one or two finetune checkpoints (A, B)")->required()->expected(1, 2);
  sub->add_option("--data", st->data, "FreiHAND-layout data folder")->required();
  sub->add_option("--split", st->split, "training or evaluation")->check(CLI::IsMember({"training", "evaluation"}))->capture_default_str();
  sub->add_option("--images", st->options.images, "images used")->check(CLI::Range(1, 1000000))->capture_default_str();
  sub->add_option("--rotations", st->options.rotations, "rotation steps in [-80, 80] deg")->check(CLI::Range(1, 1000))->capture_default_str();
  sub->add_option("--translations", st->options.translations, "translation steps per axis in [-25, 25] px")
      ->check(CLI::Range(1, 100))->capture_default_str();
  sub->add_option("--out", st->out, "write the curves as JSON here");
  sub->add_option("--device", st->options.device, "where the networks run: cpu, cuda, cuda:N")->capture_default_str();
  return [st] {
    require_device_option(st->options.device);
    std::vector<hand::EquivarianceResult> results;
    for (const auto& c : st->checkpoints) {
      try {
        results.push_back(hand::measure_checkpoint_equivariance(c, st->data, st->split, st->options));
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    }
    nlohmann::json j;
    std::printf("%-40s %10s %12s\n", "L_equiv (mean 2D px)", "rotation", "translation");
    for (size_t i = 0; i < results.size(); ++i) {
      std::printf("%-40s %10.2f %12.2f\n", st->checkpoints[i].c_str(), results[i].rotation.mean, results[i].translation.mean);
      j[i == 0 ? "A" : "B"] = results[i].to_json();
      j[i == 0 ? "A" : "B"]["checkpoint"] = st->checkpoints[i];
    }
    if (results.size() == 2) {
      j["improvement"] = hand::equivariance_improvement(results[0], results[1]);
      std::printf("%-40s %9.1f%% %11.1f%%\n", "L_improv = (L_A - L_B) / L_A", 100 * j["improvement"]["rotation"]["mean_l_improv"].get<double>(),
                  100 * j["improvement"]["translation"]["mean_l_improv"].get<double>());
    }
    if (!st->out.empty()) {
      const std::string text = j.dump(2) + "\n";
      write_file_atomically(st->out, {text});
    }
    return 0;
  };
}

}  // namespace hg::apps
