// A training progress display: on a terminal, one self-overwriting line
//   epoch 3/10 [#######.............] step 140/200 loss 1.2345 lr 4.5e-03 512 img/s ETA 00:01:12
// and, when the output is not a terminal (CI logs, files), a plain line every `log_every_seconds`
// (and at the end of every epoch) instead, so logs stay readable.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hg::nn {

struct ProgressState {
  int64_t epoch = 0, epochs = 0;  // 1-based epoch of total
  int64_t step = 0, steps = 0;    // global optimiser step of total
  double loss = 0, lr = 0;
  double images_per_second = 0;
};

// "hh:mm:ss" (or "--:--:--" for a negative/non-finite number of seconds).
std::string format_duration(double seconds);
// The text of one progress line (without the carriage return), for tests and logs.
std::string format_progress(const ProgressState& s, double eta_seconds, int bar_width = 20);

class Progress {
 public:
  // `out` defaults to stderr; `interactive` = -1 detects a terminal with isatty().
  explicit Progress(std::FILE* out = stderr, int interactive = -1, double log_every_seconds = 10);
  // Call after each step; `images` processed since the last update feed the img/s estimate.
  void update(const ProgressState& s, int64_t images);
  // Ends the current line (terminal) or prints a final line (log mode).
  void finish_epoch(const ProgressState& s);
  bool interactive() const { return interactive_; }

 private:
  std::FILE* out_;
  bool interactive_;
  double log_every_;
  std::chrono::steady_clock::time_point start_, last_print_, last_update_;
  int64_t start_step_ = -1;
  double rate_ = 0;  // exponentially smoothed images/s
};

}  // namespace hg::nn
