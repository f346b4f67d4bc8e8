// Command-line options generated from a job's JSON config, so that flags, `--config run.json` and
// the run folder's config.json all speak the same names:
//
//   key "batch_size" (default 32)  <->  flag --batch-size 32
//
// resolve(): the defaults, then the keys of the --config file (unknown keys rejected by the job's
// from_json), then every flag given on the command line. Flag values are typed like the default:
// integers and numbers must parse completely, booleans are true/false/1/0/yes/no — unless the key
// has its own parser (set_parser, e.g. "labels" taking 0.1 or 10%).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace hg::apps {

// A bad command-line value: main() prints it as one line and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string flag_name(const std::string& key);  // "batch_size" -> "--batch-size"

class JsonOptions {
 public:
  // Registers --config and one option per key of `defaults` (skipping `skip`), with help texts.
  JsonOptions(CLI::App* app, nlohmann::json defaults, const std::map<std::string, std::string>& help,
              const std::vector<std::string>& skip = {});
  // The flag of `key` is read by `parse(raw text)` instead of by the default's type; a
  // std::invalid_argument "<key>: problem" from it becomes the UsageError "--<flag>: problem".
  void set_parser(const std::string& key, std::function<nlohmann::json(const std::string&)> parse);
  nlohmann::json resolve() const;
  // Sets the keys of the flags given on the command line into `j` (e.g. a resumed run's config).
  void apply_flags(nlohmann::json& j) const;
  bool config_given() const { return !config_path_.empty(); }
  // Runs `f` and turns a std::invalid_argument "<key>: problem" about one of these options (from a
  // job's validate() or its checks of the data) into a UsageError "--<flag>: problem"; other
  // exceptions pass through unchanged.
  template <class F>
  auto translating(F&& f) const -> decltype(f()) {
    try {
      return f();
    } catch (const std::invalid_argument& e) {
      const std::string t = translate(e.what());
      if (t == e.what()) throw;
      throw UsageError(t);
    }
  }
  std::string translate(const std::string& message) const;

 private:
  nlohmann::json defaults_;
  std::map<std::string, std::string> values_;  // key -> raw flag text
  std::map<std::string, CLI::Option*> options_;
  std::map<std::string, std::function<nlohmann::json(const std::string&)>> parsers_;
  std::string config_path_;
};

// Reads a JSON file; throws UsageError "<path>: <problem>".
nlohmann::json read_json_file(const std::string& path);

}  // namespace hg::apps
