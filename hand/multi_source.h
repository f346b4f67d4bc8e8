// Several data sets as one (REFERENCE.md §1: multi-dataset pre-training samples each source with
// equal total weight, i.e. weight 1/len(source) per sample).
//
// Indices concatenate the sources: source s owns [offset_s, offset_s + len_s). Sampling with equal
// weight is a loader concern: pass equal_source_sampler(dataset) as DataLoaderOptions::sampler; it
// draws with replacement from nn::WeightedSampler, so the epoch's indices are a pure function of
// (seed, epoch) like every other order.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hand/dataset.h"
#include "nn/data_loader.h"

namespace hg::hand {

class MultiSourceDataset final : public HandDataset {
 public:
  // Throws std::invalid_argument for no sources, a null or an empty one.
  explicit MultiSourceDataset(std::vector<HandDatasetPtr> sources);
  int64_t size() const override { return offsets_.back(); }
  // Throws std::out_of_range outside [0, size()); a source's exception is re-thrown as
  // std::runtime_error "<source name>:<its index>: <what>".
  HandSample get(int64_t index) const override;
  std::string name() const override;             // "multi(<name>+<name>…)"

  int64_t num_sources() const { return static_cast<int64_t>(sources_.size()); }
  const HandDatasetPtr& source(int64_t s) const { return sources_.at(static_cast<size_t>(s)); }
  int64_t source_of(int64_t index) const;  // which source holds a concatenated index
  int64_t offset(int64_t s) const { return offsets_.at(static_cast<size_t>(s)); }
  // 1 / len(source of i) for every index i: each source's weights sum to 1.
  std::vector<double> equal_source_weights() const;

 private:
  std::vector<HandDatasetPtr> sources_;
  std::vector<int64_t> offsets_;  // prefix sums, offsets_[0] = 0, back() = size()
};

// A sampler drawing `num_samples` indices per epoch (default: size()) with equal total weight per source.
std::shared_ptr<nn::Sampler> equal_source_sampler(const MultiSourceDataset& dataset, int64_t num_samples = -1);

}  // namespace hg::hand
