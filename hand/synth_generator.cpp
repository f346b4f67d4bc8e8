#include "hand/synth_generator.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "autograd/node.h"
#include "hand/freihand.h"
#include "hand/freihand_writer.h"
#include "hand/pose_prior.h"
#include "hand/procedural_hand.h"
#include "hand/render.h"
#include "hand/synth_background.h"
#include "hand/synth_composite.h"
#include "hand/synth_scene.h"
#include "tensor/atomic_file.h"
#include "tensor/factory.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

constexpr int kSynthVersion = 1;
constexpr int kMaskQuality = 95;
const char* kSplitNames[2] = {"training", "evaluation"};

ManoOptions absolute_pose() {
  ManoOptions o;
  o.use_pca = false;
  o.flat_hand_mean = true;
  return o;
}

SynthOptions checked(SynthOptions o) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("synth: " + what); };
  if (o.count < 0 || o.eval_count < 0) bad("--count and --eval-count must be >= 0");
  if (o.count + o.eval_count == 0) bad("nothing to generate (--count and --eval-count are 0)");
  if (o.count >= (int64_t{1} << 38) || o.eval_count >= (int64_t{1} << 38)) bad("counts must be below 2^38");
  if (o.size < 32 || o.size > 4096) bad("--size must be in [32, 4096], got " + std::to_string(o.size));
  if (o.versions < 1 || o.versions > 64) bad("--versions must be in [1, 64], got " + std::to_string(o.versions));
  if (!(o.distractor_prob >= 0 && o.distractor_prob <= 1)) bad("--distractor-prob must be in [0, 1]");
  if (o.jpeg_quality < 1 || o.jpeg_quality > 100) bad("--jpeg-quality must be in [1, 100]");
  if (!(o.margin >= 0 && o.margin < 0.3)) bad("--margin must be in [0, 0.3)");
  if (o.threads < 0) bad("--threads must be >= 0");
  return o;
}

struct Hand {
  Tensor vertices;  // [V, 3] f64, global rotation applied, no translation
  Tensor joints;    // [21, 3] f64
  Tensor full_pose;  // [48] f64
  Tensor betas;     // [10] f64
};

// Shape, pose and global rotation drawn from g, posed by `layer` at the origin.
Hand random_hand(Generator& g, const ManoLayer& layer) {
  std::vector<double> betas(10);
  for (double& b : betas) b = std::clamp(0.8 * g.normal(), -2.0, 2.0);
  const Tensor pose = sample_hand_poses(g, 1, DType::f64);
  Tensor rot = from_vector(std::vector<double>(3), {1, 3}, DType::f64);
  const std::array<double, 3> r = random_hand_rotation(g);
  std::copy(r.begin(), r.end(), rot.data<double>());
  ManoParams params;
  params.global_rot = rot;
  params.pose = pose;
  params.betas = from_vector(betas, {1, 10}, DType::f64);
  const ManoOutput out = layer.forward(params);
  return {ops::contiguous(ops::select(out.vertices, 0, 0)), ops::contiguous(ops::select(out.joints, 0, 0)),
          ops::contiguous(ops::select(out.full_pose, 0, 0)), ops::view(params.betas, {10})};
}

// p + t rounded to f32, [N, 3].
Tensor translated_f32(const Tensor& p, const std::array<double, 3>& t) {
  const std::vector<double> src = p.to_vector<double>();
  Tensor out = Tensor::empty(p.sizes(), DType::f32);
  float* o = out.data<float>();
  for (size_t i = 0; i < src.size(); ++i) o[i] = static_cast<float>(src[i] + t[i % 3]);
  return out;
}

double max_z(const Tensor& f32_points) {
  const float* p = f32_points.data<float>();
  double z = -1e30;
  for (int64_t i = 0; i < f32_points.size(0); ++i) z = std::max(z, static_cast<double>(p[3 * i + 2]));
  return z;
}

// Every point of `verts` (f32 [V, 3]) projects through the camera inside [lo, size − 1 − lo]².
void check_in_view(const Tensor& verts, const SynthCamera& c, int64_t size, double lo, int64_t annotation) {
  const float* p = verts.data<float>();
  const double hi = static_cast<double>(size - 1) - lo;
  for (int64_t i = 0; i < verts.size(0); ++i) {
    const double z = p[3 * i + 2], u = c.fx * p[3 * i] / z + c.cx, v = c.fy * p[3 * i + 1] / z + c.cy;
    if (!(z > 0 && u >= lo && u <= hi && v >= lo && v <= hi))
      throw std::logic_error("synth: annotation " + std::to_string(annotation) + ": vertex " + std::to_string(i) +
                             " left the image after placement");
  }
}

