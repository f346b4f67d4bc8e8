// Short end-to-end runs of the main job on a tiny synthetic data set: pre-training lowers its loss,
// an interrupted and resumed run reproduces the uninterrupted losses bit for bit, and a fine-tuned
// network beats the mean-pose baseline.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <numeric>

#include "hand/evaluate.h"
#include "hand/finetune.h"
#include "hand/pretrain.h"
#include "hand/synth_generator.h"

namespace hg::hand {
namespace {
namespace fs = std::filesystem;

class TrainingE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = (fs::temp_directory_path() / ("hg_e2e_" + std::to_string(::getpid()))).string();
    fs::remove_all(root_);
    SynthOptions o;
    o.count = 32, o.eval_count = 8, o.size = 64, o.seed = 5, o.distractor_prob = 0;
    write_synth_dataset(o, root_ + "/data");
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static TrainCommon common(const std::string& run) {
    TrainCommon c;
    c.data = root_ + "/data";
    c.run_dir = root_ + "/" + run;
    c.image_size = 64;
    c.batch_size = 8;
    c.workers = 2;
    c.progress = false;
    c.seed = 11;
    return c;
  }
  static double mean(const std::vector<double>& v, size_t from, size_t n) {
    return std::accumulate(v.begin() + from, v.begin() + from + n, 0.0) / n;
  }
  static std::string root_;
};
std::string TrainingE2E::root_;

TEST_F(TrainingE2E, PeclrPretrainingLowersTheLoss) {
  PretrainConfig c;
  c.common = common("peclr");
  c.common.epochs = 4;  // 4 batches per epoch -> 16 steps
  c.base_lr = 3e-4;
  c.warmup_fraction = 0;
  const TrainResult r = run_pretrain(c);
  ASSERT_EQ(r.losses.size(), 16u);
  for (double l : r.losses) ASSERT_TRUE(std::isfinite(l));
  EXPECT_LT(mean(r.losses, 12, 4), mean(r.losses, 0, 4)) << "last 4 steps vs first 4";
  EXPECT_TRUE(fs::exists(r.report));
}

TEST_F(TrainingE2E, ResumeAfterInterruptReproducesTheLossesBitForBit) {
  PretrainConfig c;
  c.common = common("full");
  c.common.image_size = 32;  // exactness does not need learning: small crops keep the test fast
  c.common.epochs = 2;
  c.method = "simclr";
  const std::vector<double> full = run_pretrain(c).losses;
  PretrainConfig cut = c;
  cut.common.run_dir = root_ + "/cut";
  cut.common.max_steps = 3;  // "interrupted" mid-epoch (the schedule still spans both epochs)
  const std::vector<double> first = run_pretrain(cut).losses;
  cut.common.max_steps = -1;
  const std::vector<double> rest = run_pretrain(cut, /*resume=*/true).losses;
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(first.size() + rest.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i)
    EXPECT_EQ(i < 3 ? first[i] : rest[i - 3], full[i]) << "optimiser step " << i + 1;
}

TEST_F(TrainingE2E, FinetunedNetworkBeatsTheMeanPose) {
  FinetuneConfig c;
  c.common = common("finetune");
  c.common.epochs = 12;  // 48 steps on the 32 labelled images
  c.augment = "none";
  c.lr = 1e-3;
  const TrainResult r = run_finetune(c);
  EvalConfig e;
  e.data = root_ + "/data";
  e.checkpoint = r.checkpoint;
  e.split = "training";  // a fit of the labelled images; the demo reports the evaluation split
  e.workers = 2;
  const EvalResult net = evaluate_checkpoint(e), mean_pose = evaluate_mean_pose(e, 64);
  EXPECT_EQ(net.images, 32);
  EXPECT_LT(net.pose3d.epe_mm.mean, 0.7 * mean_pose.pose3d.epe_mm.mean);
  EXPECT_LT(net.epe2d_px.mean, mean_pose.epe2d_px.mean);
}

}  // namespace
}  // namespace hg::hand
