// Checkpoint save/load: see nn/checkpoint.h for the file layout and the all-or-nothing contract.
#include "nn/checkpoint.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>

#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::nn {
namespace {

constexpr const char* kFormat = "handgrad-checkpoint";
const std::vector<std::string> kPartNames = {"model", "optim", "sched", "scaler", "accum"};
// Metadata entries holding JSON text (the part names plus these).
const std::vector<std::string> kJsonEntries = {"counters", "user", "rng"};

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw CheckpointError(path + ": " + problem);
}

// "a, b, c (+4 more)": a one-line list of at most `max` items.
std::string list(const std::vector<std::string>& items, size_t max = 4) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < max; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > max) s += " (+" + std::to_string(items.size() - max) + " more)";
  return s;
}

// A 64-bit hash over a sequence of byte strings and integers. Each 8-byte word w updates the state
// h <- rotl(h ^ w·c1, 27)·c2 + c3, a bijection of h for fixed w and of w for fixed h, so changing
// any single word (any flipped bit) always changes the digest.
class Hash64 {
 public:
  void u64(uint64_t w) { h_ = std::rotl(h_ ^ (w * 0x9E3779B97F4A7C15ull), 27) * 0xD6E8FEB86659FD93ull + 0xA0761D6478BD642Full; }
  void bytes(const void* data, size_t n) {
    const auto* c = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, c + i, 8);
      u64(w);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i + k < n; ++k) tail |= static_cast<uint64_t>(c[i + k]) << (8 * k);
    u64(tail);
    u64(n);  // the length ends every string, so the split into strings is part of what is hashed
  }
  void str(const std::string& s) { bytes(s.data(), s.size()); }
  std::string hex() const {
    static const char* digits = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 0; i < 16; ++i) s[i] = digits[(h_ >> (60 - 4 * i)) & 0xF];
    return s;
  }

 private:
  uint64_t h_ = 0x243F6A8885A308D3ull;
};

// The checksum of a checkpoint: every metadata entry but "checksum" (in key order), then every
// tensor (in name order) as name, dtype, shape and bytes. Tensors must be contiguous CPU tensors.
std::string checksum(const NamedTensors& tensors, const std::map<std::string, std::string>& meta) {
  Hash64 h;
  for (const auto& [k, v] : meta) {
    if (k == "checksum") continue;
    h.str(k);
    h.str(v);
  }
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors[a].first < tensors[b].first; });
  for (size_t i : order) {
    const auto& [name, t] = tensors[i];
    h.str(name);
    h.str(dtype_name(t.dtype()));
    h.u64(static_cast<uint64_t>(t.dim()));
    for (int64_t s : t.sizes()) h.u64(static_cast<uint64_t>(s));
    h.bytes(t.raw_data(), static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
  }
  return h.hex();
}

// A one-element tensor of dtype `dt` (or any floating dtype when `floating`), else an error.
void check_scalar(const std::string& path, const std::string& name, const Tensor& t, DType dt, bool floating = false) {
  const bool ok_dtype = floating ? is_floating(t.dtype()) : t.dtype() == dt;
  if (t.numel() != 1 || !ok_dtype)
    fail(path, "tensor '" + name + "' must hold one " + (floating ? std::string("floating") : dtype_name(dt)) +
                   " value, got " + dtype_name(t.dtype()) + " " + t.shape_string());
}

// The file read and verified on its own (no object consulted yet).
struct Verified {
  std::string path;
  int version = 0;
  std::map<std::string, nlohmann::json> json;  // parsed metadata entries (parts, counters, user, rng)
  std::map<std::string, NamedTensors> parts;   // part -> (name without the "<part>/" prefix, tensor)
  int64_t step = 0, epoch = 0;
  bool has(const std::string& part) const { return json.count(part) > 0; }
  const Tensor& at(const std::string& part, const std::string& name) const {
    auto it = parts.find(part);
    if (it != parts.end())
      for (const auto& [n, t] : it->second)
        if (n == name) return t;
    fail(path, "missing tensor '" + part + "/" + name + "'");
  }
};

// Checks a part holds exactly the tensors `names`.
void check_names(const Verified& v, const std::string& part, const std::set<std::string>& names) {
  std::set<std::string> have;
  auto it = v.parts.find(part);
  if (it != v.parts.end())
    for (const auto& [n, t] : it->second) have.insert(n);
  for (const auto& n : names)
    if (!have.count(n)) fail(v.path, "missing tensor '" + part + "/" + n + "'");
  for (const auto& n : have)
    if (!names.count(n)) fail(v.path, "unexpected tensor '" + part + "/" + n + "'");
}