struct Rendered {
  Tensor rgb, mask, depth;
};

Rendered render(const Tensor& verts, const Tensor& faces, const Tensor& colors, const Tensor& K, const Tensor& light,
                int64_t size) {
  RenderSettings s;
  s.height = s.width = size;
  s.near = 0.05;
  const HardRender r = render_hard(verts, faces, colors, K, light, s);
  auto f32 = [](const Tensor& t) { return ops::contiguous(ops::to_dtype(t, DType::f32)); };
  return {f32(r.rgb), f32(r.mask), f32(r.depth)};
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return buf;
}

nlohmann::json describe(const SynthOptions& o, const ManoModel& model) {
  nlohmann::json j;
  j["generator"] = "handgrad synth";
  j["version"] = kSynthVersion;
  j["options"] = {{"count", o.count},           {"eval_count", o.eval_count},          {"size", o.size},
                  {"seed", o.seed},             {"versions", o.versions},              {"distractor_prob", o.distractor_prob},
                  {"jpeg_quality", o.jpeg_quality}, {"mask_jpeg_quality", kMaskQuality}, {"margin", o.margin}};
  j["model"] = {{"file", "hand_model.npz"},
                {"kind", "procedural"},
                {"procedural_seed", o.seed},
                {"vertices", model.num_vertices()},
                {"faces", model.num_faces()}};
  j["conventions"] = {
      {"units", "metres, OpenCV camera frame (x right, y down, z forward); pixel (i, j) centred at (u, v) = (j, i)"},
      {"image_ids", "training image k*N + i shows annotation i over background version k (N = count)"},
      {"mano", "61 = 48 axis-angles (global rotation, then 45 joint rotations; absolute: apply with use_pca = false, "
               "flat_hand_mean = true) + 10 betas + 2 uv_root (projection of xyz[0]) + 1 scale (|xyz[10] - xyz[9]|, m)"},
      {"depth", "<split>/depth/%08d.png: 16-bit z of the annotated hand in millimetres, 0 = background"},
      {"mask", "<split>/mask/%08d.jpg: the annotated hand's silhouette (JPEG, threshold at 128)"},
      {"randomness", "Philox4x32 keyed by (seed, (purpose << 56) | (split << 48) | (version << 40) | annotation), "
                     "purpose 0 scene, 1 background, 2 sensor"}};
  return j;
}

}  // namespace

uint64_t synth_stream(SynthPurpose purpose, int split, int64_t version, int64_t annotation) {
  return (static_cast<uint64_t>(purpose) << 56) | (static_cast<uint64_t>(split) << 48) |
         (static_cast<uint64_t>(version) << 40) | static_cast<uint64_t>(annotation);
}

SynthGenerator::SynthGenerator(SynthOptions options)
    : options_(checked(options)),
      right_(make_procedural_hand({options.seed, true}), absolute_pose()),
      left_(make_procedural_hand({options.seed, false}), absolute_pose()) {}

