#include "nn/optim_accumulate.h"

#include <stdexcept>
#include <string>

#include "tensor/factory.h"

namespace hg::nn {

GradientAccumulator::GradientAccumulator(int64_t k) : k_(k) {
  if (k < 1) throw std::invalid_argument("GradientAccumulator: invalid number of micro-batches " + std::to_string(k) +
                                         " (must be >= 1)");
}

bool GradientAccumulator::micro_step() {
  pos_ = (pos_ + 1) % k_;
  return pos_ == 0;
}

NamedTensors GradientAccumulator::state_dict() const {
  return {{"position", scalar_tensor(static_cast<double>(pos_), DType::i64)}};
}

void GradientAccumulator::load_state_dict(const NamedTensors& state) {
  if (state.size() != 1 || state[0].first != "position" || !state[0].second.defined() ||
      state[0].second.numel() != 1 || state[0].second.dtype() != DType::i64)
    throw std::invalid_argument("GradientAccumulator.load_state_dict: expected exactly one one-element i64 'position'");
  const int64_t p = state[0].second.item<int64_t>();
  if (p < 0 || p >= k_)
    throw std::invalid_argument("GradientAccumulator.load_state_dict: position " + std::to_string(p) +
                                " out of range [0, " + std::to_string(k_) + ")");
  pos_ = p;
}

}  // namespace hg::nn
