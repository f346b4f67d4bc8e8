// The backward pass: a topological order of the graph, then each node's closure called once with
// the sum of the gradients flowing into it (micrograd's algorithm, with dependency counting).
#include <algorithm>
#include <unordered_map>

#include "autograd/node.h"
#include "ops/pointwise.h"
#include "ops/reduce.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg {
namespace {

// Brings a gradient to the shape and dtype of the input it belongs to (undoing broadcasting).
Tensor conform(const Tensor& g, const Edge& e) {
  Tensor r = g.sizes() == e.shape ? g : ops::sum_to(g, e.shape);
  return ops::to_dtype(r, e.dtype);
}

void accumulate_into(TensorImpl& t, const Tensor& g) {
  if (!t.grad) {
    t.grad = ops::clone(g).impl_ptr();  // own buffer: later in-place updates never alias another grad
  } else {
    Tensor old(t.grad);
    ops::add_(old, g);
  }
}

// Runs backward from `roots` seeded with `seeds`. If `capture` is non-empty, gradients reaching
// those tensors are returned instead of being accumulated into .grad.
std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds,
                                 bool retain_graph, const std::vector<Tensor>& capture) {
  NoGradGuard no_grad;  // backward closures build no graph
  std::unordered_map<const TensorImpl*, size_t> capture_index;
  std::unordered_map<const Node*, size_t> capture_node_index;
  for (size_t i = 0; i < capture.size(); ++i) {
    if (!capture[i].requires_grad())
      throw std::invalid_argument("grad(): input " + std::to_string(i) + " does not require grad");
    if (capture[i].grad_fn()) capture_node_index[capture[i].grad_fn().get()] = i;
    else capture_index[capture[i].impl_ptr().get()] = i;
  }
  std::vector<Tensor> captured(capture.size());
  auto deliver_leaf = [&](const std::shared_ptr<TensorImpl>& leaf, const Tensor& g) {
    if (!capture.empty()) {
      auto it = capture_index.find(leaf.get());
      if (it != capture_index.end())
        captured[it->second] = captured[it->second].defined() ? ops::add(captured[it->second], g) : g;
      return;
    }
    accumulate_into(*leaf, g);
  };

  // 1. Collect the graph and count, for each node, how many edges point at it.
  std::unordered_map<const Node*, int> dependencies;
  std::vector<Node*> stack;
  for (const auto& r : roots)
    if (r.grad_fn() && !dependencies.count(r.grad_fn().get())) {
      dependencies[r.grad_fn().get()] = 0;
      stack.push_back(r.grad_fn().get());
    }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    if (n->released)
      throw std::logic_error(std::string("backward through '") + n->name() +
                             "' a second time: its graph was freed; pass retain_graph=true to the first backward");
    for (const auto& e : n->inputs) {
      if (!e.node) continue;
      auto [it, inserted] = dependencies.emplace(e.node.get(), 0);
      it->second++;
      if (inserted) stack.push_back(e.node.get());
    }
  }

  // 2. Seed the roots.
  std::unordered_map<const Node*, Tensor> pending;
  std::vector<Node*> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    if (!r.requires_grad()) throw std::invalid_argument("backward: the tensor does not require grad");
    if (!r.grad_fn()) {
      deliver_leaf(r.impl_ptr(), seeds[i]);
      continue;
    }
    Node* n = r.grad_fn().get();
    auto it = pending.find(n);
    if (it == pending.end()) pending[n] = seeds[i];
    else it->second = ops::add(it->second, seeds[i]);
  }
  for (const auto& [n, g] : pending)
    if (dependencies[n] == 0) ready.push_back(const_cast<Node*>(n));
  std::sort(ready.begin(), ready.end(), [](Node* a, Node* b) { return a->sequence < b->sequence; });

  // 3. Process nodes whose consumers are all done; the newest node first.
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    auto found = pending.find(n);
    if (found == pending.end()) {  // no gradient reached this node: nothing flows through it
      for (const auto& e : n->inputs)
        if (e.node && --dependencies[e.node.get()] == 0) ready.push_back(e.node.get());
      continue;
    }
    Tensor g_out = std::move(found->second);
    pending.erase(found);
    if (auto out = n->output.lock(); out && out->retains_grad && capture.empty()) accumulate_into(*out, g_out);
    if (auto it = capture_node_index.find(n); it != capture_node_index.end())
      captured[it->second] = g_out;
    NeedsGrad needs(n->inputs.size());
    for (size_t i = 0; i < needs.size(); ++i) needs[i] = n->inputs[i].needs_grad();
    Grads grads = n->backward(g_out, needs);
    if (grads.size() != n->inputs.size())
      throw std::logic_error(std::string("backward of '") + n->name() + "' returned " +
                             std::to_string(grads.size()) + " gradients for " +
                             std::to_string(n->inputs.size()) + " inputs");
    for (size_t i = 0; i < grads.size(); ++i) {
      const Edge& e = n->inputs[i];
      if (!e.needs_grad()) continue;
      if (!grads[i].defined()) {
        // An input that needs a gradient but got none still releases its dependency.
        if (e.node && --dependencies[e.node.get()] == 0) ready.push_back(e.node.get());
        continue;
      }
      Tensor g = conform(grads[i], e);
      if (e.leaf) {
        deliver_leaf(e.leaf, g);
        continue;
      }
      Node* next = e.node.get();
      auto it = pending.find(next);
      if (it == pending.end()) pending.emplace(next, g);
      else it->second = ops::add(it->second, g);
      if (--dependencies[next] == 0) ready.push_back(next);
    }
    if (!retain_graph) {
      n->backward = nullptr;  // frees the tensors the closure saved
      n->released = true;
    }
  }
  return captured;
}

std::vector<Tensor> default_seeds(const std::vector<Tensor>& roots, const std::vector<Tensor>& given) {
  std::vector<Tensor> seeds;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i < given.size() && given[i].defined()) {
      if (given[i].sizes() != roots[i].sizes())
        throw std::invalid_argument("backward: gradient of shape " + given[i].shape_string() +
                                    " for an output of shape " + roots[i].shape_string());
      seeds.push_back(ops::to_dtype(given[i], roots[i].dtype()));
    } else {
      if (roots[i].numel() != 1)
        throw std::invalid_argument("backward: an output of shape " + roots[i].shape_string() +
                                    " needs an explicit gradient (only scalars get the implicit 1)");
      seeds.push_back(ones(roots[i].sizes(), roots[i].options()));
    }
  }
  return seeds;
}

}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  run_backward({*this}, default_seeds({*this}, {gradient}), retain_graph, {});
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph) {
  return run_backward(outputs, default_seeds(outputs, grad_outputs), retain_graph, inputs);
}

}  // namespace hg
