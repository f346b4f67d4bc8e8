// Tensor: a shared handle to (storage, sizes, strides, offset, dtype) plus the autograd fields.
//
// Copying a Tensor copies the handle, not the data (like torch.Tensor). Views made by the
// functions in tensor/view.h share the storage. The graph itself lives in autograd/; this layer
// only carries `requires_grad`, the accumulated `grad` and a pointer to the node that made it.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace hg {

class Node;  // autograd/node.h
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::f32;
  // autograd
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf (or of a retain_grad() tensor)
  std::shared_ptr<Node> grad_fn;     // the node that produced this tensor; null for leaves
  bool retains_grad = false;
};

struct TensorOptions {
  DType dtype = DType::f32;
  Device device = Device::cpu();
  bool requires_grad = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}  // NOLINT: lets callers write zeros({2}, DType::f64)
  TensorOptions(DType d, Device dev) : dtype(d), device(dev) {}
  TensorOptions with_grad(bool r = true) const { auto o = *this; o.requires_grad = r; return o; }
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (used for "no gradient")
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A new, uninitialised, contiguous tensor.
  static Tensor empty(const Shape& sizes, TensorOptions opts = {});

  bool defined() const { return impl_ != nullptr; }
  const Shape& sizes() const { return impl().sizes; }
  const Shape& strides() const { return impl().strides; }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl().sizes.size()); }
  int64_t numel() const { return shape_numel(impl().sizes); }
  int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  TensorOptions options() const { return {dtype(), device()}; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  std::string shape_string() const { return shape_str(sizes()); }

  // Pointer to the first element (offset applied). data<T>() checks that T matches the dtype.
  void* raw_data() const;
  template <class T> T* data() const {
    check_dtype(dtype_of<T>::value, "data<T>()");
    return static_cast<T*>(raw_data());
  }
  // The single element of a one-element tensor, converted to T (copies from the device if needed).
  template <class T> T item() const;
  // All elements in row-major order, converted to T.
  template <class T> std::vector<T> to_vector() const;

  // --- autograd fields (the graph operations live in autograd/) ---
  bool requires_grad() const { return defined() && impl().requires_grad; }
  // Marks a leaf as trainable; throws for non-leaf tensors and non-floating dtypes.
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const { return !impl().grad_fn; }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  // The accumulated gradient (undefined until a backward pass reaches this tensor).
  Tensor grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  void zero_grad() { impl().grad.reset(); }
  // Keep the gradient of this non-leaf tensor in .grad() during backward.
  void retain_grad() { impl().retains_grad = true; }
  // Runs the backward pass from this tensor (defined in autograd/engine.cpp). A scalar needs no
  // `gradient`; otherwise pass dL/dthis. retain_graph keeps the graph for another backward.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  TensorImpl& impl() const {
    if (!impl_) throw std::logic_error("operation on an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  void check_dtype(DType expected, const char* what) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Printing: shape, dtype, device and values (long tensors are summarised with "...").
std::string to_string(const Tensor& t, int64_t max_per_dim = 6);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace hg
