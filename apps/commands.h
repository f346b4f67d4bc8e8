// The subcommands of the `handgrad` program. Each registers its options on the CLI11 app and
// returns the function that runs it (exit code).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace hg::apps {

using Run = std::function<int()>;
Run add_gradcheck(CLI::App& app);
Run add_info(CLI::App& app);
Run add_bench(CLI::App& app);

}  // namespace hg::apps
