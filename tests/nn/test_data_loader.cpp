// The generic data loader: random keys, samplers, collation, determinism across worker counts,
// mid-epoch resume, bad samples, the cache and shutdown.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nn/data_loader.h"
#include "tensor/factory.h"

namespace hg::nn {
namespace {

// A toy source: load(i) = "x" [2, 3] filled with i (and counted), transform adds "noise" [4] drawn
// from the sample's key, sleeping a pseudo-random time first so that workers finish out of order.
class ToySource : public ExampleSource {
 public:
  explicit ToySource(int64_t n, std::set<int64_t> bad = {}) : n_(n), bad_(std::move(bad)) {}
  int64_t size() const override { return n_; }
  Example load(int64_t index) const override {
    ++loads;
    if (bad_.count(index)) throw std::runtime_error("corrupt record");
    Example e;
    e.tensors["x"] = full({2, 3}, static_cast<double>(index));
    e.tensors["id"] = from_vector(std::vector<int64_t>{index}, {1});
    e.meta = {{"index", index}};
    return e;
  }
  Example transform(const Example& loaded, const SampleKey& key) const override {
    Generator g = sample_generator(key, RandomPurpose::augment, 3);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int>((key.index * 7919) % 300)));
    Example e;
    e.tensors = loaded.tensors;
    e.tensors["noise"] = randn({4}, DType::f32, &g);
    e.meta = loaded.meta;
    e.meta["epoch"] = key.epoch;
    return e;
  }
  std::string describe(int64_t index) const override { return "toy:" + std::to_string(index); }
  mutable std::atomic<int64_t> loads{0};

 private:
  int64_t n_;
  std::set<int64_t> bad_;
};

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  return std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}

void expect_same_batch(const Batch& a, const Batch& b) {
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.batch_index, b.batch_index);
  EXPECT_EQ(a.skipped, b.skipped);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, t] : a.tensors) EXPECT_TRUE(bit_equal(t, b.at(name))) << name;
}

std::vector<Batch> run_epochs(DataLoader& loader, int epochs) {
  std::vector<Batch> out;
  for (int e = 0; e < epochs; ++e)
    while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

TEST(DataLoaderKeys, SampleGeneratorIsAPureFunctionOfItsKey) {
  const SampleKey key{42, 3, 17, 0};
  Generator a = sample_generator(key, RandomPurpose::augment, 5);
  Generator b = sample_generator(key, RandomPurpose::augment, 5);
  EXPECT_EQ(a.uniform(), b.uniform());
  const double base = sample_generator(key, RandomPurpose::augment, 5).uniform();
  EXPECT_NE(base, sample_generator({42, 4, 17, 0}, RandomPurpose::augment, 5).uniform());  // epoch
  EXPECT_NE(base, sample_generator({42, 3, 18, 0}, RandomPurpose::augment, 5).uniform());  // index
  EXPECT_NE(base, sample_generator({43, 3, 17, 0}, RandomPurpose::augment, 5).uniform());  // seed
  EXPECT_NE(base, sample_generator({42, 3, 17, 1}, RandomPurpose::augment, 5).uniform());  // repeat
  EXPECT_NE(base, sample_generator(key, RandomPurpose::order, 5).uniform());                // purpose
  EXPECT_NE(base, sample_generator(key, RandomPurpose::augment, 6).uniform());              // substream
  EXPECT_THROW(sample_generator({0, 0, int64_t{1} << 40, 0}, RandomPurpose::augment), std::out_of_range);
  EXPECT_THROW(sample_generator({0, int64_t{1} << 24, 0, 0}, RandomPurpose::augment), std::out_of_range);
  EXPECT_THROW(sample_generator({0, 0, -1, 0}, RandomPurpose::augment), std::out_of_range);
  EXPECT_THROW(sample_generator({0, 0, 0, 0}, RandomPurpose::augment, 1 << 16), std::out_of_range);
}

TEST(DataLoaderSamplers, ShuffleIsAPermutationPerEpoch) {
  ShuffleSampler s(100);
  const auto e0 = s.order(5, 0), e0b = s.order(5, 0), e1 = s.order(5, 1), other_seed = s.order(6, 0);
  EXPECT_EQ(e0, e0b);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e0, other_seed);
  auto sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, SequentialSampler(100).order(5, 0));
}

