// `bayestune best [STUDY] [--db FILE] [--top N]`: the best trial so far: its parameters, value and
// step, and the trainer arguments that reproduce it.
#include <iostream>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study.h"
#include "best_trial_text.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "study_selection.h"
#include "text_table.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct BestOptions {
  StudySelection selection;
  int top = 1;
};

void PrintRanking(const std::vector<Trial>& ranked, const StudySpec& spec, std::size_t top) {
  std::vector<std::string> header = {"rank", "trial", spec.metric_tag, "step"};
  for (const auto& parameter : spec.parameters)
    header.push_back(parameter.name);
  TextTable table(header);
  for (std::size_t i = 0; i < ranked.size() && i < top; ++i) {
    const Trial& trial = ranked[i];
    std::vector<std::string> row = {std::to_string(i + 1), std::to_string(trial.id),
                                    FormatValue(*trial.final_value),
                                    trial.final_step ? std::to_string(*trial.final_step) : ""};
    for (const auto& parameter : spec.parameters) {
      const auto found = trial.parameters.find(parameter.name);
      row.push_back(found == trial.parameters.end() ? "" : FormatParameterValue(found->second));
    }
    table.AddRow(std::move(row));
  }
  table.Print(std::cout);
}

int PrintBest(const StudySnapshot& snapshot, const BestOptions& options) {
  const StudySpec& spec = snapshot.study.spec;
  const auto ranked = RankTrials(snapshot.trials, spec);
  if (ranked.empty()) {
    // The study exists: that it has no best trial is a failure (1), not a missing study (3).
    const StudyProgress counts = CountProgress(snapshot.trials, spec);
    throw FailedPrecondition(
        "study '" + snapshot.study.name + "' has no succeeded trial yet (" +
        std::to_string(counts.failed) + " failed, " +
        (counts.infeasible > 0 ? std::to_string(counts.infeasible) + " infeasible, " : "") +
        std::to_string(counts.active) + " running, " + std::to_string(counts.left()) +
        " left); see why with: bayestune trials " + snapshot.study.name +
        (options.selection.database == kDefaultDatabase ? ""
                                                        : " --db " + options.selection.database));
  }
  if (options.top > 1) {
    PrintRanking(ranked, spec, static_cast<std::size_t>(options.top));
  } else {
    std::cout << "study '" << snapshot.study.name << "', "
              << CountOf(ranked.size(), "succeeded trial") << ":\n";
    PrintBestTrial(std::cout, ranked.front(), spec);
  }
  return kExitOk;
}

}  // namespace

void AddBestCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "best", "Show the best trial so far",
      "Prints the best succeeded trial: its objective value and step, its parameters, and the "
      "trainer arguments that reproduce it; with --top N, the N best as a table.\n\n"
      "Examples:\n  bayestune best\n  bayestune best book --db runs.db --top 5",
      "0 shown, 1 no trial succeeded yet, 2 bad usage, 3 no such database or study");
  auto options = std::make_shared<BestOptions>();
  AddStudySelectionOptions(*command, options->selection);
  command->add_option("--top", options->top, "show the N best trials")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  command->callback([options, &exit_code] {
    exit_code = PrintBest(ReadStudy(options->selection, "best"), *options);
  });
}

}  // namespace bayestune::cli
