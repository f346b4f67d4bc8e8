#include "nn/mlp.h"

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"

namespace hg::nn {

std::shared_ptr<Sequential> mlp(int64_t in, int64_t hidden, int64_t out, bool bias_last, Generator* gen) {
  auto head = std::make_shared<Sequential>();
  head->push_back(std::make_shared<Linear>(in, hidden, true, gen))
      .push_back(std::make_shared<BatchNorm1d>(hidden))
      .push_back(std::make_shared<ReLU>())
      .push_back(std::make_shared<Linear>(hidden, out, bias_last, gen));
  return head;
}

}  // namespace hg::nn
