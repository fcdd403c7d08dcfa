// The conditional benchmark (bench/conditional/README.md): the tree of tree_problem.h through
// the `Study` API, as a user would run it, and one JSON line per (method, seed):
//   {"fn": "tree", "seed": 3, "method": "bayestune-gp", "regret": [60 numbers]}
// regret[i]: the best value of the first i + 1 trials (the optimum is 0). summary.py prints the
// table; optuna_tree.py writes the same lines for Optuna.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <limits>
#include <sstream>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "tree_problem.h"

namespace {

std::vector<double> RunOnce(const std::string& method, int trials, std::uint64_t seed) {
  bayestune::StudySpec spec;
  spec.goal = bayestune::Goal::kMinimize;
  spec.metric_tag = "value";
  spec.max_trials = trials;
  spec.seed = seed;
  spec.algorithm =
      method == "random" ? bayestune::Algorithm::kRandomSearch : bayestune::Algorithm::kUnspecified;
  spec.parameters = bayestune::bench::TreeParameters();
  auto study = bayestune::Study::Open(std::make_shared<bayestune::InMemoryStudyRepository>(),
                                      "tree", {.create_if_missing = true, .spec = spec});
  std::vector<double> regret;
  double best = std::numeric_limits<double>::infinity();
  while (static_cast<int>(regret.size()) < trials) {
    const auto suggested = study->Suggest(1);
    if (suggested.empty()) break;
    for (const bayestune::Trial& t : suggested) {
      const double value = bayestune::bench::TreeObjective(t.parameters);
      study->Complete(t.id, value);
      best = std::min(best, value);
      regret.push_back(best);
    }
  }
  return regret;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("The conditional benchmark: bayestune's GP bandit and random search on a tree");
  std::string methods = "gp,random";
  int seeds = 20;
  int first_seed = 0;
  int trials = 60;
  app.add_option("--methods", methods, "gp and/or random, comma separated");
  app.add_option("--seeds", seeds, "runs per method");
  app.add_option("--first-seed", first_seed, "the seed of the first run");
  app.add_option("--trials", trials, "trials per run");
  CLI11_PARSE(app, argc, argv);
  std::stringstream list(methods);
  for (std::string method; std::getline(list, method, ',');) {
    if (method != "gp" && method != "random") {
      std::cerr << "unknown method '" << method << "'; valid: gp, random\n";
      return 2;
    }
    for (int s = first_seed; s < first_seed + seeds; ++s) {
      const std::vector<double> regret = RunOnce(method, trials, static_cast<std::uint64_t>(s));
      std::cout << "{\"fn\": \"tree\", \"seed\": " << s << ", \"method\": \""
                << (method == "gp" ? "bayestune-gp" : "bayestune-random") << "\", \"regret\": [";
      for (std::size_t i = 0; i < regret.size(); ++i)
        std::cout << (i ? ", " : "") << regret[i];
      std::cout << "]}" << std::endl;
    }
  }
  return 0;
}
