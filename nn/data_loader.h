// A deterministic, parallel data loader (generic: it knows nothing about hands or images).
//
//   auto source = std::make_shared<MySource>(...);           // an ExampleSource
//   DataLoader loader(source, {.batch_size = 128, .num_workers = 2, .seed = 7});
//   while (auto batch = loader.next()) { ... batch->at("image") ... }   // one epoch
//   LoaderState s = loader.state();                          // save it with a checkpoint ...
//   loader.load_state(s);                                    // ... and resume mid-epoch exactly
//
// Determinism (DESIGN.md "Randomness"). The sample order of epoch e is Sampler::order(seed, e) and
// every random draw a source makes for a sample comes from sample_generator(SampleKey{seed, e,
// index, repeat}, ...): a pure function of (seed, epoch, index). Batch b of epoch e always holds
// order[b·B, (b+1)·B), whichever worker builds it and in whatever order, so 0, 1 or 4 workers give
// bit-identical batches and a restored state continues exactly where the saved one stopped.
//
// Two stages per sample: ExampleSource::load(index) (deterministic decoding, e.g. reading and
// decompressing an image — the result may be kept in an in-memory cache under a byte budget) and
// ExampleSource::transform(loaded, key) (the random part, e.g. augmentation; it must not modify
// `loaded`, which the cache shares between epochs).
//
// Workers: `num_workers` threads build whole batches ahead of the consumer, at most
// `prefetch_batches` beyond the last batch handed out (a bounded queue); with 0 workers the
// consumer builds each batch itself. A sample that throws either fails its batch — the consumer
// gets std::runtime_error "data loader: sample <index> (<describe(index)>): <what>" when it reaches
// that batch — or, with skip_bad, is left out of its batch and counted (a batch whose samples all
// fail is skipped). The destructor stops and joins the workers.
//
// pin_memory: each batch is stacked directly into page-locked (pinned) host memory from the CUDA
// backend's pool (ops/cuda/device_allocator.h), by the thread that builds it, so that moving it to
// the GPU (ops::to_device) is a DMA transfer queued on the device's stream. Where that cannot help —
// a build without CUDA or a machine without a device — the option is accepted and does nothing:
// batches stay in ordinary memory (pins_memory() and Batch::pinned say which), as in PyTorch.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/philox.h"
#include "tensor/tensor.h"

namespace hg::nn {

// ---------------------------------------------------------------------------------------------
// Random keys
// ---------------------------------------------------------------------------------------------

// Identifies one draw of one sample: `index` is the data-set index, `repeat` how many times the
// same index occurred earlier in the epoch's order (non-zero only for samplers with replacement,
// so that a duplicate gets fresh augmentation).
struct SampleKey {
  uint64_t seed = 0;
  int64_t epoch = 0;
  int64_t index = 0;
  int64_t repeat = 0;
};

// What the random numbers are for; each purpose owns its own counters.
enum class RandomPurpose : uint64_t { augment = 0, order = 1, source = 2 };

inline constexpr int kIndexBits = 40;      // index < 2^40
inline constexpr int kEpochBits = 24;      // epoch < 2^24
inline constexpr int kRepeatBits = 12;     // repeat < 2^12
inline constexpr int kSubstreamBits = 16;  // substream < 2^16

// The generator of one (sample, purpose, substream):
//   Philox key     = seed
//   Philox stream  = index | epoch << 40
//   first counter  = purpose << 60 | repeat << 48 | substream << 32
// so every substream owns 2^32 consecutive blocks (2^34 numbers) and no two (index, epoch,
// purpose, repeat, substream) share a block. Throws std::out_of_range when a field is too large.
Generator sample_generator(const SampleKey& key, RandomPurpose purpose, uint64_t substream = 0);

// The generator of a whole epoch (e.g. for the sample order): sample_generator of index 0.
Generator epoch_generator(uint64_t seed, int64_t epoch, RandomPurpose purpose, uint64_t substream = 0);

// ---------------------------------------------------------------------------------------------
// Samplers: which data-set index sits at each position of an epoch
// ---------------------------------------------------------------------------------------------

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual int64_t length() const = 0;  // positions per epoch
  // The data-set indices of epoch `epoch`, length() of them; a pure function of (seed, epoch).
  virtual std::vector<int64_t> order(uint64_t seed, int64_t epoch) const = 0;
  virtual std::string name() const = 0;
};

// 0, 1, ..., n-1 every epoch.
class SequentialSampler final : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  int64_t length() const override { return n_; }
  std::vector<int64_t> order(uint64_t seed, int64_t epoch) const override;
  std::string name() const override { return "sequential"; }

 private:
  int64_t n_;
};

// A Fisher-Yates permutation of 0..n-1 drawn from epoch_generator(seed, epoch, order).
class ShuffleSampler final : public Sampler {
 public:
  explicit ShuffleSampler(int64_t n);
  int64_t length() const override { return n_; }
  std::vector<int64_t> order(uint64_t seed, int64_t epoch) const override;
  std::string name() const override { return "shuffle"; }

 private:
  int64_t n_;
};

