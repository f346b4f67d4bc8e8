// Benchmarks: Eigen's and handgrad's f32 GEMM and conv2d forward / backward-input / backward-weight
// on ResNet-18/50 layer shapes at batch 32 with 128x128 input images, reported as GFLOP/s and as a
// percentage of the GEMM rate measured in the same run (conv flops = 2 N O Ho Wo C/G kh kw). The
// 3x3 stride-1 shapes also run with ConvCpuTuning::winograd off ("..._no_winograd" rows).
//
//   bench_gemm_conv --benchmark_min_time=0.5                 # everything, automatic strategy
//   bench_gemm_conv --threading=all                          # also force batch- and GEMM-parallel
//
// gemm_f32/2048 is Eigen's own multi-threaded GEMM (the reference for pct_gemm);
// gemm_f32_per_thread/2048 runs one single-threaded GEMM per thread at the same time (the
// practical ceiling of the batch-parallel strategy). handgrad_gemm_f32/... are the same two for
// handgrad's own GEMM (ops/cpu/gemm_f32.h, which the f32 conv runs on), plus conv-shaped products
// (M x N x K of a 3x3 forward on the 32x32 and 4x4 layers) on one thread.
//
// The GEMM benchmark runs first (registration order) so its rate is known when the conv rows compute
// "pct_gemm"; filter it out and pct_gemm is omitted.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <chrono>
#include <omp.h>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ops/conv.h"
#include "ops/cpu/gemm_f32.h"
#include "ops/pool.h"
#include "tensor/factory.h"

namespace {

using hg::Tensor;
using hg::ops::Conv2dParams;
using hg::ops::ConvThreading;

double g_gemm_flops_per_s = 0;  // set by BM_Gemm

// Wall time summed over the timed iterations (the work runs on several threads, so CPU time of the
// calling thread would understate it).
struct WallClock {
  std::chrono::steady_clock::time_point t0;
  double seconds = 0;
  void start() { t0 = std::chrono::steady_clock::now(); }
  void stop() { seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

void BM_Gemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  WallClock clock;
  for (auto _ : state) {
    clock.start();
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
    clock.stop();
  }
  const double rate = 2.0 * n * n * n * state.iterations() / clock.seconds;
  state.counters["GFLOPs"] = rate * 1e-9;
  g_gemm_flops_per_s = rate;
}

// The same GEMM run independently on every thread at once (single-threaded GEMMs inside an OpenMP
// region, as the batch-parallel conv does): the machine's practical ceiling. Reported as the total
// rate of all threads.
void BM_GemmPerThread(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = omp_get_max_threads();
  std::vector<Eigen::MatrixXf> a(threads), b(threads), c(threads);
  for (int t = 0; t < threads; ++t) {
    a[t] = Eigen::MatrixXf::Random(n, n), b[t] = Eigen::MatrixXf::Random(n, n), c[t].resize(n, n);
  }
  WallClock clock;
  for (auto _ : state) {
    clock.start();
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      c[t].noalias() = a[t] * b[t];
    }
    benchmark::ClobberMemory();
    clock.stop();
  }
  state.counters["GFLOPs"] = 2.0 * n * n * n * threads * state.iterations() / clock.seconds * 1e-9;
}

// handgrad's GEMM, C[M, N] = A[M, K] B[K, N] with A packed once (as the conv packs its weights);
// threads = 0: gemm_parallel on all threads; 1: one single-threaded call per thread at once.
void BM_HandgradGemm(benchmark::State& state, int64_t M, int64_t N, int64_t K, bool per_thread) {
  namespace gm = hg::ops::cpu::gemm;
  const int threads = per_thread ? omp_get_max_threads() : 1;
  std::vector<std::vector<float>> a(threads), b(threads), c(threads);
  std::vector<std::unique_ptr<gm::PackedA>> packed;
  for (int t = 0; t < threads; ++t) {
    a[t] = std::vector<float>(M * K, 0.5f), b[t] = std::vector<float>(K * N, 0.25f), c[t].resize(M * N);
    packed.push_back(std::make_unique<gm::PackedA>(M, K, gm::View::row_major(a[t].data(), K)));
  }
  WallClock clock;
  for (auto _ : state) {
    clock.start();
    if (per_thread) {
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        gm::gemm(N, *packed[t], gm::View::row_major(b[t].data(), N), gm::Out{c[t].data(), N}, false);
      }
    } else {
      gm::gemm_parallel(N, *packed[0], gm::View::row_major(b[0].data(), N), gm::Out{c[0].data(), N}, false);
    }
    benchmark::ClobberMemory();
    clock.stop();
  }
  state.counters["GFLOPs"] = 2.0 * M * N * K * threads * state.iterations() / clock.seconds * 1e-9;
  if (g_gemm_flops_per_s > 0)
    state.counters["pct_gemm"] = 100.0 * 2.0 * M * N * K * threads * state.iterations() / clock.seconds / g_gemm_flops_per_s;
}

