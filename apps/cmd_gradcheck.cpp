// `handgrad gradcheck`: runs the derivative table and prints one line per differentiable function
// (its cases aggregated), then checks that every registered function has a case. With
// --device cuda[:N] every case also runs on that GPU: compared with the CPU run (tolerances in
// autograd/gradcheck.h) and gradient-checked there; the vs_cpu_abs column is the largest absolute
// device-CPU difference of outputs and gradients.
#include <cstdio>
#include <map>
#include <regex>

#include "apps/commands.h"
#include "apps/device_option.h"
#include "autograd/gradcheck.h"
#include "tensor/dtype.h"

namespace hg::apps {
namespace {
std::string format_diff(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " %12.3e", v);
  return buf;
}
}  // namespace

Run add_gradcheck(CLI::App& app) {
  struct Options {
    std::string filter;
    std::string dtype = "f64";
    std::string device = "cpu";
    bool per_case = false;
    bool list = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("gradcheck", "Check every derivative against finite differences");
  cmd->add_option("--filter", o->filter, "Only functions whose name contains this text (or matches this regex)");
  cmd->add_option("--dtype", o->dtype, "Precision of the check")->check(CLI::IsMember({"f64", "f32"}));
  cmd->add_option("--device", o->device, "Where to run the cases: cpu, cuda or cuda:N (GPU runs are also compared "
                                          "with the CPU)")
      ->capture_default_str();
  cmd->add_flag("--cases", o->per_case, "Print one line per case instead of per function");
  cmd->add_flag("--list", o->list, "List the functions and their derivative formulas, run nothing");
  return [o]() -> int {
    if (o->list) {
      for (const auto* d : differentiable_functions()) std::printf("%-22s %s\n", d->name, d->derivative);
      return 0;
    }
    std::regex pattern;
    try {
      pattern = std::regex(o->filter.empty() ? ".*" : o->filter);
    } catch (const std::regex_error&) {
      throw std::invalid_argument("--filter: '" + o->filter + "' is not a valid regular expression");
    }
    const DType dtype = parse_dtype(o->dtype);
    const Device device = require_device_option(o->device);
    const bool gpu = !device.is_cpu();
    struct Row {
      int cases = 0;
      double abs = 0, rel = 0, vs_cpu = 0;
      bool pass = true;
      std::string message;
    };
    std::map<std::string, Row> rows;
    int failures = 0, ran = 0;
    auto vs_cpu = [&](double v) { return gpu ? format_diff(v) : std::string(); };
    if (o->per_case)
      std::printf("%-44s %12s %12s%s  %s\n", "case", "max_abs_err", "max_rel_err", gpu ? "   vs_cpu_abs" : "",
                  "result");
    for (const auto& c : gradcheck_cases()) {
      const std::string fn = c.name.substr(0, c.name.find('/'));
      if (!o->filter.empty() && c.name.find(o->filter) == std::string::npos && !std::regex_search(c.name, pattern))
        continue;
      GradcheckResult r = run_gradcheck_case(c, dtype, device);
      ++ran;
      failures += r.passed ? 0 : 1;
      if (o->per_case)
        std::printf("%-44s %12.3e %12.3e%s  %s%s%s\n", c.name.c_str(), r.max_abs_error, r.max_rel_error,
                    vs_cpu(r.device_max_abs_diff).c_str(), r.passed ? "PASS" : "FAIL", r.passed ? "" : "  ",
                    r.message.c_str());
      Row& row = rows[fn];
      row.cases++;
      row.abs = std::max(row.abs, r.max_abs_error);
      row.rel = std::max(row.rel, r.max_rel_error);
      row.vs_cpu = std::max(row.vs_cpu, r.device_max_abs_diff);
      if (!r.passed && row.pass) row.message = c.name + ": " + r.message;
      row.pass = row.pass && r.passed;
    }
    if (!o->per_case) {
      std::printf("%-22s %5s %12s %12s%s  %s\n", "function", "cases", "max_abs_err", "max_rel_err",
                  gpu ? "   vs_cpu_abs" : "", "result");
      for (const auto& [name, row] : rows)
        std::printf("%-22s %5d %12.3e %12.3e%s  %s%s%s\n", name.c_str(), row.cases, row.abs, row.rel,
                    vs_cpu(row.vs_cpu).c_str(), row.pass ? "PASS" : "FAIL", row.pass ? "" : "  ", row.message.c_str());
    }
    int missing = 0;
    if (o->filter.empty()) {
      for (const auto& m : differentiables_without_case()) {
        std::printf("%-22s %5d %12s %12s  FAIL  no gradcheck case exercises it\n", m.c_str(), 0, "-", "-");
        ++missing;
      }
    }
    std::printf("%zu functions, %d cases (%s, %s): %s\n", rows.size(), ran, o->dtype.c_str(), device.str().c_str(),
                failures + missing == 0 ? "all PASS" : (std::to_string(failures + missing) + " FAILED").c_str());
    if (ran == 0) {
      std::fprintf(stderr, "handgrad gradcheck: no case matches --filter '%s'\n", o->filter.c_str());
      return 1;
    }
    return failures + missing == 0 ? 0 : 1;
  };
}

}  // namespace hg::apps
