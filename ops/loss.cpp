#include "ops/loss.h"

#include <stdexcept>

namespace hg {

Reduction parse_reduction(const std::string& text) {
  if (text == "none") return Reduction::none;
  if (text == "mean") return Reduction::mean;
  if (text == "sum") return Reduction::sum;
  throw std::invalid_argument("unknown reduction \"" + text + "\" (expected none, mean or sum)");
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::none: return "none";
    case Reduction::mean: return "mean";
    case Reduction::sum: return "sum";
  }
  return "?";
}

}  // namespace hg
