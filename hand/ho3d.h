// The HO-3D data set (v2 and v3) on disk (REFERENCE.md §10):
//
//   <root>/train.txt, <root>/evaluation.txt   one frame per line, "SEQ/FRAME" (e.g. "ABF10/0000")
//   <root>/<split>/<SEQ>/rgb/<FRAME>.png      image (v2; v3 stores .jpg: either is accepted)
//   <root>/<split>/<SEQ>/meta/<FRAME>.pkl     Python pickle of a dict of numpy arrays (below)
//   <root>/<split>/<SEQ>/seg/<FRAME>.jpg|png  hand/object segmentation (optional)
//   <root>/<split>/<SEQ>/depth/<FRAME>.png    depth as an 8-bit RGB PNG (optional)
// with <split> = "train" or "evaluation".
//
// meta/<FRAME>.pkl keys read here (others are ignored):
//   camMat [3, 3]        intrinsics (pixels), required
//   handJoints3D         required key: [21, 3] metres in MANO joint order with the five fingertips
//                        appended (wrist, index 1-3, middle 1-3, little 1-3, ring 1-3, thumb 1-3, then
//                        tips thumb, index, middle, ring, little — hand/skeleton.h's "MANO + tips");
//                        evaluation frames carry only the root [3] (or [1, 3]); None = not annotated
//   handPose [48], handBeta [10], handTrans [3], handBoundingBox [4]   optional, shape-checked
// Coordinates are OpenGL (y up, the hand at negative z); the reader converts them to OpenCV with
// diag(1, −1, −1) and reorders the joints to FreiHAND order (kManoToFreihand). uv = K·xyz / z.
// A root-only frame has valid = (1, 0, …, 0) (the wrist); a None frame has valid all 0. Invalid
// keypoints have xyz = uv = 0. scale = |J9 − J10| (FreiHAND order) for fully annotated frames.
// The MANO parameters stay in the file's OpenGL frame and are exposed only via read_ho3d_meta
// (HandSample.mano stays undefined: its 61-vector convention is FreiHAND's, not HO-3D's).
//
// Depth: depth_m = (R + 256·G) · kHo3dDepthScale (the official toolkit's read_depth_img, which
// reads the PNG with OpenCV as BGR and combines channels 2 and 1); 0 = no measurement.
// Segmentation (assumption, see the report in hand/README.md): the hand is the BLUE channel
// (OpenCV's channel 0 of the BGR image), thresholded at 0.5 (JPEG ringing). Seg maps stored at a
// lower resolution (HO-3D's are smaller than the RGB) are upsampled by nearest neighbour when the
// image is an exact integer multiple of the same factor on both axes; any other size is an error.
//
// Errors: Ho3dError, one line "<file>: <field>: <problem>", e.g.
//   ".../train/ABF10/meta/0000.pkl: camMat: expected [3, 3], got [3]".
// Construction reads the split list and checks that every frame's image and meta file exist;
// the meta pickle, images, seg and depth are read and validated in get(). With skip_bad, frames with
// missing files are left out at construction and a frame that fails in get() is replaced by the next
// readable one; both are counted in skipped().
#pragma once
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/dataset.h"

namespace hg::hand {

struct Ho3dError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Metres per unit of the 16-bit value R + 256·G of an HO-3D depth PNG.
inline constexpr double kHo3dDepthScale = 0.00012498664727900177;

struct Ho3dOptions {
  std::string split = "train";  // "train" or "evaluation"
  bool load_masks = true;       // read seg/<FRAME>.{jpg,png} when present
  bool load_depth = true;       // read depth/<FRAME>.png when present
  bool skip_bad = false;        // see above
};

// One meta/<FRAME>.pkl, validated and converted (f64, host).
struct Ho3dMeta {
  Tensor K;       // [3, 3]
  Tensor xyz;     // [21, 3] metres, OpenCV frame, FreiHAND order; 0 where not annotated
  Tensor valid;   // [21] 1 = annotated
  Tensor hand_pose, hand_beta, hand_trans;  // [48], [10], [3] as stored (OpenGL frame); undefined when absent
  Tensor hand_bbox;                         // [4] as stored; undefined when absent
  bool root_only = false;                   // handJoints3D held only the root
};

// Parses and validates one meta pickle; throws Ho3dError naming `path` and the field.
Ho3dMeta read_ho3d_meta(const std::string& path);

// An HO-3D depth image u8 [H, W, 3 or 4] (RGB order) → f32 [1, H, W] metres.
Tensor decode_ho3d_depth(const Tensor& rgb_u8);

class Ho3dDataset final : public HandDataset {
 public:
  explicit Ho3dDataset(std::string root, Ho3dOptions options = {});

  int64_t size() const override { return static_cast<int64_t>(frames_.size()); }
  // Throws std::out_of_range outside [0, size()), Ho3dError / image::ImageError on bad files
  // (unless skip_bad).
  HandSample get(int64_t index) const override;
  std::string name() const override { return "ho3d:" + options_.split; }

  const std::string& frame(int64_t index) const;  // "SEQ/FRAME"
  std::string image_path(int64_t index) const;
  std::string meta_path(int64_t index) const;
  int64_t skipped() const { return skipped_.load(); }

 private:
  struct Frame {
    std::string id;     // "SEQ/FRAME"
    std::string dir;    // <root>/<split>/<SEQ>
    std::string name;   // FRAME
    std::string image;  // the rgb file found (.png or .jpg)
  };
  const Frame& at(int64_t index) const;
  HandSample read(int64_t index) const;

  std::string root_;
  Ho3dOptions options_;
  std::vector<Frame> frames_;
  mutable std::atomic<int64_t> skipped_{0};
};

}  // namespace hg::hand
