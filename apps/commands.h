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
Run add_synth(CLI::App& app);
Run add_show(CLI::App& app);
Run add_pretrain(CLI::App& app);
Run add_finetune(CLI::App& app);
Run add_eval(CLI::App& app);
Run add_demo(CLI::App& app);
Run add_predict(CLI::App& app);
Run add_equivariance(CLI::App& app);
Run add_hand_model(CLI::App& app);

}  // namespace hg::apps
