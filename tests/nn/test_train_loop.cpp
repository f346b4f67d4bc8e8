// The shared training loop: losses decrease, accumulation, resume-after-interrupt reproducing the
// uninterrupted losses and metrics bit for bit, and the best checkpoint (default and custom monitor,
// worse / NaN values, resume).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "autograd/loss.h"
#include "autograd/pointwise.h"
#include "nn/checkpoint.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/report_html.h"
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

// metrics.jsonl, one dumped record per line.
std::vector<std::string> metrics_lines(const std::string& dir) {
  std::vector<std::string> lines;
  for (const auto& r : read_metrics(dir + "/metrics.jsonl")) lines.push_back(r.dump());
  return lines;
}

struct HarnessOptions {
  int64_t max_steps = -1, accumulate = 1, workers = 0;
  int64_t epochs = 4;
  int64_t checkpoint_every = 0;
  bool scaler = false;  // a GradScaler that skips steps with non-finite gradients
};

struct Harness {
  Generator init{7};
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Adam> optim;
  std::unique_ptr<Scheduler> sched;
  std::unique_ptr<GradScaler> scaler;
  std::unique_ptr<DataLoader> loader;
  std::unique_ptr<RunLog> log;
  std::unique_ptr<TrainLoop> loop;

  // With resume, metrics.jsonl is cut back to the step of the folder's last checkpoint (as
  // hand/train_setup.cpp open_run_log does); the caller then calls loop->resume().
  Harness(const std::string& dir, bool resume, HarnessOptions h) {
    model = std::make_shared<Sequential>();
    model->push_back(std::make_shared<Linear>(4, 8, true, &init));
    model->push_back(std::make_shared<BatchNorm1d>(8));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Linear>(8, 1, true, &init));
    optim = std::make_unique<Adam>(model->named_parameters(), AdamOptions{.lr = 0.05});
    sched = std::make_unique<Scheduler>(*optim, warmup_cosine_schedule(2, 5 * h.epochs));
    scaler = std::make_unique<GradScaler>(GradScalerOptions{.init_scale = 1024.0, .enabled = h.scaler});
    loader = std::make_unique<DataLoader>(std::make_shared<RegressionSource>(),
                                          DataLoaderOptions{.batch_size = 8, .num_workers = h.workers, .seed = 3, .sampler = nullptr});
    const int64_t resume_step = resume ? read_checkpoint_info(dir_checkpoint(dir)).step : -1;
    log = std::make_unique<RunLog>(dir, RunLogOptions{.resume = resume, .resume_step = resume_step, .tensorboard = false});
    if (!resume) log->write_config({{"test", true}});
    TrainLoopOptions o;
    o.epochs = h.epochs, o.accumulate = h.accumulate, o.max_steps = h.max_steps, o.progress = false;
    o.checkpoint_every_steps = h.checkpoint_every;
    loop = std::make_unique<TrainLoop>(*model, *optim, *sched, *scaler, *loader, *log, o);
  }
  Harness(const std::string& dir, bool resume, int64_t max_steps, int64_t accumulate = 1, int64_t workers = 0)
      : Harness(dir, resume, HarnessOptions{.max_steps = max_steps, .accumulate = accumulate, .workers = workers}) {}

  // `poison(step)` true: that micro-batch's loss is multiplied by NaN (its gradients too).
  std::vector<double> run(const std::function<bool(int64_t)>& poison = {}) {
    return loop->run([this, poison](const Batch& b) {
      StepLoss out;
      out.loss = mse_loss(reshape(model->forward(b.at("x")), {b.size()}), reshape(b.at("y"), {b.size()}));
      if (poison && poison(loop->step() + 1)) out.loss = mul(out.loss, std::nan(""));
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
  // metrics.jsonl of the resumed run equals the uninterrupted one's, record for record (the epoch
  // means and the best-checkpoint records included).
  EXPECT_EQ(metrics_lines(b), metrics_lines(a));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(TrainLoop, AccumulationStepsEveryKMicroBatches) {
  const std::string dir = fresh("accum");
  Harness s(dir, false, -1, 2);
  EXPECT_EQ(s.run().size(), 10u);  // 20 micro-batches / 2
  fs::remove_all(dir);
}


// ---- the best checkpoint ----

// The "checkpoint"/"best" records of metrics.jsonl as (step, value).
std::vector<std::pair<int64_t, double>> best_records(const std::string& dir) {
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& r : read_metrics(dir + "/metrics.jsonl"))
    if (r.value("kind", "") == "checkpoint") {
      EXPECT_EQ(r.value("which", ""), "best");
      out.emplace_back(r.at("step").get<int64_t>(), r.at("value").get<double>());
    }
  return out;
}

// A model's state_dict as values (an independent copy).
using Snapshot = std::map<std::string, std::vector<double>>;
Snapshot snapshot(const Module& m) {
  Snapshot s;
  for (const auto& [name, t] : m.state_dict()) s[name] = t.to_vector<double>();
  return s;
}

// The model stored in a checkpoint file, loaded into a fresh copy of the harness's network.
Snapshot checkpoint_model(const std::string& path) {
  const std::string dir = fresh("reader");
  Snapshot s;
  {
    Harness h(dir, false, -1);
    CheckpointParts parts;
    parts.model = h.model.get();
    load_checkpoint(path, parts);
    s = snapshot(*h.model);
  }
  fs::remove_all(dir);
  return s;
}

TEST(TrainLoopBest, DefaultMonitorIsTheMeanTrainingLossOfEachEpoch) {
  const std::string dir = fresh("best_default");
  Harness s(dir, false, -1);
  std::map<int64_t, Snapshot> after_step;
  s.loop->set_step_callback([&](int64_t step) { after_step[step] = snapshot(*s.model); });
  const std::vector<double> losses = s.run();
  ASSERT_EQ(losses.size(), 20u);

  // Expected: a decision per epoch (5 steps) on the mean of its step losses; a record whenever the
  // mean beats every earlier one.
  std::vector<std::pair<int64_t, double>> expected;
  double best = INFINITY;
  for (int64_t e = 0; e < 4; ++e) {
    double sum = 0;
    for (int64_t k = 0; k < 5; ++k) sum += losses[5 * e + k];
    if (sum / 5 < best) best = sum / 5, expected.emplace_back(5 * (e + 1), best);
  }
  EXPECT_EQ(best_records(dir), expected);
  ASSERT_TRUE(s.loop->best().has_value());
  EXPECT_EQ(s.loop->best()->step, expected.back().first);
  EXPECT_EQ(s.loop->best()->value, expected.back().second);
  EXPECT_EQ(s.loop->best()->monitor, "train_loss");
  // best.safetensors holds the model as it was right after the best step, the counters of that step
  // and the best entry itself.
  const std::string best_path = dir + "/checkpoints/best.safetensors";
  const CheckpointInfo info = read_checkpoint_info(best_path);
  EXPECT_EQ(info.step, expected.back().first);
  EXPECT_EQ(info.user.at("best").at("step").get<int64_t>(), expected.back().first);
  EXPECT_EQ(checkpoint_model(best_path), after_step.at(expected.back().first));
  // report.html names the best step instead of plotting the records as a curve.
  std::ifstream in(write_report(dir));
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("Best checkpoint (checkpoints/best.safetensors): step " + std::to_string(expected.back().first)),
            std::string::npos);
  EXPECT_EQ(html.find("checkpoint/value"), std::string::npos);
  fs::remove_all(dir);
}

TEST(TrainLoopBest, RunLogRecordsCarryStringsButNotTheirOwnStepOrKind) {
  const std::string dir = fresh("record");
  {
    RunLog log(dir, RunLogOptions{.tensorboard = false});
    log.log_record("checkpoint", 4, {{"which", "best"}, {"value", 0.25}});
    EXPECT_THROW(log.log_record("checkpoint", 4, {{"step", 3}}), std::invalid_argument);
    EXPECT_THROW(log.log_record("checkpoint", 4, nlohmann::json::array()), std::invalid_argument);
  }
  EXPECT_EQ(metrics_lines(dir), (std::vector<std::string>{R"({"kind":"checkpoint","step":4,"value":0.25,"which":"best"})"}));
  fs::remove_all(dir);
}

// A scripted monitor: a worse value, NaN, +inf and "no value" never replace the best.
TEST(TrainLoopBest, WorseNanInfiniteOrMissingValuesNeverReplaceTheBest) {
  const std::string dir = fresh("best_scripted");
  Harness s(dir, false, HarnessOptions{.epochs = 7});
  std::map<int64_t, Snapshot> after_step;
  s.loop->set_step_callback([&](int64_t step) { after_step[step] = snapshot(*s.model); });
  const std::vector<std::optional<double>> script = {std::nullopt, 3.0, 2.0, 5.0, NAN, INFINITY, 2.0};
  size_t calls = 0;
  std::vector<int64_t> called_at;
  s.loop->set_monitor([&]() -> std::optional<double> {
    called_at.push_back(s.loop->step());
    return script.at(calls++);
  }, "validation_error");
  s.run();
  EXPECT_EQ(called_at, (std::vector<int64_t>{5, 10, 15, 20, 25, 30, 35}));  // once per epoch end
  // 3 at step 10, 2 at step 15; 5, NaN, inf are no better and an equal 2 is not better either.
  EXPECT_EQ(best_records(dir), (std::vector<std::pair<int64_t, double>>{{10, 3.0}, {15, 2.0}}));
  ASSERT_TRUE(s.loop->best().has_value());
  EXPECT_EQ(s.loop->best()->step, 15);
  EXPECT_EQ(s.loop->best()->monitor, "validation_error");
  const Snapshot best = checkpoint_model(dir + "/checkpoints/best.safetensors");
  EXPECT_EQ(best, after_step.at(15));
  EXPECT_NE(best, after_step.at(35));  // training went on: the best really is an older model
  EXPECT_EQ(checkpoint_model(dir + "/checkpoints/last.safetensors"), after_step.at(35));
  fs::remove_all(dir);
}

// The default monitor with a NaN loss in epoch 2 (the GradScaler skips that step, training goes on):
// the NaN mean of epoch 2 is never "better", so no best is written at step 10.
TEST(TrainLoopBest, NanTrainingLossNeverBecomesTheBest) {
  const std::string dir = fresh("best_nan");
  Harness s(dir, false, HarnessOptions{.scaler = true});
  const std::vector<double> losses = s.run([](int64_t step) { return step == 7; });
  ASSERT_EQ(losses.size(), 20u);
  EXPECT_TRUE(std::isnan(losses[6]));
  const auto records = best_records(dir);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front().first, 5);
  for (const auto& [step, value] : records) {
    EXPECT_NE(step, 10);
    EXPECT_TRUE(std::isfinite(value));
  }
  ASSERT_TRUE(s.loop->best().has_value());
  EXPECT_TRUE(std::isfinite(s.loop->best()->value));
  EXPECT_EQ(read_checkpoint_info(dir + "/checkpoints/best.safetensors").step, s.loop->best()->step);
  fs::remove_all(dir);
}

