// `bayestune best [STUDY] [--db FILE] [--top N]`: the best trial so far: its parameters, value and
// step, and the trainer arguments that reproduce it.
#include <algorithm>
#include <iostream>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "best_trial_text.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "shell_word.h"
#include "shown_text.h"
#include "study_selection.h"
#include "text_table.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct BestOptions {
  StudySelection selection;
  int top = 1;
};

// The header cells of the objectives: the tag, or every metricId of a multi-objective study.
std::vector<std::string> ObjectiveHeader(const StudySpec& spec) {
  std::vector<std::string> header;
  for (const MetricSpec& m : Objectives(spec))
    header.push_back(ShownText(m.metric_id));
  return header;
}

std::vector<std::string> ObjectiveCells(const Trial& trial, const StudySpec& spec) {
  std::vector<std::string> cells;
  const std::vector<double> values = ObjectiveValues(trial, spec);
  for (std::size_t k = 0; k < Objectives(spec).size(); ++k)
    cells.push_back(k < values.size() ? FormatValue(values[k]) : "");
  return cells;
}

// A table of `trials`: a first column of `ranks` when there are any (headed `rank_header`), the
// trial, its objective(s), step, and every parameter (empty where the trial does not hold it:
// inactive).
void PrintTrialTable(const std::vector<Trial>& trials, const StudySpec& spec,
                     const std::vector<int>& ranks = {}, const std::string& rank_header = "") {
  const bool ranked = !ranks.empty();
  std::vector<std::string> header;
  if (ranked) header.push_back(rank_header);
  header.emplace_back("trial");
  for (std::string& cell : ObjectiveHeader(spec))
    header.push_back(std::move(cell));
  header.emplace_back("step");
  // A parameter named as one of the other columns (trial, step, rank, the objective) is
  // "param.<name>", as in `trials` and the CSV export: "rank trial obj step trial obj" left the
  // reader to guess which "obj" was the objective.
  std::set<std::string> used(header.begin(), header.end());
  for (const auto& parameter : spec.parameters) {
    std::string column = parameter.name;
    while (used.count(column) != 0)
      column = "param." + column;
    used.insert(column);
    header.push_back(column);
  }
  TextTable table(header);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const Trial& trial = trials[i];
    std::vector<std::string> row;
    if (ranked) row.push_back(std::to_string(ranks[i]));
    row.push_back(std::to_string(trial.id));
    for (std::string& cell : ObjectiveCells(trial, spec))
      row.push_back(std::move(cell));
    row.push_back(trial.final_step ? std::to_string(*trial.final_step) : "");
    for (const auto& parameter : spec.parameters) {
      const auto found = trial.parameters.find(parameter.name);
      row.push_back(found == trial.parameters.end() ? "" : FormatParameterValue(found->second));
    }
    table.AddRow(std::move(row));
  }
  table.Print(std::cout);
}

// Each trial's trainer arguments, to rerun any of a table's trials.
void PrintTrainerArguments(const std::vector<Trial>& trials) {
  std::cout << "trainer arguments:\n";
  for (const Trial& trial : trials)
    std::cout << "  trial " << trial.id << ": " << FormatTrainerArguments(trial) << "\n";
}

// The first `top` of the ranked trials. One objective: ranked 1, 2, ...; several: by Pareto rank,
// so the column is the front each trial is on (1: the Pareto front, 2: the front of the rest, ...),
// shared by the trials of one front, none of which is better than another.
void PrintRanking(const std::vector<Trial>& ranked, const StudySpec& spec, std::size_t top) {
  const std::size_t count = std::min(top, ranked.size());
  const std::vector<Trial> shown(ranked.begin(),
                                 ranked.begin() + static_cast<std::ptrdiff_t>(count));
  std::vector<int> ranks(count);
  if (IsMultiObjective(spec)) {
    std::vector<std::vector<double>> points;
    for (const Trial& trial : ranked)
      points.push_back(ObjectiveValues(trial, spec));
    const std::vector<int> fronts = ParetoRanks(points, ObjectiveGoals(spec));
    for (std::size_t i = 0; i < count; ++i)
      ranks[i] = fronts[i] + 1;
  } else {
    for (std::size_t i = 0; i < count; ++i)
      ranks[i] = static_cast<int>(i) + 1;
  }
  PrintTrialTable(shown, spec, ranks, IsMultiObjective(spec) ? "front" : "rank");
  PrintTrainerArguments(shown);
}

