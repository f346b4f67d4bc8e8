#include "autograd/node.h"

#include <atomic>

#include "tensor/view.h"

namespace hg {
namespace {
std::vector<const Differentiable*>& registry() {
  static std::vector<const Differentiable*> r;
  return r;
}
std::atomic<uint64_t> g_sequence{0};
thread_local bool t_grad_mode = true;
std::function<void(const Differentiable&)> g_observer;
}  // namespace

Differentiable::Differentiable(const char* n, const char* d) : name(n), derivative(d) {
  registry().push_back(this);
}
const std::vector<const Differentiable*>& differentiable_functions() { return registry(); }

Node::Node(const Differentiable& f, std::vector<Edge> in, Backward bw)
    : fn(f), inputs(std::move(in)), backward(std::move(bw)), sequence(g_sequence++) {}

bool grad_mode_enabled() { return t_grad_mode; }
NoGradGuard::NoGradGuard() : previous_(t_grad_mode) { t_grad_mode = false; }
NoGradGuard::~NoGradGuard() { t_grad_mode = previous_; }
EnableGradGuard::EnableGradGuard() : previous_(t_grad_mode) { t_grad_mode = true; }
EnableGradGuard::~EnableGradGuard() { t_grad_mode = previous_; }

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  if (!t_grad_mode) return false;
  for (const auto& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

void set_node_observer(std::function<void(const Differentiable&)> observer) { g_observer = std::move(observer); }

Tensor detach(const Tensor& t) { return ops::as_strided(t, t.sizes(), t.strides(), t.offset()); }

namespace detail {
Tensor attach(const Differentiable& fn, const std::vector<Tensor>& inputs, const Tensor& out,
              Node::Backward backward) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const auto& t : inputs) {
    Edge e;
    if (t.defined()) {
      e.shape = t.sizes();
      e.dtype = t.dtype();
      if (t.requires_grad()) {
        if (t.grad_fn()) e.node = t.grad_fn();
        else e.leaf = t.impl_ptr();
      }
    }
    edges.push_back(std::move(e));
  }
  if (g_observer) g_observer(fn);
  auto node = std::make_shared<Node>(fn, std::move(edges), std::move(backward));
  Tensor result = ops::as_strided(out, out.sizes(), out.strides(), out.offset());
  result.impl().requires_grad = true;
  node->output = result.impl_ptr();
  result.impl().grad_fn = std::move(node);
  return result;
}
}  // namespace detail

}  // namespace hg
