#include "tensor/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <iomanip>
#include <sstream>

#include "tensor/view.h"

namespace hg {

Tensor Tensor::empty(const Shape& sizes, TensorOptions opts) {
  for (int64_t s : sizes)
    if (s < 0) throw std::invalid_argument("empty: negative size in " + shape_str(sizes));
  auto impl = std::make_shared<TensorImpl>();
  size_t nbytes = 0;
  if (__builtin_mul_overflow(static_cast<size_t>(shape_numel(sizes)), dtype_size(opts.dtype), &nbytes))
    throw std::invalid_argument("empty: " + shape_str(sizes) + " of " + dtype_name(opts.dtype) +
                                " needs more bytes than size_t can count");
  impl->storage = Storage::allocate(nbytes, opts.device);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = opts.dtype;
  Tensor t(std::move(impl));
  if (opts.requires_grad) t.set_requires_grad(true);
  return t;
}

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (sizes()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= sizes()[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(storage()->data()) + offset() * static_cast<int64_t>(dtype_size(dtype()));
}

void Tensor::check_dtype(DType expected, const char* what) const {
  if (dtype() != expected)
    throw std::invalid_argument(std::string(what) + ": expected dtype " + dtype_name(expected) + ", got " +
                                dtype_name(dtype()) + " for a tensor of shape " + shape_string());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = ops::contiguous(ops::to_dtype(ops::to_device(*this, Device::cpu()), dtype_of<T>::value));
  const T* p = static_cast<const T*>(c.raw_data());
  return std::vector<T>(p, p + c.numel());
}

template <class T>
T Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("item(): the tensor has " + std::to_string(numel()) + " elements, shape " +
                                shape_string());
  return to_vector<T>()[0];
}

#define HG_INSTANTIATE(T)                                 \
  template std::vector<T> Tensor::to_vector<T>() const;   \
  template T Tensor::item<T>() const;
HG_INSTANTIATE(float)
HG_INSTANTIATE(double)
HG_INSTANTIATE(half)
HG_INSTANTIATE(bfloat16)
HG_INSTANTIATE(int32_t)
HG_INSTANTIATE(int64_t)
HG_INSTANTIATE(uint8_t)
HG_INSTANTIATE(bool)
#undef HG_INSTANTIATE

Tensor& Tensor::set_requires_grad(bool on) {
  if (on && !is_floating(dtype()))
    throw std::invalid_argument(std::string("requires_grad needs a floating dtype, got ") + dtype_name(dtype()));
  if (!is_leaf())
    throw std::logic_error("set_requires_grad: only leaf tensors can be marked; use detach() first");
  impl().requires_grad = on;
  return *this;
}

std::string to_string(const Tensor& t, int64_t max_per_dim) {
  if (!t.defined()) return "Tensor(undefined)";
  std::ostringstream os;
  const Tensor c = ops::to_dtype(ops::to_device(t, Device::cpu()), DType::f64);
  const bool integral = !is_floating(t.dtype());
  std::function<void(int64_t, int64_t, int)> rec = [&](int64_t dim, int64_t off, int indent) {
    if (dim == c.dim()) {
      const double v = static_cast<const double*>(c.storage()->data())[off];
      if (integral) os << static_cast<int64_t>(v);
      else os << std::setprecision(6) << v;
      return;
    }
    os << "[";
    const int64_t n = c.size(dim);
    const int64_t edge = std::max<int64_t>(1, max_per_dim / 2);  // items shown at each end when summarised
    for (int64_t i = 0; i < n; ++i) {
      if (n > 2 * edge && i == edge) {
        os << "..., ";
        i = n - edge;
      }
      rec(dim + 1, off + i * c.stride(dim), indent + 1);
      if (i + 1 < n) os << (dim + 1 == c.dim() ? ", " : ",\n" + std::string(indent + 1, ' '));
    }
    os << "]";
  };
  os << "tensor(";
  rec(0, c.offset(), 7);
  os << ", shape=" << t.shape_string() << ", dtype=" << dtype_name(t.dtype());
  if (!t.device().is_cpu()) os << ", device=" << t.device().str();
  if (t.requires_grad()) os << ", requires_grad";
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace hg
