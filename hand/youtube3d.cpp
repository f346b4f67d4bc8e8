#include "hand/youtube3d.h"

#include <cmath>
#include <fstream>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "hand/augment.h"
#include "hand/skeleton.h"
#include "tensor/factory.h"
#include "tensor/image_io.h"

namespace hg::hand {
namespace {

using nlohmann::json;

// J_regressor as sparse rows (MANO's is ~1 % non-zero) plus the fingertip vertices.
class KeypointRegressor {
 public:
  explicit KeypointRegressor(const ManoModel& model) {
    const Tensor& J = model.J_regressor;
    if (!J.defined() || J.dim() != 2 || J.size(0) != kNumManoJoints || J.size(1) < 1)
      throw std::invalid_argument("regress_keypoints: the model's J_regressor must be [16, V], got " +
                                  (J.defined() ? J.shape_string() : std::string("undefined")));
    num_vertices_ = J.size(1);
    const std::vector<double> w = J.to_vector<double>();
    for (int64_t j = 0; j < kNumManoJoints; ++j)
      for (int64_t v = 0; v < num_vertices_; ++v)
        if (const double x = w[static_cast<size_t>(j * num_vertices_ + v)]; x != 0) rows_[static_cast<size_t>(j)].push_back({v, x});
    for (size_t f = 0; f < tips_.size(); ++f) {
      tips_[f] = model.fingertips[f];
      if (tips_[f] < 0 || tips_[f] >= num_vertices_)
        throw std::invalid_argument("regress_keypoints: fingertip vertex " + std::to_string(tips_[f]) +
                                    " is outside the model's " + std::to_string(num_vertices_) + " vertices");
    }
  }
  int64_t num_vertices() const { return num_vertices_; }

  // vertices: V × 3 row-major → 21 × 3 in FreiHAND order.
  std::array<double, 63> operator()(const double* vertices) const {
    std::array<double, 63> mano_plus_tips{};  // 16 joints then 5 tips, MANO order
    for (size_t j = 0; j < rows_.size(); ++j)
      for (const auto& [v, w] : rows_[j])
        for (int c = 0; c < 3; ++c) mano_plus_tips[3 * j + c] += w * vertices[3 * v + c];
    for (size_t f = 0; f < tips_.size(); ++f)
      for (int c = 0; c < 3; ++c) mano_plus_tips[3 * (kNumManoJoints + f) + c] = vertices[3 * tips_[f] + c];
    std::array<double, 63> out{};
    for (size_t k = 0; k < static_cast<size_t>(kNumKeypoints); ++k)
      for (int c = 0; c < 3; ++c) out[3 * k + c] = mano_plus_tips[3 * static_cast<size_t>(kManoToFreihand[k]) + c];
    return out;
  }

 private:
  struct Entry {
    int64_t vertex;
    double weight;
  };
  int64_t num_vertices_ = 0;
  std::array<std::vector<Entry>, kNumManoJoints> rows_;
  std::array<int64_t, kNumFingers> tips_{};
};

struct ImageEntry {
  std::string name;
  int64_t width = 0, height = 0;
};

struct PendingAnnotation {
  int64_t image_id = 0;
  bool is_left = false;
  std::array<double, 42> uv{};
};

// Streams the file through nlohmann's parser callback: each element of "images" and "annotations"
// is handled when its object ends and then discarded.
class Parser {
 public:
  Parser(std::string file, const KeypointRegressor& regressor) : file_(std::move(file)), regressor_(regressor) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw YouTube3DError(file_ + ": " + (field.empty() ? "" : field + ": ") + problem);
  }

