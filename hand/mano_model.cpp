#include "hand/mano_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "hand/skeleton.h"
#include "tensor/safetensors.h"
#include "tensor/view.h"

namespace hg::hand {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& problem) {
  throw ManoError(where + ": " + key + ": " + problem);
}

Tensor cpu_contiguous(const Tensor& t) { return ops::contiguous(t.device().is_cpu() ? t : ops::to_device(t, Device::cpu())); }

// ---- validate() -----------------------------------------------------------------------------------

void check_shape(const Tensor& t, const Shape& expected, DType dtype, const std::string& where, const std::string& key) {
  if (!t.defined()) fail(where, key, "missing");
  if (t.sizes() != expected) fail(where, key, "shape " + t.shape_string() + ", expected " + shape_str(expected));
  if (t.dtype() != dtype)
    fail(where, key, std::string("dtype ") + dtype_name(t.dtype()) + ", expected " + dtype_name(dtype));
}

void check_finite(const Tensor& t, const std::string& where, const std::string& key) {
  const Tensor c = cpu_contiguous(t);
  const double* p = c.data<double>();
  for (int64_t i = 0; i < c.numel(); ++i)
    if (!std::isfinite(p[i])) fail(where, key, "non-finite value " + std::to_string(p[i]) + " at flat index " + std::to_string(i));
}

void check_ids(const int64_t* ids, int64_t n, int64_t limit, const std::string& where, const std::string& key) {
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= limit)
      fail(where, key, "id " + std::to_string(ids[i]) + " at flat index " + std::to_string(i) + " is outside [0, " +
                           std::to_string(limit) + ")");
}

// ---- arrays → model ---------------------------------------------------------------------------------

const Tensor& required(const std::map<std::string, Tensor>& a, const std::string& key, const std::string& path) {
  const auto it = a.find(key);
  if (it == a.end() || !it->second.defined()) fail(path, key, "missing");
  return it->second;
}

Tensor as_f64(const Tensor& t, const std::string& path, const std::string& key) {
  if (!is_floating(t.dtype())) fail(path, key, std::string("expected a floating-point array, got ") + dtype_name(t.dtype()));
  return ops::clone(ops::to_dtype(cpu_contiguous(t), DType::f64));
}

Tensor as_i64(const Tensor& t, const std::string& path, const std::string& key) {
  if (is_floating(t.dtype()) || t.dtype() == DType::boolean)
    fail(path, key, std::string("expected an integer array, got ") + dtype_name(t.dtype()));
  return ops::clone(ops::to_dtype(cpu_contiguous(t), DType::i64));
}

bool name_says_left(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return base.find("left") != std::string::npos;
}

}  // namespace

void validate(const ManoModel& m, const std::string& where) {
  if (!m.v_template.defined()) fail(where, "v_template", "missing");
  if (m.v_template.dim() != 2 || m.v_template.size(1) != 3 || m.v_template.size(0) < 1)
    fail(where, "v_template", "shape " + m.v_template.shape_string() + ", expected [V, 3] with V > 0");
  const int64_t V = m.num_vertices();
  check_shape(m.v_template, {V, 3}, DType::f64, where, "v_template");
  check_shape(m.shapedirs, {V, 3, kManoShapeParams}, DType::f64, where, "shapedirs");
  check_shape(m.posedirs, {V, 3, kManoPoseFeatures}, DType::f64, where, "posedirs");
  check_shape(m.J_regressor, {kManoJoints, V}, DType::f64, where, "J_regressor");
  check_shape(m.weights, {V, kManoJoints}, DType::f64, where, "weights");
  if (!m.faces.defined()) fail(where, "f", "missing");
  if (m.faces.dim() != 2 || m.faces.size(1) != 3 || m.faces.size(0) < 1)
    fail(where, "f", "shape " + m.faces.shape_string() + ", expected [F, 3] with F > 0");
  check_shape(m.faces, {m.num_faces(), 3}, DType::i64, where, "f");
  check_shape(m.hands_components, {kManoPoseParams, kManoPoseParams}, DType::f64, where, "hands_components");
  check_shape(m.hands_mean, {kManoPoseParams}, DType::f64, where, "hands_mean");

  for (const auto& [key, t] : {std::pair<const char*, const Tensor*>{"v_template", &m.v_template},
                               {"shapedirs", &m.shapedirs}, {"posedirs", &m.posedirs},
                               {"J_regressor", &m.J_regressor}, {"weights", &m.weights},
                               {"hands_components", &m.hands_components}, {"hands_mean", &m.hands_mean}})
    check_finite(*t, where, key);

  const Tensor faces = cpu_contiguous(m.faces);
  check_ids(faces.data<int64_t>(), faces.numel(), V, where, "f");
  check_ids(m.fingertips.data(), static_cast<int64_t>(m.fingertips.size()), V, where, "fingertips");

  // kintree: a tree rooted at joint 0 in which every parent precedes its child.
  if (m.parents[0] != -1) fail(where, "kintree_table", "root joint 0 has parent " + std::to_string(m.parents[0]) + ", expected -1");
  for (int64_t j = 1; j < kManoJoints; ++j)
    if (m.parents[j] < 0 || m.parents[j] >= j)
      fail(where, "kintree_table", "joint " + std::to_string(j) + " has parent " + std::to_string(m.parents[j]) +
                                       " (parents must satisfy 0 <= parent < child)");
}

