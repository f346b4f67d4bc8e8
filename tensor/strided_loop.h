// strided_apply: the one loop every CPU element-wise kernel runs through.
//
// Given N tensors of the same shape (broadcast inputs have stride 0), it merges dims that are
// contiguous with each other, then walks the outer index space (in parallel with OpenMP for large
// tensors, in fixed chunks so results do not depend on the thread count) and calls an inner loop
// over the last dim. When every operand is contiguous in that dim the inner loop has unit stride
// and the compiler vectorises it.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>
#include <utility>

#include "tensor/tensor.h"

namespace hg {

// Dims and per-operand strides after merging; sizes.size() >= 1.
template <size_t N>
struct CoalescedLayout {
  Shape sizes;
  std::array<Shape, N> strides;
};

template <size_t N>
CoalescedLayout<N> coalesce(const Shape& sizes, const std::array<const Shape*, N>& strides) {
  CoalescedLayout<N> out;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    if (!out.sizes.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < N; ++k)
        if (out.strides[k].back() != (*strides[k])[d] * sizes[d]) mergeable = false;
      if (mergeable) {
        out.sizes.back() *= sizes[d];
        for (size_t k = 0; k < N; ++k) out.strides[k].back() = (*strides[k])[d];
        continue;
      }
    }
    out.sizes.push_back(sizes[d]);
    for (size_t k = 0; k < N; ++k) out.strides[k].push_back((*strides[k])[d]);
  }
  if (out.sizes.empty()) {
    out.sizes.push_back(1);
    for (size_t k = 0; k < N; ++k) out.strides[k].push_back(0);
  }
  return out;
}

namespace detail {
template <class Tuple, class F, size_t... K>
void run_inner(const Tuple& bases, const int64_t* off, const int64_t* stride, bool unit, int64_t begin,
               int64_t end, F& f, std::index_sequence<K...>) {
  if (unit) {
    auto ptrs = std::make_tuple((std::get<K>(bases) + off[K])...);
    for (int64_t i = begin; i < end; ++i) f(std::get<K>(ptrs)[i]...);
  } else {
    for (int64_t i = begin; i < end; ++i) f(std::get<K>(bases)[off[K] + i * stride[K]]...);
  }
}
}  // namespace detail

// Calls f(e0, e1, ...) with references to the N elements at every index of `sizes`.
template <class... T, class F>
void strided_apply_n(const Shape& sizes, std::tuple<T*...> bases,
                     const std::array<const Shape*, sizeof...(T)>& strides, F&& f) {
  constexpr size_t N = sizeof...(T);
  const int64_t numel = shape_numel(sizes);
  if (numel == 0) return;
  const CoalescedLayout<N> lay = coalesce<N>(sizes, strides);
  const int64_t nd = static_cast<int64_t>(lay.sizes.size());
  const int64_t inner = lay.sizes.back();
  const int64_t outer = numel / inner;
  std::array<int64_t, N> inner_stride;
  bool unit = true;
  for (size_t k = 0; k < N; ++k) {
    inner_stride[k] = lay.strides[k].back();
    unit = unit && inner_stride[k] == 1;
  }

  auto run_rows = [&](int64_t row_begin, int64_t row_end) {
    // Decompose row_begin into an index over the outer dims, then increment it row by row.
    Shape idx(nd, 0);
    int64_t r = row_begin;
    for (int64_t d = nd - 2; d >= 0; --d) {
      idx[d] = r % lay.sizes[d];
      r /= lay.sizes[d];
    }
    std::array<int64_t, N> off{};
    for (size_t k = 0; k < N; ++k)
      for (int64_t d = 0; d < nd - 1; ++d) off[k] += idx[d] * lay.strides[k][d];
    for (int64_t row = row_begin; row < row_end; ++row) {
      detail::run_inner(bases, off.data(), inner_stride.data(), unit, 0, inner, f,
                        std::make_index_sequence<N>{});
      for (int64_t d = nd - 2; d >= 0; --d) {  // advance the outer index
        ++idx[d];
        for (size_t k = 0; k < N; ++k) off[k] += lay.strides[k][d];
        if (idx[d] < lay.sizes[d]) break;
        for (size_t k = 0; k < N; ++k) off[k] -= lay.strides[k][d] * lay.sizes[d];
        idx[d] = 0;
      }
    }
  };

  constexpr int64_t kGrain = 32768;  // elements per parallel chunk
  if (numel < 2 * kGrain) {
    run_rows(0, outer);
    return;
  }
  if (outer == 1) {  // one long row: split it
    const std::array<int64_t, N> zero{};
    const int64_t chunks = (inner + kGrain - 1) / kGrain;
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c)
      detail::run_inner(bases, zero.data(), inner_stride.data(), unit, c * kGrain,
                        std::min(inner, (c + 1) * kGrain), f, std::make_index_sequence<N>{});
    return;
  }
  const int64_t rows_per_chunk = std::max<int64_t>(1, kGrain / inner);
  const int64_t chunks = (outer + rows_per_chunk - 1) / rows_per_chunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c)
    run_rows(c * rows_per_chunk, std::min(outer, (c + 1) * rows_per_chunk));
}

// Convenience forms on tensors of equal shape (callers broadcast first).
template <class A, class F>
void strided_apply1(const Tensor& a, F&& f) {
  strided_apply_n(a.sizes(), std::make_tuple(static_cast<A*>(a.raw_data())), {&a.strides()}, f);
}
template <class A, class B, class F>
void strided_apply2(const Tensor& a, const Tensor& b, F&& f) {
  strided_apply_n(a.sizes(),
                  std::make_tuple(static_cast<A*>(a.raw_data()), static_cast<B*>(b.raw_data())),
                  {&a.strides(), &b.strides()}, f);
}
template <class A, class B, class C, class F>
void strided_apply3(const Tensor& a, const Tensor& b, const Tensor& c, F&& f) {
  strided_apply_n(a.sizes(),
                  std::make_tuple(static_cast<A*>(a.raw_data()), static_cast<B*>(b.raw_data()),
                                  static_cast<C*>(c.raw_data())),
                  {&a.strides(), &b.strides(), &c.strides()}, f);
}
template <class A, class B, class C, class D, class F>
void strided_apply4(const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& d, F&& f) {
  strided_apply_n(a.sizes(),
                  std::make_tuple(static_cast<A*>(a.raw_data()), static_cast<B*>(b.raw_data()),
                                  static_cast<C*>(c.raw_data()), static_cast<D*>(d.raw_data())),
                  {&a.strides(), &b.strides(), &c.strides(), &d.strides()}, f);
}

// Copies through the hooks the CUDA backend installs (tensor/device_copy.h): between devices, and
// between two tensors on the same GPU.
void copy_across_devices(const Tensor& dst, const Tensor& src);
void copy_on_device(const Tensor& dst, const Tensor& src);

}  // namespace hg
