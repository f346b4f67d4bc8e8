// YouTube3DHands (REFERENCE.md §10): <root>/youtube_{train,val,test}.json with
//   "images":      [{"name": <path relative to root>, "width": W, "height": H, "id": n}, ...]
//   "annotations": [{"vertices": [[x, y, z] × 778], "is_left": 0|1, "image_id": n, ...}, ...]
// where x, y are image pixels and z a depth in the same units. One sample per annotation.
//
// Keypoints: the 16 MANO joints = J_regressor · vertices of the given model (its vertex count must
// match the file's), plus the model's 5 fingertip vertices, reordered to FreiHAND order
// (hand/skeleton.h); only (x, y) are kept → HandSample.uv. There are no intrinsics, so K and xyz
// are undefined (no valid 3D); valid is all ones. Left hands are mirrored to right ones
// (mirror_horizontally: image flipped, u → W − 1 − u, mirrored = true).
//
// The JSON is streamed: each annotation's vertices are reduced to 21 keypoints as soon as the
// annotation has been read, so memory stays small for the full (multi-GB) files. Every problem
// throws YouTube3DError, one line "<file>: <field>: <problem>", e.g.
//   "youtube_train.json: annotations[12].vertices[40]: expected [x, y, z], got [1,2]".
// get() additionally checks the decoded image against the listed width and height.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/dataset.h"
#include "hand/mano_model.h"

namespace hg::hand {

struct YouTube3DError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct YouTube3DOptions {
  bool mirror_left = true;
  // Reads an image file as f32 [3, H, W] in [0, 1]; empty = image::read_rgb (tensor/image_io.h).
  std::function<Tensor(const std::string& path)> read_image = nullptr;
};

struct YouTube3DAnnotation {
  std::string image_path;  // root + "/" + name
  int64_t image_id = 0, width = 0, height = 0;
  bool is_left = false;
  std::array<double, 42> uv{};  // 21 × (u, v) in FreiHAND order, in the ORIGINAL (unmirrored) image
};

// Regresses the 21 FreiHAND-order keypoints (x, y, z) from one mesh given as V × 3 row-major
// values: J_regressor · vertices for the 16 joints, then the fingertip vertices. Throws
// std::invalid_argument when the model's J_regressor / fingertips do not fit `vertices`.
std::array<double, 63> regress_keypoints(const ManoModel& model, const std::vector<double>& vertices);

class YouTube3DHandsDataset final : public HandDataset {
 public:
  // split: "train", "val" or "test". The model supplies J_regressor [16, V] and fingertips.
  YouTube3DHandsDataset(std::string root, std::string split, const ManoModel& model, YouTube3DOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(annotations_.size()); }
  HandSample get(int64_t index) const override;  // throws std::out_of_range / YouTube3DError / image errors
  std::string name() const override { return "youtube3d:" + split_; }
  const YouTube3DAnnotation& annotation(int64_t index) const;
  const std::string& json_path() const { return json_path_; }

 private:
  std::string root_, split_, json_path_;
  YouTube3DOptions options_;
  std::vector<YouTube3DAnnotation> annotations_;
};

}  // namespace hg::hand
