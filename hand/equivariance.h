// The equivariance measure of PeCLR supp. §6 (REFERENCE.md §1):
//   L_equiv(I, t) = ‖t f(I) − f(t I)‖₂   on the 2D keypoints (crop pixels, mean over the 21 joints),
// where f is a pose network, I the hand crop of an evaluation image and t an in-plane rotation (swept
// evenly over [−80°, 80°]) or a translation (a grid over [−25, 25]² px); t f(I) moves the
// prediction on I by the same pixel warp that made t I. Averaged over the images per t, and
//   L_improv = (L_SimCLR − L_PeCLR) / L_SimCLR
// compares two networks (positive = the second is more equivariant).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hand/dataset.h"
#include "tensor/tensor.h"

namespace hg::hand {

struct EquivarianceOptions {
  int64_t image_size = 128;
  int64_t rotations = 9;           // evenly spaced in [−max_degrees, max_degrees]
  double max_degrees = 80;
  int64_t translations = 5;        // per axis, evenly spaced in [−max_pixels, max_pixels]
  double max_pixels = 25;
  int64_t images = 64;             // the first N images of the data set
  int64_t batch_size = 32;
  std::string device = "cpu";      // where the network runs (cpu, cuda, cuda:N); images are made on the host
};

struct EquivarianceCurve {
  std::string kind;                       // "rotation" or "translation"
  std::vector<std::vector<double>> params;  // per t: {degrees} or {du, dv}
  std::vector<double> l_equiv;            // per t, px
  double mean = 0;                        // over t
};

struct EquivarianceResult {
  EquivarianceCurve rotation, translation;
  nlohmann::json to_json() const;
};

// predict: images [B, 3, S, S] (in [0, 1]) -> uv [B, 21, 2] in crop pixels.
using KeypointPredictor = std::function<Tensor(const Tensor& images)>;

EquivarianceResult measure_equivariance(const HandDataset& data, const KeypointPredictor& predict,
                                        const EquivarianceOptions& options = {});

// The measure for a finetune checkpoint on the first options.images images of a FreiHAND-layout
// split (options.image_size is taken from the checkpoint).
EquivarianceResult measure_checkpoint_equivariance(const std::string& checkpoint, const std::string& data,
                                                   const std::string& split, EquivarianceOptions options = {});

// (L_a − L_b) / L_a per t and for the means (a = SimCLR, b = PeCLR).
nlohmann::json equivariance_improvement(const EquivarianceResult& a, const EquivarianceResult& b);

}  // namespace hg::hand
