// Checkpoints: every part round-trips bit for bit, and every kind of bad file (truncated, flipped
// bits, missing or unexpected keys, wrong shapes or dtypes, another optimiser type, a missing part,
// an unknown format version) is refused with one line naming the file and the problem while the
// objects keep exactly the values they had.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "autograd/loss.h"
#include "autograd/pointwise.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/dropout.h"
#include "nn/lars.h"
#include "nn/linear.h"
#include "nn/optim_adam.h"
#include "nn/optim_sgd.h"
#include "nn/sequential.h"
#include "tensor/factory.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hg_ckpt_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  const Tensor ca = ops::contiguous(a), cb = ops::contiguous(b);
  return std::memcmp(ca.raw_data(), cb.raw_data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}
bool same_bits(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !same_bits(a[i].second, b[i].second)) return false;
  return true;
}

// Everything a training run keeps: a small MLP with BatchNorm and Dropout, LARS(Adam), warm-up +
// cosine, a loss scaler, accumulation over 2 micro-batches and two named generators.
struct Rig {
  Generator init, data, drop;
  std::shared_ptr<Sequential> model;
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<Scheduler> sched;
  GradScaler scaler{GradScalerOptions{.init_scale = 1024.0, .growth_interval = 3}};
  GradientAccumulator accum{2};
  int64_t step = 0;

  // lars = false: a plain Adam optimiser (for the type-mismatch test).
  explicit Rig(uint64_t seed, int64_t hidden = 8, bool lars = true) : init(seed), data(seed + 1, 1), drop(seed + 2, 2) {
    model = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        std::make_shared<Linear>(4, hidden, true, &init), std::make_shared<BatchNorm1d>(hidden),
        std::make_shared<ReLU>(), std::make_shared<Dropout>(0.25, &drop), std::make_shared<Linear>(hidden, 2, true, &init)});
    auto adam = std::make_unique<Adam>(model->named_parameters(), AdamOptions{.lr = 0.01, .weight_decay = 1e-4});
    if (lars)
      opt = std::make_unique<LARS>(std::move(adam),
                                   LarsOptions{.trust_coefficient = 0.02, .mode = LarsMode::clip, .exclude = exclude_1d()});
    else
      opt = std::move(adam);
    sched = std::make_unique<Scheduler>(*opt, warmup_cosine_schedule(2, 20));
  }
  void train(int steps) {
    for (int s = 0; s < steps * 2; ++s) {
      const Tensor x = randn({8, 4}, {}, &data);
      const Tensor y = mul(narrow(x, 1, 0, 2), 0.5);
      const Tensor loss = mse_loss((*model)(x), y);
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
                           .rngs = {{"data", &data}, {"dropout", &drop}},
                           .step = step,
                           .epoch = 3,
                           .user = {{"run", "unit"}, {"batch", 8}}};
  }
  static Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t len) {
    return ops::contiguous(ops::narrow(x, dim, start, len));
  }
};

// A copy of every value a Rig holds, to check that a failed load changed nothing.
struct Snapshot {
  NamedTensors model;
  OptimizerState optim;
  NamedTensors sched, scaler, accum;
  std::vector<double> lrs;
  std::vector<uint64_t> gens;
  explicit Snapshot(const Rig& r) {
    for (const auto& [n, t] : r.model->state_dict()) model.emplace_back(n, ops::clone(t));
    optim = r.opt->state_dict();
    sched = r.sched->state_dict();
    scaler = r.scaler.state_dict();
    accum = r.accum.state_dict();
    for (const auto& g : r.opt->param_groups()) lrs.push_back(g.lr);
    for (const Generator* g : {&r.data, &r.drop}) gens.insert(gens.end(), {g->seed(), g->stream(), g->counter()});
  }
  bool operator==(const Snapshot& o) const {
    return same_bits(model, o.model) && same_bits(optim.tensors, o.optim.tensors) &&
           optim.description == o.optim.description && same_bits(sched, o.sched) && same_bits(scaler, o.scaler) &&
           same_bits(accum, o.accum) && lrs == o.lrs && gens == o.gens;
  }
};

