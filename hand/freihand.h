// The FreiHAND data set on disk (REFERENCE.md §10), also the layout `handgrad synth` writes.
//
//   <root>/<split>/rgb/%08d.jpg     images; id = k·N + i is annotation i under background version k
//   <root>/<split>/mask/%08d.jpg    hand masks, one per annotation i (optional)
//   <root>/<split>/depth/%08d.png   16-bit depth in millimetres, 0 = background, one per annotation
//                                   (optional; handgrad's synthetic set, for the dual-modality method)
//   <root>/<split>_K.json           [N][3][3] intrinsics (pixels)
//   <root>/<split>_xyz.json         [N][21][3] keypoints, metres, camera frame, FreiHAND order
//   <root>/<split>_mano.json        [N][1][61] = 48 pose + 10 shape + 2 uv_root + 1 scale (optional)
//   <root>/<split>_scale.json       [N] length of bone 9→10 in metres (optional)
//   <root>/<split>_verts.json       [N][V][3] mesh vertices (optional, read only when asked: ~1 GB)
// with <split> = "training" (N = 32,560, 4 versions) or "evaluation" (N = 3,960, 1 version).
//
// HandSample.uv is the projection of xyz through K (uv = (K xyz)_{0,1} / z); valid is all ones.
// Masks are thresholded at 0.5 (FreiHAND stores them as JPEG, whose ringing would otherwise leak).
//
// Validation happens once, at construction: every JSON file is parsed strictly
// (tensor/json_array.h), the entry counts must agree with <split>_K.json's, every number must be
// finite, K must be a plausible pinhole matrix (fx, fy > 0, zero row-2 skew, last row 0 0 1), every
// keypoint must lie in front of the camera and every scale must be positive; the image of every
// selected sample must exist. Problems throw FreiHandError, one line naming the file, the field and
// entry, and the problem ("training_xyz.json: xyz[12][3]: z = -0.2 m, behind the camera").
// With skip_bad, missing images are left out at construction and an image that fails to decode in
// get() is replaced by the next readable sample; both are counted in skipped().
#pragma once
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/dataset.h"

namespace hg::hand {

struct FreiHandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct FreiHandOptions {
  std::string split = "training";  // "training" or "evaluation"
  std::vector<int64_t> versions;   // background versions to use; empty = every version on disk
  bool load_verts = false;         // read <split>_verts.json into HandSample.verts
  bool load_masks = true;          // when <split>/mask exists
  bool load_depth = true;          // when <split>/depth exists
  bool skip_bad = false;           // see above
};

// File names of the layout (shared with the writer).
std::string freihand_image_path(const std::string& root, const std::string& split, int64_t id);  // rgb/%08d.jpg
std::string freihand_mask_path(const std::string& root, const std::string& split, int64_t annotation);
std::string freihand_depth_path(const std::string& root, const std::string& split, int64_t annotation);
// <root>/<split>_<what>.json, what in K, xyz, mano, scale, verts.
std::string freihand_json_path(const std::string& root, const std::string& split, const std::string& what);

class FreiHandDataset : public HandDataset {
 public:
  explicit FreiHandDataset(std::string root, FreiHandOptions options = {});

  int64_t size() const override { return static_cast<int64_t>(ids_.size()); }
  // Throws std::out_of_range outside [0, size()), FreiHandError / image::ImageError on bad files
  // (unless skip_bad).
  HandSample get(int64_t index) const override;
  std::string name() const override { return "freihand:" + options_.split; }

  int64_t num_annotations() const { return n_; }                   // N
  int64_t versions_on_disk() const { return versions_on_disk_; }
  const std::vector<int64_t>& versions() const { return versions_; }  // the versions in use
  int64_t image_id(int64_t index) const;                            // file number of sample `index`
  int64_t annotation_of(int64_t index) const { return image_id(index) % n_; }
  int64_t skipped() const { return skipped_.load(); }
  bool has_masks() const { return has_masks_; }
  bool has_depth() const { return has_depth_; }

  // The annotation arrays (f32, read-only); mano / scale / verts are undefined when absent.
  const Tensor& K() const { return K_; }          // [N, 3, 3]
  const Tensor& xyz() const { return xyz_; }      // [N, 21, 3]
  const Tensor& mano() const { return mano_; }    // [N, 61]
  const Tensor& scale() const { return scale_; }  // [N]
  const Tensor& verts() const { return verts_; }  // [N, V, 3]

 private:
  HandSample read(int64_t index) const;

  std::string root_;
  FreiHandOptions options_;
  int64_t n_ = 0, versions_on_disk_ = 0;
  std::vector<int64_t> versions_;
  std::vector<int64_t> ids_;  // image id of each sample
  bool has_masks_ = false, has_depth_ = false;
  Tensor K_, xyz_, mano_, scale_, verts_;
  mutable std::atomic<int64_t> skipped_{0};
};

}  // namespace hg::hand
