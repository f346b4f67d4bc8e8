// What the CUDA backend was built with and which devices it sees. Without the backend (or a GPU)
// every query answers "none" rather than failing, so `handgrad info` always works.
#pragma once
#include <string>
#include <vector>

namespace hg::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;  // compute capability
  size_t total_memory = 0;   // bytes
};

bool compiled();                       // the library contains the CUDA backend
std::string compiled_architectures();  // e.g. "80;90", empty when not compiled
std::string runtime_versions();        // "CUDA runtime 13.0, cuDNN 9.19.0, cuBLAS 13.0.0" or why unavailable
std::vector<DeviceInfo> devices();     // empty when none is present
// Why no device is usable ("" when at least one is): used by GPU tests to skip with a reason.
std::string unavailable_reason();

}  // namespace hg::cuda
