#include "hand/augment_pipeline.h"

#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>

#include "hand/crop.h"

namespace hg::hand {
namespace {

using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;
double radians(double degrees) { return degrees * kPi / 180.0; }

// ---------------------------------------------------------------------------------------------
// Strict JSON field access: every problem names "<where>: <path>.<key>".
// ---------------------------------------------------------------------------------------------

class Fields {
 public:
  Fields(const json& j, std::string where, std::string path) : j_(j), where_(std::move(where)), path_(std::move(path)) {
    if (!j.is_object()) fail("", std::string("expected an object, got ") + j.type_name());
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    std::string field = path_;
    if (!key.empty()) field += (field.empty() ? "" : ".") + key;
    throw std::invalid_argument(where_ + ": " + (field.empty() ? "" : field + ": ") + problem);
  }
  void only(const std::vector<const char*>& keys) const {
    for (const auto& [key, value] : j_.items()) {
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) fail(key, "unknown field");
    }
  }
  const json* find(const char* key) const {
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  Fields child(const char* key) const { return Fields(*find(key), where_, path_.empty() ? key : path_ + "." + key); }

  void read(const char* key, bool& v) const {
    if (const json* x = find(key)) {
      if (!x->is_boolean()) fail(key, "expected true or false, got " + x->dump());
      v = x->get<bool>();
    }
  }
  void read(const char* key, double& v) const {
    if (const json* x = find(key)) {
      if (!x->is_number()) fail(key, "expected a number, got " + x->dump());
      v = x->get<double>();
      if (!std::isfinite(v)) fail(key, "must be finite");
    }
  }
  void read(const char* key, int64_t& v) const {
    if (const json* x = find(key)) {
      if (!x->is_number_integer()) fail(key, "expected an integer, got " + x->dump());
      v = x->get<int64_t>();
    }
  }
  void read(const char* key, uint64_t& v) const {
    if (const json* x = find(key)) {
      if (!x->is_number_unsigned() && !(x->is_number_integer() && x->get<int64_t>() >= 0))
        fail(key, "expected a non-negative integer, got " + x->dump());
      v = x->get<uint64_t>();
    }
  }
  void read(const char* key, Range& v) const {
    if (const json* x = find(key)) {
      if (!x->is_array() || x->size() != 2 || !(*x)[0].is_number() || !(*x)[1].is_number())
        fail(key, "expected [lo, hi], got " + x->dump());
      v = {(*x)[0].get<double>(), (*x)[1].get<double>()};
    }
  }
  void read(const char* key, std::string& v) const {
    if (const json* x = find(key)) {
      if (!x->is_string()) fail(key, "expected a string, got " + x->dump());
      v = x->get<std::string>();
    }
  }

 private:
  const json& j_;
  std::string where_, path_;
};

json range_json(const Range& r) { return json::array({r.lo, r.hi}); }

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

struct Checker {
  std::string where;
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw std::invalid_argument(where + ": " + field + ": " + problem);
  }
  void probability(const std::string& field, double p) const {
    if (!(p >= 0 && p <= 1)) fail(field, "must be in [0, 1], got " + std::to_string(p));
  }
  // lo ≤ hi, both finite and within [min, max].
  void range(const std::string& field, const Range& r, double min, double max, bool open_min = false) const {
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) fail(field, "bounds must be finite");
    if (r.lo > r.hi) fail(field, "lo (" + std::to_string(r.lo) + ") > hi (" + std::to_string(r.hi) + ")");
    if (r.lo < min || (open_min && r.lo <= min) || r.hi > max)
      fail(field, "must lie in " + std::string(open_min ? "(" : "[") + std::to_string(min) + ", " +
                      std::to_string(max) + "], got [" + std::to_string(r.lo) + ", " + std::to_string(r.hi) + "]");
  }
};

// ---------------------------------------------------------------------------------------------
// Record JSON helpers
// ---------------------------------------------------------------------------------------------

json rect_json(const RectRecord& r) {
  return {{"top", r.top}, {"left", r.left}, {"height", r.height}, {"width", r.width}};
}

