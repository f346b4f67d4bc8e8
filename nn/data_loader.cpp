#include "nn/data_loader.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ops/cuda/runtime.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/device_allocator.h"
#endif

namespace hg::nn {

// ---------------------------------------------------------------------------------------------
// Random keys
// ---------------------------------------------------------------------------------------------

namespace {

void check_field(const char* what, int64_t value, int bits) {
  if (value < 0 || value >= (int64_t{1} << bits))
    throw std::out_of_range(std::string("sample_generator: ") + what + " " + std::to_string(value) +
                            " is outside [0, 2^" + std::to_string(bits) + ")");
}

}  // namespace

Generator sample_generator(const SampleKey& key, RandomPurpose purpose, uint64_t substream) {
  check_field("index", key.index, kIndexBits);
  check_field("epoch", key.epoch, kEpochBits);
  check_field("repeat", key.repeat, kRepeatBits);
  if (substream >= (uint64_t{1} << kSubstreamBits))
    throw std::out_of_range("sample_generator: substream " + std::to_string(substream) + " is outside [0, 2^16)");
  const uint64_t stream = static_cast<uint64_t>(key.index) | static_cast<uint64_t>(key.epoch) << kIndexBits;
  const uint64_t counter = static_cast<uint64_t>(purpose) << 60 | static_cast<uint64_t>(key.repeat) << 48 |
                           substream << 32;
  Generator g(key.seed, stream);
  g.set_state(key.seed, stream, counter);
  return g;
}

Generator epoch_generator(uint64_t seed, int64_t epoch, RandomPurpose purpose, uint64_t substream) {
  return sample_generator(SampleKey{seed, epoch, 0, 0}, purpose, substream);
}

// ---------------------------------------------------------------------------------------------
// Samplers
// ---------------------------------------------------------------------------------------------

namespace {

int64_t checked_length(int64_t n, const char* what) {
  if (n < 0) throw std::invalid_argument(std::string(what) + ": negative length " + std::to_string(n));
  return n;
}

}  // namespace

SequentialSampler::SequentialSampler(int64_t n) : n_(checked_length(n, "SequentialSampler")) {}

std::vector<int64_t> SequentialSampler::order(uint64_t, int64_t) const {
  std::vector<int64_t> v(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

ShuffleSampler::ShuffleSampler(int64_t n) : n_(checked_length(n, "ShuffleSampler")) {}

std::vector<int64_t> ShuffleSampler::order(uint64_t seed, int64_t epoch) const {
  Generator g = epoch_generator(seed, epoch, RandomPurpose::order);
  std::vector<int64_t> v(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) v[static_cast<size_t>(i)] = i;
  for (int64_t i = n_ - 1; i > 0; --i)  // Fisher-Yates: v[i] swaps with a uniform v[0..i]
    std::swap(v[static_cast<size_t>(i)], v[static_cast<size_t>(g.randint(0, i + 1))]);
  return v;
}

WeightedSampler::WeightedSampler(std::vector<double> weights, int64_t num_samples)
    : num_samples_(checked_length(num_samples, "WeightedSampler")) {
  if (weights.empty()) throw std::invalid_argument("WeightedSampler: no weights");
  double total = 0;
  cumulative_.reserve(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0)
      throw std::invalid_argument("WeightedSampler: weight " + std::to_string(i) + " is " +
                                  std::to_string(weights[i]) + " (must be finite and >= 0)");
    total += weights[i];
    cumulative_.push_back(total);
  }
  if (!(total > 0)) throw std::invalid_argument("WeightedSampler: all weights are 0");
}

std::vector<int64_t> WeightedSampler::order(uint64_t seed, int64_t epoch) const {
  Generator g = epoch_generator(seed, epoch, RandomPurpose::order);
  const double total = cumulative_.back();
  // The last index with a positive weight: where a draw rounding up to `total` lands.
  int64_t last = static_cast<int64_t>(cumulative_.size()) - 1;
  while (last > 0 && cumulative_[static_cast<size_t>(last)] == cumulative_[static_cast<size_t>(last - 1)]) --last;
  std::vector<int64_t> v(static_cast<size_t>(num_samples_));
  for (auto& index : v) {
    // Inverse CDF: the first i with cumulative[i] > u; a zero weight never wins (its cumulative
    // equals its predecessor's, which would have been chosen first).
    const double u = g.uniform() * total;
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    index = it == cumulative_.end() ? last : static_cast<int64_t>(it - cumulative_.begin());
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Examples and batches
// ---------------------------------------------------------------------------------------------

size_t Example::bytes() const {
  size_t n = 0;
  for (const auto& [name, t] : tensors)
    if (t.defined()) n += static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
  return n;
}

const Tensor& Batch::at(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  std::string present;
  for (const auto& [n, t] : tensors) present += (present.empty() ? "" : ", ") + n;
  throw std::out_of_range("batch has no tensor '" + name + "' (it has: " + present + ")");
}

namespace {

using Allocate = Tensor (*)(const Shape& sizes, DType dtype);
Tensor ordinary_memory(const Shape& sizes, DType dtype) { return Tensor::empty(sizes, dtype); }

// Pinned (page-locked) host memory from the CUDA backend's pool; only called when it exists.
Tensor pinned_memory(const Shape& sizes, DType dtype) {
#if HANDGRAD_WITH_CUDA
  return cuda::pinned_empty(sizes, dtype);
#else
  throw std::logic_error("data loader: pinned memory requested from a build without CUDA (" + shape_str(sizes) +
                         " " + dtype_name(dtype) + ")");
#endif
}

// Can batches be pinned here? Needs the backend and a device (pinned memory only helps copies to one).
bool pinning_available() { return cuda::compiled() && !cuda::devices().empty(); }

Batch collate_into(const std::vector<Example>& examples, Allocate allocate);

}  // namespace

Batch collate(const std::vector<Example>& examples) { return collate_into(examples, &ordinary_memory); }

namespace {

// collate() with each stacked tensor allocated by `allocate`.
Batch collate_into(const std::vector<Example>& examples, Allocate allocate) {
  if (examples.empty()) throw std::invalid_argument("collate: no examples");
  const Example& first = examples.front();
  const auto name_of = [](const Example& e, size_t k) {
    return e.source.empty() ? "sample " + std::to_string(k) : e.source;
  };
  for (size_t k = 1; k < examples.size(); ++k) {
    const Example& e = examples[k];
    for (const auto& [name, t] : first.tensors)
      if (!e.tensors.count(name))
        throw std::invalid_argument("collate: tensor '" + name + "' is in " + name_of(first, 0) + " but not in " +
                                    name_of(e, k));
    for (const auto& [name, t] : e.tensors)
      if (!first.tensors.count(name))
        throw std::invalid_argument("collate: tensor '" + name + "' is in " + name_of(e, k) + " but not in " +
                                    name_of(first, 0));
  }
  Batch batch;
  const int64_t n = static_cast<int64_t>(examples.size());
  for (const auto& [name, t0] : first.tensors) {
    if (!t0.defined()) throw std::invalid_argument("collate: tensor '" + name + "' is undefined in " + name_of(first, 0));
    Shape shape{n};
    shape.insert(shape.end(), t0.sizes().begin(), t0.sizes().end());
    Tensor out = allocate(shape, t0.dtype());
    const size_t each = static_cast<size_t>(t0.numel()) * dtype_size(t0.dtype());
    char* dst = static_cast<char*>(out.raw_data());
    for (size_t k = 0; k < examples.size(); ++k) {
      const Tensor& t = examples[k].tensors.at(name);
      if (!t.defined() || t.sizes() != t0.sizes() || t.dtype() != t0.dtype())
        throw std::invalid_argument(
            "collate: tensor '" + name + "' is " + t0.shape_string() + " " + dtype_name(t0.dtype()) + " in " +
            name_of(first, 0) + " but " +
            (t.defined() ? t.shape_string() + " " + dtype_name(t.dtype()) : std::string("undefined")) + " in " +
            name_of(examples[k], k));
      if (!t.device().is_cpu())
        throw std::invalid_argument("collate: tensor '" + name + "' of " + name_of(examples[k], k) +
                                    " is not on the CPU");
      const Tensor c = ops::contiguous(t);
      if (each > 0) std::memcpy(dst + k * each, c.raw_data(), each);
    }
    batch.tensors.emplace(name, out);
  }
  for (size_t k = 0; k < examples.size(); ++k) {
    batch.meta.push_back(examples[k].meta);
    batch.sources.push_back(examples[k].source);
  }
  return batch;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Loader state
// ---------------------------------------------------------------------------------------------

void to_json(nlohmann::json& j, const LoaderState& s) {
  j = nlohmann::json{{"epoch", s.epoch}, {"next_batch", s.next_batch}, {"seed", s.seed},
                     {"batches_per_epoch", s.batches_per_epoch}};
}

void from_json(const nlohmann::json& j, LoaderState& s) {
  if (!j.is_object()) throw std::invalid_argument("loader state: expected a JSON object, got " + std::string(j.type_name()));
  const auto field = [&](const char* name) -> const nlohmann::json& {
    const auto it = j.find(name);
    if (it == j.end()) throw std::invalid_argument(std::string("loader state: field '") + name + "' is missing");
    if (!it->is_number_integer())
      throw std::invalid_argument(std::string("loader state: field '") + name + "' must be an integer, got " +
                                  it->dump());
    return *it;
  };
  s.epoch = field("epoch").get<int64_t>();
  s.next_batch = field("next_batch").get<int64_t>();
  s.seed = field("seed").get<uint64_t>();
  s.batches_per_epoch = field("batches_per_epoch").get<int64_t>();
}

// ---------------------------------------------------------------------------------------------
// The loader
// ---------------------------------------------------------------------------------------------

namespace {

// The order of one epoch, with each position's repeat count.
struct EpochPlan {
  int64_t epoch = 0;
  std::vector<int64_t> order;
  std::vector<int64_t> repeats;
};

struct BatchResult {
  Batch batch;
  std::exception_ptr error;
};

}  // namespace

struct DataLoader::Impl {
  std::shared_ptr<const ExampleSource> source;
  DataLoaderOptions opt;
  std::shared_ptr<const Sampler> sampler;
  int64_t num_batches = 0;
  int64_t window = 0;
  bool pin = false;  // opt.pin_memory where pinning is available

  // Cache of loaded examples (first come, kept while the budget lasts; never evicted).
  mutable std::shared_mutex cache_mutex;
  std::unordered_map<int64_t, std::shared_ptr<const Example>> cache;
  size_t cache_used = 0;
  std::atomic<int64_t> cache_hits{0}, cache_misses{0};

  // Position and the work queue, guarded by `mutex`.
  mutable std::mutex mutex;
  std::condition_variable work_cv, done_cv;
  int64_t epoch = 0, consumed = 0;
  std::shared_ptr<const EpochPlan> plan;  // for `epoch`; null until the first next() of the epoch
  uint64_t generation = 0;                // bumped whenever the position jumps; stale results are dropped
  int64_t next_claim = 0;
  std::map<int64_t, BatchResult> results;
  bool stop = false;
  int64_t skipped_epoch = 0, skipped_total = 0;
  std::vector<std::thread> workers;

  std::shared_ptr<const Example> load_cached(int64_t index) {
    if (opt.cache_bytes == 0) return std::make_shared<const Example>(source->load(index));
    {
      std::shared_lock lock(cache_mutex);
      const auto it = cache.find(index);
      if (it != cache.end()) {
        ++cache_hits;
        return it->second;
      }
    }
    ++cache_misses;
    auto loaded = std::make_shared<const Example>(source->load(index));
    const size_t bytes = loaded->bytes();
    std::unique_lock lock(cache_mutex);
    if (!cache.count(index) && cache_used + bytes <= opt.cache_bytes) {
      cache.emplace(index, loaded);
      cache_used += bytes;
    }
    return loaded;
  }

  std::shared_ptr<const EpochPlan> make_plan(int64_t e) const {
    auto p = std::make_shared<EpochPlan>();
    p->epoch = e;
    p->order = sampler->order(opt.seed, e);
    const int64_t n = source->size();
    if (static_cast<int64_t>(p->order.size()) != sampler->length())
      throw std::logic_error("data loader: sampler '" + sampler->name() + "' returned " +
                             std::to_string(p->order.size()) + " indices, expected " +
                             std::to_string(sampler->length()));
    std::unordered_map<int64_t, int64_t> seen;
    p->repeats.reserve(p->order.size());
    for (const int64_t index : p->order) {
      if (index < 0 || index >= n)
        throw std::out_of_range("data loader: sampler '" + sampler->name() + "' produced index " +
                                std::to_string(index) + " outside the source's [0, " + std::to_string(n) + ")");
      p->repeats.push_back(seen[index]++);
    }
    return p;
  }

  // Batch b of a plan: positions [b·B, min((b+1)·B, length)).
  Batch build(const EpochPlan& p, int64_t b) {
    const int64_t length = static_cast<int64_t>(p.order.size());
    const int64_t begin = b * opt.batch_size, end = std::min(length, begin + opt.batch_size);
    std::vector<Example> examples;
    std::vector<int64_t> indices;
    std::vector<std::string> skipped;
    for (int64_t pos = begin; pos < end; ++pos) {
      const int64_t index = p.order[static_cast<size_t>(pos)];
      std::string problem;
      try {
        const auto loaded = load_cached(index);
        Example ex = source->transform(*loaded, SampleKey{opt.seed, p.epoch, index, p.repeats[static_cast<size_t>(pos)]});
        if (ex.source.empty()) ex.source = source->describe(index);
        examples.push_back(std::move(ex));
        indices.push_back(index);
        continue;
      } catch (const std::exception& e) {
        problem = e.what();
      } catch (...) {
        problem = "unknown exception";
      }
      const std::string where = source->describe(index);
      if (!opt.skip_bad)
        throw std::runtime_error("data loader: sample " + std::to_string(index) + " (" + where + "): " + problem);
      skipped.push_back(where + ": " + problem);
    }
    Batch batch = examples.empty() ? Batch{} : collate_into(examples, pin ? &pinned_memory : &ordinary_memory);
    batch.pinned = pin && !examples.empty();
    batch.indices = std::move(indices);
    batch.skipped = std::move(skipped);
    batch.epoch = p.epoch;
    batch.batch_index = b;
    return batch;
  }

  BatchResult build_result(const EpochPlan& p, int64_t b) {
    BatchResult r;
    try {
      r.batch = build(p, b);
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  }

  bool claimable() const { return plan && next_claim < num_batches && next_claim < consumed + window; }

  void worker_main() {
    omp_set_num_threads(static_cast<int>(opt.threads_per_worker));
    std::unique_lock lock(mutex);
    for (;;) {
      work_cv.wait(lock, [&] { return stop || claimable(); });
      if (stop) return;
      const auto p = plan;
      const int64_t b = next_claim++;
      const uint64_t gen = generation;
      lock.unlock();
      BatchResult r = build_result(*p, b);
      lock.lock();
      if (gen == generation) {
        results.emplace(b, std::move(r));
        done_cv.notify_all();
      }
    }
  }

  // Moves the position (caller holds `mutex`); in-flight work for the old position is discarded.
  void jump(int64_t e, int64_t batch) {
    epoch = e;
    consumed = batch;
    plan.reset();
    ++generation;
    results.clear();
    next_claim = batch;
    skipped_epoch = 0;
  }
};

DataLoader::DataLoader(std::shared_ptr<const ExampleSource> source, DataLoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  if (!source) throw std::invalid_argument("DataLoader: null source");
  if (options.batch_size <= 0)
    throw std::invalid_argument("DataLoader: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (options.num_workers < 0 || options.num_workers > 256)
    throw std::invalid_argument("DataLoader: num_workers must be in [0, 256], got " +
                                std::to_string(options.num_workers));
  if (options.prefetch_batches < 0)
    throw std::invalid_argument("DataLoader: prefetch_batches must be >= 0, got " +
                                std::to_string(options.prefetch_batches));
  if (options.threads_per_worker < 1)
    throw std::invalid_argument("DataLoader: threads_per_worker must be >= 1, got " +
                                std::to_string(options.threads_per_worker));
  d.source = std::move(source);
  d.opt = std::move(options);
  d.sampler = d.opt.sampler;
  if (!d.sampler) {
    const int64_t n = d.source->size();
    if (d.opt.shuffle) d.sampler = std::make_shared<ShuffleSampler>(n);
    else d.sampler = std::make_shared<SequentialSampler>(n);
  }
  const int64_t length = d.sampler->length();
  d.num_batches = d.opt.drop_last ? length / d.opt.batch_size : (length + d.opt.batch_size - 1) / d.opt.batch_size;
  d.window = d.opt.prefetch_batches > 0 ? d.opt.prefetch_batches : 2 * d.opt.num_workers;
  d.window = std::max(d.window, d.opt.num_workers);
  d.pin = d.opt.pin_memory && pinning_available();
  try {
    for (int64_t w = 0; w < d.opt.num_workers; ++w) d.workers.emplace_back([&d] { d.worker_main(); });
  } catch (...) {  // e.g. std::system_error from a thread limit: stop the workers already started
    {
      std::lock_guard lock(d.mutex);
      d.stop = true;
    }
    d.work_cv.notify_all();
    for (auto& t : d.workers) t.join();
    throw;
  }
}

DataLoader::~DataLoader() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->work_cv.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int64_t DataLoader::batches_per_epoch() const { return impl_->num_batches; }
const DataLoaderOptions& DataLoader::options() const { return impl_->opt; }
bool DataLoader::pins_memory() const { return impl_->pin; }

std::optional<Batch> DataLoader::next() {
  Impl& d = *impl_;
  for (;;) {
    BatchResult r;
    {
      std::unique_lock lock(d.mutex);
      if (d.consumed >= d.num_batches) {
        d.jump(d.epoch + 1, 0);
        return std::nullopt;
      }
      if (!d.plan) {
        d.plan = d.make_plan(d.epoch);
        d.next_claim = d.consumed;
      }
      if (d.workers.empty()) {
        const auto p = d.plan;
        const int64_t b = d.consumed;
        lock.unlock();
        r = d.build_result(*p, b);
        lock.lock();
      } else {
        d.work_cv.notify_all();
        d.done_cv.wait(lock, [&] { return d.results.count(d.consumed) != 0; });
        const auto it = d.results.find(d.consumed);
        r = std::move(it->second);
        d.results.erase(it);
      }
      ++d.consumed;
      d.skipped_epoch += static_cast<int64_t>(r.batch.skipped.size());
      d.skipped_total += static_cast<int64_t>(r.batch.skipped.size());
    }
    d.work_cv.notify_all();  // the window moved
    if (r.error) std::rethrow_exception(r.error);
    if (r.batch.size() == 0) continue;  // every sample of the batch was skipped
    return std::move(r.batch);
  }
}

void DataLoader::set_epoch(int64_t epoch) {
  if (epoch < 0 || epoch >= (int64_t{1} << kEpochBits))
    throw std::invalid_argument("DataLoader::set_epoch: epoch " + std::to_string(epoch) + " out of range");
  std::lock_guard lock(impl_->mutex);
  impl_->jump(epoch, 0);
}

LoaderState DataLoader::state() const {
  std::lock_guard lock(impl_->mutex);
  return LoaderState{impl_->epoch, impl_->consumed, impl_->opt.seed, impl_->num_batches};
}

void DataLoader::load_state(const LoaderState& s) {
  Impl& d = *impl_;
  if (s.seed != d.opt.seed)
    throw std::invalid_argument("DataLoader::load_state: the state was saved with seed " + std::to_string(s.seed) +
                                ", this loader uses seed " + std::to_string(d.opt.seed));
  if (s.batches_per_epoch != d.num_batches)
    throw std::invalid_argument("DataLoader::load_state: the state has " + std::to_string(s.batches_per_epoch) +
                                " batches per epoch, this loader " + std::to_string(d.num_batches) +
                                " (different data set, batch size or drop_last)");
  if (s.epoch < 0 || s.epoch >= (int64_t{1} << kEpochBits) || s.next_batch < 0 || s.next_batch > d.num_batches)
    throw std::invalid_argument("DataLoader::load_state: position (epoch " + std::to_string(s.epoch) + ", batch " +
                                std::to_string(s.next_batch) + ") is out of range");
  std::lock_guard lock(d.mutex);
  d.jump(s.epoch, s.next_batch);
}

int64_t DataLoader::skipped_in_epoch() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->skipped_epoch;
}

int64_t DataLoader::skipped_total() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->skipped_total;
}

CacheStats DataLoader::cache_stats() const {
  const Impl& d = *impl_;
  std::shared_lock lock(d.cache_mutex);
  return CacheStats{d.cache_hits.load(), d.cache_misses.load(), static_cast<int64_t>(d.cache.size()), d.cache_used,
                    d.opt.cache_bytes};
}

}  // namespace hg::nn
