// to_dense_array (tensor/pickle.h): the numeric array behind an ndarray, a chumpy expression, a
// scipy CSC matrix or a nested list of numbers.
#include <algorithm>
#include <cstring>

#include "tensor/pickle.h"
#include "tensor/view.h"

namespace hg::pickle {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& problem) { throw PickleError(what + ": " + problem); }

// Reads an integer tensor (any integer dtype) as int64 values.
std::vector<int64_t> integers(const Tensor& t, const std::string& what) {
  if (t.dtype() == DType::i64) return ops::contiguous(t).to_vector<int64_t>();
  if (t.dtype() == DType::i32) {
    std::vector<int64_t> out;
    for (int32_t v : ops::contiguous(t).to_vector<int32_t>()) out.push_back(v);
    return out;
  }
  if (t.dtype() == DType::u8) {
    std::vector<int64_t> out;
    for (uint8_t v : ops::contiguous(t).to_vector<uint8_t>()) out.push_back(v);
    return out;
  }
  fail(what, std::string("expected an integer array, got dtype ") + dtype_name(t.dtype()));
}

void check_bytes(uint64_t numel, size_t itemsize, const Limits& limits, const std::string& what) {
  if (numel > limits.max_array_bytes / itemsize)
    fail(what, "dense array of " + std::to_string(numel) + " elements exceeds the limit of " +
                   std::to_string(limits.max_array_bytes) + " bytes");
}

// A shape from a tuple/list of ints or a 1-D integer array; one entry may be -1 (inferred from numel).
Shape target_shape(const Value& v, int64_t numel, const std::string& what, const Limits& limits) {
  std::vector<int64_t> dims;
  if (v.kind == Kind::integer) {
    dims.push_back(v.as_int(what));
  } else if (v.kind == Kind::tuple || v.kind == Kind::list) {
    for (const Value* d : v.items(what)) dims.push_back(d->as_int(what));
  } else {
    dims = integers(to_dense_array(v, what, limits), what);
  }
  // `nonzero` bounds the product of the non-zero dims even when a zero makes `known` 0 (strides of
  // such a shape would still overflow).
  int64_t known = 1, nonzero = 1, infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1 && infer < 0) {
      infer = static_cast<int64_t>(i);
    } else if (dims[i] < 0) {
      fail(what, "bad dimension " + std::to_string(dims[i]));
    } else if (dims[i] > 0) {
      if (nonzero > INT64_MAX / dims[i]) fail(what, "shape " + shape_str(dims) + " is too large");
      nonzero *= dims[i];
      known *= dims[i];
    } else {
      known = 0;
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known) fail(what, "cannot infer the -1 dimension for " + std::to_string(numel) + " elements");
    dims[static_cast<size_t>(infer)] = numel / known;
  } else if (known != numel) {
    fail(what, "shape " + shape_str(dims) + " does not match " + std::to_string(numel) + " elements");
  }
  return dims;
}

const Value& state_field(const Object& o, const std::string& key, const std::string& what) {
  if (!o.state) fail(what, o.class_name + " has no state (no BUILD)");
  return o.state->at(key, what + " (" + o.class_name + ")");
}

// chumpy.reordering.Select: a.ravel()[idxs], reshaped to preferred_shape when it is present.
Tensor select(const Object& o, const std::string& what, const Limits& limits) {
  const Tensor a = ops::contiguous(to_dense_array(state_field(o, "a", what), what + ".a", limits));
  const std::vector<int64_t> idx = integers(to_dense_array(state_field(o, "idxs", what), what + ".idxs", limits), what + ".idxs");
  const int64_t n = a.numel();
  const size_t item = dtype_size(a.dtype());
  Tensor out = Tensor::empty({static_cast<int64_t>(idx.size())}, a.dtype());
  const auto* src = static_cast<const char*>(a.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < idx.size(); ++i) {
    int64_t k = idx[i];
    if (k < -n || k >= n) fail(what + ".idxs", "index " + std::to_string(k) + " is out of range for " + std::to_string(n) + " elements");
    if (k < 0) k += n;  // numpy's negative indices count from the end
    std::memcpy(dst + i * item, src + static_cast<size_t>(k) * item, item);
  }
  if (o.state->find("preferred_shape"))
    out = ops::reshape(out, target_shape(state_field(o, "preferred_shape", what), out.numel(), what + ".preferred_shape", limits));
  return out;
}

