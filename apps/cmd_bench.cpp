// `handgrad bench`: times one ResNet training step and one inference batch on random data, and
// reports the peak resident memory — the workload tests/bench/torch_reference.py runs in PyTorch.
//
//   training step  = zero_grad, forward (train mode), cross-entropy loss, backward, Adam step
//                    (with --amp f16 the loss is scaled by a GradScaler, as an f16 run must be)
//   inference      = forward in eval mode under no_grad
//   model          = torchvision's resnet18 / resnet50 with its default 1000-class fc head,
//                    kaiming init from a Generator; input N(0, 1) [batch, 3, size, size], targets
//                    uniform in [0, 1000) from the same Generator
//   times          = wall clock of each of --steps steps after --warmup untimed ones; the table
//                    shows the median (and mean); images/s = batch / median
//   peak RSS       = VmHWM of /proc/self/status at the end (the whole process: model, Adam state,
//                    activations, allocator cache)
//   --device cuda[:N]  model, data and Adam state live on that GPU; the host waits for the device
//                    (synchronize) before every clock reading, so a time covers the work, not its
//                    queuing; the memory figure is the device pool's peak (ops/cuda/device_allocator.h
//                    memory_stats: allocated = in tensors, reserved = obtained from the driver,
//                    cache included) instead of the host's RSS, which is still printed.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "apps/commands.h"
#include "apps/device_option.h"
#include "autograd/autocast.h"
#include "autograd/loss.h"
#include "autograd/node.h"
#include "nn/grad_scaler.h"
#include "nn/optim_adam.h"
#include "nn/resnet.h"
#include "tensor/factory.h"
#include "tensor/view.h"

#if HANDGRAD_WITH_CUDA
#include "ops/cuda/context.h"
#include "ops/cuda/device_allocator.h"
#endif

namespace hg::apps {
namespace {

struct BenchOptions {
  std::string arch = "resnet18";
  int64_t batch = 32, size = 128, steps = 5, warmup = 1, threads = 0;
  std::string amp;  // "" (f32), "bf16" or "f16"
  std::string device = "cpu";
  uint64_t seed = 0;
  bool json = false;
};

struct Timing {
  std::vector<double> ms;
  double median() const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    const size_t n = s.size();
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
  double mean() const { return std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size()); }
  double min() const { return *std::min_element(ms.begin(), ms.end()); }
};

// Waits until the device has finished the work queued so far (nothing to wait for on the CPU).
void synchronize(Device device) {
#if HANDGRAD_WITH_CUDA
  if (device.is_cuda()) cuda::synchronize(device.index);
#else
  (void)device;
#endif
}

// Peak allocated and reserved bytes of the device's pool, in MiB ({-1, -1} on the CPU).
std::pair<double, double> device_peak_mib(Device device) {
#if HANDGRAD_WITH_CUDA
  if (device.is_cuda()) {
    const BlockPoolStats s = cuda::memory_stats(device.index);
    const double mib = 1 << 20;
    return {static_cast<double>(s.peak_allocated_bytes) / mib, static_cast<double>(s.peak_reserved_bytes) / mib};
  }
#else
  (void)device;
#endif
  return {-1, -1};
}

// Runs f warmup + steps times; returns the wall-clock milliseconds of the timed runs (the device
// finishes each run before the clock is read).
template <class F>
Timing time_runs(int64_t warmup, int64_t steps, Device device, F&& f) {
  Timing t;
  for (int64_t i = 0; i < warmup + steps; ++i) {
    synchronize(device);
    const auto start = std::chrono::steady_clock::now();
    f();
    synchronize(device);
    const std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - start;
    if (i >= warmup) t.ms.push_back(d.count());
  }
  return t;
}

// Peak resident set size of this process in MiB (VmHWM), or -1 where /proc is unavailable.
double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  123456 kB"
  return -1;
}