// `num_samples` indices drawn with replacement, index i with probability w_i / Σ w (inverse CDF of
// uniform draws from epoch_generator(seed, epoch, order)), like torch's WeightedRandomSampler.
class WeightedSampler final : public Sampler {
 public:
  // weights: finite, ≥ 0, at least one > 0; num_samples ≥ 0.
  WeightedSampler(std::vector<double> weights, int64_t num_samples);
  int64_t length() const override { return num_samples_; }
  std::vector<int64_t> order(uint64_t seed, int64_t epoch) const override;
  std::string name() const override { return "weighted"; }

 private:
  std::vector<double> cumulative_;  // prefix sums of the weights
  int64_t num_samples_;
};

// ---------------------------------------------------------------------------------------------
// Examples, batches and sources
// ---------------------------------------------------------------------------------------------

// One sample: named CPU tensors (stacked per name into a batch) and free-form metadata (kept per
// sample, e.g. the augmentation parameters).
struct Example {
  std::map<std::string, Tensor> tensors;
  nlohmann::json meta;
  std::string source;  // where it came from, for messages and logs
  size_t bytes() const;  // Σ numel · element size of the tensors (for the cache budget)
};

struct Batch {
  std::map<std::string, Tensor> tensors;  // [B, ...] per name
  std::vector<nlohmann::json> meta;       // per sample
  std::vector<std::string> sources;       // per sample
  std::vector<int64_t> indices;           // data-set index per sample
  std::vector<std::string> skipped;       // "<describe(index)>: <what>" of each skipped sample (skip_bad)
  bool pinned = false;                    // the tensors are in pinned host memory (pin_memory)
  int64_t epoch = 0;
  int64_t batch_index = 0;                // position of the batch in its epoch

  int64_t size() const { return static_cast<int64_t>(indices.size()); }
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
  // Throws std::out_of_range naming `name` and the names present.
  const Tensor& at(const std::string& name) const;
};

// Stacks every tensor name over the examples (each becomes [B, ...] in its own dtype). Throws
// std::invalid_argument naming the tensor and both samples' sources when the names, shapes or
// dtypes differ, or when a tensor is not on the CPU.
Batch collate(const std::vector<Example>& examples);

class ExampleSource {
 public:
  virtual ~ExampleSource() = default;
  virtual int64_t size() const = 0;
  // Deterministic decoding of sample `index` (cacheable). Called from worker threads at once.
  virtual Example load(int64_t index) const = 0;
  // The random part, drawing only from generators keyed by `key`. Must not modify `loaded`.
  virtual Example transform(const Example& loaded, const SampleKey& key) const { return loaded; }
  // A short name of sample `index` for error messages, e.g. "freihand:training:17".
  virtual std::string describe(int64_t index) const { return std::to_string(index); }
};

// ---------------------------------------------------------------------------------------------
// The loader
// ---------------------------------------------------------------------------------------------

struct DataLoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;       // without a sampler: ShuffleSampler (true) or SequentialSampler (false)
  bool drop_last = false;    // drop the last, incomplete batch of an epoch
  int64_t num_workers = 0;   // 0 = build batches in the consumer's thread
  int64_t prefetch_batches = 0;  // batches built ahead of the consumer; 0 = 2 per worker
  int64_t threads_per_worker = 1;  // OpenMP threads inside each worker (omp_set_num_threads)
  uint64_t seed = 0;
  bool skip_bad = false;     // skip (and count) samples whose load/transform throws
  size_t cache_bytes = 0;    // budget of the cache of loaded examples; 0 = no cache
  bool pin_memory = false;   // stack batches into pinned host memory when a CUDA device exists
  std::shared_ptr<const Sampler> sampler = nullptr;  // overrides `shuffle`
};

// The position of a loader: the next batch to hand out is batch `next_batch` of epoch `epoch`.
// seed and batches_per_epoch are stored to refuse a state saved with a different configuration.
struct LoaderState {
  int64_t epoch = 0;
  int64_t next_batch = 0;
  uint64_t seed = 0;
  int64_t batches_per_epoch = 0;
};
void to_json(nlohmann::json& j, const LoaderState& s);
// Throws std::invalid_argument naming the missing or mistyped field.
void from_json(const nlohmann::json& j, LoaderState& s);

struct CacheStats {
  int64_t hits = 0, misses = 0, entries = 0;
  size_t bytes = 0, budget = 0;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const ExampleSource> source, DataLoaderOptions options);
  ~DataLoader();  // stops and joins the workers
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t batches_per_epoch() const;
  const DataLoaderOptions& options() const;
  // True when batches are pinned: pin_memory was asked for and the CUDA backend has a device.
  bool pins_memory() const;

  // The next batch of the current epoch, or nullopt once the epoch is exhausted — the loader then
  // moves to the start of the next epoch. Re-throws a failed batch's error (the batch counts as
  // handed out).
  std::optional<Batch> next();

  // Jump to the start of `epoch`.
  void set_epoch(int64_t epoch);
  LoaderState state() const;
  // Continue from a saved state; throws std::invalid_argument when its seed or batches_per_epoch
  // differ from this loader's or next_batch is out of range.
  void load_state(const LoaderState& state);

  // Samples skipped (skip_bad) in the batches handed out in the current epoch (reset when an epoch
  // starts, including the automatic move after its last batch) and since construction.
  int64_t skipped_in_epoch() const;
  int64_t skipped_total() const;
  CacheStats cache_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hg::nn