CheckpointParts model_part(Module* m) {
  CheckpointParts p;
  p.model = m;
  return p;
}

// The message of the CheckpointError that loading `path` into `parts` throws ("" if none).
std::string load_error(const std::string& path, CheckpointParts parts) {
  try {
    load_checkpoint(path, parts);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "";
}

// The error names the file first, fits on one line and contains `problem`.
void expect_clear_error(const std::string& msg, const std::string& path, const std::string& problem) {
  ASSERT_FALSE(msg.empty()) << "no error for " << path;
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find(problem), std::string::npos) << "expected '" << problem << "' in: " << msg;
}

TEST_F(CheckpointTest, RoundTripRestoresEveryPartBitForBit) {
  Rig a(1);
  a.train(3);
  // Leave the accumulator mid-way and the scaler off its initial values, so every field is non-trivial.
  a.accum.micro_step();
  ASSERT_EQ(a.accum.position(), 1);
  ASSERT_NE(a.scaler.get_scale(), 1024.0);
  save_checkpoint(path("a.ckpt"), a.parts());

  Rig b(99, 8);  // another init and other generator states
  ASSERT_FALSE(Snapshot(a) == Snapshot(b));
  CheckpointParts parts = b.parts();
  parts.step = -1;
  parts.epoch = -1;
  parts.user = nullptr;
  load_checkpoint(path("a.ckpt"), parts);
  EXPECT_TRUE(Snapshot(a) == Snapshot(b));
  EXPECT_EQ(parts.step, 3);
  EXPECT_EQ(parts.epoch, 3);
  EXPECT_EQ(parts.user, (nlohmann::json{{"run", "unit"}, {"batch", 8}}));
  EXPECT_EQ(b.sched->step_count(), 3);
  EXPECT_EQ(b.accum.position(), 1);
  EXPECT_EQ(b.scaler.get_scale(), a.scaler.get_scale());
  EXPECT_EQ(b.scaler.growth_tracker(), a.scaler.growth_tracker());
  EXPECT_EQ(b.data.counter(), a.data.counter());
  EXPECT_EQ(b.drop.seed(), a.drop.seed());
  EXPECT_EQ(b.opt->lr(), a.opt->lr());

  const CheckpointInfo info = read_checkpoint_info(path("a.ckpt"));
  EXPECT_EQ(info.format_version, kCheckpointFormatVersion);
  EXPECT_EQ(info.parts, (std::vector<std::string>{"model", "optim", "sched", "scaler", "accum"}));
  EXPECT_EQ(info.rngs, (std::vector<std::string>{"data", "dropout"}));
  EXPECT_EQ(info.optimizer_type, "LARS(Adam)");
  EXPECT_EQ(info.step, 3);

  // The file is plain safetensors with the documented names.
  const auto file = safetensors::load(path("a.ckpt"));
  EXPECT_TRUE(file.contains("model/0.weight"));
  EXPECT_TRUE(file.contains("model/1.num_batches_tracked"));
  EXPECT_TRUE(file.contains("optim/0.weight/exp_avg"));
  EXPECT_TRUE(file.contains("sched/base_lrs"));
  EXPECT_TRUE(file.contains("scaler/scale"));
  EXPECT_TRUE(file.contains("accum/position"));
  EXPECT_EQ(file.metadata.at("format"), "handgrad-checkpoint");
  EXPECT_EQ(nlohmann::json::parse(file.metadata.at("optim"))["type"], "LARS(Adam)");
  EXPECT_EQ(nlohmann::json::parse(file.metadata.at("optim"))["description"], a.opt->state_dict().description);
  EXPECT_EQ(nlohmann::json::parse(file.metadata.at("rng"))["data"]["counter"], a.data.counter());
}

