#include "run_summary.h"

#include <algorithm>

#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_paths.h"
#include "best_trial_text.h"
#include "exit_codes.h"
#include "shell_word.h"
#include "shown_text.h"
#include "study_selection.h"
#include "text_format.h"
#include "trial_formatting.h"

namespace bayestune::cli {

int RunExitCode(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kStudyDone:
    case RunOutcome::kNothingToRun:
      return kExitOk;
    case RunOutcome::kInterrupted:
    case RunOutcome::kKilled:
      return kExitInterrupted;
    case RunOutcome::kTooManyFailures:
    case RunOutcome::kLaunchFailed:
      return kExitFailure;
  }
  return kExitFailure;
}

int RunExitCode(RunOutcome outcome, const std::vector<Trial>& trials) {
  if (outcome == RunOutcome::kStudyDone && RankTrials(trials, {}).empty()) return kExitFailure;
  return RunExitCode(outcome);
}

void PrintRunSummary(std::ostream& out, const RunResult& result, const RunArguments& arguments,
                     const RunPlan& plan, const StudySpec& spec, const std::vector<Trial>& trials) {
  const auto ranked = RankTrials(trials, spec);
  const std::optional<Trial> best =
      ranked.empty() ? std::nullopt : std::optional<Trial>(ranked.front());
  out << "\n" << ShownText(result.message, ShownLines::kMultiLine);
  if (result.launched == 0 && result.outcome == RunOutcome::kStudyDone) {
    out << "; nothing left to run";
    // What to do for more trials, as Optuna's study.optimize(n_trials=...) again would run them
    // (a grid search ends with its grid, not with maxTrials).
    if (spec.algorithm != Algorithm::kGridSearch) {
      out << " (for more trials, raise maxTrials, " << spec.max_trials << " now, in "
          << ShownText(ShellWord(arguments.config_path)) << " and run it again)";
    }
    out << "\n";
  } else {
    // What this run finished: trials it started that were killed (to rerun) or still run on
    // count apart.
    out << "; this run: " << CountOf(result.finished, "trial");
    if (result.launched > result.finished) {
      out << " finished (" << result.launched << " started)";
    }
    out << " in " << FormatDuration(result.seconds) << "\n";
  }
  if (best && IsMultiObjective(spec)) {
    // Several objectives: no one best trial; `best` lists the front.
    out << CountOf(static_cast<long long>(ParetoOptimalTrials(trials, spec).size()), "trial")
        << " on the Pareto front (bayestune best lists them); the first by "
        << ShownText(spec.metric_tag) << ":\n";
  }
  if (best) {
    PrintBestTrial(out, *best, spec);
  } else {
    out << "best trial: none (no trial succeeded)\n";
    // Why the last failure happened, with its log's tail: most often every trial failed alike.
    const auto failed = std::find_if(trials.rbegin(), trials.rend(), [](const Trial& trial) {
      return trial.IsFinished() && !trial.failure_reason.empty();
    });
    if (failed != trials.rend()) {
      out << "trial " << failed->id << " " << TrialStateName(failed->state) << ": ";
      // The trainer's log, escaped: its escape sequences must not drive the user's terminal.
      for (char c : ShownText(failed->failure_reason, ShownLines::kMultiLine))
        out << c << (c == '\n' ? "  " : "");
      out << "\n";
      // What it was given: a trainer that parses `--lr 0.1` (flag and value apart) by hand
      // fails on `--lr=0.1` with a log that names only the flag. The whole command, as the
      // runner builds it: the fixed arguments (runner.command's, trainingInput.args) come first.
      const TrialCommand command =
          BuildTrialCommand(plan.config.runner, "", *failed, {},
                            TrialPathsFor(plan.job_dir, failed->id, failed->attempt), {});
      out << "trial " << failed->id
          << "'s trainer command: " << JoinText(command.argv, ShownShellWord, " ")
          << " (each flag one argument, --name=value, as AI Platform passes them)\n";
    }
  }
  const std::string db_flag =
      arguments.database == kDefaultDatabase ? "" : " --db " + ShownShellWord(arguments.database);
  out << "trial logs: " << ShownText((plan.job_dir / "trial-<n>").string())
      << "/ (stdout.log, stderr.log, event files)";
  if (best) {
    out << "; the best: "
        << TrialPathsFor(plan.job_dir, best->id, best->attempt)
               .dir.lexically_relative(plan.job_dir)
               .string()
        << "/";
  }
  out << "\n";
  out << "database:   " << ShownText(plan.database.string()) << " (study '" << ShownText(plan.study)
      << "')\n";
  if (result.outcome == RunOutcome::kInterrupted || result.outcome == RunOutcome::kKilled ||
      result.outcome == RunOutcome::kLaunchFailed) {
    // Every choice the command line made, so that the study goes on as it ran (its trial folders
    // where they were); --retry-failed has been done, --progress is the terminal's.
    out << "continue:   bayestune run " << ShownShellWord(arguments.config_path) << db_flag
        << (arguments.study.empty() ? "" : " --study " + ShownShellWord(arguments.study))
        << (arguments.job_dir.empty() ? "" : " --job-dir " + ShownShellWord(arguments.job_dir))
        << (arguments.gpus.empty() ? "" : " --gpus " + ShownShellWord(arguments.gpus))
        << (arguments.launcher.empty() ? "" : " --launcher " + ShownShellWord(arguments.launcher));
    if (!arguments.trainer.empty()) {
      out << " --";
      for (const auto& word : arguments.trainer)
        out << " " << ShownShellWord(word);
    }
    out << "\n";
  }
  // A file name is at most 255 bytes, as a study name: the longest names are cut for '.csv'.
  out << "export:     bayestune export " << ShownShellWord(plan.study) << db_flag
      << " --format csv --out " << ShownShellWord(Utf8Prefix(plan.study, 251) + ".csv") << "\n";
}

}  // namespace bayestune::cli
