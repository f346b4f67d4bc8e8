// Owning wrappers of the cuDNN descriptors used by the convolution (ops/cuda/conv.cpp), and the
// data-type mapping. Host code of the backend only (names cuDNN types). Every descriptor is
// destroyed by its wrapper, also when a call in between throws.
#pragma once
#include <cudnn.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "ops/cuda/check.h"
#include "tensor/dtype_code.h"

namespace hg::cuda::cudnn_desc {

inline cudnnDataType_t data_type(DType dt) {
  switch (dt) {
    case DType::f32: return CUDNN_DATA_FLOAT;
    case DType::f64: return CUDNN_DATA_DOUBLE;
    case DType::f16: return CUDNN_DATA_HALF;
    case DType::bf16: return CUDNN_DATA_BFLOAT16;
    default: break;
  }
  throw std::invalid_argument("cuDNN: expected a floating dtype");
}

// cuDNN takes int sizes; larger tensors are refused with the name of the offending quantity.
inline int as_int(int64_t v, const char* what) {
  if (v < 0 || v > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("cuDNN: ") + what + " = " + std::to_string(v) + " does not fit in int");
  return static_cast<int>(v);
}

// A dense NCHW tensor.
class Tensor4d {
 public:
  Tensor4d(DType dt, int64_t n, int64_t c, int64_t h, int64_t w) {
    HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d_));
    try {
      HG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d_, CUDNN_TENSOR_NCHW, data_type(dt), as_int(n, "N"),
                                                as_int(c, "C"), as_int(h, "H"), as_int(w, "W")));
    } catch (...) {
      cudnnDestroyTensorDescriptor(d_);
      throw;
    }
  }
  ~Tensor4d() { cudnnDestroyTensorDescriptor(d_); }
  Tensor4d(const Tensor4d&) = delete;
  Tensor4d& operator=(const Tensor4d&) = delete;
  cudnnTensorDescriptor_t get() const { return d_; }

 private:
  cudnnTensorDescriptor_t d_ = nullptr;
};

// Convolution weights [O, C/groups, kh, kw].
class Filter4d {
 public:
  Filter4d(DType dt, int64_t o, int64_t c, int64_t kh, int64_t kw) {
    HG_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d_));
    try {
      HG_CUDNN_CHECK(cudnnSetFilter4dDescriptor(d_, data_type(dt), CUDNN_TENSOR_NCHW, as_int(o, "O"),
                                                as_int(c, "C/groups"), as_int(kh, "kh"), as_int(kw, "kw")));
    } catch (...) {
      cudnnDestroyFilterDescriptor(d_);
      throw;
    }
  }
  ~Filter4d() { cudnnDestroyFilterDescriptor(d_); }
  Filter4d(const Filter4d&) = delete;
  Filter4d& operator=(const Filter4d&) = delete;
  cudnnFilterDescriptor_t get() const { return d_; }

 private:
  cudnnFilterDescriptor_t d_ = nullptr;
};

// Cross-correlation (torch's conv2d) with padding/stride/dilation/groups; `compute` is the
// accumulation type (float for f16/bf16/f32, double for f64).
class Convolution {
 public:
  Convolution(int64_t ph, int64_t pw, int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t groups,
              cudnnDataType_t compute) {
    HG_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d_));
    try {
      HG_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(d_, as_int(ph, "pad_h"), as_int(pw, "pad_w"),
                                                     as_int(sh, "stride_h"), as_int(sw, "stride_w"),
                                                     as_int(dh, "dilation_h"), as_int(dw, "dilation_w"),
                                                     CUDNN_CROSS_CORRELATION, compute));
      HG_CUDNN_CHECK(cudnnSetConvolutionGroupCount(d_, as_int(groups, "groups")));
    } catch (...) {
      cudnnDestroyConvolutionDescriptor(d_);
      throw;
    }
  }
  ~Convolution() { cudnnDestroyConvolutionDescriptor(d_); }
  Convolution(const Convolution&) = delete;
  Convolution& operator=(const Convolution&) = delete;
  cudnnConvolutionDescriptor_t get() const { return d_; }
  void set_math(cudnnMathType_t m) const { HG_CUDNN_CHECK(cudnnSetConvolutionMathType(d_, m)); }

 private:
  cudnnConvolutionDescriptor_t d_ = nullptr;
};

// The alpha/beta scaling factors: double for f64 data, float otherwise (cuDNN's rule).
struct Scale {
  explicit Scale(DType dt, double v) : is_double(dt == DType::f64), d(v), f(static_cast<float>(v)) {}
  const void* ptr() const { return is_double ? static_cast<const void*>(&d) : static_cast<const void*>(&f); }
  bool is_double;
  double d;
  float f;
};

}  // namespace hg::cuda::cudnn_desc
