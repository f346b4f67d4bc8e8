// `--device cpu|cuda|cuda:N` for the subcommands that run models: the text parsed and the device
// checked for presence, so a missing GPU is one clear line and exit status 2 (a UsageError), e.g.
//   handgrad: --device cuda: no CUDA device is present (handgrad was built without the CUDA backend)
#pragma once
#include <stdexcept>
#include <string>

#include "apps/json_options.h"
#include "ops/cuda/runtime.h"
#include "tensor/device.h"

namespace hg::apps {

inline Device require_device_option(const std::string& text) {
  Device device;
  try {
    device = Device::parse(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--device: ") + e.what());
  }
  if (device.is_cpu()) return device;
  const auto present = cuda::devices();
  if (present.empty())
    throw UsageError("--device " + text + ": no CUDA device is present (" + cuda::unavailable_reason() + ")");
  if (device.index >= static_cast<int>(present.size()))
    throw UsageError("--device " + text + ": no such device (" + std::to_string(present.size()) +
                     " CUDA device(s) present)");
  return device;
}

}  // namespace hg::apps