struct ConvShape {
  const char* name;
  int64_t N, C, H, W, O, k, stride, pad;
};

// ResNet-18 and ResNet-50 (torchvision v1.5: stride on the 3x3) at batch 32, 128x128 input (the 3x3
// stride-1 rows run Winograd F(2x2, 3x3) unless ConvCpuTuning::winograd is off; GFLOPs counts the
// direct conv's flops, so it can exceed the machine's peak); the four stride-1 3x3 shapes are
// shared, "r18_" rows are ResNet-18's stride-2 convs.
const std::vector<ConvShape> kShapes = {
    {"conv1_7x7s2_3to64_128", 32, 3, 128, 128, 64, 7, 2, 3},
    {"l1_3x3_64_32", 32, 64, 32, 32, 64, 3, 1, 1},
    {"l2_3x3_128_16", 32, 128, 16, 16, 128, 3, 1, 1},
    {"l3_3x3_256_8", 32, 256, 8, 8, 256, 3, 1, 1},
    {"l4_3x3_512_4", 32, 512, 4, 4, 512, 3, 1, 1},
    {"l2_3x3s2_128_32", 32, 128, 32, 32, 128, 3, 2, 1},
    {"l1_1x1_64to256_32", 32, 64, 32, 32, 256, 1, 1, 0},
    {"l1_1x1_256to64_32", 32, 256, 32, 32, 64, 1, 1, 0},
    {"l3_1x1_1024to256_8", 32, 1024, 8, 8, 256, 1, 1, 0},
    {"l4_1x1_512to2048_4", 32, 512, 4, 4, 2048, 1, 1, 0},
    {"l2_down_1x1s2_256to512_32", 32, 256, 32, 32, 512, 1, 2, 0},
    {"r18_l2_3x3s2_64to128_32", 32, 64, 32, 32, 128, 3, 2, 1},
    {"r18_l3_3x3s2_128to256_16", 32, 128, 16, 16, 256, 3, 2, 1},
    {"r18_l4_3x3s2_256to512_8", 32, 256, 8, 8, 512, 3, 2, 1},
    {"r18_l2_down_1x1s2_64to128_32", 32, 64, 32, 32, 128, 1, 2, 0},
};

enum Pass { kForward, kBackwardInput, kBackwardWeight };
const char* kPassName[] = {"fwd", "bwd_input", "bwd_weight"};
const char* kModeName[] = {"auto", "batch", "gemm"};