  bool on_event(int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if (depth == 0) {
      if (event == E::array_start || event == E::value) fail("", "expected a JSON object at the top level");
      return true;
    }
    if (depth == 1) {
      if (event == E::key) {
        section_ = parsed.get<std::string>();
        count_ = 0;
        return true;
      }
      if (!known_section()) return false;  // other members are skipped without being built
      if (event == E::object_start || event == E::value)
        fail(section_, "expected an array, got " + (event == E::value ? parsed.dump() : std::string("an object")));
      if (event == E::array_start) (section_ == "images" ? seen_images_ : seen_annotations_) = true;
      return true;
    }
    if (!known_section()) return false;
    if (depth == 2) {
      const std::string where = section_ + "[" + std::to_string(count_) + "]";
      if (event == E::value || event == E::array_start) fail(where, "expected an object");
      if (event == E::object_end) {
        if (section_ == "images") add_image(parsed, where);
        else add_annotation(parsed, where);
        ++count_;
        return false;  // handled: do not keep it in the DOM
      }
    }
    return true;
  }

  bool known_section() const { return section_ == "images" || section_ == "annotations"; }

  std::vector<YouTube3DAnnotation> finish(const std::string& root) const {
    if (!seen_images_) fail("images", "missing");
    if (!seen_annotations_) fail("annotations", "missing");
    std::vector<YouTube3DAnnotation> out;
    out.reserve(pending_.size());
    for (size_t k = 0; k < pending_.size(); ++k) {
      const PendingAnnotation& p = pending_[k];
      const auto it = images_.find(p.image_id);
      if (it == images_.end())
        fail("annotations[" + std::to_string(k) + "].image_id", "no image has id " + std::to_string(p.image_id));
      YouTube3DAnnotation a;
      a.image_path = root + "/" + it->second.name;
      a.image_id = p.image_id;
      a.width = it->second.width;
      a.height = it->second.height;
      a.is_left = p.is_left;
      a.uv = p.uv;
      out.push_back(std::move(a));
    }
    return out;
  }

 private:
  const json& field(const json& object, const char* key, const std::string& where) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(where + "." + key, "missing");
    return *it;
  }
  int64_t integer(const json& object, const char* key, const std::string& where) const {
    const json& x = field(object, key, where);
    if (!x.is_number_integer()) fail(where + "." + key, "expected an integer, got " + x.dump());
    return x.get<int64_t>();
  }

  void add_image(const json& j, const std::string& where) {
    ImageEntry e;
    const json& name = field(j, "name", where);
    if (!name.is_string() || name.get<std::string>().empty())
      fail(where + ".name", "expected a non-empty string, got " + name.dump());
    e.name = name.get<std::string>();
    e.width = integer(j, "width", where);
    e.height = integer(j, "height", where);
    if (e.width < 1 || e.height < 1 || e.width > 1 << 15 || e.height > 1 << 15)
      fail(where, "implausible size " + std::to_string(e.width) + "x" + std::to_string(e.height));
    const int64_t id = integer(j, "id", where);
    if (!images_.emplace(id, std::move(e)).second) fail(where + ".id", "duplicate id " + std::to_string(id));
  }

  void add_annotation(const json& j, const std::string& where) {
    PendingAnnotation p;
    p.image_id = integer(j, "image_id", where);
    const json& left = field(j, "is_left", where);
    if (left.is_boolean()) p.is_left = left.get<bool>();
    else if (left.is_number_integer() && (left.get<int64_t>() == 0 || left.get<int64_t>() == 1)) p.is_left = left.get<int64_t>() == 1;
    else fail(where + ".is_left", "expected 0, 1, true or false, got " + left.dump());
    const json& verts = field(j, "vertices", where);
    const int64_t n = regressor_.num_vertices();
    if (!verts.is_array() || static_cast<int64_t>(verts.size()) != n)
      fail(where + ".vertices", "expected " + std::to_string(n) + " vertices [x, y, z] (the model's count), got " +
                                    (verts.is_array() ? std::to_string(verts.size()) + " entries" : verts.type_name()));
    vertices_.resize(static_cast<size_t>(3 * n));
    for (int64_t v = 0; v < n; ++v) {
      const json& p3 = verts[static_cast<size_t>(v)];
      const std::string at = where + ".vertices[" + std::to_string(v) + "]";
      if (!p3.is_array() || p3.size() != 3) fail(at, "expected [x, y, z], got " + p3.dump().substr(0, 80));
      for (size_t c = 0; c < 3; ++c) {
        if (!p3[c].is_number()) fail(at, "expected numbers, got " + p3.dump().substr(0, 80));
        const double x = p3[c].get<double>();
        if (!std::isfinite(x)) fail(at, "not finite");
        vertices_[static_cast<size_t>(3 * v) + c] = x;
      }
    }
    const std::array<double, 63> k = regressor_(vertices_.data());
    for (size_t i = 0; i < 21; ++i) {
      p.uv[2 * i] = k[3 * i];
      p.uv[2 * i + 1] = k[3 * i + 1];
    }
    pending_.push_back(p);
  }

