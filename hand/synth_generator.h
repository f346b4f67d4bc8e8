// The synthetic hand data set (`handgrad synth`): procedurally posed, shaped, lit and placed hands
// rendered over procedural backgrounds, written in FreiHAND's layout (hand/freihand.h) plus
// training/depth/%08d.png (16-bit millimetres of the hand, 0 = background, for the dual-modality
// method), DIR/hand_model.npz (the procedural hand model used) and DIR/synth.json (options, version,
// conventions).
//
// One annotation i of split s (0 training, 1 evaluation):
//   hand model   make_procedural_hand({seed, right}) — one model for the whole set
//   shape        β_k = clamp(N(0, 0.8²), ±2)
//   pose         sample_hand_poses (joint limits of hand/pose_prior.h), a random global rotation
//                (random_hand_rotation: uniform, except that the open wrist never faces the camera)
//   camera       sample_camera (hand/synth_scene.h)
//   placement    place_in_view: the hand's longer projected side covers U(0.45, 0.85) of the image
//                inside a margin, every vertex in view
//   appearance   skin_colors (palette tone + variation), random_light (11 parameters)
//   distractor   with distractor_prob: a second hand (left or right, its own pose, shape and skin)
//                behind the main one (nearest point 3-25 cm behind its farthest), centred between
//                10 % of the side inside and 15 % beyond a random image edge, so it is partly in view
//                and never occludes
//   render       hard z-buffer (render_hard), composited with a one-pixel soft edge
//                (composite_layer), then apply_sensor_effects
//   annotation   xyz = MANO joints (FreiHAND order), verts, K (f32, exactly the values rendered);
//                mano (61) = full_pose (48: global rotation + 45 joint axis-angles, absolute, i.e.
//                apply with ManoOptions{use_pca = false, flat_hand_mean = true}), β (10),
//                uv_root (2) = projection of xyz[0], scale (1) = |xyz[10] − xyz[9]| (FreiHAND's bone
//                9→10, also in <split>_scale.json)
// Training annotations can be rendered over `versions` backgrounds (image id k·N + i, as FreiHAND's
// 4 versions); the mask and depth belong to the annotation.
//
// Randomness: Philox streams keyed by (seed, synth_stream(purpose, split, version, i)), one for
// the scene, one per background version and one per sensor draw, so every file is a function of
// (options, i) alone: the output is byte-identical for any thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "hand/mano.h"
#include "tensor/tensor.h"

namespace hg::hand {

struct SynthOptions {
  int64_t count = 1000;          // training annotations (N)
  int64_t eval_count = 0;        // evaluation annotations
  int64_t size = 224;            // square images
  uint64_t seed = 0;
  int64_t versions = 1;          // background versions per training annotation
  double distractor_prob = 0.3;
  int jpeg_quality = 92;         // rgb (masks use 95)
  double margin = 0.03;          // free border around the hand, fraction of the side
  int threads = 0;               // OpenMP threads; 0 = the default (not part of the output)
};

enum class SynthPurpose : uint64_t { scene = 0, background = 1, sensor = 2 };
// (purpose << 56) | (split << 48) | (version << 40) | annotation.
uint64_t synth_stream(SynthPurpose purpose, int split, int64_t version, int64_t annotation);

// One annotation's scene, rendered but not yet composited.
struct SynthScene {
  Tensor K;      // [3, 3] f32
  Tensor xyz;    // [21, 3] f32
  Tensor verts;  // [V, 3] f32 (what was rendered)
  Tensor mano;   // [61] f32
  double scale = 0;
  Tensor rgb, mask, depth;                  // the hand: [3, H, W], [1, H, W] 0/1, [1, H, W] metres (f32)
  Tensor distractor_rgb, distractor_mask;   // undefined without a distractor
};

class SynthGenerator {
 public:
  // Checks the options (std::invalid_argument naming the bad one) and builds the hand models.
  explicit SynthGenerator(SynthOptions options);

  const SynthOptions& options() const { return options_; }
  const ManoModel& model() const { return right_.model(); }  // the model of every annotated hand

  // Thread-safe; split 0 = training, 1 = evaluation.
  SynthScene scene(int split, int64_t annotation) const;
  // The final image f32 [3, H, W] of a scene over background `version`.
  Tensor image(const SynthScene& scene, int split, int64_t annotation, int64_t version) const;

 private:
  SynthOptions options_;
  ManoLayer right_, left_;  // left_ only for distractors
};

struct SynthSummary {
  int64_t training_images = 0, evaluation_images = 0;
  double seconds = 0;
};

// Generates the whole data set into `out` (created if needed). `progress` receives one-line reports
// (about every 10 % of each split). Annotation files are written atomically at the end of each
// split, synth.json last.
SynthSummary write_synth_dataset(const SynthOptions& options, const std::string& out,
                                 const std::function<void(const std::string&)>& progress = {});

}  // namespace hg::hand
