// Module state: state_dict, load_state_dict (strict / non-strict), safetensors save and load.
#include <map>

#include "nn/module.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::nn {

std::string LoadReport::str() const {
  std::string out;
  for (const auto& n : missing) out += "  missing key: " + n + "\n";
  for (const auto& n : unexpected) out += "  unexpected key: " + n + "\n";
  for (const auto& n : mismatched) out += "  shape mismatch: " + n + "\n";
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, out);
  return out;
}

LoadReport Module::load_state_dict(const NamedTensors& source, bool strict) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : source) {
    if (!t.defined()) throw StateDictError(type_name_ + ".load_state_dict: entry \"" + n + "\" is undefined");
    given[n] = &t;
  }
  LoadReport report;
  std::vector<std::pair<Tensor, const Tensor*>> copies;  // (destination, source)
  std::map<std::string, bool> own_names;
  for (const auto& [n, dst] : state_dict()) {
    own_names[n] = true;
    auto it = given.find(n);
    if (it == given.end()) {
      report.missing.push_back(n);
    } else if (it->second->sizes() != dst.sizes()) {
      report.mismatched.push_back(n + ": expected " + dst.shape_string() + ", got " + it->second->shape_string());
    } else {
      copies.emplace_back(dst, it->second);
    }
  }
  for (const auto& [n, t] : source)
    if (!own_names.count(n)) report.unexpected.push_back(n);

  if (strict && !report.ok())
    throw StateDictError(type_name_ + ".load_state_dict (strict): " + std::to_string(report.missing.size()) +
                         " missing, " + std::to_string(report.unexpected.size()) + " unexpected, " +
                         std::to_string(report.mismatched.size()) + " mis-shaped key(s)\n" + report.str());
  for (const auto& [dst, src] : copies) ops::copy_(dst, *src);
  return report;
}

void Module::save_weights(const std::string& path) const {
  safetensors::save(path, state_dict(), {{"format", "handgrad"}, {"module", type_name_}});
}

LoadReport Module::load_weights(const std::string& path, bool strict) {
  const safetensors::File file = safetensors::load(path);
  try {
    return load_state_dict(file.tensors, strict);
  } catch (const StateDictError& e) {
    throw StateDictError(path + ": " + e.what());
  }
}

}  // namespace hg::nn
