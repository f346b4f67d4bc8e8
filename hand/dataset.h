// One annotated hand image and the interface every data-set reader implements (REFERENCE.md §10).
//
// Conventions (DESIGN.md): image RGB float32 CHW in [0, 1]; camera frame OpenCV (x right, y down,
// z forward), metres; 21 keypoints in FreiHAND order; pixel (i, j) has its centre at (u, v) = (j, i).
// Optional fields are undefined Tensors when a source does not provide them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "tensor/tensor.h"

namespace hg::hand {

struct HandSample {
  Tensor image;   // [3, H, W] f32 in [0, 1]
  Tensor K;       // [3, 3] f32 intrinsics of `image` (pixels)
  Tensor xyz;     // [21, 3] f32 metres, camera frame (undefined when the source has no 3D)
  Tensor uv;      // [21, 2] f32 pixels in `image`
  Tensor valid;   // [21] f32, 1 = annotated keypoint, 0 = missing
  Tensor mask;    // [1, H, W] f32 in [0, 1], hand segmentation (optional)
  Tensor depth;   // [1, H, W] f32 metres, 0 = no measurement (optional)
  Tensor verts;   // [V, 3] f32 metres, camera frame (optional)
  Tensor mano;    // [61] f32: 48 pose (global + 45), 10 shape, 2 uv_root, 1 scale (optional)
  double scale = 0;       // FreiHAND scale: length of bone 9→10 in metres (0 = unknown)
  bool mirrored = false;  // a left hand mirrored to a right one by the reader
  std::string source;     // "<dataset>:<split>:<id>", for error messages and logs
};

// A random-access data set. get() must be safe to call from several threads at once and must
// throw (naming the file and the problem) on missing or corrupt files rather than return garbage.
class HandDataset {
 public:
  virtual ~HandDataset() = default;
  virtual int64_t size() const = 0;
  virtual HandSample get(int64_t index) const = 0;
  virtual std::string name() const = 0;
};

using HandDatasetPtr = std::shared_ptr<const HandDataset>;

}  // namespace hg::hand
