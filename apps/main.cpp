// handgrad: one program, one subcommand per job. `handgrad --help` lists them.
#include <iostream>
#include <map>

#include "apps/commands.h"
#include "apps/json_options.h"

int main(int argc, char** argv) {
  CLI::App app{"handgrad — self-supervised 3D hand pose estimation on a from-scratch C++ deep-learning stack"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every subcommand");
  std::map<CLI::App*, hg::apps::Run> runs;
  auto add = [&](auto adder) {
    hg::apps::Run r = adder(app);
    runs[app.get_subcommands({}).back()] = std::move(r);
  };
  add(hg::apps::add_gradcheck);
  add(hg::apps::add_info);
  add(hg::apps::add_bench);
  add(hg::apps::add_synth);
  add(hg::apps::add_show);
  add(hg::apps::add_pretrain);
  add(hg::apps::add_finetune);
  add(hg::apps::add_eval);
  add(hg::apps::add_predict);
  add(hg::apps::add_equivariance);
  add(hg::apps::add_demo);
  add(hg::apps::add_hand_model);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "handgrad: " << e.what() << " (see handgrad --help)\n";
    return 2;
  }
  try {
    for (auto* sub : app.get_subcommands()) return runs.at(sub)();
  } catch (const hg::apps::UsageError& e) {
    std::cerr << "handgrad: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "handgrad: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
