// Writing a data set in FreiHAND's layout (hand/freihand.h), as `handgrad synth` does.
//
// Images go straight to their files (rgb as JPEG, mask as JPEG like FreiHAND, depth as a 16-bit PNG
// of millimetres); the annotation arrays are collected in memory and written once by finish(),
// each JSON file atomically (temp file + rename, tensor/atomic_file.h), so a failed or interrupted
// run never leaves a half-written annotation file. Image writes and set_annotation() for distinct
// ids may run concurrently (e.g. from an OpenMP loop); finish() must not.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg::hand {

struct FreiHandAnnotation {
  Tensor K;      // [3, 3] pixels
  Tensor xyz;    // [21, 3] metres, camera frame, FreiHAND order
  Tensor mano;   // [61] = 48 pose + 10 shape + 2 uv_root + 1 scale (written as [[61]])
  Tensor verts;  // [V, 3] metres (optional: all or none of the annotations have them)
  double scale = 0;  // bone 9→10 length in metres (> 0)
};

class FreiHandWriter {
 public:
  // Creates <root>/<split>/rgb (and mask, depth as they are written). `num_annotations` = N.
  FreiHandWriter(std::string root, std::string split, int64_t num_annotations);

  // f32 [3, H, W] in [0, 1] -> <split>/rgb/%08d.jpg (image_id = version · N + annotation).
  void write_image(int64_t image_id, const Tensor& rgb, int quality = 95) const;
  // [1, H, W] or [H, W] in [0, 1] -> <split>/mask/%08d.jpg.
  void write_mask(int64_t annotation, const Tensor& mask, int quality = 95) const;
  // Metres [1, H, W] or [H, W] (0 = background) -> <split>/depth/%08d.png, millimetres, 16-bit.
  void write_depth(int64_t annotation, const Tensor& depth) const;

  // Checks the shapes and finiteness (std::invalid_argument naming the field) and stores a copy.
  void set_annotation(int64_t annotation, const FreiHandAnnotation& a);
  // Writes <split>_K/xyz/mano/scale(/verts).json. Throws std::logic_error if an annotation is missing.
  void finish();

  const std::string& root() const { return root_; }
  const std::string& split() const { return split_; }
  int64_t num_annotations() const { return n_; }

 private:
  std::string root_, split_;
  int64_t n_;
  std::vector<FreiHandAnnotation> annotations_;
  std::vector<char> set_;  // per annotation: set_annotation called (char, not bool: distinct bytes per thread)
};

}  // namespace hg::hand
