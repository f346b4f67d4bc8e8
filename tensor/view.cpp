#include "tensor/view.h"

#include <algorithm>
#include <cstring>

#include "tensor/bf16_convert.h"
#include "tensor/strided_loop.h"

namespace hg::ops {

Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  return Tensor(std::move(impl));
}

namespace {

Shape infer_size(Shape sizes, int64_t numel, const Tensor& t) {
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      if (infer_at >= 0) throw std::invalid_argument("view/reshape: only one size may be -1");
      infer_at = static_cast<int64_t>(i);
    } else if (sizes[i] < 0) {
      throw std::invalid_argument("view/reshape: invalid size " + shape_str(sizes));
    } else {
      known *= sizes[i];
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || numel % known != 0)
      throw std::invalid_argument("view/reshape: cannot reshape " + t.shape_string() + " into " +
                                  shape_str(sizes));
    sizes[infer_at] = numel / known;
  } else if (known != numel) {
    throw std::invalid_argument("view/reshape: cannot reshape " + t.shape_string() + " (" +
                                std::to_string(numel) + " elements) into " + shape_str(sizes));
  }
  return sizes;
}

// Strides for viewing (old sizes, old strides) as `new_sizes` without moving data; false when
// impossible.
//
// Ignoring size-1 dims, the old dims fall into maximal runs ("blocks") in which each dim steps
// over exactly the next one: stride[d] == stride[d+1] * size[d+1]. A block of n elements whose
// innermost stride is s is a 1-D arithmetic sequence (start, step s, n terms), so any split of it
// into dims is expressible: the innermost new dim gets stride s, the next s * its size, and so on.
// The view is therefore possible iff the new sizes, read from the right, can be cut into groups
// whose products equal the block sizes in order (size-1 new dims fit anywhere).
bool compute_view_strides(const Shape& old_sizes, const Shape& old_strides, const Shape& new_sizes,
                          Shape& new_strides) {
  if (shape_numel(old_sizes) <= 1) {  // empty or a single element: any layout works
    new_strides = contiguous_strides(new_sizes);
    return true;
  }
  struct Block {
    int64_t numel, inner_stride;
  };
  std::vector<Block> blocks;  // outermost first
  for (size_t d = 0; d < old_sizes.size(); ++d) {
    if (old_sizes[d] == 1) continue;
    if (!blocks.empty() && blocks.back().inner_stride == old_strides[d] * old_sizes[d]) {
      blocks.back().numel *= old_sizes[d];  // d continues the block
      blocks.back().inner_stride = old_strides[d];
    } else {
      blocks.push_back({old_sizes[d], old_strides[d]});
    }
  }
  new_strides.assign(new_sizes.size(), 0);
  int64_t nd = static_cast<int64_t>(new_sizes.size()) - 1;  // next new dim to place, from the right
  for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) {
    int64_t placed = 1;  // product of the new sizes given to this block so far
    while (nd >= 0 && (placed < b->numel || new_sizes[nd] == 1)) {
      new_strides[nd] = placed * b->inner_stride;
      placed *= new_sizes[nd];
      --nd;
    }
    if (placed != b->numel) return false;
  }
  return nd < 0;  // leading size-1 dims were taken by the outermost block
}

}  // namespace

Tensor view(const Tensor& t, Shape sizes) {
  sizes = infer_size(std::move(sizes), t.numel(), t);
  Shape strides;
  if (!compute_view_strides(t.sizes(), t.strides(), sizes, strides))
    throw std::invalid_argument("view: the strides of " + t.shape_string() +
                                " do not allow viewing it as " + shape_str(sizes) +
                                "; use reshape (which copies)");
  return as_strided(t, sizes, strides, t.offset());
}

Tensor reshape(const Tensor& t, Shape sizes) {
  sizes = infer_size(std::move(sizes), t.numel(), t);
  Shape strides;
  if (compute_view_strides(t.sizes(), t.strides(), sizes, strides))
    return as_strided(t, sizes, strides, t.offset());
  return view(clone(t), sizes);
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  start_dim = wrap_dim(start_dim, t.dim(), "flatten");
  end_dim = wrap_dim(end_dim, t.dim(), "flatten");
  if (start_dim > end_dim) throw std::invalid_argument("flatten: start_dim must not exceed end_dim");
  Shape s;
  for (int64_t i = 0; i < start_dim; ++i) s.push_back(t.size(i));
  int64_t n = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) n *= t.size(i);
  s.push_back(n);
  for (int64_t i = end_dim + 1; i < t.dim(); ++i) s.push_back(t.size(i));
  return reshape(t, s);
}

