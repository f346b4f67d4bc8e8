// The graph: every differentiable call records a Node holding its backward closure and one Edge
// per input. Tensors point to the node that produced them (TensorImpl::grad_fn).
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

// The identity of one differentiable function: its name and derivative, registered in a global
// table at start-up. The gradcheck suite fails if a registered function has no gradcheck case.
class Differentiable {
 public:
  Differentiable(const char* name, const char* derivative);
  const char* name;
  const char* derivative;  // the formula, for `handgrad gradcheck --list` and readers
};
const std::vector<const Differentiable*>& differentiable_functions();

using Grads = std::vector<Tensor>;  // one per input; undefined = no gradient for that input
using NeedsGrad = std::vector<bool>;

struct Edge {
  std::shared_ptr<Node> node;        // the producer of this input, or
  std::shared_ptr<TensorImpl> leaf;  // the leaf to accumulate into, or neither (no grad needed)
  Shape shape;                       // the input's shape: gradients are summed back to it
  DType dtype = DType::f32;          // and converted to its dtype
  bool needs_grad() const { return node || leaf; }
};

class Node {
 public:
  using Backward = std::function<Grads(const Tensor& grad_output, const NeedsGrad& needs)>;
  Node(const Differentiable& fn, std::vector<Edge> inputs, Backward backward);
  const Differentiable& fn;
  std::vector<Edge> inputs;
  Backward backward;        // cleared after a backward pass that does not retain the graph
  uint64_t sequence;        // creation order
  bool released = false;
  std::weak_ptr<TensorImpl> output;  // for retain_grad() on non-leaf outputs
  const char* name() const { return fn.name; }
};

// Is gradient recording on for this thread? (no_grad turns it off.)
bool grad_mode_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();

 private:
  bool previous_;
};

// True when recording is on and some input requires grad.
bool any_requires_grad(std::initializer_list<Tensor> inputs);

// Observer used by the gradcheck suite to learn which functions a case exercises.
void set_node_observer(std::function<void(const Differentiable&)> observer);

namespace detail {
Tensor attach(const Differentiable& fn, const std::vector<Tensor>& inputs, const Tensor& out,
              Node::Backward backward);
}

// Records `out = fn(inputs)` in the graph. `backward` is either
//   (const Tensor& grad_out) -> Grads   or   (const Tensor& grad_out, const NeedsGrad&) -> Grads.
// Returns `out` itself when nothing needs a gradient, else a new handle to the same data that
// carries the node (so closures may capture the raw `out` without creating a reference cycle).
template <class F>
Tensor record(const Differentiable& fn, std::initializer_list<Tensor> inputs, const Tensor& out, F&& backward) {
  if (!any_requires_grad(inputs)) return out;
  Node::Backward bw;
  if constexpr (std::is_invocable_v<F, const Tensor&, const NeedsGrad&>) {
    bw = std::forward<F>(backward);
  } else {
    bw = [f = std::forward<F>(backward)](const Tensor& g, const NeedsGrad&) { return f(g); };
  }
  return detail::attach(fn, std::vector<Tensor>(inputs), out, std::move(bw));
}
template <class F>
Tensor record(const Differentiable& fn, const std::vector<Tensor>& inputs, const Tensor& out, F&& backward) {
  bool any = false;
  if (grad_mode_enabled())
    for (const auto& t : inputs) any = any || t.requires_grad();
  if (!any) return out;
  Node::Backward bw;
  if constexpr (std::is_invocable_v<F, const Tensor&, const NeedsGrad&>) {
    bw = std::forward<F>(backward);
  } else {
    bw = [f = std::forward<F>(backward)](const Tensor& g, const NeedsGrad&) { return f(g); };
  }
  return detail::attach(fn, inputs, out, std::move(bw));
}

// A handle to the same data with no graph history (the stop-gradient).
Tensor detach(const Tensor& t);

// Gradients of `outputs` w.r.t. `inputs` without touching .grad (like torch.autograd.grad).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false);

}  // namespace hg