// Interrupted mid-window (after step 7; decisions every 3 steps and at epoch ends) and resumed: the
// best checkpoints are written at the same steps with the same values, and best.safetensors holds
// the same model, bit for bit.
TEST(TrainLoopBest, ResumeWritesTheSameBestCheckpoints) {
  const std::string a = fresh("best_full"), b = fresh("best_cut");
  const HarnessOptions whole{.checkpoint_every = 3};
  HarnessOptions cut = whole;
  cut.max_steps = 7;
  std::optional<BestCheckpoint> full_best;
  {
    Harness s(a, false, whole);
    s.run();
    full_best = s.loop->best();
  }
  {
    Harness s(b, false, cut);
    EXPECT_EQ(s.run().size(), 7u);
    EXPECT_EQ(read_checkpoint_info(dir_checkpoint(b)).step, 7);
  }
  {
    Harness s(b, true, whole);
    s.loop->resume(dir_checkpoint(b));
    s.run();
    ASSERT_TRUE(full_best && s.loop->best());
    EXPECT_EQ(s.loop->best()->step, full_best->step);
    EXPECT_EQ(s.loop->best()->value, full_best->value);
  }
  EXPECT_GE(best_records(a).size(), 2u);
  EXPECT_EQ(best_records(b), best_records(a));
  EXPECT_EQ(metrics_lines(b), metrics_lines(a));
  EXPECT_EQ(checkpoint_model(b + "/checkpoints/best.safetensors"), checkpoint_model(a + "/checkpoints/best.safetensors"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(TrainLoopBest, ResumeRejectsACheckpointOfAnotherMonitor) {
  const std::string dir = fresh("best_monitor");
  {
    Harness s(dir, false, HarnessOptions{.max_steps = 6});
    s.run();  // a best chosen by train_loss at step 5
  }
  Harness s(dir, true, HarnessOptions{});
  s.loop->set_monitor([] { return std::optional<double>(1.0); }, "validation_error");
  try {
    s.loop->resume(dir_checkpoint(dir));
    ADD_FAILURE() << "resume accepted a best chosen by another monitor";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'train_loss'"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hg::nn