// scipy.sparse.csc_matrix: column j holds data[k] at row indices[k] for k in [indptr[j], indptr[j+1]);
// duplicates add up, as in scipy's toarray().
Tensor csc_to_dense(const Object& o, const std::string& what, const Limits& limits) {
  const Value* shape_v = o.state ? o.state->find("_shape") : nullptr;
  if (!shape_v && o.state) shape_v = o.state->find("shape");
  if (!shape_v) fail(what, "csc_matrix state has neither '_shape' nor 'shape'");
  const auto& dims = shape_v->items(what + ".shape");
  if (dims.size() != 2) fail(what, "csc_matrix shape must have 2 dimensions");
  const int64_t rows = dims[0]->as_int(what + ".shape"), cols = dims[1]->as_int(what + ".shape");
  if (rows < 0 || cols < 0) fail(what, "csc_matrix shape is negative");
  const Tensor data = ops::to_dtype(to_dense_array(state_field(o, "data", what), what + ".data", limits), DType::f64);
  const std::vector<int64_t> indices = integers(to_dense_array(state_field(o, "indices", what), what + ".indices", limits), what + ".indices");
  const std::vector<int64_t> indptr = integers(to_dense_array(state_field(o, "indptr", what), what + ".indptr", limits), what + ".indptr");
  const int64_t nnz = data.numel();
  if (static_cast<int64_t>(indices.size()) != nnz)
    fail(what, "csc_matrix has " + std::to_string(nnz) + " values but " + std::to_string(indices.size()) + " row indices");
  if (static_cast<int64_t>(indptr.size()) != cols + 1)
    fail(what, "csc_matrix indptr has " + std::to_string(indptr.size()) + " entries, expected columns + 1 = " + std::to_string(cols + 1));
  if (indptr.front() != 0) fail(what, "csc_matrix indptr does not start at 0");
  for (int64_t j = 0; j < cols; ++j)
    if (indptr[j + 1] < indptr[j]) fail(what, "csc_matrix indptr decreases at column " + std::to_string(j));
  if (indptr.back() != nnz) fail(what, "csc_matrix indptr ends at " + std::to_string(indptr.back()) + ", not at nnz = " + std::to_string(nnz));
  if (rows > 0 && static_cast<uint64_t>(cols) > UINT64_MAX / static_cast<uint64_t>(rows)) fail(what, "csc_matrix is too large");
  check_bytes(static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols), 8, limits, what);
  Tensor dense = Tensor::empty({rows, cols}, DType::f64);
  double* out = dense.data<double>();
  std::fill(out, out + rows * cols, 0.0);
  const std::vector<double> values = ops::contiguous(data).to_vector<double>();
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t k = indptr[j]; k < indptr[j + 1]; ++k) {
      const int64_t i = indices[k];
      if (i < 0 || i >= rows) fail(what, "csc_matrix row index " + std::to_string(i) + " is out of range [0, " + std::to_string(rows) + ")");
      out[i * cols + j] += values[k];
    }
  return dense;
}

// Nested lists/tuples of numbers → f64 array (rectangular, like np.array(list)).
void list_shape(const Value& v, Shape& shape, uint64_t depth, const std::string& what) {
  if (depth == 0) fail(what, "nested too deeply (or a reference cycle)");
  if (v.kind != Kind::list && v.kind != Kind::tuple) return;
  const auto& items = v.items(what);
  shape.push_back(static_cast<int64_t>(items.size()));
  if (!items.empty()) list_shape(*items.front(), shape, depth - 1, what);
}
void list_fill(const Value& v, const Shape& shape, size_t dim, std::vector<double>& out, const std::string& what) {
  if (dim == shape.size()) {
    if (v.kind == Kind::list || v.kind == Kind::tuple) fail(what, "ragged nested list");
    out.push_back(v.as_float(what));
    return;
  }
  if (v.kind != Kind::list && v.kind != Kind::tuple) fail(what, "ragged nested list");
  const auto& items = v.items(what);
  if (static_cast<int64_t>(items.size()) != shape[dim]) fail(what, "ragged nested list");
  for (const Value* it : items) list_fill(*it, shape, dim + 1, out, what);
}

}  // namespace

Tensor to_dense_array(const Value& v, const std::string& what, const Limits& limits) {
  if (limits.max_depth == 0) fail(what, "nested too deeply (or a reference cycle)");
  Limits inner = limits;
  inner.max_depth -= 1;
  switch (v.kind) {
    case Kind::array: return ops::contiguous(v.as_array(what));
    case Kind::object: {
      const Object& o = v.as_object(what);
      if (o.class_name == "chumpy.ch.Ch") return to_dense_array(state_field(o, "x", what), what + ".x", inner);
      if (o.class_name == "chumpy.reordering.Select") return select(o, what, inner);
      if (o.class_name == "scipy.sparse.csc.csc_matrix" || o.class_name == "scipy.sparse._csc.csc_matrix")
        return csc_to_dense(o, what, inner);
      break;
    }
    case Kind::boolean:
    case Kind::integer:
    case Kind::floating: {
      Tensor t = Tensor::empty({}, DType::f64);
      *t.data<double>() = v.as_float(what);
      return t;
    }
    case Kind::list:
    case Kind::tuple: {
      Shape shape;
      list_shape(v, shape, limits.max_depth, what);
      // Size check before walking: shared sub-lists could otherwise stand for an enormous array.
      uint64_t numel = 1;
      for (int64_t d : shape) {
        if (d != 0 && numel > UINT64_MAX / static_cast<uint64_t>(d)) fail(what, "nested list is too large");
        numel *= static_cast<uint64_t>(d);
      }
      check_bytes(numel, sizeof(double), limits, what);
      std::vector<double> values;
      list_fill(v, shape, 0, values, what);
      Tensor t = Tensor::empty(shape, DType::f64);
      if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(double));
      return t;
    }
    default: break;
  }
  fail(what, "expected an array, got " + describe(v));
}

}  // namespace hg::pickle
