// `bayestune trials [STUDY] [--db FILE] [--state STATE]`: every trial of a study as a table.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/store/trial_rung.h"
#include "closest_match.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "shown_text.h"
#include "slurm_queue.h"
#include "study_selection.h"
#include "text_table.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct TrialsOptions {
  StudySelection selection;
  std::vector<std::string> states;  // empty: every trial
};

std::string ToUpper(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

const std::vector<std::string> kTrialStates = {"REQUESTED", "ACTIVE", "STOPPING",
                                               "SUCCEEDED", "FAILED", "INFEASIBLE"};

// --state's values, in any case, as their upper-case names. Another tool's name of a state
// (Optuna's COMPLETE, PRUNED, RUNNING, the JSON export's AI Platform QUEUED) says bayestune's: it
// was 'COMPLETE not in {REQUESTED,...}', a list that does not say which of them it is.
CLI::Validator TrialStateNamed() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const std::string upper = ToUpper(value);
        if (ParseTrialState(upper)) {
          value = upper;  // as the table writes it: "no FAILED trial yet"
          return "";
        }
        static const std::vector<std::pair<std::string, std::string>> kOtherNames = {
            {"COMPLETE", "Optuna's COMPLETE is SUCCEEDED"},
            {"COMPLETED", "a trial that completed with a value is SUCCEEDED"},
            {"PRUNED",
             "Optuna's PRUNED is SUCCEEDED, noted 'stopped early' (its value is cut off)"},
            {"STOPPED",
             "a trial stopped early is SUCCEEDED, noted 'stopped early'; STOPPING is one being "
             "stopped now"},
            {"FAIL", "Optuna's FAIL is FAILED"},
            {"RUNNING", "a running trial is ACTIVE (RUNNING is Optuna's and AI Platform's name)"},
            {"WAITING", "Optuna's WAITING is REQUESTED, a trial not started yet"},
            {"QUEUED",
             "AI Platform's QUEUED (the JSON export's) is REQUESTED, a trial not started "
             "yet"}};
        std::string why;
        for (const auto& [other, said] : kOtherNames) {
          if (upper == other) why = said;
        }
        if (why.empty()) {
          if (auto closest = ClosestMatch(upper, kTrialStates))
            why = "did you mean " + *closest + "?";
        }
        std::string states;
        for (const std::string& state : kTrialStates)
          states += (states.empty() ? "" : ", ") + state;
        return "'" + value + "' is no trial state" + (why.empty() ? "" : "; " + why) +
               ". The states: " + states;
      },
      "{REQUESTED,ACTIVE,STOPPING,SUCCEEDED,FAILED,INFEASIBLE}", "TRIAL_STATE");
}

// `mark`: "best", "Pareto front" or "".
std::string TrialNote(const Trial& trial, const std::vector<Trial>& trials, const StudySpec& spec,
                      const std::string& mark, const SlurmQueue& queue, double now) {
  std::string note = mark;
  const auto add = [&](const std::string& text) { note += (note.empty() ? "" : "; ") + text; };
  // Submitted, not started (as `status` says it): "waiting in Slurm's queue (squeue: Resources)
  // for 5m".
  if (const SlurmJobStatus* job = queue.Pending(trial)) {
    std::string text = "waiting in Slurm's queue";
    if (!job->reason.empty() && job->reason != "None") text += " (squeue: " + job->reason + ")";
    if (const auto seconds = TrialRunSeconds(trial, now))
      text += " for " + FormatDuration(*seconds);
    add(ShownText(text));
  } else if (const auto times = queue.Times(trial, now);
             times && times->queued >= kQueueWaitShownSeconds) {
    add("ran after " + FormatDuration(times->queued) + " in Slurm's queue");
  }
  // Where a trial of an ASHA study stands: the highest rung it reached (where it was stopped;
  // read from the database, so shown escaped as the failure reason is).
  const std::string rung = ShownText(TrialRungText(trial, trials, spec));
  if (trial.stopped_early) {
    add(rung.empty() ? "stopped early" : "stopped early at " + rung);
  } else if (!rung.empty()) {
    add(rung);
  }
  if (trial.attempt > 1) add("attempt " + std::to_string(trial.attempt));
  if (!trial.failure_reason.empty()) {
    // With the log's last line, as run's progress line says it: "the trainer exited with
    // status 2" alone did not say which flag argparse refused.
    const std::string log_end = LogTailLastLine(trial.failure_reason);
    add(FirstLine(trial.failure_reason) + (log_end.empty() ? "" : "; its log ends: " + log_end));
  }
  return note;
}

