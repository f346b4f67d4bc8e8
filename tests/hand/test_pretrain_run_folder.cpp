// What tiny pre-training and fine-tuning runs leave in their run folders besides the losses: the
// `best` checkpoint (a valid start for fine-tuning and a valid evaluation checkpoint), the sample
// pictures (decodable PNGs of the expected size that are not a constant image) and the resolved
// labelled fraction in config.json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hand/evaluate.h"
#include "hand/finetune.h"
#include "hand/pretrain.h"
#include "hand/synth_generator.h"
#include "nn/checkpoint.h"
#include "nn/run_log.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kSide = 32, kBatch = 4, kPad = 2;  // crop side, batch size, sample_grid padding

class RunFolder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = (fs::temp_directory_path() / ("hg_run_folder_" + std::to_string(::getpid()))).string();
    fs::remove_all(root_);
    SynthOptions o;
    o.count = 8, o.eval_count = 4, o.size = 64, o.seed = 9, o.distractor_prob = 0;
    write_synth_dataset(o, root_ + "/data");
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static TrainCommon common(const std::string& run) {
    TrainCommon c;
    c.data = root_ + "/data";
    c.run_dir = root_ + "/" + run;
    c.image_size = kSide;
    c.batch_size = kBatch;
    c.workers = 1;
    c.progress = false;
    c.seed = 4;
    return c;
  }
  static std::string root_;
};
std::string RunFolder::root_;

// The PNG decodes, has the given size and is not one flat colour.
void expect_sample(const std::string& path, int64_t height, int64_t width) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const Tensor image = image::read_rgb(path);
  ASSERT_EQ(image.sizes(), (Shape{3, height, width})) << path;
  const std::vector<float> v = image.to_vector<float>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  EXPECT_GT(*hi - *lo, 0.2f) << path << " is (nearly) constant";
}

// The "checkpoint" records of metrics.jsonl: the steps at which best was written.
std::vector<int64_t> best_steps(const std::string& run_dir) {
  std::vector<int64_t> steps;
  for (const auto& r : nn::read_metrics(run_dir + "/metrics.jsonl"))
    if (r.value("kind", "") == "checkpoint" && r.value("which", "") == "best") steps.push_back(r.at("step").get<int64_t>());
  return steps;
}

TEST_F(RunFolder, PretrainWritesBestAndViewSamplesAndFinetuneStartsFromBest) {
  PretrainConfig p;
  p.common = common("pretrain");
  p.common.epochs = 2;  // 8 images / 4 = 2 steps per epoch
  p.method = "peclr";
  const TrainResult pre = run_pretrain(p);
  ASSERT_EQ(pre.losses.size(), 4u);

  // best: written at the first epoch end, again at the second only if its mean loss was lower.
  ASSERT_TRUE(pre.best.has_value());
  const double epoch1 = (pre.losses[0] + pre.losses[1]) / 2, epoch2 = (pre.losses[2] + pre.losses[3]) / 2;
  EXPECT_EQ(pre.best->step, epoch2 < epoch1 ? 4 : 2);
  EXPECT_EQ(pre.best->value, std::min(epoch1, epoch2));
  EXPECT_EQ(best_steps(p.common.run_dir), epoch2 < epoch1 ? (std::vector<int64_t>{2, 4}) : (std::vector<int64_t>{2}));
  EXPECT_EQ(pre.best_checkpoint, p.common.run_dir + "/checkpoints/best.safetensors");
  EXPECT_EQ(nn::read_checkpoint_info(pre.best_checkpoint).step, pre.best->step);

  // Samples after step 1 and at the end: 4 view pairs (the batch) in 2 rows.
  const std::vector<std::string> want = {p.common.run_dir + "/samples/views_step1.png",
                                         p.common.run_dir + "/samples/views_step4.png"};
  EXPECT_EQ(pre.samples, want);
  for (const auto& path : want) expect_sample(path, 2 * kSide + 3 * kPad, kBatch * kSide + (kBatch + 1) * kPad);

  // Fine-tuning on 50% of the labels (4 images: 1 step per epoch) from the pre-training's best.
  FinetuneConfig f;
  f.common = common("finetune");
  f.common.epochs = 2;
  f.init = pre.best_checkpoint;
  f.labels = parse_fraction_or_percent("50%", "labels");
  const TrainResult fine = run_finetune(f);
  ASSERT_EQ(fine.losses.size(), 2u);
  std::ifstream config_file(f.common.run_dir + "/config.json");
  const nlohmann::json config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config.at("labels"), 0.5);
  EXPECT_EQ(config.at("derived").at("labelled_images"), 4);

  // The prediction sample: the 4 labelled crops in one row.
  ASSERT_EQ(fine.samples, std::vector<std::string>{f.common.run_dir + "/samples/pred_step2.png"});
  expect_sample(fine.samples[0], kSide + 2 * kPad, 4 * kSide + 5 * kPad);

  // The best checkpoint of a finetune run evaluates (as `last` does in test_training_e2e.cpp).
  ASSERT_TRUE(fine.best.has_value());
  EvalConfig e;
  e.data = root_ + "/data";
  e.workers = 1;
  e.checkpoint = fine.best_checkpoint;
  EXPECT_EQ(evaluate_checkpoint(e).images, 4);
}

}  // namespace
}  // namespace hg::hand
