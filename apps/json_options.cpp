#include "apps/json_options.h"

#include <algorithm>
#include <cctype>
#include <fstream>

namespace hg::apps {

std::string flag_name(const std::string& key) {
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(path + ": cannot open");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw UsageError(path + ": malformed JSON");
  if (!j.is_object()) throw UsageError(path + ": expected a JSON object of options");
  return j;
}

JsonOptions::JsonOptions(CLI::App* app, nlohmann::json defaults, const std::map<std::string, std::string>& help,
                         const std::vector<std::string>& skip)
    : defaults_(std::move(defaults)) {
  app->add_option("--config", config_path_, "JSON file of options (flags given here override it)");
  for (const auto& [key, value] : defaults_.items()) {
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    auto h = help.find(key);
    std::string text = h != help.end() ? h->second : key;
    text += " [default: " + (value.is_string() ? value.get<std::string>() : value.dump()) + "]";
    options_[key] = app->add_option(flag_name(key), values_[key], text);
  }
}

void JsonOptions::set_parser(const std::string& key, std::function<nlohmann::json(const std::string&)> parse) {
  if (!options_.count(key)) throw std::logic_error("JsonOptions::set_parser: no option " + key);
  parsers_[key] = std::move(parse);
}

nlohmann::json JsonOptions::resolve() const {
  nlohmann::json j = defaults_;
  if (!config_path_.empty()) {
    const nlohmann::json file = read_json_file(config_path_);
    for (const auto& [key, value] : file.items()) j[key] = value;  // the job's from_json rejects unknown keys
  }
  apply_flags(j);
  return j;
}

void JsonOptions::apply_flags(nlohmann::json& j) const {
  for (const auto& [key, option] : options_) {
    if (option->count() == 0) continue;
    const std::string& raw = values_.at(key);
    const nlohmann::json& d = defaults_.at(key);
    const std::string flag = flag_name(key);
    if (auto p = parsers_.find(key); p != parsers_.end()) {
      try {
        j[key] = p->second(raw);
      } catch (const std::invalid_argument& e) {
        throw UsageError(translate(e.what()));
      }
      continue;
    }
    try {
      size_t used = 0;
      if (d.is_boolean()) {
        std::string v = raw;
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (v == "true" || v == "1" || v == "yes") j[key] = true;
        else if (v == "false" || v == "0" || v == "no") j[key] = false;
        else throw UsageError(flag + ": '" + raw + "' is not a boolean (allowed: true, false)");
        continue;
      } else if (d.is_number_unsigned()) {
        if (!raw.empty() && raw[0] == '-') throw std::invalid_argument("negative");
        j[key] = std::stoull(raw, &used);
      } else if (d.is_number_integer()) {
        j[key] = std::stoll(raw, &used);
      } else if (d.is_number()) {
        j[key] = std::stod(raw, &used);
      } else {
        j[key] = raw;
        continue;
      }
      if (used != raw.size()) throw std::invalid_argument("trailing characters");
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception&) {
      throw UsageError(flag + ": '" + raw + "' is not " +
                       (d.is_number_integer() ? std::string("an integer") : std::string("a number")));
    }
  }
}

std::string JsonOptions::translate(const std::string& message) const {
  const size_t colon = message.find(':');
  if (colon == std::string::npos || !defaults_.contains(message.substr(0, colon))) return message;
  return flag_name(message.substr(0, colon)) + message.substr(colon);
}

}  // namespace hg::apps