Verified read_verified(const std::string& path) {
  Verified v;
  v.path = path;
  safetensors::File file;
  try {
    file = safetensors::load(path);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw CheckpointError(what.rfind(path + ":", 0) == 0 ? what : path + ": " + what);
  }
  const auto& meta = file.metadata;
  auto entry = [&](const std::string& k) -> const std::string* {
    auto it = meta.find(k);
    return it == meta.end() ? nullptr : &it->second;
  };
  if (!entry("format") || *entry("format") != kFormat)
    fail(path, std::string("not a handgrad checkpoint (metadata \"format\" is not \"") + kFormat + "\")");
  const std::string* ver = entry("format_version");
  if (!ver) fail(path, "no \"format_version\" in the metadata");
  if (ver->empty() || ver->size() > 9 || !std::all_of(ver->begin(), ver->end(), [](char c) { return c >= '0' && c <= '9'; }))
    fail(path, "malformed format version '" + *ver + "'");
  v.version = std::stoi(*ver);
  if (v.version != kCheckpointFormatVersion)
    fail(path, "unsupported checkpoint format version " + *ver + " (this build reads version " +
                   std::to_string(kCheckpointFormatVersion) + ")");
  const std::string* sum = entry("checksum");
  if (!sum) fail(path, "no \"checksum\" in the metadata");
  const std::string actual = checksum(file.tensors, meta);
  if (*sum != actual) fail(path, "checksum mismatch (stored " + *sum + ", computed " + actual + "): the file is corrupt");

  // Metadata entries: each known JSON entry parses; nothing unknown.
  for (const auto& [k, text] : meta) {
    if (k == "format" || k == "format_version" || k == "checksum") continue;
    const bool known = std::count(kPartNames.begin(), kPartNames.end(), k) ||
                       std::count(kJsonEntries.begin(), kJsonEntries.end(), k);
    if (!known) fail(path, "unknown metadata entry \"" + k + "\"");
    try {
      v.json[k] = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      fail(path, "metadata \"" + k + "\" is not valid JSON (" + e.what() + ")");
    }
  }
  for (const char* k : {"counters", "user", "rng"})
    if (!v.json.count(k)) fail(path, std::string("no \"") + k + "\" in the metadata");
  const auto& counters = v.json["counters"];
  for (const char* k : {"step", "epoch"})
    if (!counters.is_object() || !counters.contains(k) || !counters[k].is_number_integer())
      fail(path, std::string("metadata \"counters\" lacks an integer \"") + k + "\"");
  v.step = counters["step"].get<int64_t>();
  v.epoch = counters["epoch"].get<int64_t>();
  const auto& rng = v.json["rng"];
  if (!rng.is_object()) fail(path, "metadata \"rng\" is not an object");
  for (const auto& [name, g] : rng.items())
    for (const char* k : {"seed", "stream", "counter"})
      if (!g.is_object() || !g.contains(k) || !g[k].is_number_unsigned())
        fail(path, "generator '" + name + "' lacks an unsigned integer \"" + k + "\"");
  if (v.has("optim")) {
    const auto& o = v.json["optim"];
    if (!o.is_object() || !o.contains("type") || !o["type"].is_string() || !o.contains("description") ||
        !o["description"].is_object())
      fail(path, "metadata \"optim\" lacks the optimiser \"type\" or \"description\"");
  }

  // Tensors: "<part>/<name>" for a part the metadata declares.
  for (auto& [full, t] : file.tensors) {
    const auto slash = full.find('/');
    const std::string part = slash == std::string::npos ? "" : full.substr(0, slash);
    if (!std::count(kPartNames.begin(), kPartNames.end(), part))
      fail(path, "unexpected tensor '" + full + "' (not under model/, optim/, sched/, scaler/ or accum/)");
    if (!v.has(part)) fail(path, "tensor '" + full + "' belongs to part '" + part + "', which the metadata does not declare");
    v.parts[part].emplace_back(full.substr(slash + 1), t);
  }

  // Scalar parts: fixed names, dtypes and ranges.
  if (v.has("sched")) {
    check_names(v, "sched", {"step", "base_lrs"});
    const Tensor& s = v.at("sched", "step");
    const Tensor& b = v.at("sched", "base_lrs");
    check_scalar(path, "sched/step", s, DType::i64);
    if (s.item<int64_t>() < 0) fail(path, "negative scheduler step " + std::to_string(s.item<int64_t>()));
    if (b.dim() != 1 || b.dtype() != DType::f64)
      fail(path, "tensor 'sched/base_lrs' must be 1-D f64, got " + std::string(dtype_name(b.dtype())) + " " + b.shape_string());
    for (double lr : b.to_vector<double>())
      if (!std::isfinite(lr) || lr < 0) fail(path, "scheduler base lr " + format_number(lr) + " is not finite and >= 0");
  }
  if (v.has("scaler")) {
    check_names(v, "scaler", {"scale", "growth_tracker"});
    const Tensor& s = v.at("scaler", "scale");
    const Tensor& t = v.at("scaler", "growth_tracker");
    check_scalar(path, "scaler/scale", s, DType::f64, true);
    check_scalar(path, "scaler/growth_tracker", t, DType::i64);
    if (!std::isfinite(s.item<double>()) || s.item<double>() <= 0)
      fail(path, "loss scale " + format_number(s.item<double>()) + " is not finite and > 0");
    if (t.item<int64_t>() < 0) fail(path, "negative growth tracker " + std::to_string(t.item<int64_t>()));
  }
  if (v.has("accum")) {
    check_names(v, "accum", {"position"});
    const Tensor& p = v.at("accum", "position");
    check_scalar(path, "accum/position", p, DType::i64);
    if (p.item<int64_t>() < 0) fail(path, "negative accumulation position " + std::to_string(p.item<int64_t>()));
  }
  return v;
}