namespace detail {

ManoModel mano_from_arrays(const std::map<std::string, Tensor>& a, const std::string& path) {
  ManoModel m;
  m.source = path;
  m.v_template = as_f64(required(a, "v_template", path), path, "v_template");
  m.shapedirs = as_f64(required(a, "shapedirs", path), path, "shapedirs");
  m.posedirs = as_f64(required(a, "posedirs", path), path, "posedirs");
  m.J_regressor = as_f64(required(a, "J_regressor", path), path, "J_regressor");
  m.weights = as_f64(required(a, "weights", path), path, "weights");
  m.faces = as_i64(required(a, "f", path), path, "f");
  m.hands_components = as_f64(required(a, "hands_components", path), path, "hands_components");
  m.hands_mean = as_f64(required(a, "hands_mean", path), path, "hands_mean");

  // kintree_table [2, 16]: row 0 the parents (the root's is -1, or 4294967295 when stored as uint32),
  // row 1 the joint ids 0..15.
  const Tensor kt = as_i64(required(a, "kintree_table", path), path, "kintree_table");
  if (kt.sizes() != Shape{2, kManoJoints}) fail(path, "kintree_table", "shape " + kt.shape_string() + ", expected [2, 16]");
  const int64_t* k = kt.data<int64_t>();
  for (int64_t j = 0; j < kManoJoints; ++j) {
    m.parents[j] = (k[j] == 4294967295LL) ? -1 : k[j];
    if (k[kManoJoints + j] != j)
      fail(path, "kintree_table", "row 1 must list the joints 0..15, found " + std::to_string(k[kManoJoints + j]) +
                                      " at column " + std::to_string(j));
  }

  if (const auto it = a.find("fingertips"); it != a.end()) {
    const Tensor tips = as_i64(it->second, path, "fingertips");
    if (tips.sizes() != Shape{5}) fail(path, "fingertips", "shape " + tips.shape_string() + ", expected [5]");
    std::copy_n(tips.data<int64_t>(), 5, m.fingertips.begin());
  } else if (m.num_vertices() == 778) {
    std::copy(kFreihandTipVertices.begin(), kFreihandTipVertices.end(), m.fingertips.begin());
  } else {
    fail(path, "fingertips", "no fingertips: the file has none and only the official 778-vertex model has a default set "
                             "(this one has " + std::to_string(m.num_vertices()) + " vertices)");
  }

  if (const auto it = a.find("is_right"); it != a.end()) {
    const Tensor r = ops::to_dtype(cpu_contiguous(it->second), DType::f64);
    if (r.numel() != 1) fail(path, "is_right", "expected one value, got shape " + r.shape_string());
    const double v = *r.data<double>();
    if (v != 0.0 && v != 1.0) fail(path, "is_right", "expected a bool, got " + std::to_string(v));
    m.is_right = v == 1.0;
  } else {
    m.is_right = !name_says_left(path);
  }
  validate(m, path);
  return m;
}

std::map<std::string, Tensor> mano_to_arrays(const ManoModel& m) {
  std::map<std::string, Tensor> a;
  a["v_template"] = cpu_contiguous(m.v_template);
  a["shapedirs"] = cpu_contiguous(m.shapedirs);
  a["posedirs"] = cpu_contiguous(m.posedirs);
  a["J_regressor"] = cpu_contiguous(m.J_regressor);
  a["weights"] = cpu_contiguous(m.weights);
  a["f"] = cpu_contiguous(m.faces);
  a["hands_components"] = cpu_contiguous(m.hands_components);
  a["hands_mean"] = cpu_contiguous(m.hands_mean);
  Tensor kt = Tensor::empty({2, kManoJoints}, DType::i64);
  for (int64_t j = 0; j < kManoJoints; ++j) {
    kt.data<int64_t>()[j] = m.parents[j];
    kt.data<int64_t>()[kManoJoints + j] = j;
  }
  a["kintree_table"] = kt;
  Tensor tips = Tensor::empty({5}, DType::i64);
  std::copy(m.fingertips.begin(), m.fingertips.end(), tips.data<int64_t>());
  a["fingertips"] = tips;
  Tensor right = Tensor::empty({}, DType::boolean);
  *right.data<bool>() = m.is_right;
  a["is_right"] = right;
  return a;
}

}  // namespace detail

ManoModel load_mano_safetensors(const std::string& path) {
  std::map<std::string, Tensor> arrays;
  try {
    for (auto& [name, t] : safetensors::load(path).tensors) arrays.emplace(name, t);
  } catch (const safetensors::SafetensorsError& e) {
    throw ManoError(e.what());
  }
  return detail::mano_from_arrays(arrays, path);
}

void save_mano_safetensors(const ManoModel& model, const std::string& path) {
  validate(model, path);
  const std::map<std::string, Tensor> arrays = detail::mano_to_arrays(model);
  try {
    safetensors::save(path, {arrays.begin(), arrays.end()}, {{"format", "handgrad-mano"}});
  } catch (const safetensors::SafetensorsError& e) {
    throw ManoError(e.what());
  }
}

ManoModel load_mano(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  std::string ext = (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? "" : path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".pkl") return load_mano_pkl(path);
  if (ext == ".npz") return load_mano_npz(path);
  if (ext == ".safetensors") return load_mano_safetensors(path);
  throw ManoError(path + ": unknown MANO file extension '" + ext + "' (expected .pkl, .npz or .safetensors)");
}

}  // namespace hg::hand