int run_bench(const BenchOptions& o) {
  const Device device = require_device_option(o.device);
  if (o.threads > 0) {
    omp_set_num_threads(static_cast<int>(o.threads));
    Eigen::setNbThreads(static_cast<int>(o.threads));
  }
  const bool amp = !o.amp.empty();
  const DType low = o.amp == "f16" ? DType::f16 : DType::bf16;

  Generator gen(o.seed);
  auto model = nn::resnet(o.arch == "resnet50" ? 50 : 18, {.num_classes = 1000, .generator = &gen});
  const Tensor x = ops::to_device(randn({o.batch, 3, o.size, o.size}, DType::f32, &gen), device);
  const Tensor y = ops::to_device(randint(0, 1000, {o.batch}, DType::i64, &gen), device);
  model->to(device);
  nn::Adam adam(model->named_parameters(), nn::AdamOptions{.lr = 1e-3});
  nn::GradScaler scaler(nn::GradScalerOptions{.enabled = amp && low == DType::f16});

  // The training step, with the time of each phase noted (where the time goes).
  double last_loss = 0;
  Timing phase[3];  // forward + loss, backward, optimiser step
  int64_t step = 0;
  auto now = [device] {
    synchronize(device);
    return std::chrono::steady_clock::now();
  };
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  model->train();
  const Timing train = time_runs(o.warmup, o.steps, device, [&] {
    const auto t0 = now();
    adam.zero_grad();
    Tensor loss;
    {
      AutocastGuard ac(amp, low);
      loss = cross_entropy(model->forward(x), y);
    }
    const auto t1 = now();
    scaler.scale(loss).backward();
    const auto t2 = now();
    scaler.step(adam);
    scaler.update();
    const auto t3 = now();
    if (step++ >= o.warmup)
      for (auto [i, a, b] : {std::tuple{0, t0, t1}, std::tuple{1, t1, t2}, std::tuple{2, t2, t3}})
        phase[i].ms.push_back(ms(a, b));
    last_loss = loss.item<double>();
  });

  model->eval();
  const Timing infer = time_runs(o.warmup, o.steps, device, [&] {
    NoGradGuard no_grad;
    AutocastGuard ac(amp, low);
    model->forward(x);
  });
  const double rss = peak_rss_mib();
  const auto [device_peak, device_reserved] = device_peak_mib(device);
  const double b = static_cast<double>(o.batch);
  const std::string precision = amp ? o.amp + " autocast" : "f32";

  if (o.json) {
    nlohmann::json j = {
        {"framework", "handgrad"},
        {"arch", o.arch},
        {"batch", o.batch},
        {"size", o.size},
        {"amp", amp ? o.amp : "off"},
        {"device", device.str()},
        {"steps", o.steps},
        {"warmup", o.warmup},
        {"threads", omp_get_max_threads()},
        {"parameters", model->parameter_count()},
        {"train_ms", train.median()},
        {"train_ms_mean", train.mean()},
        {"train_ms_all", train.ms},
        {"infer_ms", infer.median()},
        {"infer_ms_mean", infer.mean()},
        {"infer_ms_all", infer.ms},
        {"train_forward_ms", phase[0].median()},
        {"train_backward_ms", phase[1].median()},
        {"train_optimizer_ms", phase[2].median()},
        {"train_images_per_s", b * 1000.0 / train.median()},
        {"infer_images_per_s", b * 1000.0 / infer.median()},
        {"peak_rss_mib", rss},
        {"peak_device_allocated_mib", device.is_cuda() ? nlohmann::json(device_peak) : nlohmann::json()},
        {"peak_device_reserved_mib", device.is_cuda() ? nlohmann::json(device_reserved) : nlohmann::json()},
        {"final_loss", last_loss},
    };
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("handgrad bench: %s (fc 1000), batch %ld, %ldx%ld, %s, on %s, %d threads, %ld steps after %ld warm-up\n",
              o.arch.c_str(), static_cast<long>(o.batch), static_cast<long>(o.size), static_cast<long>(o.size),
              precision.c_str(), device.str().c_str(), omp_get_max_threads(), static_cast<long>(o.steps),
              static_cast<long>(o.warmup));
  std::printf("  %-34s %10s %10s %10s %10s\n", "", "median ms", "mean ms", "min ms", "images/s");
  std::printf("  %-34s %10.1f %10.1f %10.1f %10.1f\n", "train step (fwd+loss+bwd+Adam)", train.median(),
              train.mean(), train.min(), b * 1000.0 / train.median());
  const char* phase_names[3] = {"  of which forward + loss", "  of which backward", "  of which Adam step"};
  for (int i = 0; i < 3; ++i)
    std::printf("  %-34s %10.1f %10.1f %10.1f\n", phase_names[i], phase[i].median(), phase[i].mean(), phase[i].min());
  std::printf("  %-34s %10.1f %10.1f %10.1f %10.1f\n", "inference (eval, no_grad)", infer.median(), infer.mean(),
              infer.min(), b * 1000.0 / infer.median());
  if (device.is_cuda())
    std::printf("  peak %s memory %.0f MiB in tensors, %.0f MiB reserved (host peak RSS %.0f MiB); "
                "last training loss %.4f\n",
                device.str().c_str(), device_peak, device_reserved, rss, last_loss);
  else
    std::printf("  peak RSS %.0f MiB; last training loss %.4f\n", rss, last_loss);
  return std::isfinite(last_loss) ? 0 : 1;
}

}  // namespace

Run add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Time a ResNet training step and inference batch on random data");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("--arch", o->arch, "Network (torchvision's, with its 1000-class fc)")
      ->check(CLI::IsMember({"resnet18", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Images per batch")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--size", o->size, "Image height and width in pixels")
      ->check(CLI::Range(32, 2048))
      ->capture_default_str();
  cmd->add_option("--amp", o->amp, "Mixed precision: autocast to bf16 or f16 (default: f32)")
      ->check(CLI::IsMember({"bf16", "f16"}));
  cmd->add_option("--steps", o->steps, "Timed steps")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed steps first")->check(CLI::Range(0, 100000))->capture_default_str();
  cmd->add_option("--threads", o->threads, "OpenMP/Eigen threads (0: OMP_NUM_THREADS or all cores)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Generator seed for the weights and the data")->capture_default_str();
  cmd->add_option("--device", o->device, "Where the model, data and optimiser live: cpu, cuda or cuda:N")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object instead of the table");
  return [o] { return run_bench(*o); };
}

}  // namespace hg::apps