Tensor squeeze(const Tensor& t) {
  Shape s, st;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.size(i) != 1) { s.push_back(t.size(i)); st.push_back(t.stride(i)); }
  return as_strided(t, s, st, t.offset());
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  if (t.dim() == 0) return t;
  dim = wrap_dim(dim, t.dim(), "squeeze");
  if (t.size(dim) != 1) return t;
  Shape s = t.sizes(), st = t.strides();
  s.erase(s.begin() + dim);
  st.erase(st.begin() + dim);
  return as_strided(t, s, st, t.offset());
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  dim = wrap_dim(dim, t.dim() + 1, "unsqueeze");
  Shape s = t.sizes(), st = t.strides();
  const int64_t stride = dim < t.dim() ? t.stride(dim) * t.size(dim) : 1;
  s.insert(s.begin() + dim, 1);
  st.insert(st.begin() + dim, stride);
  return as_strided(t, s, st, t.offset());
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& dims) {
  if (static_cast<int64_t>(dims.size()) != t.dim())
    throw std::invalid_argument("permute: got " + std::to_string(dims.size()) + " dims for a tensor of shape " +
                                t.shape_string());
  std::vector<bool> seen(dims.size(), false);
  Shape s(dims.size()), st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], t.dim(), "permute");
    if (seen[d]) throw std::invalid_argument("permute: dim " + std::to_string(d) + " repeated");
    seen[d] = true;
    s[i] = t.size(d);
    st[i] = t.stride(d);
  }
  return as_strided(t, s, st, t.offset());
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  if (t.dim() == 0) return t;
  dim0 = wrap_dim(dim0, t.dim(), "transpose");
  dim1 = wrap_dim(dim1, t.dim(), "transpose");
  Shape s = t.sizes(), st = t.strides();
  std::swap(s[dim0], s[dim1]);
  std::swap(st[dim0], st[dim1]);
  return as_strided(t, s, st, t.offset());
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  dim = wrap_dim(dim, t.dim(), "narrow");
  if (start < 0) start += t.size(dim);
  if (start < 0 || length < 0 || start + length > t.size(dim))
    throw std::out_of_range("narrow: range [" + std::to_string(start) + ", " + std::to_string(start + length) +
                            ") is outside dim " + std::to_string(dim) + " of " + t.shape_string());
  Shape s = t.sizes();
  s[dim] = length;
  return as_strided(t, s, t.strides(), t.offset() + start * t.stride(dim));
}

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  dim = wrap_dim(dim, t.dim(), "slice");
  if (step <= 0) throw std::invalid_argument("slice: step must be positive");
  const int64_t n = t.size(dim);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = t.sizes(), st = t.strides();
  s[dim] = (end - start + step - 1) / step;
  st[dim] *= step;
  return as_strided(t, s, st, t.offset() + start * t.stride(dim));
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  dim = wrap_dim(dim, t.dim(), "select");
  const int64_t n = t.size(dim);
  if (index < -n || index >= n)
    throw std::out_of_range("select: index " + std::to_string(index) + " out of range for dim " +
                            std::to_string(dim) + " of " + t.shape_string());
  if (index < 0) index += n;
  Shape s = t.sizes(), st = t.strides();
  const int64_t off = t.offset() + index * st[dim];
  s.erase(s.begin() + dim);
  st.erase(st.begin() + dim);
  return as_strided(t, s, st, off);
}

Tensor expand(const Tensor& t, const Shape& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd < t.dim())
    throw std::invalid_argument("expand: cannot expand " + t.shape_string() + " to fewer dims " + shape_str(sizes));
  Shape s(nd), st(nd);
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t j = i - (nd - t.dim());
    const int64_t have = j >= 0 ? t.size(j) : 1;
    const int64_t want = sizes[i] == -1 ? have : sizes[i];
    if (j < 0 && sizes[i] == -1) throw std::invalid_argument("expand: -1 is not allowed for new leading dims");
    if (want < 0)
      throw std::invalid_argument("expand: invalid size " + std::to_string(want) + " expanding " + t.shape_string() +
                                  " to " + shape_str(sizes));
    if (have == want) {
      s[i] = have;
      st[i] = j >= 0 ? t.stride(j) : 0;
    } else if (have == 1) {
      s[i] = want;
      st[i] = 0;
    } else {
      throw std::invalid_argument("expand: cannot expand " + t.shape_string() + " to " + shape_str(sizes));
    }
  }
  return as_strided(t, s, st, t.offset());
}

void copy_(const Tensor& dst, const Tensor& src) {
  if (dst.device() != src.device()) return copy_across_devices(dst, src);
  if (dst.device().is_cuda()) return copy_on_device(dst, src);
  const Tensor s = src.sizes() == dst.sizes() ? src : expand(src, dst.sizes());
  if (s.is_contiguous() && dst.is_contiguous()) {  // autocast's bulk casts: vectorised, same bits
    const int64_t n = dst.numel();
    if (s.dtype() == DType::f32 && dst.dtype() == DType::bf16)
      return floats_to_bf16(static_cast<const float*>(s.raw_data()), static_cast<bfloat16*>(dst.raw_data()), n);
    if (s.dtype() == DType::bf16 && dst.dtype() == DType::f32)
      return bf16_to_floats(static_cast<const bfloat16*>(s.raw_data()), static_cast<float*>(dst.raw_data()), n);
  }
  dispatch_all(dst.dtype(), "copy", [&]<class D>() {
    dispatch_all(s.dtype(), "copy", [&]<class S>() {
      strided_apply2<D, S>(dst, s, [](D& d, const S& v) {
        if constexpr (std::is_same_v<D, S>) {
          d = v;
        } else if constexpr (std::is_same_v<D, bool>) {
          d = static_cast<double>(v) != 0.0;
        } else {
          d = static_cast<D>(static_cast<compute_t<S>>(v));
        }
      });
    });
  });
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor clone(const Tensor& t) {
  Tensor r = Tensor::empty(t.sizes(), t.options());
  copy_(r, t);
  return r;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor r = Tensor::empty(t.sizes(), TensorOptions(dtype, t.device()));
  copy_(r, t);
  return r;
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  Tensor r = Tensor::empty(t.sizes(), TensorOptions(t.dtype(), device));
  copy_(r, contiguous(t));
  return r;
}

}  // namespace hg::ops