void BM_Conv(benchmark::State& state, ConvShape s, Pass pass, ConvThreading mode, bool winograd) {
  hg::ops::conv_cpu_tuning().threading = mode;
  hg::ops::conv_cpu_tuning().winograd = winograd;
  const Conv2dParams p = Conv2dParams::square(s.stride, s.pad);
  Tensor x = hg::randn({s.N, s.C, s.H, s.W});
  Tensor w = hg::randn({s.O, s.C, s.k, s.k});
  const int64_t Ho = p.out_h(s.H, s.k), Wo = p.out_w(s.W, s.k);
  Tensor gy = hg::randn({s.N, s.O, Ho, Wo});
  WallClock clock;
  for (auto _ : state) {
    clock.start();
    Tensor r;
    switch (pass) {
      case kForward: r = hg::ops::conv2d(x, w, Tensor(), p); break;
      case kBackwardInput: r = hg::ops::conv2d_backward_input(gy, w, x.sizes(), p); break;
      case kBackwardWeight: r = hg::ops::conv2d_backward_weight(gy, x, w.sizes(), p); break;
    }
    benchmark::DoNotOptimize(r.raw_data());
    clock.stop();
  }
  hg::ops::conv_cpu_tuning() = hg::ops::ConvCpuTuning{};
  const double flops = 2.0 * s.N * s.O * Ho * Wo * s.C * s.k * s.k;
  const double rate = flops * state.iterations() / clock.seconds;
  state.counters["GFLOPs"] = rate * 1e-9;
  if (g_gemm_flops_per_s > 0) state.counters["pct_gemm"] = 100.0 * rate / g_gemm_flops_per_s;
}

// The ResNet stem's max pool (3x3, stride 2, padding 1) on conv1's output, forward and backward;
// reported as GB/s of input read (memory-bound, not a GEMM).
void BM_MaxPool(benchmark::State& state, bool backward) {
  Tensor x = hg::randn({32, 64, 64, 64});
  hg::ops::ValuesIndices r = hg::ops::max_pool2d(x, 3, 2, 1);
  Tensor gy = hg::randn(r.values.sizes());
  WallClock clock;
  for (auto _ : state) {
    clock.start();
    Tensor out = backward ? hg::ops::max_pool2d_backward(gy, r.indices, x.sizes()) : hg::ops::max_pool2d(x, 3, 2, 1).values;
    benchmark::DoNotOptimize(out.raw_data());
    clock.stop();
  }
  state.counters["GBs"] = 4.0 * x.numel() * state.iterations() / clock.seconds * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  bool all_modes = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threading=all") == 0) all_modes = true;
    else args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::RegisterBenchmark("gemm_f32/2048", BM_Gemm)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("gemm_f32_per_thread/2048", BM_GemmPerThread)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("handgrad_gemm_f32/2048", BM_HandgradGemm, 2048, 2048, 2048, false)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("handgrad_gemm_f32_per_thread/2048", BM_HandgradGemm, 2048, 2048, 2048, true)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("handgrad_gemm_f32_per_thread/64x4096x576", BM_HandgradGemm, 64, 4096, 576, true)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("handgrad_gemm_f32_per_thread/512x256x4608", BM_HandgradGemm, 512, 256, 4608, true)->Unit(benchmark::kMillisecond)->UseRealTime();
  const std::vector<ConvThreading> modes = all_modes ? std::vector<ConvThreading>{ConvThreading::automatic,
                                                                                  ConvThreading::batch_parallel,
                                                                                  ConvThreading::gemm_parallel}
                                                     : std::vector<ConvThreading>{ConvThreading::automatic};
  for (const ConvShape& s : kShapes)
    for (Pass pass : {kForward, kBackwardInput, kBackwardWeight})
      for (ConvThreading m : modes) {
        const std::string name =
            std::string("conv/") + kPassName[pass] + "/" + s.name + "/" + kModeName[static_cast<int>(m)];
        benchmark::RegisterBenchmark(name.c_str(), BM_Conv, s, pass, m, true)->Unit(benchmark::kMillisecond)->UseRealTime();
        if (s.k == 3 && s.stride == 1)  // the same conv on the implicit GEMM, side by side
          benchmark::RegisterBenchmark((name + "_no_winograd").c_str(), BM_Conv, s, pass, m, false)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
      }
  benchmark::RegisterBenchmark("max_pool2d/fwd/3x3s2p1_64_64", BM_MaxPool, false)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("max_pool2d/bwd/3x3s2p1_64_64", BM_MaxPool, true)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