TEST_F(CheckpointTest, NullPartsAreSkippedAndUnrequestedPartsIgnored) {
  Rig a(1);
  a.train(2);
  save_checkpoint(path("full.ckpt"), a.parts());
  // Only the model and one generator: the rest of the file is ignored.
  Rig b(5);
  const Snapshot before(b);
  CheckpointParts only = model_part(b.model.get());
  only.rngs = {{"data", &b.data}};
  load_checkpoint(path("full.ckpt"), only);
  EXPECT_TRUE(same_bits(a.model->state_dict(), b.model->state_dict()));
  EXPECT_EQ(b.data.counter(), a.data.counter());
  EXPECT_TRUE(same_bits(b.opt->state_dict().tensors, before.optim.tensors));
  EXPECT_EQ(b.drop.counter(), before.gens[5]);

  // A checkpoint of only a model (no generators): asking for an optimiser or a generator fails.
  save_checkpoint(path("model.ckpt"), model_part(a.model.get()));
  EXPECT_EQ(read_checkpoint_info(path("model.ckpt")).parts, std::vector<std::string>{"model"});
  const Snapshot b_now(b);
  expect_clear_error(load_error(path("model.ckpt"), b.parts()), path("model.ckpt"), "has no optimizer state");
  CheckpointParts gen_only;
  gen_only.rngs = {{"data", &b.data}};
  expect_clear_error(load_error(path("model.ckpt"), gen_only), path("model.ckpt"), "no state for generator 'data'");
  EXPECT_TRUE(Snapshot(b) == b_now);
}

TEST_F(CheckpointTest, RejectsTruncatedFilesAndChangesNothing) {
  Rig a(1);
  a.train(2);
  save_checkpoint(path("a.ckpt"), a.parts());
  const std::string bytes = read_bytes(path("a.ckpt"));
  Rig b(7);
  b.train(1);
  const Snapshot before(b);
  const std::string cut = path("cut.ckpt");
  int tried = 0;
  for (size_t n = 0; n < bytes.size(); n += (n < 64 || n + 64 > bytes.size()) ? 1 : 5) {
    write_bytes(cut, bytes.substr(0, n));
    const std::string msg = load_error(cut, b.parts());
    ASSERT_FALSE(msg.empty()) << "truncated to " << n << " of " << bytes.size() << " bytes was accepted";
    ASSERT_EQ(msg.rfind(cut + ": ", 0), 0u) << msg;
    ASSERT_EQ(msg.find('\n'), std::string::npos) << msg;
    ++tried;
  }
  EXPECT_GT(tried, 100);
  EXPECT_TRUE(Snapshot(b) == before);
  // One typical message.
  write_bytes(cut, bytes.substr(0, bytes.size() - 3));
  expect_clear_error(load_error(cut, b.parts()), cut, "");
}

TEST_F(CheckpointTest, RejectsEveryFlippedBitInTheHeaderAndData) {
  Rig a(1);
  a.train(2);
  save_checkpoint(path("a.ckpt"), a.parts());
  const std::string bytes = read_bytes(path("a.ckpt"));
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  ASSERT_LT(8 + header, bytes.size());
  Rig b(7);
  const Snapshot before(b);
  const std::string bad = path("flip.ckpt");
  // Every byte of the length prefix and the JSON header (one bit each, cycling through the 8
  // bits), then every 7th byte of the data section.
  for (size_t i = 0; i < bytes.size(); i += i < 8 + header ? 1 : 7) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ (1 << (i % 8)));
    write_bytes(bad, flipped);
    const std::string msg = load_error(bad, b.parts());
    ASSERT_FALSE(msg.empty()) << "flipping bit " << i % 8 << " of byte " << i << " ('" << bytes[i]
                              << "') was accepted";
    ASSERT_EQ(msg.rfind(bad + ": ", 0), 0u) << msg;
    ASSERT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_TRUE(Snapshot(b) == before);
  // A flip in a tensor's bytes is caught by the checksum.
  std::string flipped = bytes;
  flipped[bytes.size() - 1] ^= 1;
  write_bytes(bad, flipped);
  expect_clear_error(load_error(bad, b.parts()), bad, "checksum mismatch");
}

