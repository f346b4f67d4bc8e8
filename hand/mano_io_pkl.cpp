// MANO as the official Python-2 pickle (MANO_RIGHT.pkl / MANO_LEFT.pkl), read with the restricted
// unpickler (tensor/pickle.h): chumpy objects are evaluated to their arrays, the CSC J_regressor is
// densified, and the result goes through the same checks as every other format.
#include "hand/mano_model.h"
#include "tensor/pickle.h"

namespace hg::hand {

ManoModel load_mano_pkl(const std::string& path) {
  std::map<std::string, Tensor> arrays;
  try {
    const std::shared_ptr<pickle::Document> doc = pickle::load(path);
    const pickle::Value& root = doc->root();
    if (root.kind != pickle::Kind::dict) throw ManoError(path + ": expected a dict at the top, got " + pickle::describe(root));
    // bs_style / bs_type are strings and hands_coeffs / J are not part of the model: skip them.
    static const char* const kKeys[] = {"v_template", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table",
                                        "f", "hands_components", "hands_mean", "fingertips", "is_right"};
    for (const char* key : kKeys)
      if (const pickle::Value* v = root.find(key)) arrays.emplace(key, pickle::to_dense_array(*v, path + ": " + key));
  } catch (const pickle::PickleError& e) {
    throw ManoError(e.what());
  }
  return detail::mano_from_arrays(arrays, path);
}

}  // namespace hg::hand
