// report.html of a run folder: a self-contained page (inline SVG, no scripts, no network) with the
// loss and learning-rate curves from metrics.jsonl, the PCK curve and the results table from
// results.json, and the resolved configuration.
//
// results.json (written by evaluation) may hold:
//   {"table": {"EPE 3D mean (mm)": 12.3, ...},
//    "pck": {"thresholds_mm": [...], "curves": {"unaligned": [...], "aligned": [...]}}}
#pragma once
#include <string>
#include <vector>

namespace hg::nn {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
};

// An SVG line chart (axes with 5 ticks each, one polyline per series, a legend). Non-finite points
// are skipped; an empty chart says "no data".
std::string svg_line_chart(const std::vector<ChartSeries>& series, const std::string& title,
                           const std::string& x_label, const std::string& y_label, bool log_y = false);

// Writes <run_dir>/report.html (atomically) and returns its path. Throws naming a malformed input file.
std::string write_report(const std::string& run_dir);

// Escapes &, <, >, " for HTML text and attributes.
std::string html_escape(const std::string& s);

}  // namespace hg::nn