TEST_F(CheckpointTest, RejectsMissingUnexpectedMisShapedAndMisTypedModelKeys) {
  Rig b(7);
  b.train(1);
  const Snapshot before(b);
  CheckpointParts model_only = model_part(b.model.get());

  // Missing keys: a model without the last layer.
  auto small = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(4, 8), std::make_shared<BatchNorm1d>(8)});
  save_checkpoint(path("small.ckpt"), model_part(small.get()));
  const std::string m1 = load_error(path("small.ckpt"), model_only);
  expect_clear_error(m1, path("small.ckpt"), "missing keys 4.weight, 4.bias");

  // Unexpected keys: a model with an extra layer.
  auto big = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(4, 8), std::make_shared<BatchNorm1d>(8), std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.25), std::make_shared<Linear>(8, 2), std::make_shared<Linear>(2, 2)});
  save_checkpoint(path("big.ckpt"), model_part(big.get()));
  expect_clear_error(load_error(path("big.ckpt"), model_only), path("big.ckpt"), "unexpected keys 5.bias, 5.weight");

  // Shape mismatch: hidden width 6 instead of 8.
  Rig narrow(3, 6);
  save_checkpoint(path("narrow.ckpt"), narrow.parts());
  expect_clear_error(load_error(path("narrow.ckpt"), model_only), path("narrow.ckpt"),
                     "shape mismatch 0.weight (file [6, 4], model [8, 4])");
  // ... and through the optimiser state when only the optimiser is requested.
  CheckpointParts optim_only;
  optim_only.optim = b.opt.get();
  narrow.train(1);
  save_checkpoint(path("narrow.ckpt"), narrow.parts());
  expect_clear_error(load_error(path("narrow.ckpt"), optim_only), path("narrow.ckpt"),
                     "optimizer state 'optim/0.bias/exp_avg' is f32 [6], the parameter is f32 [8]");

  // Dtype mismatch: the same model in float64.
  Rig wide(3);
  wide.model->to(DType::f64);
  save_checkpoint(path("f64.ckpt"), model_part(wide.model.get()));
  expect_clear_error(load_error(path("f64.ckpt"), model_only), path("f64.ckpt"),
                     "dtype mismatch 0.weight (file f64, model f32)");

  EXPECT_TRUE(Snapshot(b) == before);
}

TEST_F(CheckpointTest, RejectsAnotherOptimiserType) {
  Rig a(1);
  a.train(2);
  save_checkpoint(path("lars.ckpt"), a.parts());
  Rig plain(7, 8, /*lars=*/false);
  plain.train(1);
  const Snapshot before(plain);
  expect_clear_error(load_error(path("lars.ckpt"), plain.parts()), path("lars.ckpt"),
                     "optimizer type mismatch: the checkpoint holds LARS(Adam) state, the optimizer is Adam");
  EXPECT_TRUE(Snapshot(plain) == before);
}

