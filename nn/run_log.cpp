#include "nn/run_log.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "tensor/atomic_file.h"

namespace hg::nn {
namespace fs = std::filesystem;

RunLog::RunLog(const std::string& dir, const RunLogOptions& options) : dir_(dir) {
  std::error_code ec;
  if (!options.resume && fs::exists(dir_) && !fs::is_empty(dir_, ec))
    throw std::runtime_error(dir_ + ": run folder exists and is not empty (choose another --name or --resume it)");
  if (options.resume && !fs::exists(dir_ + "/config.json"))
    throw std::runtime_error(dir_ + ": cannot resume: no config.json in this folder");
  for (const char* sub : {"", "/checkpoints", "/samples"}) {
    fs::create_directories(dir_ + sub, ec);
    if (ec) throw std::runtime_error(dir_ + sub + ": cannot create: " + ec.message());
  }
  const std::string metrics_path = dir_ + "/metrics.jsonl";
  if (options.resume && fs::exists(metrics_path)) {
    // Keep the records up to the checkpoint's step; the resumed run rewrites the rest.
    std::vector<nlohmann::json> kept;
    for (auto& r : read_metrics(metrics_path))
      if (options.resume_step < 0 || r.value("step", int64_t{0}) <= options.resume_step) kept.push_back(std::move(r));
    std::string text;
    for (const auto& r : kept) text += r.dump() + "\n";
    write_file_atomically(metrics_path, {text});
  }
  metrics_.open(metrics_path, std::ios::app);
  if (!metrics_) throw std::runtime_error(metrics_path + ": cannot open for appending");
  if (options.tensorboard) tensorboard_ = std::make_unique<TensorBoardWriter>(dir_ + "/tensorboard");
}

void RunLog::write_config(const nlohmann::json& config) const { write_json("config.json", config); }

void RunLog::write_json(const std::string& relative, const nlohmann::json& value) const {
  const std::string text = value.dump(2) + "\n";
  write_file_atomically(path(relative), {text});
}

void RunLog::log(const std::string& kind, int64_t step, const std::map<std::string, double>& scalars) {
  nlohmann::json record = {{"step", step}, {"kind", kind}};
  for (const auto& [name, value] : scalars) {
    record[name] = value;
    if (tensorboard_) tensorboard_->add_scalar(kind + "/" + name, value, step);
  }
  append(record);
}

void RunLog::log_record(const std::string& kind, int64_t step, const nlohmann::json& fields) {
  if (!fields.is_object() || fields.contains("step") || fields.contains("kind"))
    throw std::invalid_argument("RunLog::log_record: fields must be a JSON object without \"step\" or \"kind\"");
  nlohmann::json record = {{"step", step}, {"kind", kind}};
  record.update(fields);
  append(record);
}

void RunLog::append(const nlohmann::json& record) {
  metrics_ << record.dump() << "\n";
  metrics_.flush();
  if (!metrics_) throw std::runtime_error(path("metrics.jsonl") + ": write failed");
}

std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::vector<nlohmann::json> records;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    nlohmann::json r = nlohmann::json::parse(line, nullptr, false);
    if (r.is_discarded() || !r.is_object())
      throw std::runtime_error(path + ": line " + std::to_string(number) + ": not a JSON object");
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace hg::nn