TEST(DataLoaderSamplers, WeightedFrequenciesFollowTheWeights) {
  WeightedSampler s({1.0, 0.0, 3.0}, 40000);
  const auto order = s.order(1, 0);
  ASSERT_EQ(order.size(), 40000u);
  std::vector<int64_t> count(3, 0);
  for (const int64_t i : order) ++count[static_cast<size_t>(i)];
  EXPECT_EQ(count[1], 0);
  EXPECT_NEAR(count[0] / 40000.0, 0.25, 0.01);  // 5 sigma ≈ 0.011
  EXPECT_NEAR(count[2] / 40000.0, 0.75, 0.011);
  EXPECT_EQ(order, s.order(1, 0));
  EXPECT_NE(order, s.order(1, 1));
  EXPECT_THROW(WeightedSampler({0.0, 0.0}, 3), std::invalid_argument);
  EXPECT_THROW(WeightedSampler({1.0, -1.0}, 3), std::invalid_argument);
  EXPECT_THROW(WeightedSampler({1.0, std::nan("")}, 3), std::invalid_argument);
}

TEST(DataLoaderCollate, StacksEveryTensorAndKeepsTheMetadata) {
  ToySource src(10);
  std::vector<Example> xs{src.load(3), src.load(7)};
  xs[0].source = "a";
  xs[1].source = "b";
  const Batch b = collate(xs);
  EXPECT_EQ(b.at("x").sizes(), (Shape{2, 2, 3}));
  EXPECT_EQ(b.at("id").dtype(), DType::i64);
  EXPECT_EQ(b.at("id").to_vector<int64_t>(), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(b.at("x").to_vector<float>()[6], 7.0f);
  EXPECT_EQ(b.meta[1]["index"], 7);
  EXPECT_EQ(b.sources, (std::vector<std::string>{"a", "b"}));
  try {
    (void)b.at("nope");
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
}

TEST(DataLoaderCollate, MismatchedSamplesAreNamed) {
  ToySource src(10);
  std::vector<Example> xs{src.load(1), src.load(2)};
  xs[0].source = "first";
  xs[1].source = "second";
  xs[1].tensors["x"] = zeros({3, 3});
  try {
    collate(xs);
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'x'"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("second"), std::string::npos) << m;
  }
  xs[1].tensors.erase("x");
  EXPECT_THROW(collate(xs), std::invalid_argument);
  EXPECT_THROW(collate({}), std::invalid_argument);
}

TEST(DataLoader, CoversTheEpochInBatchesAndHonoursDropLast) {
  auto src = std::make_shared<ToySource>(10);
  DataLoader keep(src, {.batch_size = 4, .shuffle = true, .seed = 1});
  EXPECT_EQ(keep.batches_per_epoch(), 3);
  const auto batches = run_epochs(keep, 1);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].size(), 2);
  std::vector<int64_t> seen;
  for (const auto& b : batches) seen.insert(seen.end(), b.indices.begin(), b.indices.end());
  EXPECT_EQ(seen, ShuffleSampler(10).order(1, 0));
  EXPECT_EQ(keep.state().epoch, 1);  // moved on after the last batch

  DataLoader drop(src, {.batch_size = 4, .drop_last = true, .seed = 1});
  EXPECT_EQ(drop.batches_per_epoch(), 2);
  EXPECT_EQ(run_epochs(drop, 1).size(), 2u);
}

TEST(DataLoader, BatchesDoNotDependOnTheNumberOfWorkers) {
  auto src = std::make_shared<ToySource>(37);
  std::vector<std::vector<Batch>> runs;
  for (const int64_t workers : {0, 1, 4}) {
    DataLoader loader(src, {.batch_size = 5, .num_workers = workers, .prefetch_batches = workers == 4 ? 3 : 0,
                            .seed = 9});
    runs.push_back(run_epochs(loader, 2));
  }
  ASSERT_EQ(runs[0].size(), 16u);  // 8 batches × 2 epochs
  for (size_t r = 1; r < runs.size(); ++r) {
    ASSERT_EQ(runs[r].size(), runs[0].size());
    for (size_t b = 0; b < runs[0].size(); ++b) expect_same_batch(runs[0][b], runs[r][b]);
  }
  // Different epochs get a different order and different random draws for the same index.
  EXPECT_NE(runs[0][0].indices, runs[0][8].indices);
}

