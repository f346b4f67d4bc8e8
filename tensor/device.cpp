#include "tensor/device.h"

#include <stdexcept>

namespace hg {

Device Device::parse(const std::string& text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  if (text.rfind("cuda:", 0) == 0) {
    const std::string n = text.substr(5);
    if (!n.empty() && n.size() <= 3 && n.find_first_not_of("0123456789") == std::string::npos)
      return cuda(std::stoi(n));
  }
  throw std::invalid_argument("unknown device '" + text + "' (expected cpu, cuda or cuda:N)");
}

}  // namespace hg