void check_model(const Verified& v, const Module& model) {
  std::map<std::string, Tensor> file;
  auto it = v.parts.find("model");
  if (it != v.parts.end())
    for (const auto& [n, t] : it->second) file[n] = t;
  std::vector<std::string> missing, unexpected, shapes, dtypes;
  std::set<std::string> own;
  for (const auto& [n, t] : model.state_dict()) {
    own.insert(n);
    auto f = file.find(n);
    if (f == file.end()) missing.push_back(n);
    else if (f->second.sizes() != t.sizes())
      shapes.push_back(n + " (file " + f->second.shape_string() + ", model " + t.shape_string() + ")");
    else if (f->second.dtype() != t.dtype())
      dtypes.push_back(n + " (file " + dtype_name(f->second.dtype()) + ", model " + dtype_name(t.dtype()) + ")");
  }
  for (const auto& [n, t] : file)
    if (!own.count(n)) unexpected.push_back(n);
  std::vector<std::string> problems;
  if (!missing.empty()) problems.push_back("missing keys " + list(missing));
  if (!unexpected.empty()) problems.push_back("unexpected keys " + list(unexpected));
  if (!shapes.empty()) problems.push_back("shape mismatch " + list(shapes));
  if (!dtypes.empty()) problems.push_back("dtype mismatch " + list(dtypes));
  if (!problems.empty()) {
    std::string s;
    for (size_t i = 0; i < problems.size(); ++i) s += (i ? "; " : "") + problems[i];
    fail(v.path, "model state does not match the " + model.type_name() + ": " + s);
  }
}

void check_optim(const Verified& v, const Optimizer& opt) {
  const std::string type = v.json.at("optim")["type"].get<std::string>();
  const auto& d = v.json.at("optim")["description"];
  if (type != opt.type())
    fail(v.path, "optimizer type mismatch: the checkpoint holds " + type + " state, the optimizer is " + opt.type());
  const auto& groups = opt.param_groups();
  if (!d.contains("groups") || !d["groups"].is_array() || d["groups"].size() != groups.size())
    fail(v.path, "optimizer group count mismatch: the optimizer has " + std::to_string(groups.size()) + " group(s)");
  std::map<std::string, Tensor> params;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    std::vector<std::string> mine, theirs;
    for (const auto& [n, p] : groups[gi].params) {
      mine.push_back(n);
      params[n] = p;
    }
    const auto& jg = d["groups"][gi];
    if (!jg.is_object() || !jg.contains("params") || !jg["params"].is_array())
      fail(v.path, "optimizer group " + std::to_string(gi) + " has no parameter list");
    for (const auto& n : jg["params"]) theirs.push_back(n.is_string() ? n.get<std::string>() : n.dump());
    if (mine != theirs)
      fail(v.path, "optimizer group " + std::to_string(gi) + " parameters differ: the checkpoint has [" + list(theirs) +
                       "], the optimizer [" + list(mine) + "]");
  }
  auto it = v.parts.find("optim");
  if (it == v.parts.end()) return;
  for (const auto& [key, t] : it->second) {
    const auto slash = key.rfind('/');
    const std::string pname = slash == std::string::npos ? key : key.substr(0, slash);
    auto p = params.find(pname);
    if (slash == std::string::npos || p == params.end())
      fail(v.path, "optimizer state 'optim/" + key + "' names no parameter of the optimizer");
    const bool like_param = t.sizes() == p->second.sizes() && t.dtype() == p->second.dtype();
    const bool counter = t.dim() == 0 && t.dtype() == DType::i64;
    if (!like_param && !counter)
      fail(v.path, "optimizer state 'optim/" + key + "' is " + dtype_name(t.dtype()) + " " + t.shape_string() +
                       ", the parameter is " + dtype_name(p->second.dtype()) + " " + p->second.shape_string());
  }
}

