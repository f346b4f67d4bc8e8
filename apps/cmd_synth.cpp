// `handgrad synth`: writes the synthetic hand data set in FreiHAND's layout (hand/synth_generator.h).
#include <cstdio>
#include <memory>

#include "apps/commands.h"
#include "hand/synth_generator.h"

namespace hg::apps {

Run add_synth(CLI::App& app) {
  auto o = std::make_shared<hand::SynthOptions>();
  auto out = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "synth", "Render a synthetic hand data set in FreiHAND's layout (plus 16-bit depth, hand_model.npz, synth.json)");
  cmd->add_option("--out", *out, "Output folder (created if needed)")->required();
  cmd->add_option("--count", o->count, "Training annotations N")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--eval-count", o->eval_count, "Evaluation annotations")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--size", o->size, "Image side in pixels (square images)")->capture_default_str()->check(CLI::Range(32, 4096));
  cmd->add_option("--seed", o->seed, "Random seed (the same seed gives identical files)")->capture_default_str();
  cmd->add_option("--versions", o->versions, "Background versions per training annotation (FreiHAND has 4)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--distractor-prob", o->distractor_prob, "Probability of a second, partly visible hand behind")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--jpeg-quality", o->jpeg_quality, "JPEG quality of the images")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_option("--margin", o->margin, "Free border around the hand, fraction of the side")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.29));
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all; does not change the output)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", *quiet, "No progress lines");
  return [o, out, quiet]() -> int {
    const hand::SynthSummary s = hand::write_synth_dataset(*o, *out, [&](const std::string& line) {
      if (!*quiet) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
      }
    });
    const int64_t images = s.training_images + s.evaluation_images;
    std::printf("synth: wrote %lld training + %lld evaluation images of %lldx%lld to %s in %.1f s (%.1f images/s)\n",
                static_cast<long long>(s.training_images), static_cast<long long>(s.evaluation_images),
                static_cast<long long>(o->size), static_cast<long long>(o->size), out->c_str(), s.seconds,
                s.seconds > 0 ? static_cast<double>(images) / s.seconds : 0.0);
    return 0;
  };
}

}  // namespace hg::apps