RectRecord rect_from(const Fields& f) {
  f.only({"top", "left", "height", "width"});
  RectRecord r;
  f.read("top", r.top);
  f.read("left", r.left);
  f.read("height", r.height);
  f.read("width", r.width);
  return r;
}

double single_number(const Fields& f, const char* key) {
  f.only({key});
  double v = 0;
  if (!f.find(key)) f.fail(key, "missing");
  f.read(key, v);
  return v;
}

// One random 64-bit key for per-pixel draws.
uint64_t draw_key(Generator& g) {
  const auto b = g.block(g.reserve(1));
  return static_cast<uint64_t>(b[0]) << 32 | b[1];
}

// Transform ids: the low 8 bits of the augmentation substream (hand/augment_pipeline.h).
enum TransformId : uint64_t {
  kCropId = 1, kScaleId, kRotationId, kTranslationId, kColorJitterId, kGreyscaleId, kBlurId, kSobelId, kNoiseId,
  kErasingId, kDepthErasingId, kSaltPepperId,
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Presets and switches
// ---------------------------------------------------------------------------------------------

const std::vector<std::string>& augment_preset_names() {
  static const std::vector<std::string> names{"none", "peclr", "relative", "dualmodal", "finetune"};
  return names;
}

AugmentConfig augment_preset(const std::string& name) {
  AugmentConfig c;
  c.preset = name;
  const auto peclr_jitter = [&] {
    c.color_jitter = {true, 1, {0.01, 1}, {0.01, 1}, {0.5, 1}, {5, 20}};
  };
  if (name == "none") return c;
  if (name == "peclr") {
    c.scale = {true, 1, {0.6, 2.0}};
    c.rotation = {true, 1, {-45, 45}};
    c.translation = {true, 1, {-15, 15}};
    peclr_jitter();
    return c;
  }
  if (name == "relative") {
    c.crop.centre_jitter = 0.1;
    c.crop.scale = {0.7, 1.3};
    c.rotation = {true, 1, {-45, 45}};
    c.translation = {true, 1, {-15, 15}};
    peclr_jitter();
    c.erasing.probability = 1;  // cutout, when switched on
    return c;
  }
  if (name == "dualmodal") {
    c.scale = {true, 1, {0.8, 1.0}};
    c.rotation = {true, 1, {-180, 180}};
    c.translation = {true, 1, {-20, 20}};
    peclr_jitter();
    c.greyscale = {true, 0.2};
    c.erasing.enabled = true;
    c.depth_erasing.enabled = true;
    c.depth_salt_pepper = {true, 0.5, {0.01, 0.05}, 0.5};
    return c;
  }
  if (name == "finetune") {
    c.scale = {true, 1, {0.7, 1.3}};
    c.rotation = {true, 1, {-90, 90}};
    c.translation = {true, 1, {-20, 20}};
    return c;
  }
  std::string known;
  for (const auto& n : augment_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("augment preset '" + name + "' is unknown (known: " + known + ")");
}

const std::vector<std::string>& augment_transform_names() {
  static const std::vector<std::string> names{"crop",  "scale", "rotation", "translation", "color_jitter",
                                              "greyscale", "blur", "sobel", "noise", "erasing", "depth_erasing",
                                              "depth_salt_pepper"};
  return names;
}

void set_transform_enabled(AugmentConfig& c, const std::string& name, bool on) {
  if (name == "crop") {
    // The crop itself always happens; "crop" switches its jitter (the relative objective's "crop").
    c.crop.probability = on ? 1.0 : 0.0;
    return;
  }
  bool* flags[] = {&c.scale.enabled, &c.rotation.enabled, &c.translation.enabled, &c.color_jitter.enabled,
                   &c.greyscale.enabled, &c.blur.enabled, &c.sobel.enabled, &c.noise.enabled, &c.erasing.enabled,
                   &c.depth_erasing.enabled, &c.depth_salt_pepper.enabled};
  const auto& names = augment_transform_names();
  for (size_t k = 1; k < names.size(); ++k)
    if (names[k] == name) {
      *flags[k - 1] = on;
      return;
    }
  throw std::invalid_argument("set_transform_enabled: unknown transform '" + name + "'");
}

void validate(const AugmentConfig& c, const std::string& where) {
  const Checker k{where};
  if (c.crop.size < 1 || c.crop.size > 4096) k.fail("crop.size", "must be in [1, 4096], got " + std::to_string(c.crop.size));
  if (!(c.crop.margin > 0) || !std::isfinite(c.crop.margin)) k.fail("crop.margin", "must be positive");
  if (!(c.crop.min_side > 0) || !std::isfinite(c.crop.min_side)) k.fail("crop.min_side", "must be positive");
  if (!(c.crop.centre_jitter >= 0 && c.crop.centre_jitter <= 1)) k.fail("crop.centre_jitter", "must be in [0, 1]");
  k.probability("crop.probability", c.crop.probability);
  k.range("crop.scale", c.crop.scale, 0, 100, true);
  k.probability("scale.probability", c.scale.probability);
  k.range("scale.factor", c.scale.factor, 0, 100, true);
  k.probability("rotation.probability", c.rotation.probability);
  k.range("rotation.degrees", c.rotation.degrees, -360, 360);
  k.probability("translation.probability", c.translation.probability);
  k.range("translation.pixels", c.translation.pixels, -1e4, 1e4);
  k.probability("color_jitter.probability", c.color_jitter.probability);
  k.range("color_jitter.hue", c.color_jitter.hue, 0, 1);
  k.range("color_jitter.saturation", c.color_jitter.saturation, 0, 100);
  k.range("color_jitter.value_gain", c.color_jitter.value_gain, 0, 100);
  k.range("color_jitter.value_bias", c.color_jitter.value_bias, -255, 255);
  k.probability("greyscale.probability", c.greyscale.probability);
  k.probability("blur.probability", c.blur.probability);
  k.range("blur.sigma", c.blur.sigma, 0, 50);
  k.probability("sobel.probability", c.sobel.probability);
  k.probability("noise.probability", c.noise.probability);
  k.range("noise.stddev", c.noise.stddev, 0, 10);
  for (const auto& [name, e] : {std::pair<const char*, const ErasingConfig&>{"erasing", c.erasing},
                                {"depth_erasing", c.depth_erasing}}) {
    k.probability(std::string(name) + ".probability", e.probability);
    k.range(std::string(name) + ".area", e.area, 0, 1, true);
    k.range(std::string(name) + ".aspect", e.aspect, 0, 1e3, true);
    if (!std::isfinite(e.value)) k.fail(std::string(name) + ".value", "must be finite");
  }
  k.probability("depth_salt_pepper.probability", c.depth_salt_pepper.probability);
  k.range("depth_salt_pepper.ratio", c.depth_salt_pepper.ratio, 0, 1);
  k.probability("depth_salt_pepper.salt_fraction", c.depth_salt_pepper.salt_fraction);
}

// ---------------------------------------------------------------------------------------------
// Config JSON
// ---------------------------------------------------------------------------------------------

nlohmann::json augment_config_to_json(const AugmentConfig& c) {
  const auto erasing = [](const ErasingConfig& e) {
    return json{{"enabled", e.enabled}, {"probability", e.probability}, {"area", range_json(e.area)},
                {"aspect", range_json(e.aspect)}, {"value", e.value}};
  };
  return json{
      {"preset", c.preset},
      {"padding", grid_padding_name(c.padding)},
      {"crop", {{"enabled", c.crop.enabled}, {"size", c.crop.size}, {"margin", c.crop.margin},
                {"min_side", c.crop.min_side}, {"probability", c.crop.probability},
                {"centre_jitter", c.crop.centre_jitter}, {"scale", range_json(c.crop.scale)}}},
      {"scale", {{"enabled", c.scale.enabled}, {"probability", c.scale.probability},
                 {"factor", range_json(c.scale.factor)}}},
      {"rotation", {{"enabled", c.rotation.enabled}, {"probability", c.rotation.probability},
                    {"degrees", range_json(c.rotation.degrees)}}},
      {"translation", {{"enabled", c.translation.enabled}, {"probability", c.translation.probability},
                       {"pixels", range_json(c.translation.pixels)}}},
      {"color_jitter", {{"enabled", c.color_jitter.enabled}, {"probability", c.color_jitter.probability},
                        {"hue", range_json(c.color_jitter.hue)}, {"saturation", range_json(c.color_jitter.saturation)},
                        {"value_gain", range_json(c.color_jitter.value_gain)},
                        {"value_bias", range_json(c.color_jitter.value_bias)}}},
      {"greyscale", {{"enabled", c.greyscale.enabled}, {"probability", c.greyscale.probability}}},
      {"blur", {{"enabled", c.blur.enabled}, {"probability", c.blur.probability}, {"sigma", range_json(c.blur.sigma)}}},
      {"sobel", {{"enabled", c.sobel.enabled}, {"probability", c.sobel.probability}}},
      {"noise", {{"enabled", c.noise.enabled}, {"probability", c.noise.probability},
                 {"stddev", range_json(c.noise.stddev)}}},
      {"erasing", erasing(c.erasing)},
      {"depth_erasing", erasing(c.depth_erasing)},
      {"depth_salt_pepper", {{"enabled", c.depth_salt_pepper.enabled}, {"probability", c.depth_salt_pepper.probability},
                             {"ratio", range_json(c.depth_salt_pepper.ratio)},
                             {"salt_fraction", c.depth_salt_pepper.salt_fraction}}},
  };
}

AugmentConfig augment_config_from_json(const nlohmann::json& j, const std::string& where) {
  const Fields top(j, where, "");
  top.only({"preset", "padding", "crop", "scale", "rotation", "translation", "color_jitter", "greyscale", "blur",
            "sobel", "noise", "erasing", "depth_erasing", "depth_salt_pepper"});
  std::string preset = "none";
  top.read("preset", preset);
  AugmentConfig c;
  try {
    c = augment_preset(preset);
  } catch (const std::invalid_argument& e) {
    top.fail("preset", e.what());
  }
  if (top.find("padding")) {
    std::string padding;
    top.read("padding", padding);
    if (padding != "zeros" && padding != "border") top.fail("padding", "expected \"zeros\" or \"border\", got \"" + padding + "\"");
    c.padding = parse_grid_padding(padding);
  }
  // Each section: switch + probability + its own fields.
  const auto section = [&](const char* name, bool& enabled, double& probability,
                           std::initializer_list<const char*> keys, auto&& read_rest) {
    if (!top.find(name)) return;
    const Fields f = top.child(name);
    std::vector<const char*> allowed{"enabled", "probability"};
    allowed.insert(allowed.end(), keys.begin(), keys.end());
    f.only(allowed);
    f.read("enabled", enabled);
    f.read("probability", probability);
    read_rest(f);
  };
  section("crop", c.crop.enabled, c.crop.probability, {"size", "margin", "min_side", "centre_jitter", "scale"},
          [&](const Fields& f) {
            f.read("size", c.crop.size);
            f.read("margin", c.crop.margin);
            f.read("min_side", c.crop.min_side);
            f.read("centre_jitter", c.crop.centre_jitter);
            f.read("scale", c.crop.scale);
          });
  section("scale", c.scale.enabled, c.scale.probability, {"factor"}, [&](const Fields& f) { f.read("factor", c.scale.factor); });
  section("rotation", c.rotation.enabled, c.rotation.probability, {"degrees"},
          [&](const Fields& f) { f.read("degrees", c.rotation.degrees); });
  section("translation", c.translation.enabled, c.translation.probability, {"pixels"},
          [&](const Fields& f) { f.read("pixels", c.translation.pixels); });
  section("color_jitter", c.color_jitter.enabled, c.color_jitter.probability,
          {"hue", "saturation", "value_gain", "value_bias"}, [&](const Fields& f) {
            f.read("hue", c.color_jitter.hue);
            f.read("saturation", c.color_jitter.saturation);
            f.read("value_gain", c.color_jitter.value_gain);
            f.read("value_bias", c.color_jitter.value_bias);
          });
  section("greyscale", c.greyscale.enabled, c.greyscale.probability, {}, [](const Fields&) {});
  section("blur", c.blur.enabled, c.blur.probability, {"sigma"}, [&](const Fields& f) { f.read("sigma", c.blur.sigma); });
  section("sobel", c.sobel.enabled, c.sobel.probability, {}, [](const Fields&) {});
  section("noise", c.noise.enabled, c.noise.probability, {"stddev"}, [&](const Fields& f) { f.read("stddev", c.noise.stddev); });
  for (auto [name, e] : {std::pair<const char*, ErasingConfig*>{"erasing", &c.erasing}, {"depth_erasing", &c.depth_erasing}})
    section(name, e->enabled, e->probability, {"area", "aspect", "value"}, [&](const Fields& f) {
      f.read("area", e->area);
      f.read("aspect", e->aspect);
      f.read("value", e->value);
    });
  section("depth_salt_pepper", c.depth_salt_pepper.enabled, c.depth_salt_pepper.probability, {"ratio", "salt_fraction"},
          [&](const Fields& f) {
            f.read("ratio", c.depth_salt_pepper.ratio);
            f.read("salt_fraction", c.depth_salt_pepper.salt_fraction);
          });
  validate(c, where);
  return c;
}

void to_json(nlohmann::json& j, const AugmentConfig& c) { j = augment_config_to_json(c); }
void from_json(const nlohmann::json& j, AugmentConfig& c) { c = augment_config_from_json(j); }

// ---------------------------------------------------------------------------------------------
// Transform records
// ---------------------------------------------------------------------------------------------

const std::array<std::string_view, kNumTransformTargets> kTransformTargetNames{
    "rotation", "translation_u", "translation_v", "scale", "hue", "saturation", "value_gain", "value_bias",
    "crop_scale"};

std::array<double, kNumTransformTargets> transform_targets(const TransformRecord& r) {
  const ColorJitterRecord jitter = r.color_jitter.value_or(ColorJitterRecord{});
  const std::array<double, 2> t = r.translation.value_or(std::array<double, 2>{0, 0});
  return {r.rotation.value_or(0.0), t[0], t[1], r.scale.value_or(1.0), jitter.hue, jitter.saturation,
          jitter.value_gain, jitter.value_bias, r.crop ? r.crop->scale : 1.0};
}

void to_json(nlohmann::json& j, const TransformRecord& r) {
  j = json::object();
  if (r.crop)
    j["crop"] = {{"centre_u", r.crop->centre_u}, {"centre_v", r.crop->centre_v}, {"side", r.crop->side},
                 {"scale", r.crop->scale}};
  if (r.scale) j["scale"] = {{"factor", *r.scale}};
  if (r.rotation) j["rotation"] = {{"radians", *r.rotation}};
  if (r.translation) j["translation"] = {{"u", (*r.translation)[0]}, {"v", (*r.translation)[1]}};
  if (r.color_jitter)
    j["color_jitter"] = {{"hue", r.color_jitter->hue}, {"saturation", r.color_jitter->saturation},
                         {"value_gain", r.color_jitter->value_gain}, {"value_bias", r.color_jitter->value_bias}};
  if (r.greyscale) j["greyscale"] = json::object();
  if (r.blur_sigma) j["blur"] = {{"sigma", *r.blur_sigma}};
  if (r.sobel) j["sobel"] = json::object();
  if (r.noise) j["noise"] = {{"stddev", r.noise->stddev}, {"key", r.noise->key}};
  if (r.erasing) j["erasing"] = rect_json(*r.erasing);
  if (r.depth_erasing) j["depth_erasing"] = rect_json(*r.depth_erasing);
  if (r.depth_salt_pepper)
    j["depth_salt_pepper"] = {{"ratio", r.depth_salt_pepper->ratio},
                              {"salt_fraction", r.depth_salt_pepper->salt_fraction},
                              {"key", r.depth_salt_pepper->key}};
}

void from_json(const nlohmann::json& j, TransformRecord& r) {
  const Fields top(j, "transform record", "");
  top.only({"crop", "scale", "rotation", "translation", "color_jitter", "greyscale", "blur", "sobel", "noise",
            "erasing", "depth_erasing", "depth_salt_pepper"});
  r = TransformRecord{};
  if (top.find("crop")) {
    const Fields f = top.child("crop");
    f.only({"centre_u", "centre_v", "side", "scale"});
    CropRecord c;
    f.read("centre_u", c.centre_u);
    f.read("centre_v", c.centre_v);
    f.read("side", c.side);
    f.read("scale", c.scale);
    if (!(c.side > 0)) f.fail("side", "must be positive");
    if (!(c.scale > 0)) f.fail("scale", "must be positive");
    r.crop = c;
  }
  if (top.find("scale")) {
    r.scale = single_number(top.child("scale"), "factor");
    if (!(*r.scale > 0)) top.fail("scale.factor", "must be positive");
  }
  if (top.find("rotation")) r.rotation = single_number(top.child("rotation"), "radians");
  if (top.find("translation")) {
    const Fields f = top.child("translation");
    f.only({"u", "v"});
    std::array<double, 2> t{0, 0};
    f.read("u", t[0]);
    f.read("v", t[1]);
    r.translation = t;
  }
  if (top.find("color_jitter")) {
    const Fields f = top.child("color_jitter");
    f.only({"hue", "saturation", "value_gain", "value_bias"});
    ColorJitterRecord c;
    f.read("hue", c.hue);
    f.read("saturation", c.saturation);
    f.read("value_gain", c.value_gain);
    f.read("value_bias", c.value_bias);
    r.color_jitter = c;
  }
  if (top.find("greyscale")) {
    top.child("greyscale").only({});
    r.greyscale = true;
  }
  if (top.find("blur")) r.blur_sigma = single_number(top.child("blur"), "sigma");
  if (top.find("sobel")) {
    top.child("sobel").only({});
    r.sobel = true;
  }
  if (top.find("noise")) {
    const Fields f = top.child("noise");
    f.only({"stddev", "key"});
    NoiseRecord n;
    f.read("stddev", n.stddev);
    f.read("key", n.key);
    r.noise = n;
  }
  if (top.find("erasing")) r.erasing = rect_from(top.child("erasing"));
  if (top.find("depth_erasing")) r.depth_erasing = rect_from(top.child("depth_erasing"));
  if (top.find("depth_salt_pepper")) {
    const Fields f = top.child("depth_salt_pepper");
    f.only({"ratio", "salt_fraction", "key"});
    SaltPepperRecord s;
    f.read("ratio", s.ratio);
    f.read("salt_fraction", s.salt_fraction);
    f.read("key", s.key);
    r.depth_salt_pepper = s;
  }
}

// ---------------------------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------------------------

AugmentPipeline::AugmentPipeline(AugmentConfig config) : config_(std::move(config)) { validate(config_); }

TransformRecord AugmentPipeline::sample_record(const HandSample& s, const nn::SampleKey& key, int64_t view) const {
  if (view < 0 || view > 255) throw std::invalid_argument("AugmentPipeline: view must be in [0, 255], got " + std::to_string(view));
  const AugmentConfig& c = config_;
  const auto generator = [&](TransformId id) {
    return nn::sample_generator(key, nn::RandomPurpose::augment, static_cast<uint64_t>(view) << 8 | id);
  };
  // Whether a transform fires: always at probability 1 (no draw), else one uniform draw.
  const auto fires = [](Generator& g, bool enabled, double p) { return enabled && (p >= 1 || g.uniform() < p); };
  const int64_t size = c.crop.size;
  const bool has_depth = s.depth.defined();
  TransformRecord r;
  {
    Generator g = generator(kCropId);
    r.crop = jitter_box(crop_box_for(s, c.crop), c.crop, g);
  }
  if (Generator g = generator(kScaleId); fires(g, c.scale.enabled, c.scale.probability)) r.scale = c.scale.factor.sample(g);
  if (Generator g = generator(kRotationId); fires(g, c.rotation.enabled, c.rotation.probability))
    r.rotation = radians(c.rotation.degrees.sample(g));
  if (Generator g = generator(kTranslationId); fires(g, c.translation.enabled, c.translation.probability)) {
    const double du = c.translation.pixels.sample(g);
    r.translation = std::array<double, 2>{du, c.translation.pixels.sample(g)};
  }
  if (Generator g = generator(kColorJitterId); fires(g, c.color_jitter.enabled, c.color_jitter.probability)) {
    ColorJitterRecord j;
    j.hue = c.color_jitter.hue.sample(g);
    j.saturation = c.color_jitter.saturation.sample(g);
    j.value_gain = c.color_jitter.value_gain.sample(g);
    j.value_bias = c.color_jitter.value_bias.sample(g);
    r.color_jitter = j;
  }
  if (Generator g = generator(kGreyscaleId); fires(g, c.greyscale.enabled, c.greyscale.probability)) r.greyscale = true;
  if (Generator g = generator(kBlurId); fires(g, c.blur.enabled, c.blur.probability)) r.blur_sigma = c.blur.sigma.sample(g);
  if (Generator g = generator(kSobelId); fires(g, c.sobel.enabled, c.sobel.probability)) r.sobel = true;
  if (Generator g = generator(kNoiseId); fires(g, c.noise.enabled, c.noise.probability)) {
    const double stddev = c.noise.stddev.sample(g);
    r.noise = NoiseRecord{stddev, draw_key(g)};
  }
  if (Generator g = generator(kErasingId); fires(g, c.erasing.enabled, c.erasing.probability))
    if (auto rect = sample_erasing_rect(size, size, c.erasing, g)) r.erasing = *rect;
  if (Generator g = generator(kDepthErasingId); has_depth && fires(g, c.depth_erasing.enabled, c.depth_erasing.probability))
    if (auto rect = sample_erasing_rect(size, size, c.depth_erasing, g)) r.depth_erasing = *rect;
  if (Generator g = generator(kSaltPepperId);
      has_depth && fires(g, c.depth_salt_pepper.enabled, c.depth_salt_pepper.probability)) {
    const double ratio = c.depth_salt_pepper.ratio.sample(g);
    r.depth_salt_pepper = SaltPepperRecord{ratio, c.depth_salt_pepper.salt_fraction, draw_key(g)};
  }
  return r;
}

AugmentedSample AugmentPipeline::apply(const HandSample& s, const TransformRecord& r) const {
  const int64_t size = config_.crop.size;
  const CropBox box = r.crop ? CropBox{r.crop->centre_u, r.crop->centre_v, r.crop->side} : crop_box_for(s, config_.crop);
  const PixelWarp warp = crop_warp(box, size).then(augmentation_warp(r, size, size));
  AugmentedSample out{warp_sample(s, warp, size, size, config_.padding), r};
  Tensor& image = out.sample.image;
  if (r.color_jitter) image = color_jitter_hsv(image, *r.color_jitter);
  if (r.greyscale) image = greyscale(image);
  if (r.blur_sigma) image = gaussian_blur(image, *r.blur_sigma);
  if (r.sobel) image = sobel_edges(image);
  if (r.noise) image = add_gaussian_noise(image, *r.noise);
  if (r.erasing) image = erase_rect(image, *r.erasing, config_.erasing.value);
  Tensor& depth = out.sample.depth;
  if (depth.defined()) {
    if (r.depth_erasing) depth = erase_rect(depth, *r.depth_erasing, config_.depth_erasing.value);  // 0 = no measurement
    if (r.depth_salt_pepper) depth = salt_and_pepper(depth, *r.depth_salt_pepper);
  }
  return out;
}

}  // namespace hg::hand
