// `handgrad hand-model`: writes handgrad's procedural MANO-compatible hand model
// (hand/procedural_hand.h) as .npz (the official key names, readable by load_mano and numpy) or
// .safetensors, optionally with a Wavefront .obj of its rest mesh for viewing.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "apps/commands.h"
#include "hand/procedural_hand.h"
#include "tensor/atomic_file.h"

namespace hg::apps {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void write_obj(const hand::ManoModel& m, const std::string& path) {
  std::string text = "# handgrad procedural hand: " + m.source + "\n";
  const auto v = m.v_template.to_vector<double>();
  const auto f = m.faces.to_vector<int64_t>();
  char line[96];
  for (size_t i = 0; i < v.size(); i += 3) {
    std::snprintf(line, sizeof line, "v %.9g %.9g %.9g\n", v[i], v[i + 1], v[i + 2]);
    text += line;
  }
  for (size_t i = 0; i < f.size(); i += 3) {  // OBJ counts vertices from 1
    std::snprintf(line, sizeof line, "f %lld %lld %lld\n", static_cast<long long>(f[i] + 1),
                  static_cast<long long>(f[i + 1] + 1), static_cast<long long>(f[i + 2] + 1));
    text += line;
  }
  write_file_atomically(path, {text});
}

}  // namespace

Run add_hand_model(CLI::App& app) {
  struct Options {
    std::string out, obj;
    uint64_t seed = 0;
    bool left = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("hand-model", "Write the procedural MANO-compatible hand model (.npz or .safetensors)");
  cmd->add_option("--out", o->out, "Output file: FILE.npz (MANO key names) or FILE.safetensors")->required();
  cmd->add_option("--seed", o->seed, "Seed of the hand's proportions")->capture_default_str();
  cmd->add_flag("--left", o->left, "A left hand (the mirror image of the right one)");
  cmd->add_option("--obj", o->obj, "Also write the rest mesh as a Wavefront .obj");
  return [o]() -> int {
    const bool npz = ends_with(o->out, ".npz"), st = ends_with(o->out, ".safetensors");
    if (!npz && !st) throw std::invalid_argument("--out: '" + o->out + "' must end in .npz or .safetensors");
    const hand::ManoModel model = hand::make_procedural_hand({o->seed, !o->left});
    if (npz) hand::save_mano_npz(model, o->out);
    else hand::save_mano_safetensors(model, o->out);
    if (!o->obj.empty()) write_obj(model, o->obj);
    std::printf("%s: %s hand, %lld vertices, %lld faces, seed %llu%s%s\n", o->out.c_str(), o->left ? "left" : "right",
                static_cast<long long>(model.num_vertices()), static_cast<long long>(model.num_faces()),
                static_cast<unsigned long long>(o->seed), o->obj.empty() ? "" : ", mesh in ", o->obj.c_str());
    return 0;
  };
}

}  // namespace hg::apps
