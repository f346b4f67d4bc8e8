#include "hand/train_config.h"

#include <cctype>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tensor/device.h"

namespace hg::hand {
namespace {

[[noreturn]] void bad(const std::string& option, const std::string& problem, const std::string& allowed) {
  throw std::invalid_argument(option + ": " + problem + " (allowed: " + allowed + ")");
}

template <class T>
std::string show(const T& v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// Reads known keys of a JSON object with type checks; unknown keys are an error.
class Fields {
 public:
  Fields(const nlohmann::json& j, std::string what) : j_(j), what_(std::move(what)) {
    if (!j.is_object()) throw std::invalid_argument(what_ + ": expected a JSON object");
  }
  template <class T>
  void get(const char* key, T& out) {
    known_.insert(key);
    if (!j_.contains(key)) return;
    const auto& v = j_.at(key);
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw std::invalid_argument(std::string(key) + ": expected true or false");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw std::invalid_argument(std::string(key) + ": expected a string");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) throw std::invalid_argument(std::string(key) + ": expected an integer");
      if (std::is_unsigned_v<T> && v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)
        throw std::invalid_argument(std::string(key) + ": expected a non-negative integer");
    } else {
      if (!v.is_number()) throw std::invalid_argument(std::string(key) + ": expected a number");
    }
    out = v.get<T>();
  }
  // A fraction given as a number (range-checked by validate) or as a string for
  // parse_fraction_or_percent ("10%").
  void get_fraction(const char* key, double& out) {
    if (j_.contains(key) && j_.at(key).is_string()) {
      known_.insert(key);
      out = parse_fraction_or_percent(j_.at(key).get<std::string>(), key);
      return;
    }
    get(key, out);
  }
  // Keys this reader does not know; call after every get().
  void reject_unknown(const std::set<std::string>& also_known = {}) const {
    for (const auto& [key, value] : j_.items())
      if (!known_.count(key) && !also_known.count(key))
        throw std::invalid_argument(key + ": unknown option in " + what_);
  }

 private:
  const nlohmann::json& j_;
  std::string what_;
  std::set<std::string> known_;
};

void read_common(Fields& f, TrainCommon& c) {
  f.get("data", c.data);
  f.get("run_dir", c.run_dir);
  f.get("resnet", c.resnet);
  f.get("image_size", c.image_size);
  f.get("batch_size", c.batch_size);
  f.get("accumulate", c.accumulate);
  f.get("epochs", c.epochs);
  f.get("max_steps", c.max_steps);
  f.get("amp", c.amp);
  f.get("seed", c.seed);
  f.get("workers", c.workers);
  f.get("checkpoint_every", c.checkpoint_every);
  f.get("skip_bad", c.skip_bad);
  f.get("progress", c.progress);
  f.get("device", c.device);
}

}  // namespace

void to_json(nlohmann::json& j, const TrainCommon& c) {
  j = {{"data", c.data},         {"run_dir", c.run_dir},     {"resnet", c.resnet},
       {"image_size", c.image_size}, {"batch_size", c.batch_size}, {"accumulate", c.accumulate},
       {"epochs", c.epochs},     {"max_steps", c.max_steps}, {"amp", c.amp},
       {"seed", c.seed},         {"workers", c.workers},     {"checkpoint_every", c.checkpoint_every},
       {"skip_bad", c.skip_bad}, {"progress", c.progress}, {"device", c.device}};
}
void from_json(const nlohmann::json& j, TrainCommon& c) {
  Fields f(j, "the training options");
  read_common(f, c);
  f.reject_unknown();
}