SynthScene SynthGenerator::scene(int split, int64_t annotation) const {
  NoGradGuard no_grad;
  const int64_t size = options_.size;
  Generator g(options_.seed, synth_stream(SynthPurpose::scene, split, 0, annotation));
  const SynthCamera camera = sample_camera(g, size);
  const Hand hand = random_hand(g, right_);
  const double margin = options_.margin * static_cast<double>(size);
  const std::array<double, 3> t = place_in_view(g, hand.vertices, camera, size, margin, g.uniform(0.45, 0.85));

  SynthScene s;
  s.K = camera.K(DType::f32);
  s.verts = translated_f32(hand.vertices, t);
  s.xyz = translated_f32(hand.joints, t);
  check_in_view(s.verts, camera, size, margin, annotation);
  const Tensor colors = skin_colors(g, model().v_template);
  const Tensor light = random_light(g);
  const Rendered r = render(s.verts, model().faces, colors, s.K, light, size);
  s.rgb = r.rgb;
  s.mask = r.mask;
  s.depth = r.depth;

  // FreiHAND's 61-vector: pose (48), shape (10), uv_root (2), scale (1).
  const float* x = s.xyz.data<float>();
  const double root_u = camera.fx * x[0] / x[2] + camera.cx, root_v = camera.fy * x[1] / x[2] + camera.cy;
  s.scale = std::sqrt(std::pow(x[30] - x[27], 2) + std::pow(x[31] - x[28], 2) + std::pow(x[32] - x[29], 2));
  std::vector<double> mano = hand.full_pose.to_vector<double>();
  const std::vector<double> betas = hand.betas.to_vector<double>();
  mano.insert(mano.end(), betas.begin(), betas.end());
  mano.insert(mano.end(), {root_u, root_v, s.scale});
  s.mano = from_vector(mano, {61}, DType::f32);

  if (g.uniform() < options_.distractor_prob) {
    const bool left = g.uniform() < 0.5;
    const ManoLayer& layer = left ? left_ : right_;
    const Hand other = random_hand(g, layer);
    const double nearest = max_z(s.verts) + g.uniform(0.03, 0.25);
    const std::array<double, 3> t2 = place_at_edge(g, other.vertices, camera, size, nearest, 0.15);
    const Tensor other_colors = skin_colors(g, layer.model().v_template);
    const Rendered d = render(translated_f32(other.vertices, t2), layer.model().faces, other_colors, s.K, light, size);
    s.distractor_rgb = d.rgb;
    s.distractor_mask = d.mask;
  }
  return s;
}

Tensor SynthGenerator::image(const SynthScene& scene, int split, int64_t annotation, int64_t version) const {
  Generator background(options_.seed, synth_stream(SynthPurpose::background, split, version, annotation));
  Tensor img = synth_background(background, options_.size, options_.size);
  if (scene.distractor_rgb.defined()) composite_layer(img, scene.distractor_rgb, scene.distractor_mask);
  composite_layer(img, scene.rgb, scene.mask);
  Generator sensor(options_.seed, synth_stream(SynthPurpose::sensor, split, version, annotation));
  apply_sensor_effects(sensor, img);
  return img;
}

SynthSummary write_synth_dataset(const SynthOptions& options, const std::string& out,
                                 const std::function<void(const std::string&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const SynthGenerator gen(options);
  const SynthOptions& o = gen.options();
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw std::runtime_error(out + ": cannot create the folder: " + ec.message());
  save_mano_npz(gen.model(), out + "/hand_model.npz");
  auto report = [&](const std::string& line) {
    if (progress) progress(line);
  };

  SynthSummary summary;
  for (int split = 0; split < 2; ++split) {
    const int64_t n = split == 0 ? o.count : o.eval_count, versions = split == 0 ? o.versions : 1;
    if (n == 0) continue;
    FreiHandWriter writer(out, kSplitNames[split], n);
    std::atomic<int64_t> done{0};
    std::exception_ptr error;
    const int64_t step = std::max<int64_t>(1, (n + 9) / 10);
    const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) {
      bool failed = false;
#pragma omp critical(synth_error)
      failed = error != nullptr;
      if (failed) continue;
      try {
        const SynthScene s = gen.scene(split, i);
        for (int64_t k = 0; k < versions; ++k)
          writer.write_image(k * n + i, gen.image(s, split, i, k), o.jpeg_quality);
        writer.write_mask(i, s.mask, kMaskQuality);
        writer.write_depth(i, s.depth);
        writer.set_annotation(i, FreiHandAnnotation{s.K, s.xyz, s.mano, s.verts, s.scale});
        const int64_t finished = ++done;
        if (finished % step == 0 || finished == n) {
#pragma omp critical(synth_progress)
          report(std::string("synth: ") + kSplitNames[split] + " " + std::to_string(finished) + "/" +
                 std::to_string(n) + " annotations (" + std::to_string(finished * versions) + " images, " +
                 seconds_since(start) + ")");
        }
      } catch (...) {
#pragma omp critical(synth_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    writer.finish();
    (split == 0 ? summary.training_images : summary.evaluation_images) = n * versions;
  }
  const std::string text = describe(o, gen.model()).dump(2) + "\n";
  write_file_atomically(out + "/synth.json", {text});
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace hg::hand
