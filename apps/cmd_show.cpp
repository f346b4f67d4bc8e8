// `handgrad show`: one sample of a FreiHAND-layout data set with its keypoints and mesh drawn on it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/commands.h"
#include "autograd/node.h"
#include "hand/camera.h"
#include "hand/draw.h"
#include "hand/freihand.h"
#include "hand/mano.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/view.h"

namespace hg::apps {
namespace {

struct ShowOptions {
  std::string dir, split = "training", out, model, mesh = "filled";
  int64_t index = 0;
  bool mean_pose = false;
};

// The model's mesh for the sample's 61 MANO values, moved so that its root joint sits on xyz[0]
// (FreiHAND's vector has no translation). Returns [V, 3] f64 and the model's joints [21, 3].
std::pair<Tensor, Tensor> posed_mesh(const hand::ManoModel& model, const hand::HandSample& s, bool mean_pose) {
  hand::ManoOptions mo;
  mo.use_pca = false;
  mo.flat_hand_mean = !mean_pose;
  const hand::ManoLayer layer(model, mo);
  const Tensor m = ops::to_dtype(s.mano, DType::f64);
  hand::ManoParams p;
  p.global_rot = ops::view(ops::contiguous(ops::narrow(m, 0, 0, 3)), {1, 3});
  p.pose = ops::view(ops::contiguous(ops::narrow(m, 0, 3, 45)), {1, 45});
  p.betas = ops::view(ops::contiguous(ops::narrow(m, 0, 48, 10)), {1, 10});
  const hand::ManoOutput out = layer.forward(p);
  std::vector<double> v = out.vertices.to_vector<double>(), j = out.joints.to_vector<double>();
  const std::vector<double> xyz = s.xyz.to_vector<double>();
  const double shift[3] = {xyz[0] - j[0], xyz[1] - j[1], xyz[2] - j[2]};
  for (size_t i = 0; i < v.size(); ++i) v[i] += shift[i % 3];
  for (size_t i = 0; i < j.size(); ++i) j[i] += shift[i % 3];
  const int64_t V = out.vertices.size(1);
  return {from_vector(v, {V, 3}, DType::f64), from_vector(j, {21, 3}, DType::f64)};
}

int run_show(const ShowOptions& o) {
  NoGradGuard no_grad;
  hand::FreiHandOptions fo;
  fo.split = o.split;
  const hand::FreiHandDataset ds(o.dir, fo);
  if (o.index < 0 || o.index >= ds.size())
    throw std::invalid_argument("--index " + std::to_string(o.index) + " is outside [0, " + std::to_string(ds.size()) +
                                ") for " + o.dir + " (" + o.split + ")");
  const hand::HandSample s = ds.get(o.index);
  Tensor canvas = ops::clone(s.image);

  std::string model_path = o.model;
  if (model_path.empty() && std::filesystem::exists(o.dir + "/hand_model.npz")) model_path = o.dir + "/hand_model.npz";
  std::string mesh_note = "no mesh (pass --model MANO_RIGHT.pkl)";
  if (o.mesh != "none" && !model_path.empty() && s.mano.defined()) {
    const hand::ManoModel model = hand::load_mano(model_path);
    const auto [verts, joints] = posed_mesh(model, s, o.mean_pose);
    if (o.mesh == "filled") {
      hand::draw_mesh(canvas, verts, model.faces, s.K, hand::Rgb{0.55f, 0.75f, 1.0f}, 0.45);
    } else {
      hand::draw_wireframe(canvas, hand::project(verts, ops::to_dtype(s.K, DType::f64)), model.faces,
                           hand::Rgb{0.55f, 0.75f, 1.0f}, 0.5);
    }
    // How well the model's joints match the annotation (0 for the synthetic set).
    const std::vector<double> a = s.uv.to_vector<double>();
    const std::vector<double> b = hand::project(joints, ops::to_dtype(s.K, DType::f64)).to_vector<double>();
    double mean = 0;
    for (int k = 0; k < 21; ++k) mean += std::hypot(a[2 * k] - b[2 * k], a[2 * k + 1] - b[2 * k + 1]) / 21;
    char buf[160];
    std::snprintf(buf, sizeof buf, "mesh from %s (model joints vs annotation: %.2f px mean)", model_path.c_str(), mean);
    mesh_note = buf;
  } else if (o.mesh == "none") {
    mesh_note = "no mesh (--mesh none)";
  }
  hand::draw_skeleton(canvas, s.uv, s.valid);

  char name[64];
  std::snprintf(name, sizeof name, "%s_%08lld.png", o.split.c_str(), static_cast<long long>(ds.image_id(o.index)));
  const std::string out = o.out.empty() ? std::string(name) : o.out;
  image::write_png(out, image::to_hwc_u8(canvas));
  std::printf("show: wrote %s (%s, annotation %lld, %s)\n", out.c_str(),
              hand::freihand_image_path(o.dir, o.split, ds.image_id(o.index)).c_str(),
              static_cast<long long>(ds.annotation_of(o.index)), mesh_note.c_str());
  return 0;
}

}  // namespace

Run add_show(CLI::App& app) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* cmd = app.add_subcommand("show", "Draw the keypoints and mesh of one sample of a FreiHAND-layout data set");
  cmd->add_option("dir", o->dir, "Data set folder (FreiHAND or `handgrad synth` output)")->required();
  cmd->add_option("--index", o->index, "Sample index (image id k*N + i)")->capture_default_str();
  cmd->add_option("--split", o->split, "Split")->capture_default_str()->check(CLI::IsMember({"training", "evaluation"}));
  cmd->add_option("--out", o->out, "Output PNG (default <split>_<id>.png)");
  cmd->add_option("--model", o->model, "Hand model for the mesh (.pkl/.npz/.safetensors; default DIR/hand_model.npz)");
  cmd->add_option("--mesh", o->mesh, "Mesh overlay")->capture_default_str()->check(
      CLI::IsMember({"filled", "wireframe", "none"}));
  cmd->add_flag("--mean-pose", o->mean_pose,
                "The 45 pose values are relative to the model's mean pose (default: absolute, as `synth` writes)");
  return [o]() -> int { return run_show(*o); };
}

}  // namespace hg::apps