void to_json(nlohmann::json& j, const PretrainConfig& c) {
  to_json(j, c.common);
  j.update({{"method", c.method}, {"base_lr", c.base_lr}, {"weight_decay", c.weight_decay},
            {"warmup_fraction", c.warmup_fraction}, {"temperature", c.temperature}, {"lars_eta", c.lars_eta},
            {"invert_scale", c.invert_scale}, {"projection_dim", c.projection_dim}, {"hidden_dim", c.hidden_dim}});
}
void from_json(const nlohmann::json& j, PretrainConfig& c) {
  Fields f(j, "the pretrain options");
  read_common(f, c.common);
  f.get("method", c.method);
  f.get("base_lr", c.base_lr);
  f.get("weight_decay", c.weight_decay);
  f.get("warmup_fraction", c.warmup_fraction);
  f.get("temperature", c.temperature);
  f.get("lars_eta", c.lars_eta);
  f.get("invert_scale", c.invert_scale);
  f.get("projection_dim", c.projection_dim);
  f.get("hidden_dim", c.hidden_dim);
  f.reject_unknown();
}

void to_json(nlohmann::json& j, const FinetuneConfig& c) {
  to_json(j, c.common);
  j.update({{"init", c.init}, {"mode", c.mode}, {"lr", c.lr}, {"weight_decay", c.weight_decay},
            {"labels", c.labels}, {"augment", c.augment}});
}
void from_json(const nlohmann::json& j, FinetuneConfig& c) {
  Fields f(j, "the finetune options");
  read_common(f, c.common);
  f.get("init", c.init);
  f.get("mode", c.mode);
  f.get("lr", c.lr);
  f.get("weight_decay", c.weight_decay);
  f.get_fraction("labels", c.labels);
  f.get("augment", c.augment);
  f.reject_unknown();
}

void to_json(nlohmann::json& j, const EvalConfig& c) {
  j = {{"data", c.data}, {"checkpoint", c.checkpoint}, {"split", c.split}, {"batch_size", c.batch_size},
       {"bone", c.bone}, {"workers", c.workers}, {"limit", c.limit}, {"device", c.device}};
}
void from_json(const nlohmann::json& j, EvalConfig& c) {
  Fields f(j, "the eval options");
  f.get("data", c.data);
  f.get("checkpoint", c.checkpoint);
  f.get("split", c.split);
  f.get("batch_size", c.batch_size);
  f.get("bone", c.bone);
  f.get("workers", c.workers);
  f.get("limit", c.limit);
  f.get("device", c.device);
  f.reject_unknown();
}

nlohmann::json options_from_run_config(const nlohmann::json& config, const std::string& job) {
  if (!config.is_object() || config.value("job", std::string()) != job)
    throw std::invalid_argument("config.json: not a " + job + " run (job '" +
                                (config.is_object() ? config.value("job", std::string()) : std::string()) + "')");
  nlohmann::json options = config;
  options.erase("job");
  options.erase("derived");
  return options;
}

double parse_fraction_or_percent(const std::string& text, const std::string& option) {
  const std::string allowed = "a fraction in (0, 1] or a percentage in (0%, 100%], e.g. 0.1 or 10%";
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  double value = 0;
  bool parsed = false;  // the whole number part is one number (stod alone would skip leading blanks)
  if (!number.empty() && !std::isspace(static_cast<unsigned char>(number[0]))) {
    try {
      size_t used = 0;
      value = std::stod(number, &used);
      parsed = used == number.size();
    } catch (const std::exception&) {  // no digits, or outside the double range
    }
  }
  if (!parsed) bad(option, "'" + text + "' is not a number or a percentage", allowed);
  const double upper = percent ? 100.0 : 1.0;
  if (!(value > 0 && value <= upper)) bad(option, "'" + text + "' is out of range", allowed);
  return percent ? value / 100.0 : value;
}

static void validate_device(const std::string& text) {
  try {
    Device::parse(text);
  } catch (const std::invalid_argument&) {
    bad("device", "'" + text + "'", "cpu, cuda, cuda:N");
  }
}

