// HG_HOST_DEVICE marks a function that is compiled for both the CPU and, under nvcc, the GPU.
// Element-wise formulas are written once with it so the CPU tests cover the arithmetic the GPU runs.
#pragma once
#if defined(__CUDACC__)
#define HG_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define HG_HOST_DEVICE inline
#endif
