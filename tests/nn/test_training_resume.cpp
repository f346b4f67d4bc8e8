// Resuming bit for bit on the CPU (DESIGN.md "Files and runs"): a run interrupted after K optimiser
// steps, saved, rebuilt from scratch with other seeds and loaded, continues to N steps with exactly
// the losses and final parameters of the uninterrupted run (memcmp, no tolerance).
//
// The run uses every stateful piece: a tiny conv net with BatchNorm (running statistics) and
// Dropout (masks from its own Generator), input noise from the default generator, minibatches
// drawn from a data Generator, LARS(Adam) in clip mode, linear warm-up + cosine, a GradScaler whose
// scale grows during the run, and gradient accumulation over 2 micro-batches. Both runs execute in
// this process with the same OpenMP thread count, so even the conv weight gradient's reduction
// order (which depends on the thread count, see ops/conv.h) is the same.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/loss.h"
#include "autograd/pointwise.h"
#include "autograd/shape.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/lars.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

// 64 fixed 1×6×6 inputs and 3 targets each (a fixed linear map of the input, squashed by tanh).
struct DataSet {
  Tensor x, y;
};
const DataSet& data_set() {
  static const DataSet d = [] {
    Generator g(1234);
    DataSet s;
    s.x = randn({64, 1, 6, 6}, {}, &g);
    const Tensor w = randn({36, 3}, {}, &g);
    s.y = tanh(mul(matmul(reshape(s.x, {64, 36}), w), 1.0 / 6.0));
    return s;
  }();
  return d;
}

struct TrainingRun {
  Generator init, data, drop;
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<Scheduler> sched;
  GradScaler scaler{GradScalerOptions{.init_scale = 256.0, .growth_interval = 4}};
  GradientAccumulator accum{2};
  int64_t step = 0;
  std::vector<float> losses;  // one per micro-batch

  // Everything, including the default generator, starts from `seed`.
  explicit TrainingRun(uint64_t seed) : init(seed), data(seed + 1, 7), drop(seed + 2, 8) {
    manual_seed(seed + 3);
    model = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        std::make_shared<Conv2d>(1, 4, 3, Conv2dOptions{.padding = 1}, &init), std::make_shared<BatchNorm2d>(4),
        std::make_shared<ReLU>(), std::make_shared<Flatten>(), std::make_shared<Dropout>(0.2, &drop),
        std::make_shared<Linear>(144, 3, true, &init)});
    opt = std::make_unique<LARS>(std::make_unique<Adam>(model->named_parameters(), AdamOptions{.lr = 0.02, .weight_decay = 1e-4}),
                                 LarsOptions{.trust_coefficient = 0.02, .mode = LarsMode::clip, .exclude = exclude_1d()});
    sched = std::make_unique<Scheduler>(*opt, warmup_cosine_schedule(3, 30));
  }

  void train_to(int64_t n) {
    const DataSet& ds = data_set();
    while (step < n) {
      const Tensor idx = randint(0, 64, {8}, DType::i64, &data);
      const Tensor x = add(index_select(ds.x, 0, idx), mul(randn({8, 1, 6, 6}), 0.05));  // default generator
      const Tensor loss = mse_loss((*model)(x), index_select(ds.y, 0, idx));
      losses.push_back(loss.item<float>());
      scaler.scale(mul(loss, accum.loss_scale())).backward();
      if (accum.micro_step()) {
        scaler.step(*opt);
        scaler.update();
        opt->zero_grad();
        sched->step();
        ++step;
      }
    }
  }

  CheckpointParts parts() {
    return CheckpointParts{.model = model.get(),
                           .optim = opt.get(),
                           .sched = sched.get(),
                           .scaler = &scaler,
                           .accum = &accum,
                           .rngs = {{"default", &default_generator()}, {"data", &data}, {"dropout", &drop}},
                           .step = step,
                           .epoch = 0,
                           .user = {{"test", "resume"}}};
  }
};

bool same_bits(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Tensor& x = a[i].second;
    const Tensor& y = b[i].second;
    if (a[i].first != b[i].first || x.dtype() != y.dtype() || x.sizes() != y.sizes()) return false;
    const Tensor cx = ops::contiguous(x), cy = ops::contiguous(y);
    if (std::memcmp(cx.raw_data(), cy.raw_data(), static_cast<size_t>(x.numel()) * dtype_size(x.dtype())) != 0)
      return false;
  }
  return true;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

constexpr int64_t kSteps = 30, kSplit = 13;

class TrainingResume : public ::testing::Test {
 protected:
  void SetUp() override {
    threads_ = omp_get_max_threads();
    omp_set_num_threads(2);
    path_ = (std::filesystem::temp_directory_path() /
             ("hg_resume_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".ckpt"))
                .string();
  }
  void TearDown() override {
    std::filesystem::remove(path_);
    omp_set_num_threads(threads_);
  }
  // The first kSplit steps of a run from seed 1, saved to path_; returns its micro-batch losses.
  std::vector<float> first_part() {
    TrainingRun a(1);
    a.train_to(kSplit);
    EXPECT_EQ(a.accum.position(), 0);  // saved between optimiser steps: no half-accumulated gradient
    save_checkpoint(path_, a.parts());
    return a.losses;
  }
  std::string path_;
  int threads_ = 1;
};

TEST_F(TrainingResume, ResumedRunEqualsUninterruptedRunBitForBit) {
  TrainingRun whole(1);
  whole.train_to(kSteps);
  ASSERT_EQ(whole.losses.size(), static_cast<size_t>(2 * kSteps));
  EXPECT_GT(whole.scaler.get_scale(), 256.0);  // the scale grew, so its state mattered
  EXPECT_NE(whole.losses.front(), whole.losses.back());

  const std::vector<float> head = first_part();
  TrainingRun resumed(77);  // different init, data, dropout and default-generator seeds
  CheckpointParts parts = resumed.parts();
  load_checkpoint(path_, parts);
  resumed.step = parts.step;
  EXPECT_EQ(resumed.step, kSplit);
  resumed.train_to(kSteps);

  std::vector<float> losses = head;
  losses.insert(losses.end(), resumed.losses.begin(), resumed.losses.end());
  EXPECT_TRUE(same_bits(losses, whole.losses));
  for (size_t i = 0; i < losses.size() && i < whole.losses.size(); ++i)
    EXPECT_EQ(losses[i], whole.losses[i]) << "micro-batch " << i;
  EXPECT_TRUE(same_bits(resumed.model->state_dict(), whole.model->state_dict()));  // parameters and BN buffers
  EXPECT_TRUE(same_bits(resumed.opt->state_dict().tensors, whole.opt->state_dict().tensors));
  EXPECT_EQ(resumed.opt->lr(), whole.opt->lr());
  EXPECT_EQ(resumed.scaler.get_scale(), whole.scaler.get_scale());
  EXPECT_EQ(resumed.data.counter(), whole.data.counter());
}

// The control: the same resume without restoring the dropout generator diverges, so the test above
// would notice a part that is not restored.
TEST_F(TrainingResume, ResumeWithoutOneGeneratorDiverges) {
  TrainingRun whole(1);
  whole.train_to(kSteps);
  first_part();
  TrainingRun resumed(77);
  CheckpointParts parts = resumed.parts();
  parts.rngs.erase("dropout");
  load_checkpoint(path_, parts);
  resumed.step = parts.step;
  resumed.train_to(kSteps);
  EXPECT_FALSE(same_bits(resumed.model->state_dict(), whole.model->state_dict()));
}

}  // namespace
}  // namespace hg::nn