// Every requested part against the file and the objects; throws before anything changes.
void check_all(const Verified& v, const CheckpointParts& parts) {
  auto require = [&](bool wanted, const char* part, const char* what) {
    if (wanted && !v.has(part)) fail(v.path, std::string("the checkpoint has no ") + what + " state (part '" + part + "')");
  };
  require(parts.model, "model", "model");
  require(parts.optim, "optim", "optimizer");
  require(parts.sched, "sched", "scheduler");
  require(parts.scaler, "scaler", "grad scaler");
  require(parts.accum, "accum", "gradient accumulator");
  for (const auto& [name, g] : parts.rngs) {
    if (!g) fail(v.path, "generator '" + name + "' is null");
    if (!v.json.at("rng").contains(name)) fail(v.path, "the checkpoint has no state for generator '" + name + "'");
  }
  if (parts.model) check_model(v, *parts.model);
  if (parts.optim) check_optim(v, *parts.optim);
  if (parts.sched) {
    const int64_t n = v.at("sched", "base_lrs").numel();
    if (n != static_cast<int64_t>(parts.sched->base_lrs().size()))
      fail(v.path, "scheduler has " + std::to_string(n) + " base lr(s), the scheduler " +
                       std::to_string(parts.sched->base_lrs().size()));
  }
  if (parts.scaler) {
    const int64_t t = v.at("scaler", "growth_tracker").item<int64_t>();
    if (t >= parts.scaler->options().growth_interval)
      fail(v.path, "growth tracker " + std::to_string(t) + " is not below the scaler's growth interval " +
                       std::to_string(parts.scaler->options().growth_interval));
  }
  if (parts.accum) {
    const int64_t p = v.at("accum", "position").item<int64_t>();
    if (p >= parts.accum->steps())
      fail(v.path, "accumulation position " + std::to_string(p) + " is not below the accumulator's " +
                       std::to_string(parts.accum->steps()) + " micro-batches");
  }
}

NamedTensors part_tensors(const Verified& v, const std::string& part) {
  auto it = v.parts.find(part);
  return it == v.parts.end() ? NamedTensors{} : it->second;
}