void validate(const TrainCommon& c) {
  if (c.data.empty()) bad("data", "missing", "a FreiHAND-layout folder");
  if (c.run_dir.empty()) bad("run_dir", "missing", "a folder for the run");
  if (c.resnet != 18 && c.resnet != 34 && c.resnet != 50 && c.resnet != 101 && c.resnet != 152)
    bad("resnet", show(c.resnet), "18, 34, 50, 101, 152");
  if (c.image_size < 32 || c.image_size > 1024) bad("image_size", show(c.image_size), "32..1024");
  if (c.batch_size < 2 || c.batch_size > 4096) bad("batch_size", show(c.batch_size), "2..4096");
  if (c.accumulate < 1 || c.accumulate > 1024) bad("accumulate", show(c.accumulate), "1..1024");
  if (c.epochs < 1 || c.epochs > 100000) bad("epochs", show(c.epochs), "1..100000");
  if (c.max_steps < -1 || c.max_steps == 0) bad("max_steps", show(c.max_steps), "-1 (no limit) or >= 1");
  if (c.amp != "none" && c.amp != "bf16" && c.amp != "f16") bad("amp", "'" + c.amp + "'", "none, bf16, f16");
  if (c.workers < 0 || c.workers > 64) bad("workers", show(c.workers), "0..64");
  if (c.checkpoint_every < 0) bad("checkpoint_every", show(c.checkpoint_every), ">= 0");
  validate_device(c.device);
}

void validate(const PretrainConfig& c) {
  validate(c.common);
  if (c.method != "simclr" && c.method != "peclr") bad("method", "'" + c.method + "'", "simclr, peclr");
  if (!(c.base_lr > 0 && c.base_lr < 1)) bad("base_lr", show(c.base_lr), "(0, 1)");
  if (!(c.weight_decay >= 0 && c.weight_decay < 1)) bad("weight_decay", show(c.weight_decay), "[0, 1)");
  if (!(c.warmup_fraction >= 0 && c.warmup_fraction < 1)) bad("warmup_fraction", show(c.warmup_fraction), "[0, 1)");
  if (!(c.temperature > 0 && c.temperature <= 10)) bad("temperature", show(c.temperature), "(0, 10]");
  if (!(c.lars_eta > 0 && c.lars_eta <= 1)) bad("lars_eta", show(c.lars_eta), "(0, 1]");
  if (c.projection_dim < 2 || c.projection_dim % 2 != 0 || c.projection_dim > 4096)
    bad("projection_dim", show(c.projection_dim), "even, 2..4096 (read as 2-D points)");
  if (c.hidden_dim < 1 || c.hidden_dim > 8192) bad("hidden_dim", show(c.hidden_dim), "1..8192");
}

void validate(const FinetuneConfig& c) {
  validate(c.common);
  if (c.mode != "full" && c.mode != "linear") bad("mode", "'" + c.mode + "'", "full, linear");
  if (c.mode == "linear" && c.init.empty()) bad("init", "a linear probe needs a pre-trained checkpoint", "a checkpoint path");
  if (!(c.lr > 0 && c.lr < 1)) bad("lr", show(c.lr), "(0, 1)");
  if (!(c.weight_decay >= 0 && c.weight_decay < 1)) bad("weight_decay", show(c.weight_decay), "[0, 1)");
  if (!(c.labels > 0 && c.labels <= 1))
    bad("labels", show(c.labels), "a fraction in (0, 1] or a percentage in (0%, 100%], e.g. 0.1 or 10%");
}

void validate(const EvalConfig& c) {
  if (c.data.empty()) bad("data", "missing", "a FreiHAND-layout folder");
  if (c.checkpoint.empty()) bad("checkpoint", "missing", "a finetune checkpoint");
  if (c.split != "training" && c.split != "evaluation") bad("split", "'" + c.split + "'", "training, evaluation");
  if (c.batch_size < 1 || c.batch_size > 4096) bad("batch_size", show(c.batch_size), "1..4096");
  if (c.bone != "true" && c.bone != "mean") bad("bone", "'" + c.bone + "'", "true, mean");
  if (c.workers < 0 || c.workers > 64) bad("workers", show(c.workers), "0..64");
  if (c.limit < -1 || c.limit == 0) bad("limit", show(c.limit), "-1 (all) or >= 1");
  validate_device(c.device);
}

}  // namespace hg::hand
