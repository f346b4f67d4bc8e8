// Sequential: runs its children in order, y = m_k(... m_1(m_0(x))). Children are named "0", "1", ...
// (so a child's parameter is "0.weight", as in torch.nn.Sequential).
#pragma once
#include <initializer_list>

#include "nn/module.h"

namespace hg::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  // Appends m as child "<size()>"; returns *this for chaining.
  Sequential& push_back(std::shared_ptr<Module> m);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return children().size(); }
  std::shared_ptr<Module> operator[](size_t i) const;  // throws std::out_of_range
};

}  // namespace hg::nn
