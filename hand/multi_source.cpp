#include "hand/multi_source.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace hg::hand {

MultiSourceDataset::MultiSourceDataset(std::vector<HandDatasetPtr> sources) : sources_(std::move(sources)) {
  if (sources_.empty()) throw std::invalid_argument("MultiSourceDataset: no sources");
  offsets_.push_back(0);
  for (size_t s = 0; s < sources_.size(); ++s) {
    if (!sources_[s]) throw std::invalid_argument("MultiSourceDataset: source " + std::to_string(s) + " is null");
    const int64_t n = sources_[s]->size();
    if (n <= 0)
      throw std::invalid_argument("MultiSourceDataset: source " + std::to_string(s) + " (" + sources_[s]->name() +
                                  ") is empty");
    offsets_.push_back(offsets_.back() + n);
  }
}

int64_t MultiSourceDataset::source_of(int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range(name() + ": index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
  // The last offset <= index.
  return static_cast<int64_t>(std::upper_bound(offsets_.begin(), offsets_.end(), index) - offsets_.begin()) - 1;
}

HandSample MultiSourceDataset::get(int64_t index) const {
  const int64_t s = source_of(index);
  const HandDataset& source = *sources_[static_cast<size_t>(s)];
  const int64_t local = index - offsets_[static_cast<size_t>(s)];
  try {
    return source.get(local);
  } catch (const std::exception& e) {
    // Name the source and its own index: the concatenated index alone does not say which file failed.
    throw std::runtime_error(source.name() + ":" + std::to_string(local) + ": " + e.what());
  }
}

std::string MultiSourceDataset::name() const {
  std::string n = "multi(";
  for (size_t s = 0; s < sources_.size(); ++s) n += (s ? "+" : "") + sources_[s]->name();
  return n + ")";
}

std::vector<double> MultiSourceDataset::equal_source_weights() const {
  std::vector<double> w(static_cast<size_t>(size()));
  for (size_t s = 0; s < sources_.size(); ++s) {
    const int64_t n = offsets_[s + 1] - offsets_[s];
    std::fill(w.begin() + offsets_[s], w.begin() + offsets_[s + 1], 1.0 / static_cast<double>(n));
  }
  return w;
}

std::shared_ptr<nn::Sampler> equal_source_sampler(const MultiSourceDataset& d, int64_t num_samples) {
  return std::make_shared<nn::WeightedSampler>(d.equal_source_weights(), num_samples < 0 ? d.size() : num_samples);
}

}  // namespace hg::hand