TEST(DataLoader, ResumesMidEpochExactly) {
  auto src = std::make_shared<ToySource>(23);
  DataLoaderOptions opt{.batch_size = 4, .num_workers = 2, .seed = 77};
  DataLoader full(src, opt);
  const auto reference = run_epochs(full, 2);  // 6 batches per epoch

  DataLoader first(src, opt);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(first.next());
  const nlohmann::json saved = first.state();
  EXPECT_EQ(saved["epoch"], 0);
  EXPECT_EQ(saved["next_batch"], 4);

  opt.num_workers = 3;  // the worker count is not part of the state
  DataLoader resumed(src, opt);
  resumed.load_state(saved.get<LoaderState>());
  std::vector<Batch> rest = run_epochs(resumed, 2);  // the rest of epoch 0, then epoch 1
  ASSERT_EQ(rest.size(), reference.size() - 4);
  for (size_t b = 0; b < rest.size(); ++b) expect_same_batch(rest[b], reference[b + 4]);

  // A state from the end of an epoch resumes at the start of the next one.
  DataLoader at_end(src, opt);
  at_end.load_state(LoaderState{0, 6, 77, 6});
  EXPECT_FALSE(at_end.next());
  auto b = at_end.next();
  ASSERT_TRUE(b);
  expect_same_batch(*b, reference[6]);
}

TEST(DataLoader, RefusesAForeignState) {
  auto src = std::make_shared<ToySource>(23);
  DataLoader loader(src, {.batch_size = 4, .seed = 77});
  EXPECT_THROW(loader.load_state({0, 1, 78, 6}), std::invalid_argument);   // seed
  EXPECT_THROW(loader.load_state({0, 1, 77, 5}), std::invalid_argument);   // batches per epoch
  EXPECT_THROW(loader.load_state({0, 7, 77, 6}), std::invalid_argument);   // position
  EXPECT_THROW(loader.load_state({-1, 0, 77, 6}), std::invalid_argument);
  EXPECT_THROW(nlohmann::json({{"epoch", 1}}).get<LoaderState>(), std::invalid_argument);
  EXPECT_THROW(nlohmann::json({{"epoch", "x"}, {"next_batch", 0}, {"seed", 1}, {"batches_per_epoch", 2}})
                   .get<LoaderState>(),
               std::invalid_argument);
}

TEST(DataLoader, ABadSampleFailsItsBatchNamingTheSource) {
  auto src = std::make_shared<ToySource>(12, std::set<int64_t>{5});
  for (const int64_t workers : {0, 3}) {
    DataLoader loader(src, {.batch_size = 4, .shuffle = false, .num_workers = workers});
    ASSERT_TRUE(loader.next());  // 0..3
    try {
      loader.next();  // 4..7 holds the bad sample
      FAIL() << "expected a throw";
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("toy:5"), std::string::npos) << m;
      EXPECT_NE(m.find("corrupt record"), std::string::npos) << m;
    }
    auto after = loader.next();  // the loader carries on with the next batch
    ASSERT_TRUE(after);
    EXPECT_EQ(after->indices, (std::vector<int64_t>{8, 9, 10, 11}));
  }
}