  std::string file_;
  const KeypointRegressor& regressor_;
  std::string section_;
  int64_t count_ = 0;
  bool seen_images_ = false, seen_annotations_ = false;
  std::map<int64_t, ImageEntry> images_;
  std::vector<PendingAnnotation> pending_;
  std::vector<double> vertices_;  // scratch
};

}  // namespace

std::array<double, 63> regress_keypoints(const ManoModel& model, const std::vector<double>& vertices) {
  const KeypointRegressor r(model);
  if (static_cast<int64_t>(vertices.size()) != 3 * r.num_vertices())
    throw std::invalid_argument("regress_keypoints: expected " + std::to_string(r.num_vertices()) + " × 3 values, got " +
                                std::to_string(vertices.size()));
  return r(vertices.data());
}

YouTube3DHandsDataset::YouTube3DHandsDataset(std::string root, std::string split, const ManoModel& model,
                                             YouTube3DOptions options)
    : root_(std::move(root)), split_(std::move(split)), options_(std::move(options)) {
  if (split_ != "train" && split_ != "val" && split_ != "test")
    throw YouTube3DError("YouTube3DHands: split must be train, val or test, got '" + split_ + "'");
  json_path_ = root_ + "/youtube_" + split_ + ".json";
  std::ifstream in(json_path_, std::ios::binary);
  if (!in) throw YouTube3DError(json_path_ + ": cannot open");
  KeypointRegressor regressor = [&] {
    try {
      return KeypointRegressor(model);
    } catch (const std::invalid_argument& e) {
      throw YouTube3DError(json_path_ + ": " + e.what());
    }
  }();
  Parser parser(json_path_, regressor);
  try {
    // What remains of the document (the emptied arrays and nothing else) is not needed.
    const json rest = json::parse(in, [&](int depth, json::parse_event_t event, json& parsed) {
      return parser.on_event(depth, event, parsed);
    });
    (void)rest;
  } catch (const json::exception& e) {
    throw YouTube3DError(json_path_ + ": invalid JSON: " + e.what());
  }
  annotations_ = parser.finish(root_);
}

const YouTube3DAnnotation& YouTube3DHandsDataset::annotation(int64_t index) const {
  if (index < 0 || index >= size())
    throw std::out_of_range(name() + ": index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
  return annotations_[static_cast<size_t>(index)];
}

HandSample YouTube3DHandsDataset::get(int64_t index) const {
  const YouTube3DAnnotation& a = annotation(index);
  Tensor image = options_.read_image ? options_.read_image(a.image_path) : image::read_rgb(a.image_path);
  if (!image.defined() || image.dim() != 3 || image.size(0) != 3 || image.size(1) != a.height || image.size(2) != a.width)
    throw YouTube3DError(a.image_path + ": image is " + (image.defined() ? image.shape_string() : std::string("undefined")) +
                         " but " + json_path_ + " lists " + std::to_string(a.width) + "x" + std::to_string(a.height) +
                         " (expected [3, " + std::to_string(a.height) + ", " + std::to_string(a.width) + "])");
  HandSample s;
  s.image = image;
  s.uv = from_vector(std::vector<double>(a.uv.begin(), a.uv.end()), {kNumKeypoints, 2}, DType::f32);
  s.valid = ones({kNumKeypoints});
  s.source = name() + ":" + std::to_string(index);
  if (a.is_left && options_.mirror_left) s = mirror_horizontally(s);
  return s;
}

}  // namespace hg::hand
