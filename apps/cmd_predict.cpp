// `handgrad predict --checkpoint F IMAGE...`: runs a pose network on hand images and writes, per
// image, <stem>_pose.json (21 keypoints: pixels, normalised relative depth, and camera-frame metres
// when intrinsics are given) and <stem>_pose.png (the skeleton drawn over the image).
//
// Each image is taken as a hand crop (like FreiHAND's 224 × 224 images): padded to a square about
// its centre, resized to the network's input side, and the prediction mapped back to the image's
// pixels. 3D needs --K fx,fy,cx,cy and a reference bone length (wrist → index MCP, default the
// adult mean 0.095 m; REFERENCE.md §3).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "apps/device_option.h"
#include "apps/commands.h"
#include "apps/json_options.h"
#include "autograd/node.h"
#include "hand/draw.h"
#include "hand/pose25d.h"
#include "hand/pose_net.h"
#include "hand/pose_checkpoint.h"
#include "ops/pad.h"
#include "ops/sample.h"
#include "tensor/atomic_file.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"
#include "tensor/view.h"

namespace hg::apps {
namespace {

struct PredictOptions {
  std::string checkpoint, out_dir = ".", intrinsics, device = "cpu";
  double bone = 0.095;
  std::vector<std::string> images;
};

std::vector<double> parse_intrinsics(const std::string& text) {
  std::vector<double> v;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    try {
      size_t used = 0;
      v.push_back(std::stod(part, &used));
      if (used != part.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw UsageError("--K: '" + text + "' is not four numbers fx,fy,cx,cy");
    }
  }
  if (v.size() != 4 || !(v[0] > 0 && v[1] > 0)) throw UsageError("--K: '" + text + "' is not fx,fy,cx,cy with fx, fy > 0");
  return v;
}

hand::LoadedPoseNet load_pose_checkpoint_or_usage(const std::string& path) {
  try {
    return hand::load_pose_checkpoint(path);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--") + e.what());
  }
}

int run_predict(const PredictOptions& o) {
  namespace fs = std::filesystem;
  const Device device = require_device_option(o.device);
  const hand::LoadedPoseNet net = load_pose_checkpoint_or_usage(o.checkpoint);
  const int64_t side = net.image_size;
  hand::PoseNet25d& model = *net.model;
  model.to(device);
  const std::vector<double> k = o.intrinsics.empty() ? std::vector<double>{} : parse_intrinsics(o.intrinsics);
  if (!(o.bone > 0 && o.bone < 1)) throw UsageError("--bone: must be in (0, 1) metres");
  fs::create_directories(o.out_dir);
  NoGradGuard no_grad;
  for (const std::string& path : o.images) {
    const Tensor image = image::read_rgb(path);  // [3, H, W]; throws naming the file
    const int64_t h = image.size(1), w = image.size(2), n = std::max(h, w);
    const int64_t top = (n - h) / 2, left = (n - w) / 2;
    const Tensor square = ops::pad(ops::reshape(image, {1, 3, h, w}), {left, n - w - left, top, n - h - top});
    const Tensor input = ops::interpolate(square, side, side, InterpolateMode::bilinear, false);
    const Tensor pred = ops::to_device(model.forward(ops::to_device(input, device)), Device::cpu());
    const hand::Pose25d p = hand::decode_pose25d(pred, static_cast<double>(side));
    // Crop pixels -> image pixels: undo the resize (u' = s(u + ½) − ½, s = side / n) and the padding.
    const double s = static_cast<double>(n) / side;
    std::vector<double> uv = ops::to_dtype(ops::contiguous(p.uv), DType::f64).to_vector<double>();
    for (int64_t j = 0; j < 21; ++j) uv[2 * j] = (uv[2 * j] + 0.5) * s - 0.5 - left, uv[2 * j + 1] = (uv[2 * j + 1] + 0.5) * s - 0.5 - top;
    const std::vector<double> z = ops::to_dtype(ops::contiguous(p.z_rel_norm), DType::f64).to_vector<double>();
    nlohmann::json out = {{"image", path}, {"checkpoint", o.checkpoint}, {"order", "FreiHAND 21 keypoints"}};
    for (int64_t j = 0; j < 21; ++j) {
      out["uv"].push_back({uv[2 * j], uv[2 * j + 1]});
      out["z_rel_norm"].push_back(z[j]);
    }
    if (!k.empty()) {
      const Tensor K = from_vector(std::vector<double>{k[0], 0, k[2], 0, k[1], k[3], 0, 0, 1}, {1, 3, 3}, DType::f64);
      const Tensor xyz = hand::from_pose25d(from_vector(uv, {1, 21, 2}, DType::f64),
                                            ops::to_dtype(ops::contiguous(p.z_rel_norm), DType::f64), K,
                                            full({1}, o.bone, DType::f64));
      const std::vector<double> v = xyz.to_vector<double>();
      for (int64_t j = 0; j < 21; ++j) out["xyz_m"].push_back({v[3 * j], v[3 * j + 1], v[3 * j + 2]});
      out["bone_m"] = o.bone;
    }
    const std::string stem = (fs::path(o.out_dir) / fs::path(path).stem()).string();
    const std::string text = out.dump(2) + "\n";
    write_file_atomically(stem + "_pose.json", {text});
    const Tensor overlay = ops::clone(image);
    hand::draw_skeleton(overlay, from_vector(uv, {21, 2}, DType::f32), {}, std::max(2.0, n / 90.0), std::max(1.5, n / 150.0));
    image::write_png(stem + "_pose.png", image::to_hwc_u8(overlay));
    std::cout << path << " -> " << stem << "_pose.json, " << stem << "_pose.png\n";
  }
  return 0;
}

}  // namespace

Run add_predict(CLI::App& app) {
  auto* sub = app.add_subcommand("predict", "Predict 2.5D/3D hand keypoints on images: JSON + PNG overlay per image");
  auto o = std::make_shared<PredictOptions>();
  sub->add_option("images", o->images, "hand images (JPEG/PNG)")->required();
  sub->add_option("--checkpoint", o->checkpoint, "a finetune checkpoint")->required();
  sub->add_option("--out-dir", o->out_dir, "where to write <stem>_pose.json / .png")->capture_default_str();
  sub->add_option("--K", o->intrinsics, "camera intrinsics fx,fy,cx,cy (pixels) for 3D output");
  sub->add_option("--device", o->device, "where the network runs: cpu, cuda, cuda:N")->capture_default_str();
  sub->add_option("--bone", o->bone, "reference bone length wrist -> index MCP in metres (for 3D)")->capture_default_str();
  return [o] { return run_predict(*o); };
}

}  // namespace hg::apps
