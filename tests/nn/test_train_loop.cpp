// The shared training loop: losses decrease, accumulation, and resume-after-interrupt reproducing
// the uninterrupted losses bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "autograd/loss.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/sequential.h"
#include "nn/activation.h"
#include "nn/train_loop.h"
#include "autograd/shape.h"
#include "tensor/factory.h"

namespace hg::nn {
namespace {
namespace fs = std::filesystem;

// y = sum of x's features times fixed weights, plus noise drawn per (seed, epoch, index).
class RegressionSource final : public ExampleSource {
 public:
  int64_t size() const override { return 40; }
  Example load(int64_t index) const override {
    Generator g(1000 + index);
    Example e;
    e.tensors["x"] = randn({4}, {}, &g);
    return e;
  }
  Example transform(const Example& loaded, const SampleKey& key) const override {
    Generator g = sample_generator(key, RandomPurpose::augment);
    Example e;
    const auto x = loaded.tensors.at("x").to_vector<float>();
    e.tensors["x"] = loaded.tensors.at("x");
    e.tensors["y"] = tensor({0.5 * x[0] - x[1] + 2 * x[2] + 0.1 * g.normal()});
    return e;
  }
};

std::string dir_checkpoint(const std::string& dir) { return dir + "/checkpoints/last.safetensors"; }

std::string fresh(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("hg_loop_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d.string();
}

struct Harness {
  Generator init{7};
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Adam> optim;
  std::unique_ptr<Scheduler> sched;
  GradScaler scaler{GradScalerOptions{.enabled = false}};
  std::unique_ptr<DataLoader> loader;
  std::unique_ptr<RunLog> log;
  std::unique_ptr<TrainLoop> loop;

  Harness(const std::string& dir, bool resume, int64_t max_steps, int64_t accumulate = 1, int64_t workers = 0) {
    model = std::make_shared<Sequential>();
    model->push_back(std::make_shared<Linear>(4, 8, true, &init));
    model->push_back(std::make_shared<BatchNorm1d>(8));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Linear>(8, 1, true, &init));
    optim = std::make_unique<Adam>(model->named_parameters(), AdamOptions{.lr = 0.05});
    sched = std::make_unique<Scheduler>(*optim, warmup_cosine_schedule(2, 20));
    loader = std::make_unique<DataLoader>(std::make_shared<RegressionSource>(),
                                          DataLoaderOptions{.batch_size = 8, .num_workers = workers, .seed = 3, .sampler = nullptr});
    log = std::make_unique<RunLog>(dir, RunLogOptions{.resume = resume, .resume_step = resume ? 3 : -1, .tensorboard = false});
    if (!resume) log->write_config({{"test", true}});
    TrainLoopOptions o;
    o.epochs = 4, o.accumulate = accumulate, o.max_steps = max_steps, o.progress = false;
    loop = std::make_unique<TrainLoop>(*model, *optim, *sched, scaler, *loader, *log, o);
  }
  std::vector<double> run() {
    return loop->run([this](const Batch& b) {
      StepLoss out;
      out.loss = mse_loss(reshape(model->forward(b.at("x")), {b.size()}), reshape(b.at("y"), {b.size()}));
      return out;
    });
  }
};

TEST(TrainLoop, LossDecreasesAndCheckpointsEveryEpoch) {
  const std::string dir = fresh("basic");
  Harness s(dir, false, -1);
  const auto losses = s.run();
  ASSERT_EQ(losses.size(), 20u);  // 4 epochs × 5 batches
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  EXPECT_TRUE(fs::exists(dir + "/checkpoints/last.safetensors"));
  EXPECT_EQ(s.loop->step(), 20);
  EXPECT_EQ(s.loop->epoch(), 4);
  fs::remove_all(dir);
}

TEST(TrainLoop, ResumeAfterInterruptReproducesLossesBitForBit) {
  const std::string a = fresh("full"), b = fresh("cut");
  std::vector<double> full;
  {
    Harness s(a, false, -1, 1, 2);
    full = s.run();
  }
  std::vector<double> first, rest;
  {
    Harness s(b, false, 3);  // "interrupted" after 3 optimiser steps (mid-epoch)
    first = s.run();
  }
  {
    Harness s(b, true, -1);
    s.loop->resume(dir_checkpoint(b));
    rest = s.run();
  }
  ASSERT_EQ(first.size() + rest.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i)
    EXPECT_EQ(i < first.size() ? first[i] : rest[i - first.size()], full[i]) << "step " << i + 1;
  // metrics.jsonl of the resumed run equals the uninterrupted one's step records.
  EXPECT_EQ(read_metrics(b + "/metrics.jsonl").size(), read_metrics(a + "/metrics.jsonl").size());
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(TrainLoop, AccumulationStepsEveryKMicroBatches) {
  const std::string dir = fresh("accum");
  Harness s(dir, false, -1, 2);
  EXPECT_EQ(s.run().size(), 10u);  // 20 micro-batches / 2
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hg::nn