TEST_F(CheckpointTest, RejectsUnknownFormatVersionsAndOtherFiles) {
  Rig a(1);
  save_checkpoint(path("a.ckpt"), a.parts());
  Rig b(7);
  const Snapshot before(b);
  // Version 2 (rewritten with the safetensors writer; the version is checked before the checksum).
  auto file = safetensors::load(path("a.ckpt"));
  file.metadata["format_version"] = "2";
  safetensors::save(path("v2.ckpt"), file.tensors, file.metadata);
  expect_clear_error(load_error(path("v2.ckpt"), b.parts()), path("v2.ckpt"),
                     "unsupported checkpoint format version 2 (this build reads version 1)");
  // A changed metadata value with the old checksum.
  file = safetensors::load(path("a.ckpt"));
  file.metadata["user"] = "{\"run\": \"other\"}";
  safetensors::save(path("edited.ckpt"), file.tensors, file.metadata);
  expect_clear_error(load_error(path("edited.ckpt"), b.parts()), path("edited.ckpt"), "checksum mismatch");
  // A weights file is not a checkpoint.
  a.model->save_weights(path("weights.safetensors"));
  expect_clear_error(load_error(path("weights.safetensors"), b.parts()), path("weights.safetensors"),
                     "not a handgrad checkpoint");
  // No file at all.
  expect_clear_error(load_error(path("absent.ckpt"), b.parts()), path("absent.ckpt"), "cannot open");
  EXPECT_TRUE(Snapshot(b) == before);
}

// An optimiser that claims to be Adam but saves a state slot Adam does not have: only Adam's own
// load_state_dict can find that, after the scheduler, scaler and accumulator have been loaded, so
// the loader must put them back.
class BogusSlotAdam : public Optimizer {
 public:
  explicit BogusSlotAdam(Optimizer& real) : real_(real) {}
  std::string type() const override { return real_.type(); }
  void step() override { real_.step(); }
  std::vector<ParamGroup>& param_groups() override { return real_.param_groups(); }
  const std::vector<ParamGroup>& param_groups() const override { return real_.param_groups(); }
  OptimizerState state_dict() const override {
    OptimizerState st = real_.state_dict();
    const Tensor& w = real_.param_groups()[0].params[0].second;
    st.tensors.emplace_back(real_.param_groups()[0].params[0].first + "/bogus", zeros_like(w));
    return st;
  }
  void load_state_dict(const OptimizerState& st) override { real_.load_state_dict(st); }

 private:
  Optimizer& real_;
};

TEST_F(CheckpointTest, RestoresEveryPartWhenAnObjectRejectsItsStateLate) {
  Rig a(1, 8, /*lars=*/false);
  a.train(2);
  a.accum.micro_step();
  BogusSlotAdam bogus(*a.opt);
  CheckpointParts parts = a.parts();
  parts.optim = &bogus;
  save_checkpoint(path("bogus.ckpt"), parts);

  Rig b(7, 8, /*lars=*/false);
  b.train(3);
  b.opt->set_lr(0.123);  // an lr the schedule would not give: must survive the rollback exactly
  const Snapshot before(b);
  expect_clear_error(load_error(path("bogus.ckpt"), b.parts()), path("bogus.ckpt"), "unknown state slot 'bogus'");
  EXPECT_TRUE(Snapshot(b) == before);
  EXPECT_EQ(b.sched->step_count(), 3);
  EXPECT_EQ(b.accum.position(), 0);
  EXPECT_EQ(b.opt->lr(), 0.123);
}

TEST_F(CheckpointTest, SaveReplacesAtomicallyAndNamesThePathOnFailure) {
  Rig a(1);
  save_checkpoint(path("a.ckpt"), a.parts());
  a.train(1);
  save_checkpoint(path("a.ckpt"), a.parts());  // replaces the old file
  EXPECT_EQ(read_checkpoint_info(path("a.ckpt")).step, 1);
  for (const auto& entry : fs::directory_iterator(dir_))  // no temporary file left behind
    EXPECT_EQ(entry.path().filename().string(), "a.ckpt");
  const std::string nowhere = path("no/such/dir/a.ckpt");
  try {
    save_checkpoint(nowhere, a.parts());
    FAIL() << "saved into a missing folder";
  } catch (const CheckpointError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(nowhere + ": ", 0), 0u) << e.what();
  }
  CheckpointParts null_gen = a.parts();
  null_gen.rngs["x"] = nullptr;
  EXPECT_THROW(save_checkpoint(path("b.ckpt"), null_gen), CheckpointError);
}

}  // namespace
}  // namespace hg::nn