TEST(DataLoader, SkipBadDropsAndCountsDeterministically) {
  auto src = std::make_shared<ToySource>(20, std::set<int64_t>{2, 3, 11, 13, 17});
  std::vector<std::vector<Batch>> runs;
  for (const int64_t workers : {0, 4}) {
    DataLoader loader(src, {.batch_size = 4, .num_workers = workers, .seed = 3, .skip_bad = true});
    runs.push_back(run_epochs(loader, 1));
    EXPECT_EQ(loader.skipped_total(), 5);
  }
  ASSERT_EQ(runs[0].size(), runs[1].size());
  int64_t kept = 0, skipped = 0;
  for (size_t b = 0; b < runs[0].size(); ++b) {
    expect_same_batch(runs[0][b], runs[1][b]);
    kept += runs[0][b].size();
    skipped += static_cast<int64_t>(runs[0][b].skipped.size());
    for (const auto& s : runs[0][b].skipped) EXPECT_NE(s.find("corrupt record"), std::string::npos);
  }
  EXPECT_EQ(kept, 15);
  EXPECT_EQ(skipped, 5);

  // A batch whose every sample is bad is skipped as a whole.
  auto all_bad = std::make_shared<ToySource>(8, std::set<int64_t>{0, 1, 2, 3});
  DataLoader loader(all_bad, {.batch_size = 4, .shuffle = false, .skip_bad = true});
  auto b = loader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->indices, (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(loader.skipped_in_epoch(), 4);
}

TEST(DataLoader, CacheServesLaterEpochsWithIdenticalBatches) {
  auto cached_src = std::make_shared<ToySource>(16);
  auto plain_src = std::make_shared<ToySource>(16);
  DataLoader cached(cached_src, {.batch_size = 4, .num_workers = 2, .seed = 5, .cache_bytes = 1 << 20});
  DataLoader plain(plain_src, {.batch_size = 4, .num_workers = 2, .seed = 5});
  const auto a = run_epochs(cached, 3), b = run_epochs(plain, 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expect_same_batch(a[i], b[i]);
  EXPECT_EQ(cached_src->loads.load(), 16);  // every sample decoded once
  EXPECT_EQ(plain_src->loads.load(), 48);
  const CacheStats s = cached.cache_stats();
  EXPECT_EQ(s.entries, 16);
  EXPECT_EQ(s.hits, 32);
  EXPECT_EQ(s.bytes, 16u * (6 * 4 + 8));

  // A budget for 5 examples keeps 5 and decodes the rest every epoch.
  auto small_src = std::make_shared<ToySource>(16);
  DataLoader small(small_src, {.batch_size = 4, .seed = 5, .cache_bytes = 5 * 32 + 31});
  run_epochs(small, 2);
  EXPECT_EQ(small.cache_stats().entries, 5);
  EXPECT_EQ(small_src->loads.load(), 16 + 11);
}

TEST(DataLoader, RepeatedIndicesGetFreshRandomness) {
  auto src = std::make_shared<ToySource>(3);
  auto sampler = std::make_shared<WeightedSampler>(std::vector<double>{1, 1, 1}, 12);
  DataLoader loader(src, {.batch_size = 12, .seed = 2, .sampler = sampler});
  auto b = loader.next();
  ASSERT_TRUE(b);
  const auto noise = b->at("noise").to_vector<float>();
  std::set<float> first_values;
  for (int64_t k = 0; k < 12; ++k) first_values.insert(noise[static_cast<size_t>(4 * k)]);
  EXPECT_EQ(first_values.size(), 12u);  // 12 draws of 3 indices, all different
}

TEST(DataLoader, ShutsDownCleanlyMidEpoch) {
  auto src = std::make_shared<ToySource>(200);
  for (int rep = 0; rep < 5; ++rep) {
    DataLoader loader(src, {.batch_size = 3, .num_workers = 4, .prefetch_batches = 6, .seed = 1});
    ASSERT_TRUE(loader.next());
    loader.set_epoch(3);  // a jump discards the work in flight
    auto b = loader.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->epoch, 3);
  }  // destructors join workers that are building or waiting
  DataLoader never_used(src, {.batch_size = 3, .num_workers = 2});
}

TEST(DataLoader, RejectsBadOptions) {
  auto src = std::make_shared<ToySource>(4);
  EXPECT_THROW(DataLoader(src, {.batch_size = 0}), std::invalid_argument);
  EXPECT_THROW(DataLoader(src, {.num_workers = -1}), std::invalid_argument);
  EXPECT_THROW(DataLoader(nullptr, {}), std::invalid_argument);
  auto wrong = std::make_shared<SequentialSampler>(9);  // indices beyond the source
  DataLoader loader(src, {.sampler = wrong});
  EXPECT_THROW(loader.next(), std::out_of_range);
}

}  // namespace
}  // namespace hg::nn
