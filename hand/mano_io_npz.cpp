// MANO as .npz (numpy zip): the official keys as dense arrays, as many users convert the pickle.
#include "hand/mano_model.h"
#include "tensor/npz.h"

namespace hg::hand {

ManoModel load_mano_npz(const std::string& path) {
  std::map<std::string, Tensor> arrays;
  try {
    arrays = read_npz(path);
  } catch (const NpzError& e) {
    throw ManoError(e.what());
  }
  return detail::mano_from_arrays(arrays, path);
}

void save_mano_npz(const ManoModel& model, const std::string& path, bool compress) {
  validate(model, path);
  try {
    write_npz(path, detail::mano_to_arrays(model), compress);
  } catch (const NpzError& e) {
    throw ManoError(e.what());
  }
}

}  // namespace hg::hand
