// The progress display: line format, durations, and the non-terminal (log) mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "nn/progress.h"

namespace hg::nn {
namespace {

TEST(Progress, FormatsDurationsAndLines) {
  EXPECT_EQ(format_duration(0), "00:00:00");
  EXPECT_EQ(format_duration(3725.4), "01:02:05");
  EXPECT_EQ(format_duration(-1), "--:--:--");
  EXPECT_EQ(format_duration(NAN), "--:--:--");
  ProgressState s{.epoch = 2, .epochs = 4, .step = 5, .steps = 10, .loss = 1.5, .lr = 0.001, .images_per_second = 250};
  EXPECT_EQ(format_progress(s, 65, 10), "epoch 2/4 [#####.....] step 5/10 loss 1.5000 lr 1.00e-03 250 img/s ETA 00:01:05");
}

TEST(Progress, LogModePrintsPlainLinesWithoutCarriageReturns) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(f, /*interactive=*/0, /*log_every_seconds=*/0);
    for (int step = 1; step <= 3; ++step) p.update({.epoch = 1, .epochs = 1, .step = step, .steps = 3, .loss = 1.0 / step}, 8);
    p.finish_epoch({.epoch = 1, .epochs = 1, .step = 3, .steps = 3, .loss = 0.25});
  }
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
  std::fclose(f);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_NE(text.find("step 3/3 loss 0.2500"), std::string::npos);
}

TEST(Progress, TerminalModeOverwritesOneLine) {
  std::FILE* f = std::tmpfile();
  {
    Progress p(f, /*interactive=*/1);
    p.update({.epoch = 1, .epochs = 1, .step = 1, .steps = 2}, 4);
    p.update({.epoch = 1, .epochs = 1, .step = 2, .steps = 2}, 4);
  }
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
  std::fclose(f);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace hg::nn
