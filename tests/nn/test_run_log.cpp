// Run folders: layout, metrics.jsonl + TensorBoard logging, resume truncation, and report.html.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nn/report_html.h"
#include "nn/run_log.h"

namespace hg::nn {
namespace {
namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("hg_run_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d.string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RunLog, CreatesTheLayoutAndLogsToJsonlAndTensorBoard) {
  const std::string dir = fresh_dir("layout");
  {
    RunLog log(dir);
    log.write_config({{"lr", 0.001}, {"method", "peclr"}});
    log.log("train", 1, {{"loss", 2.5}, {"lr", 1e-4}});
    log.log("train", 2, {{"loss", 2.0}, {"lr", 2e-4}});
  }
  EXPECT_TRUE(fs::is_directory(dir + "/checkpoints"));
  EXPECT_TRUE(fs::is_directory(dir + "/samples"));
  EXPECT_NE(slurp(dir + "/config.json").find("\"peclr\""), std::string::npos);
  const auto records = read_metrics(dir + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["loss"], 2.0);
  EXPECT_EQ(records[1]["kind"], "train");
  std::vector<ScalarEvent> events;
  for (const auto& f : fs::directory_iterator(dir + "/tensorboard")) events = read_scalar_events(f.path().string());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].tag, "train/loss");  // scalars of one record in name order
  EXPECT_EQ(events[3].step, 2);
  fs::remove_all(dir);
}

TEST(RunLog, RefusesANonEmptyFolderUnlessResumingAndTruncatesOnResume) {
  const std::string dir = fresh_dir("resume");
  {
    RunLog log(dir);
    log.write_config({{"a", 1}});
    for (int step = 1; step <= 5; ++step) log.log("train", step, {{"loss", 1.0 / step}});
  }
  try {
    RunLog again(dir);
    ADD_FAILURE() << "a non-empty run folder was reused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir), std::string::npos);
  }
  {
    RunLog resumed(dir, {.resume = true, .resume_step = 3});
    resumed.log("train", 4, {{"loss", 0.25}});
  }
  const auto records = read_metrics(dir + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[3]["step"], 4);
  EXPECT_THROW(RunLog(fresh_dir("none"), {.resume = true}), std::runtime_error);
  fs::remove_all(dir);
}

TEST(RunLog, MalformedMetricsLineNamesFileAndLine) {
  const std::string dir = fresh_dir("bad");
  fs::create_directories(dir);
  std::ofstream(dir + "/metrics.jsonl") << "{\"step\": 1}\n{oops\n";
  try {
    read_metrics(dir + "/metrics.jsonl");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl: line 2"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Report, ContainsCurvesTableAndPck) {
  const std::string dir = fresh_dir("report");
  {
    RunLog log(dir, {.tensorboard = false});
    log.write_config({{"method", "simclr <&>"}});
    for (int step = 1; step <= 10; ++step) log.log("train", step, {{"loss", 3.0 / step}, {"lr", 1e-3 * step}});
    log.write_json("results.json", {{"table", {{"EPE 3D mean (mm)", 12.5}}},
                                    {"pck", {{"thresholds_mm", {0, 25, 50}}, {"curves", {{"unaligned", {0, 0.5, 0.9}}}}}}});
  }
  const std::string html = slurp(write_report(dir));
  EXPECT_NE(html.find("train/loss"), std::string::npos);
  EXPECT_NE(html.find("train/lr"), std::string::npos);
  EXPECT_NE(html.find("EPE 3D mean (mm)</th><td>12.5"), std::string::npos);
  EXPECT_NE(html.find("3D PCK"), std::string::npos);
  EXPECT_NE(html.find("simclr &lt;&amp;&gt;"), std::string::npos);  // escaped
  EXPECT_EQ(html.find("<script"), std::string::npos);
  std::ofstream(dir + "/results.json") << "{\"pck\": {\"curves\": {\"x\": [\"a\"]}}}";
  EXPECT_THROW(write_report(dir), std::runtime_error);
  fs::remove_all(dir);
}

TEST(Report, EmptyChartSaysNoData) {
  EXPECT_NE(svg_line_chart({}, "t", "x", "y").find("no data"), std::string::npos);
  const std::string svg = svg_line_chart({{"s", {0, 1, 2}, {1, NAN, 3}}}, "t", "x", "y");
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

}  // namespace
}  // namespace hg::nn
