// Module: the base of every layer and model. A module owns named parameters (trainable leaf
// tensors), named buffers (state that is saved but not trained, e.g. BatchNorm's running
// statistics) and named child modules, all in registration order.
//
// Names are dotted paths through the tree, exactly as PyTorch builds them: a parameter `weight` of
// the child `bn1` of the child `0` of the child `layer1` is "layer1.0.bn1.weight". Traversal is
// pre-order: a module's own parameters (then buffers, in state_dict) before its children's.
//
// Modules are held by std::shared_ptr and are not copyable (a copy would share every tensor).
// Layers keep Tensor handles to their parameters; the handles stay valid across to(DType),
// to(Device) and load_state_dict, which all change the tensors in place (same TensorImpl).
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace hg::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict found. `mismatched` entries read "name: expected [a, b], got [c, d]".
struct LoadReport {
  std::vector<std::string> missing;     // in the module, absent from the source
  std::vector<std::string> unexpected;  // in the source, absent from the module
  std::vector<std::string> mismatched;  // in both, with different shapes (not loaded)
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  std::string str() const;  // one line per problem
};

// Thrown by a strict load that finds any problem; nothing has been loaded then.
struct StateDictError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The single-input forward pass. The base class throws std::logic_error naming the type.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }
  const std::string& type_name() const { return type_name_; }

  // --- the tree ---
  // Own entries only, in registration order.
  const NamedTensors& own_parameters() const { return parameters_; }
  const NamedTensors& own_buffers() const { return buffers_; }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }
  // The child registered as `name`; throws std::out_of_range naming it.
  std::shared_ptr<Module> child(const std::string& name) const;
  // Recursive, dotted names, pre-order. A parameter shared by two modules appears once (first name).
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  // (dotted name, module) for this module ("") and all descendants, pre-order.
  std::vector<std::pair<std::string, Module*>> named_modules();
  int64_t parameter_count() const;  // total elements of parameters()

  // --- modes ---
  // Sets training mode on this module and every descendant (BatchNorm and Dropout read it).
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  // Drops every parameter's gradient (the next backward starts from nothing, like set_to_none).
  void zero_grad();

  // --- placement ---
  // Converts floating parameters and buffers (and their gradients) to `dtype`, in place; integer
  // buffers such as num_batches_tracked keep their type (as torch.nn.Module.to(dtype)).
  Module& to(DType dtype);
  // Moves every parameter, buffer and gradient to `device`, in place (dtypes kept). Throws whatever
  // the device copy throws (a build without CUDA, or no such device) and then changes nothing.
  // Optimisers follow: their moments move to the parameter's device at the next step.
  Module& to(Device device);

  // --- state ---
  // Parameters then buffers of each module, pre-order (torch's state_dict order). The tensors are
  // the module's own (not copies): detach-free handles to the live data.
  NamedTensors state_dict() const;
  // Copies `source` into the module's existing tensors (converted to their dtype, on their device —
  // so a state saved from a CUDA model loads into a CPU one and vice versa; identity kept).
  // Every name is checked first. strict: any missing, unexpected or mis-shaped key throws one
  // StateDictError listing all of them and nothing is loaded. Not strict: the matching keys are
  // loaded and the report lists the rest.
  LoadReport load_state_dict(const NamedTensors& source, bool strict = true);
  // safetensors files holding state_dict() (the save is atomic). load_weights names the file in
  // its errors.
  void save_weights(const std::string& path) const;
  LoadReport load_weights(const std::string& path, bool strict = true);

 protected:
  // Registration (from a layer's constructor). Names must be non-empty, contain no '.', and be
  // unique within the module. A parameter must be a defined floating leaf; it is marked
  // requires_grad. Returns the argument so a layer can keep the handle.
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void check_new_name(const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const;
  // Applies f to every parameter and buffer tensor of the tree.
  template <class F> void for_each_tensor(F&& f);

  std::string type_name_;
  bool training_ = true;
  NamedTensors parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace hg::nn