void PrintTrials(const StudySnapshot& snapshot, const TrialsOptions& options) {
  const StudySpec& spec = snapshot.study.spec;
  const auto ranked = RankTrials(snapshot.trials, spec);
  const std::int64_t best_id = ranked.empty() ? 0 : ranked.front().id;
  // A multi-objective study has no one best trial: each Pareto-optimal one is marked.
  std::set<std::int64_t> front_ids;
  if (IsMultiObjective(spec)) {
    for (const Trial& trial : ParetoOptimalTrials(snapshot.trials, spec))
      front_ids.insert(trial.id);
  }
  const auto mark = [&](const Trial& trial) -> std::string {
    if (IsMultiObjective(spec)) return front_ids.contains(trial.id) ? "Pareto front" : "";
    return trial.id == best_id ? "best" : "";
  };
  const double now = NowSeconds();
  const SlurmQueue queue = AskSlurmQueue(snapshot.trials);

  std::vector<std::string> header = {"trial", "state"};
  const std::vector<std::string> after = {"step", "time", "device", "note"};
  // One column per objective (a multi-objective study has several), before the step.
  const std::vector<MetricSpec> objectives = Objectives(spec);
  std::vector<std::string> objective_columns;
  for (const MetricSpec& objective : objectives)
    objective_columns.push_back(ShownText(objective.metric_id));
  // A parameter named as one of the other columns (step, time, ...) is "param.<name>", as in the
  // CSV export: two columns "step" left the reader to guess which was the parameter.
  std::set<std::string> used(header.begin(), header.end());
  used.insert(after.begin(), after.end());
  used.insert(objective_columns.begin(), objective_columns.end());
  for (const auto& parameter : spec.parameters) {
    std::string column = parameter.name;
    while (used.count(column) != 0)
      column = "param." + column;
    used.insert(column);
    header.push_back(column);
  }
  header.insert(header.end(), objective_columns.begin(), objective_columns.end());
  header.insert(header.end(), after.begin(), after.end());
  TextTable table(header);

  int shown = 0;
  for (const auto& trial : snapshot.trials) {
    const std::string state(TrialStateName(trial.state));
    if (!options.states.empty() &&
        std::none_of(options.states.begin(), options.states.end(), [&](const std::string& s) {
          return ParseTrialState(ToUpper(s)) == trial.state;
        })) {
      continue;
    }
    ++shown;
    std::vector<std::string> row = {std::to_string(trial.id), state};
    for (const auto& parameter : spec.parameters) {
      const auto found = trial.parameters.find(parameter.name);
      row.push_back(found == trial.parameters.end() ? "" : FormatParameterValue(found->second));
    }
    // A finished trial shows its final values; a running one its latest measurements.
    const std::vector<double> finals = ObjectiveValues(trial, spec);
    std::optional<std::int64_t> step = trial.final_step;
    for (std::size_t k = 0; k < objectives.size(); ++k) {
      std::optional<double> value;
      if (k < finals.size()) value = finals[k];
      if (!trial.IsFinished()) {
        const auto series = trial.MeasurementsOf(objectives[k].metric_id);
        if (!series.empty()) {
          value = series.back().value;
          if (k == 0) step = series.back().step;
        }
      }
      row.push_back(value ? FormatValue(*value) : "");
    }
    row.push_back(step ? std::to_string(*step) : "");
    // An active trial's time is its run, without its job's wait in Slurm's queue (none yet for a
    // job still pending); a finished one's from its start to its end, as stored.
    std::optional<double> seconds = TrialRunSeconds(trial, now);
    if (queue.Pending(trial)) {
      seconds.reset();
    } else if (const auto times = queue.Times(trial, now)) {
      seconds = times->running;
    }
    row.push_back(seconds ? FormatDuration(*seconds) : "");
    row.push_back(trial.start_time || !trial.jobs.empty() ? FormatWhereRun(trial) : "");
    row.push_back(TrialNote(trial, snapshot.trials, spec, mark(trial), queue, now));
    table.AddRow(std::move(row));
  }
  if (shown == 0) {
    // The states asked for, by name: "no FAILED or INFEASIBLE trial".
    std::vector<std::string> asked;
    for (const std::string& s : options.states) {
      if (std::find(asked.begin(), asked.end(), ToUpper(s)) == asked.end())
        asked.push_back(ToUpper(s));
    }
    std::string states;
    for (std::size_t i = 0; i < asked.size(); ++i)
      states += (i == 0 ? "" : i + 1 == asked.size() ? " or " : ", ") + asked[i];
    std::cout << "study '" << ShownText(snapshot.study.name) << "' has no "
              << (states.empty() ? "" : states + " ") << "trial yet\n";
    return;
  }
  table.Print(std::cout);
  if (!queue.problem.empty()) {
    std::cout << "cannot tell which Slurm jobs run and which wait in Slurm's queue: "
              << FirstLine(queue.problem) << "\n";
  }
}

}  // namespace

void AddTrialsCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "trials", "List a study's trials",
      "A table of every trial: number, state, parameters, objective value and step (the latest "
      "for a running trial), run time, device, and notes (best, stopped early, attempt, the "
      "first line of why it failed and the last line of its log, a Slurm job still waiting in "
      "Slurm's queue (squeue says "
      "which); `bayestune export` has all of it).\n\n"
      "Examples:\n  bayestune trials\n  bayestune trials book --state failed,infeasible",
      "0 shown, 2 bad usage, 3 no such database or study");
  auto options = std::make_shared<TrialsOptions>();
  AddStudySelectionOptions(*command, options->selection);
  command
      ->add_option("--state", options->states,
                   "show only trials in these states (repeat the flag or separate with commas)")
      ->delimiter(',')
      // One value a flag (commas for more): `--state FAILED book` took the study for a state.
      ->allow_extra_args(false)
      ->transform(TrialStateNamed());
  command->callback([options, &exit_code] {
    StudySnapshot snapshot;
    try {
      snapshot = ReadStudy(options->selection, "trials");
    } catch (const NotFound& e) {
      // `--state FAILED SUCCEEDED` (or `trials FAILED`) took the state for the study's name and
      // said only that the database has no study named 'SUCCEEDED'.
      const std::string& study = options->selection.study;
      if (study.empty() || !ParseTrialState(ToUpper(study))) throw;
      std::string states;
      for (const std::string& s : options->states)
        states += (states.empty() ? "" : ",") + s;
      throw NotFound(std::string(e.what()) + "; '" + study + "' is a trial state: " +
                     (states.empty()
                          ? "to show only those trials, --state " + study
                          : "--state takes one value a flag, so '" + study +
                                "' was taken for the study's name; give several with commas "
                                "(--state " +
                                states + "," + study + ") or repeat the flag"));
    }
    PrintTrials(snapshot, *options);
    exit_code = kExitOk;
  });
}

}  // namespace bayestune::cli
