#include "nn/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace hg::nn {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--:--";
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char b[32];
  std::snprintf(b, sizeof b, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return b;
}

std::string format_progress(const ProgressState& s, double eta_seconds, int bar_width) {
  const double fraction = s.steps > 0 ? std::min(1.0, std::max(0.0, static_cast<double>(s.step) / s.steps)) : 0.0;
  const int filled = static_cast<int>(fraction * bar_width + 1e-9);
  std::string bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  char b[256];
  std::snprintf(b, sizeof b, "epoch %lld/%lld %s step %lld/%lld loss %.4f lr %.2e %.0f img/s ETA %s",
                static_cast<long long>(s.epoch), static_cast<long long>(s.epochs), bar.c_str(),
                static_cast<long long>(s.step), static_cast<long long>(s.steps), s.loss, s.lr, s.images_per_second,
                format_duration(eta_seconds).c_str());
  return b;
}

Progress::Progress(std::FILE* out, int interactive, double log_every_seconds)
    : out_(out),
      interactive_(interactive < 0 ? ::isatty(::fileno(out)) != 0 : interactive != 0),
      log_every_(log_every_seconds),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_),
      last_update_(start_) {}

void Progress::update(const ProgressState& in, int64_t images) {
  const auto now = std::chrono::steady_clock::now(), previous = last_update_;
  const double dt = std::chrono::duration<double>(now - previous).count();
  last_update_ = now;
  if (start_step_ < 0) start_step_ = in.step - 1, start_ = previous;  // the ETA counts from the first step's start
  if (dt > 0 && images > 0) rate_ = rate_ == 0 ? images / dt : 0.8 * rate_ + 0.2 * images / dt;
  ProgressState s = in;
  s.images_per_second = rate_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t done = s.step - start_step_;
  const double eta = done > 0 ? elapsed / done * (s.steps - s.step) : -1;
  if (interactive_) {
    std::fprintf(out_, "\r%s\x1b[K", format_progress(s, eta).c_str());
    std::fflush(out_);
  } else if (std::chrono::duration<double>(now - last_print_).count() >= log_every_) {
    std::fprintf(out_, "%s\n", format_progress(s, eta).c_str());
    std::fflush(out_);
    last_print_ = now;
  }
}

void Progress::finish_epoch(const ProgressState& in) {
  ProgressState s = in;
  s.images_per_second = rate_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t done = s.step - start_step_;
  const double eta = done > 0 ? elapsed / done * (s.steps - s.step) : -1;
  if (interactive_) std::fprintf(out_, "\r%s\x1b[K\n", format_progress(s, eta).c_str());
  else std::fprintf(out_, "%s\n", format_progress(s, eta).c_str());
  std::fflush(out_);
  last_print_ = std::chrono::steady_clock::now();
}

}  // namespace hg::nn
