// The run folder of a training run (DESIGN.md "Files and runs"):
//
//   runs/<name>/config.json        every resolved option (written atomically)
//              metrics.jsonl       one JSON object per logged step/epoch, appended and flushed
//              tensorboard/        TensorBoard scalar event files (nn/tensorboard.h)
//              checkpoints/        last.safetensors, best.safetensors (written by nn/checkpoint.h)
//              samples/            PNG visualisations
//              report.html         written at the end (or on demand) from metrics.jsonl + results.json
//
// RunLog owns the folder: it creates it (refusing a non-empty folder unless resuming), writes the
// config, and logs scalars to both metrics.jsonl and TensorBoard. On resume it truncates
// metrics.jsonl to the records at or before the checkpoint's step, so a resumed run's log equals an
// uninterrupted one.
#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/tensorboard.h"

namespace hg::nn {

struct RunLogOptions {
  bool resume = false;          // reuse an existing folder (keeping checkpoints)
  int64_t resume_step = -1;     // with resume: drop metrics.jsonl records with "step" > this
  bool tensorboard = true;
};

class RunLog {
 public:
  // Throws std::runtime_error naming the folder when it cannot be created or is in use.
  RunLog(const std::string& dir, const RunLogOptions& options = {});

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& relative) const { return dir_ + "/" + relative; }
  std::string checkpoint_path(const std::string& which) const { return dir_ + "/checkpoints/" + which + ".safetensors"; }

  void write_config(const nlohmann::json& config) const;        // config.json (atomic)
  void write_json(const std::string& relative, const nlohmann::json& value) const;  // any JSON file (atomic)

  // Appends {"step": step, "kind": kind, <scalars>...} to metrics.jsonl and each scalar to
  // TensorBoard under "<kind>/<name>".
  void log(const std::string& kind, int64_t step, const std::map<std::string, double>& scalars);
  // Appends {"step": step, "kind": kind, <fields>...} to metrics.jsonl only (fields may be strings,
  // e.g. {"which": "best", "value": 0.31}); `fields` must be a JSON object without "step"/"kind".
  void log_record(const std::string& kind, int64_t step, const nlohmann::json& fields);

 private:
  std::string dir_;
  std::ofstream metrics_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
  void append(const nlohmann::json& record);  // one line of metrics.jsonl, flushed
};

// Reads metrics.jsonl (skipping nothing: a malformed line throws naming the file and line number).
std::vector<nlohmann::json> read_metrics(const std::string& path);

}  // namespace hg::nn
