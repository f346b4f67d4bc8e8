// Data-loader throughput with the full PeCLR augmentation (REFERENCE.md §1: crop, scale, rotation,
// translation, HSV colour jitter) at 128 × 128, two views per sample, batches of 128.
//
//   bench_loader                                      # in-memory 224 × 224 images
//   HG_FREIHAND_DIR=/data/synth bench_loader          # also the FreiHAND-layout set there (JPEG decoding
//                                                     # included; e.g. one written by `handgrad synth`)
//
// Rows: loader/<workers>/<batch> (wall-clock rates: samples/s = images/s of the data set, views/s =
// augmented 128 × 128 images/s), one_view (one augmented view on the calling thread, one OpenMP
// thread as in a worker; views/s is per CPU second), and
// freihand/<workers>/<batch> (skipped without HG_FREIHAND_DIR). Compare samples/s with the training
// step's images/s: `handgrad bench --arch resnet18 --batch 128 --size 128`.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "hand/augment_pipeline.h"
#include "hand/camera.h"
#include "hand/freihand.h"
#include "hand/hand_batch.h"
#include "nn/data_loader.h"
#include "tensor/factory.h"

namespace {

using namespace hg;
using namespace hg::hand;

// 64 random 224 × 224 images with a hand-sized keypoint cloud in front of a FreiHAND-like camera.
class MemorySet final : public HandDataset {
 public:
  MemorySet() {
    for (uint64_t i = 0; i < 64; ++i) {
      Generator g(i);
      std::vector<double> p;
      for (int k = 0; k < 21; ++k) {
        p.push_back(g.uniform(-0.05, 0.05));
        p.push_back(g.uniform(-0.05, 0.05));
        p.push_back(0.5 + g.uniform(-0.03, 0.03));
      }
      HandSample s;
      s.xyz = from_vector(p, {21, 3}, DType::f32);
      s.K = from_vector(std::vector<double>{560, 0, 111.5, 0, 560, 111.5, 0, 0, 1}, {3, 3}, DType::f32);
      s.uv = project(s.xyz, s.K);
      s.valid = ones({21});
      s.image = rand({3, 224, 224}, DType::f32, &g);
      s.scale = 0.03;
      s.source = "memory:" + std::to_string(i);
      samples_.push_back(s);
    }
  }
  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  HandSample get(int64_t i) const override { return samples_.at(static_cast<size_t>(i)); }
  std::string name() const override { return "memory"; }

 private:
  std::vector<HandSample> samples_;
};

std::shared_ptr<HandExampleSource> peclr_source(HandDatasetPtr data) {
  return std::make_shared<HandExampleSource>(std::move(data), AugmentPipeline(augment_preset("peclr")),
                                             HandBatchOptions{.views = 2});
}

void run_loader(benchmark::State& state, const std::shared_ptr<HandExampleSource>& source) {
  nn::DataLoader loader(source, {.batch_size = state.range(1), .num_workers = state.range(0), .seed = 1});
  int64_t samples = 0;
  for (auto _ : state) {
    auto batch = loader.next();
    if (!batch) batch = loader.next();  // next epoch
    samples += batch->size();
    benchmark::DoNotOptimize(batch->at("view0/image").raw_data());
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["views/s"] = benchmark::Counter(2.0 * static_cast<double>(samples), benchmark::Counter::kIsRate);
}

std::shared_ptr<const MemorySet> memory_set() {
  static const auto data = std::make_shared<const MemorySet>();
  return data;
}

void BM_Loader(benchmark::State& state) { run_loader(state, peclr_source(memory_set())); }
BENCHMARK(BM_Loader)->Name("loader")->Args({1, 128})->Args({2, 128})->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_OneView(benchmark::State& state) {
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);  // as inside a loader worker
  const auto data = memory_set();
  const AugmentPipeline pipe(augment_preset("peclr"));
  int64_t i = 0;
  for (auto _ : state) {
    const HandSample s = data->get(i % data->size());
    AugmentedSample a = pipe(s, nn::SampleKey{1, 0, i++}, 0);
    benchmark::DoNotOptimize(a.sample.image.raw_data());
  }
  state.counters["views/s"] = benchmark::Counter(static_cast<double>(i), benchmark::Counter::kIsRate);
  omp_set_num_threads(threads);
}
BENCHMARK(BM_OneView)->Name("one_view")->Unit(benchmark::kMicrosecond);

void BM_FreiHand(benchmark::State& state) {
  const char* dir = std::getenv("HG_FREIHAND_DIR");
  if (!dir || !*dir) {
    state.SkipWithError("set HG_FREIHAND_DIR to a FreiHAND-layout directory (e.g. from `handgrad synth`)");
    for (auto _ : state) {
    }
    return;
  }
  run_loader(state, peclr_source(std::make_shared<FreiHandDataset>(dir)));
}
BENCHMARK(BM_FreiHand)->Name("freihand")->Args({2, 128})->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