// A multi-objective study has no one best trial: its Pareto-optimal trials, best first by the first
// objective, each with the trainer arguments that reproduce it.
void PrintParetoFront(const StudySnapshot& snapshot, std::size_t succeeded) {
  const StudySpec& spec = snapshot.study.spec;
  const std::vector<Trial> front = ParetoOptimalTrials(snapshot.trials, spec);
  std::string goals;
  for (const MetricSpec& m : spec.metrics)
    goals +=
        (goals.empty() ? "" : ", ") + ShownText(m.metric_id) + " " + std::string(GoalName(m.goal));
  std::cout << "study '" << ShownText(snapshot.study.name) << "', "
            << CountOf(static_cast<long long>(succeeded), "succeeded trial") << ", " << front.size()
            << " on the Pareto front (" << goals << "):\n";
  PrintTrialTable(front, spec);
  PrintTrainerArguments(front);
}

int PrintBest(const StudySnapshot& snapshot, const BestOptions& options) {
  const StudySpec& spec = snapshot.study.spec;
  const auto ranked = RankTrials(snapshot.trials, spec);
  if (ranked.empty()) {
    // The study exists: that it has no best trial is a failure (1), not a missing study (3).
    const StudyProgress counts = CountProgress(snapshot.trials, spec);
    // "yet" only while trials may still succeed: a study that is over will have none.
    const bool over = counts.done() || counts.end == StudyEnd::kFailureLimit;
    throw FailedPrecondition(
        "study '" + snapshot.study.name + "' has no succeeded trial" + (over ? "" : " yet") + " (" +
        std::to_string(counts.failed) + " failed, " +
        (counts.infeasible > 0 ? std::to_string(counts.infeasible) + " infeasible, " : "") +
        std::to_string(counts.active) + " running, " + std::to_string(counts.left()) +
        " left); see why with: bayestune trials " + ShellWord(snapshot.study.name) +
        (options.selection.database == kDefaultDatabase
             ? ""
             : " --db " + ShellWord(options.selection.database)));
  }
  if (IsMultiObjective(spec) && options.top <= 1) {
    PrintParetoFront(snapshot, ranked.size());
  } else if (options.top > 1) {
    PrintRanking(ranked, spec, static_cast<std::size_t>(options.top));
  } else {
    // Of the trials ranked (those with a value), as the count before it.
    const auto stopped =
        std::count_if(ranked.begin(), ranked.end(), [](const Trial& t) { return t.stopped_early; });
    std::cout << "study '" << ShownText(snapshot.study.name) << "', "
              << CountOf(ranked.size(), "succeeded trial")
              << StoppedEarlyNote(static_cast<int>(stopped)) << ":\n";
    PrintBestTrial(std::cout, ranked.front(), spec);
  }
  return kExitOk;
}

}  // namespace

void AddBestCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "best", "Show the best trial so far",
      "Prints the best succeeded trial: its objective value and step, its parameters, and the "
      "trainer arguments that reproduce it; with --top N, the N best as a table, then the trainer "
      "arguments of each. For a study of "
      "several metrics: the Pareto-optimal trials (none is better in every metric), and with "
      "--top N the N first by Pareto rank.\n\n"
      "Examples:\n  bayestune best\n  bayestune best book --db runs.db --top 5",
      "0 shown, 1 no trial succeeded yet, 2 bad usage, 3 no such database or study");
  auto options = std::make_shared<BestOptions>();
  AddStudySelectionOptions(*command, options->selection);
  command->add_option("--top", options->top, "show the N best trials")
      ->check(NumberIn(1, 1000000, /*whole=*/true))
      ->capture_default_str();
  command->callback([options, &exit_code] {
    exit_code = PrintBest(ReadStudy(options->selection, "best"), *options);
  });
}

}  // namespace bayestune::cli