// Loads the parts. The optimiser goes last of the stateful ones because its load can still find
// problems the checks could not (its own slot names); if any load throws, every requested stateful
// part is restored from a snapshot taken just before (the scheduler before the optimiser, so the
// optimiser's own lrs win over the ones the scheduler recomputes) and the error names the file.
// The model loads last: check_model made its strict load unable to fail, and it is atomic anyway.
void apply(const Verified& v, CheckpointParts& parts) {
  std::optional<OptimizerState> optim_before;
  NamedTensors sched_before, scaler_before, accum_before;
  if (parts.optim) optim_before = parts.optim->state_dict();
  if (parts.sched) sched_before = parts.sched->state_dict();
  if (parts.scaler) scaler_before = parts.scaler->state_dict();
  if (parts.accum) accum_before = parts.accum->state_dict();
  try {
    if (parts.sched) parts.sched->load_state_dict(part_tensors(v, "sched"));
    if (parts.scaler) parts.scaler->load_state_dict(part_tensors(v, "scaler"));
    if (parts.accum) parts.accum->load_state_dict(part_tensors(v, "accum"));
    if (parts.optim) parts.optim->load_state_dict({part_tensors(v, "optim"), v.json.at("optim")["description"]});
    if (parts.model) parts.model->load_state_dict(part_tensors(v, "model"), /*strict=*/true);
  } catch (const std::exception& e) {
    std::string restore_error;
    try {
      if (parts.accum) parts.accum->load_state_dict(accum_before);
      if (parts.scaler) parts.scaler->load_state_dict(scaler_before);
      if (parts.sched) parts.sched->load_state_dict(sched_before);
      if (parts.optim) parts.optim->load_state_dict(*optim_before);
    } catch (const std::exception& r) {
      restore_error = " (restoring the previous state also failed: " + std::string(r.what()) + ")";
    }
    fail(v.path, std::string(e.what()) + restore_error);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointParts& parts) {
  NamedTensors tensors;
  std::map<std::string, std::string> meta;
  try {
    auto add = [&](const std::string& prefix, const NamedTensors& ts) {
      for (const auto& [n, t] : ts) {
        if (!t.defined()) fail(path, "cannot save undefined tensor '" + prefix + "/" + n + "'");
        tensors.emplace_back(prefix + "/" + n, ops::contiguous(ops::to_device(t, Device::cpu())));
      }
    };
    meta["format"] = kFormat;
    meta["format_version"] = std::to_string(kCheckpointFormatVersion);
    meta["counters"] = nlohmann::json{{"step", parts.step}, {"epoch", parts.epoch}}.dump();
    meta["user"] = parts.user.dump();
    if (parts.model) {
      const NamedTensors sd = parts.model->state_dict();
      add("model", sd);
      meta["model"] = nlohmann::json{{"type", parts.model->type_name()}, {"tensors", sd.size()}}.dump();
    }
    if (parts.optim) {
      const OptimizerState st = parts.optim->state_dict();
      add("optim", st.tensors);
      meta["optim"] = nlohmann::json{{"type", parts.optim->type()}, {"description", st.description}}.dump();
    }
    if (parts.sched) {
      add("sched", parts.sched->state_dict());
      meta["sched"] = nlohmann::json{{"schedule", parts.sched->schedule().describe()}}.dump();
    }
    if (parts.scaler) {
      add("scaler", parts.scaler->state_dict());
      const auto& o = parts.scaler->options();
      meta["scaler"] = nlohmann::json{{"enabled", o.enabled},
                                      {"init_scale", o.init_scale},
                                      {"growth_factor", o.growth_factor},
                                      {"backoff_factor", o.backoff_factor},
                                      {"growth_interval", o.growth_interval}}
                           .dump();
    }
    if (parts.accum) {
      add("accum", parts.accum->state_dict());
      meta["accum"] = nlohmann::json{{"steps", parts.accum->steps()}}.dump();
    }
    nlohmann::json rng = nlohmann::json::object();
    for (const auto& [name, g] : parts.rngs) {
      if (name.empty()) fail(path, "a generator name is empty");
      if (!g) fail(path, "generator '" + name + "' is null");
      rng[name] = {{"seed", g->seed()}, {"stream", g->stream()}, {"counter", g->counter()}};
    }
    meta["rng"] = rng.dump();
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    fail(path, std::string("cannot save: ") + e.what());
  }
  meta["checksum"] = checksum(tensors, meta);
  try {
    safetensors::save(path, tensors, meta);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw CheckpointError(what.rfind(path + ":", 0) == 0 ? what : path + ": " + what);
  }
}

void load_checkpoint(const std::string& path, CheckpointParts& parts) {
  const Verified v = read_verified(path);
  check_all(v, parts);
  apply(v, parts);
  // Nothing below can fail.
  for (const auto& [name, g] : parts.rngs) {
    const auto& s = v.json.at("rng").at(name);
    g->set_state(s["seed"].get<uint64_t>(), s["stream"].get<uint64_t>(), s["counter"].get<uint64_t>());
  }
  parts.step = v.step;
  parts.epoch = v.epoch;
  parts.user = v.json.at("user");
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  const Verified v = read_verified(path);
  CheckpointInfo info;
  info.format_version = v.version;
  for (const auto& p : kPartNames)
    if (v.has(p)) info.parts.push_back(p);
  for (const auto& [name, g] : v.json.at("rng").items()) info.rngs.push_back(name);
  if (v.has("optim")) info.optimizer_type = v.json.at("optim")["type"].get<std::string>();
  info.step = v.step;
  info.epoch = v.epoch;
  info.user = v.json.at("user");
  return info;
}

}  // namespace hg::nn
