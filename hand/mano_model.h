// The MANO hand model as data (REFERENCE.md §4): the arrays of the official MANO_RIGHT.pkl /
// MANO_LEFT.pkl, held as dense float64 tensors on the CPU, plus the fingertip vertex ids (stored in
// the file by handgrad's procedural model; FreiHAND's default set for the official model).
//
// V = number of vertices (778 for the official model), F = number of faces (1538).
// Readers: load_mano() picks the format by extension — `.pkl` (official pickle, restricted
// unpickler), `.npz` (numpy zip with the same keys, dense arrays) or `.safetensors` (handgrad's own
// form). Every reader validates the shapes with validate() and throws ManoError naming the file,
// the key and the problem.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "tensor/tensor.h"

namespace hg::hand {

struct ManoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int64_t kManoJoints = 16;
inline constexpr int64_t kManoShapeParams = 10;
inline constexpr int64_t kManoPoseParams = 45;                    // 15 joints × axis-angle
inline constexpr int64_t kManoPoseFeatures = 9 * (kManoJoints - 1);  // 135

struct ManoModel {
  Tensor v_template;        // [V, 3]        f64, metres, rest pose
  Tensor shapedirs;         // [V, 3, 10]    f64, shape blend shapes
  Tensor posedirs;          // [V, 3, 135]   f64, pose correctives (feature = concat (R_j - I), j = 1..15, row-major)
  Tensor J_regressor;       // [16, V]       f64, dense (the pkl stores it as scipy CSC)
  Tensor weights;           // [V, 16]       f64, linear-blend-skinning weights (rows sum to 1)
  Tensor faces;             // [F, 3]        i64, vertex ids, counter-clockwise seen from outside
  Tensor hands_components;  // [45, 45]      f64, PCA basis (rows = components, orthonormal)
  Tensor hands_mean;        // [45]          f64, mean pose (the relaxed hand)
  std::array<int64_t, kManoJoints> parents{};  // kintree_table row 0; parents[0] = -1
  std::array<int64_t, 5> fingertips{};         // vertex ids of the tips: thumb, index, middle, ring, little
  bool is_right = true;
  std::string source;       // file it was read from, or "procedural(seed=…)"

  int64_t num_vertices() const { return v_template.defined() ? v_template.size(0) : 0; }
  int64_t num_faces() const { return faces.defined() ? faces.size(0) : 0; }
};

// Checks every array's shape and dtype against num_vertices()/num_faces(), parents (a tree rooted at
// 0 with parent < child), face and fingertip ids in range, finite values; throws ManoError
// "<where>: <key>: <problem>".
void validate(const ManoModel& model, const std::string& where);

// Reads any supported format, chosen by extension (.pkl, .npz, .safetensors).
ManoModel load_mano(const std::string& path);

ManoModel load_mano_pkl(const std::string& path);          // hand/mano_io_pkl.cpp
ManoModel load_mano_npz(const std::string& path);          // hand/mano_io_npz.cpp
ManoModel load_mano_safetensors(const std::string& path);  // hand/mano_model.cpp

// Writers (atomic). The npz form uses the official key names (dense arrays; kintree_table 2×16 and
// f as int64) plus `fingertips` (5, int64) and `is_right` (bool scalar).
void save_mano_npz(const ManoModel& model, const std::string& path, bool compress = true);
void save_mano_safetensors(const ManoModel& model, const std::string& path);

namespace detail {
// Shared by the readers and writers (hand/mano_model.cpp). mano_from_arrays builds a model from
// dense arrays under the official key names — floating arrays become f64, integer arrays i64, the
// kintree root parent 4294967295 (uint32 −1) becomes −1; `fingertips` and `is_right` are optional
// (defaults: FreiHAND's tips when V = 778, else "no fingertips"; right unless the file name contains
// "left") — then validates it. Errors: ManoError "<path>: <key>: <problem>".
ManoModel mano_from_arrays(const std::map<std::string, Tensor>& arrays, const std::string& path);
// The arrays the writers store: the official keys (kintree_table [2, 16] and f as i64) plus
// `fingertips` [5] i64 and `is_right` [] bool.
std::map<std::string, Tensor> mano_to_arrays(const ManoModel& model);
}  // namespace detail

}  // namespace hg::hand
