#include "nn/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "nn/run_log.h"
#include "tensor/atomic_file.h"

namespace hg::nn {
namespace {

constexpr double kWidth = 560, kHeight = 320, kLeft = 64, kRight = 16, kTop = 32, kBottom = 48;
const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path + ": malformed JSON");
  return j;
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string svg_line_chart(const std::vector<ChartSeries>& series, const std::string& title,
                           const std::string& x_label, const std::string& y_label, bool log_y) {
  auto ty = [log_y](double y) { return log_y ? std::log10(y) : y; };
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      const double y = ty(s.y[i]);
      if (!std::isfinite(s.x[i]) || !std::isfinite(y)) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"" << kWidth / 2 << "\" y=\"18\" text-anchor=\"middle\" "
    << "font-size=\"13\">" << html_escape(title) << "</text>\n";
  if (!(x0 <= x1)) return o.str() + "<text x=\"" + number(kWidth / 2) + "\" y=\"" + number(kHeight / 2) +
                          "\" text-anchor=\"middle\">no data</text>\n</svg>\n";
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y0 -= 0.5, y1 += 0.5;
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return kTop + (1 - (y - y0) / (y1 - y0)) * ph; };
  o << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double xv = x0 + (x1 - x0) * t / 4, yv = y0 + (y1 - y0) * t / 4;
    o << "<text x=\"" << px(xv) << "\" y=\"" << kTop + ph + 14 << "\" text-anchor=\"middle\">" << number(xv) << "</text>\n";
    o << "<text x=\"" << kLeft - 4 << "\" y=\"" << py(yv) + 4 << "\" text-anchor=\"end\">"
      << number(log_y ? std::pow(10.0, yv) : yv) << "</text>\n";
    o << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + pw << "\" y1=\"" << py(yv) << "\" y2=\"" << py(yv)
      << "\" stroke=\"#eee\"/>\n";
  }
  o << "<text x=\"" << kLeft + pw / 2 << "\" y=\"" << kHeight - 8 << "\" text-anchor=\"middle\">" << html_escape(x_label)
    << "</text>\n<text transform=\"translate(14," << kTop + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
    << html_escape(y_label) << "</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* colour = kColours[k % std::size(kColours)];
    o << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      const double y = ty(s.y[i]);
      if (std::isfinite(s.x[i]) && std::isfinite(y)) o << number(px(s.x[i])) << "," << number(py(y)) << " ";
    }
    o << "\"/>\n<text x=\"" << kLeft + 8 << "\" y=\"" << kTop + 14 + 14 * k << "\" fill=\"" << colour << "\">"
      << html_escape(s.name) << "</text>\n";
  }
  return o.str() + "</svg>\n";
}

std::string write_report(const std::string& run_dir) {
  namespace fs = std::filesystem;
  std::ostringstream h;
  const std::string name = fs::path(run_dir).filename().string();
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>handgrad run " << html_escape(name)
    << "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
       "th{text-align:left;background:#f4f4f4}pre{background:#f8f8f8;padding:1em;overflow:auto}"
       ".charts{display:flex;flex-wrap:wrap;gap:16px}</style></head><body>\n<h1>Run "
    << html_escape(name) << "</h1>\n";

  // Curves: every scalar of every kind in metrics.jsonl, one chart per kind/name.
  const std::string metrics_path = run_dir + "/metrics.jsonl";
  std::map<std::string, ChartSeries> curves;
  nlohmann::json best;  // the newest "checkpoint"/"best" record (nn/train_loop.h)
  if (fs::exists(metrics_path))
    for (const auto& r : read_metrics(metrics_path)) {
      const std::string kind = r.value("kind", std::string("train"));
      const double step = r.value("step", 0.0);
      if (kind == "checkpoint") {
        if (r.value("which", std::string()) == "best") best = r;
        continue;
      }
      for (const auto& [key, value] : r.items()) {
        if (key == "step" || key == "kind" || !value.is_number()) continue;
        auto& s = curves[kind + "/" + key];
        s.name = kind + "/" + key;
        s.x.push_back(step), s.y.push_back(value.get<double>());
      }
    }
  h << "<h2>Training curves</h2>\n<div class=\"charts\">\n";
  if (curves.empty()) h << "<p>No metrics logged.</p>\n";
  for (const auto& [key, s] : curves) {
    const bool positive = std::all_of(s.y.begin(), s.y.end(), [](double v) { return v > 0; });
    const bool is_lr = key.size() >= 3 && key.compare(key.size() - 3, 3, "/lr") == 0;
    h << svg_line_chart({s}, key, "step", key.substr(key.find('/') + 1), positive && !is_lr && key.find("loss") != std::string::npos);
  }
  h << "</div>\n";
  if (best.is_object() && best.contains("value") && best["value"].is_number())
    h << "<p>Best checkpoint (checkpoints/best.safetensors): step " << best.value("step", int64_t{0}) << ", "
      << html_escape(best.value("monitor", std::string("value"))) << " = " << number(best["value"].get<double>())
      << "</p>\n";

  const std::string results_path = run_dir + "/results.json";
  if (fs::exists(results_path)) try {
    const nlohmann::json results = read_json_file(results_path);
    if (results.contains("table") && results["table"].is_object()) {
      h << "<h2>Results</h2>\n<table>\n";
      for (const auto& [key, value] : results["table"].items())
        h << "<tr><th>" << html_escape(key) << "</th><td>"
          << html_escape(value.is_number() ? number(value.get<double>()) : value.dump()) << "</td></tr>\n";
      h << "</table>\n";
    }
    if (results.contains("pck") && results["pck"].is_object()) {
      const auto& pck = results["pck"];
      std::vector<ChartSeries> series;
      const auto thresholds = pck.value("thresholds_mm", std::vector<double>{});
      if (pck.contains("curves") && pck["curves"].is_object())
        for (const auto& [key, curve] : pck["curves"].items())
          if (curve.is_array()) series.push_back({key, thresholds, curve.get<std::vector<double>>()});
      h << "<h2>3D PCK</h2>\n" << svg_line_chart(series, "3D PCK", "threshold (mm)", "PCK");
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(results_path + ": unexpected content: " + e.what());
  }
  if (fs::exists(run_dir + "/config.json"))
    h << "<h2>Configuration</h2>\n<pre>" << html_escape(read_json_file(run_dir + "/config.json").dump(2)) << "</pre>\n";
  h << "</body></html>\n";
  const std::string path = run_dir + "/report.html", text = h.str();
  write_file_atomically(path, {text});
  return path;
}

}  // namespace hg::nn
