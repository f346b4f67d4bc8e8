// Module: registration, traversal, modes and placement. State dicts are in module_state.cpp.
#include "nn/module.h"

#include <unordered_set>

#include "tensor/view.h"

namespace hg::nn {

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(type_name_ + " has no single-input forward(x)");
}

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument(type_name_ + ": invalid member name \"" + name + "\" (empty or contains '.')");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw std::invalid_argument(type_name_ + ": member name \"" + name + "\" is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name);
  if (!t.defined()) throw std::invalid_argument(type_name_ + ": parameter \"" + name + "\" is undefined");
  if (!is_floating(t.dtype()))
    throw std::invalid_argument(type_name_ + ": parameter \"" + name + "\" must be floating, got " +
                                dtype_name(t.dtype()));
  if (!t.is_leaf()) throw std::invalid_argument(type_name_ + ": parameter \"" + name + "\" is not a leaf tensor");
  t.set_requires_grad(true);
  parameters_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name);
  if (!t.defined()) throw std::invalid_argument(type_name_ + ": buffer \"" + name + "\" is undefined");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_new_name(name);
  if (!m) throw std::invalid_argument(type_name_ + ": child module \"" + name + "\" is null");
  m->train(training_);
  children_.emplace_back(name, std::move(m));
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, m] : children_)
    if (n == name) return m;
  throw std::out_of_range(type_name_ + " has no child module \"" + name + "\"");
}

void Module::collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const {
  if (params)
    for (const auto& [n, t] : parameters_) out.emplace_back(prefix + n, t);
  if (buffers)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", params, buffers, out);
}

static NamedTensors unique_by_identity(NamedTensors all) {
  std::unordered_set<const TensorImpl*> seen;
  NamedTensors out;
  for (auto& [n, t] : all)
    if (seen.insert(t.impl_ptr().get()).second) out.emplace_back(std::move(n), std::move(t));
  return out;
}

NamedTensors Module::named_parameters() const {
  NamedTensors all;
  collect("", true, false, all);
  return unique_by_identity(std::move(all));
}

NamedTensors Module::named_buffers() const {
  NamedTensors all;
  collect("", false, true, all);
  return unique_by_identity(std::move(all));
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [n, m] : children_)
    for (auto& [sub, ptr] : m->named_modules()) out.emplace_back(sub.empty() ? n : n + "." + sub, ptr);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t total = 0;
  for (const auto& t : parameters()) total += t.numel();
  return total;
}

Module& Module::train(bool on) {
  training_ = on;
  for (const auto& [n, m] : children_) m->train(on);
  return *this;
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

template <class F>
void Module::for_each_tensor(F&& f) {
  for (auto& [n, t] : parameters_) f(t);
  for (auto& [n, t] : buffers_) f(t);
  for (auto& [n, m] : children_) m->for_each_tensor(f);
}

// Points `t`'s impl at `replacement`'s data (storage, layout, dtype), keeping the autograd fields:
// every handle to `t` sees the change.
static void replace_data(const Tensor& t, const Tensor& replacement) {
  if (t.is_same(replacement)) return;
  TensorImpl& impl = t.impl();
  impl.storage = replacement.storage();
  impl.sizes = replacement.sizes();
  impl.strides = replacement.strides();
  impl.offset = replacement.offset();
  impl.dtype = replacement.dtype();
}

// Converts every distinct tensor (and gradient) with `convert` first, then swaps the data in, so a
// failure part-way leaves the module untouched.
template <class Convert>
static void convert_all(std::vector<Tensor> tensors, Convert&& convert) {
  std::vector<std::pair<Tensor, Tensor>> plan;
  std::unordered_set<const TensorImpl*> done;
  for (const Tensor& t : tensors) {
    if (!done.insert(t.impl_ptr().get()).second) continue;
    if (auto c = convert(t); c.defined()) plan.emplace_back(t, c);
    if (Tensor g = t.grad(); g.defined())
      if (auto c = convert(g); c.defined()) plan.emplace_back(g, c);
  }
  for (const auto& [t, c] : plan) replace_data(t, c);
}

Module& Module::to(DType dtype) {
  if (!is_floating(dtype))
    throw std::invalid_argument(type_name_ + ".to: expected a floating dtype, got " + std::string(dtype_name(dtype)));
  std::vector<Tensor> all;
  for_each_tensor([&](const Tensor& t) { all.push_back(t); });
  convert_all(all, [&](const Tensor& t) { return is_floating(t.dtype()) ? ops::to_dtype(t, dtype) : Tensor(); });
  return *this;
}

Module& Module::to(Device device) {
  std::vector<Tensor> all;
  for_each_tensor([&](const Tensor& t) { all.push_back(t); });
  convert_all(all, [&](const Tensor& t) { return ops::to_device(t, device); });
  return *this;
}

}  // namespace hg::nn
