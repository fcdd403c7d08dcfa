// `bayestune run tuning.yaml [--db FILE] [--study NAME] [--gpus LIST] [-- trainer args...]`: runs a
// study's trials with the trainer until the study is done, showing their progress; Ctrl-C stops
// it (twice: kills the running trials) and running it again continues.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/tuning_config_loader.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/study_connection.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "interrupt_forwarding.h"
#include "live_progress_view.h"
#include "plain_progress_view.h"
#include "run_plan.h"
#include "run_summary.h"
#include "study_selection.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

// Checks that the trainer can be started before anything is written, with an error that names
// where the command came from.
void CheckTrainer(const RunPlan& plan, const std::string& config_path) {
  const RunnerSpec& runner = plan.config.runner;
  std::string path_variable = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  if (auto it = runner.env.find("PATH"); it != runner.env.end()) path_variable = it->second;
  try {
    ResolveExecutable(runner.command.front(), path_variable);
  } catch (const InvalidArgument& error) {
    std::string message = error.what();
    const std::string field = "runner.command[0]: ";
    if (message.rfind(field, 0) == 0) message.erase(0, field.size());
    throw InvalidArgument((plan.trainer_from_command_line ? "the trainer command after --: "
                                                          : config_path + ": " + field) +
                          message + ". Nothing was run");
  }
}

// The study of the run: created, or opened with the YAML's budgets (maxTrials, maxParallelTrials,
// maxFailedTrials), which may grow; any other change of the spec is refused. Says on stderr what
// changed.
std::shared_ptr<Study> OpenStudy(const RunPlan& plan, const RunArguments& arguments) {
  auto repository = SqliteStudyRepository::Open(arguments.database);
  std::optional<StudySpec> before;
  try {
    before = Study::Open(repository, plan.study)->spec();
  } catch (const NotFound&) {
  }
  try {
    auto study = Study::Open(repository, plan.study,
                             {.create_if_missing = true,
                              .spec = plan.config.study,
                              .spec_text = plan.config.source_text});
    if (before && !(*before == study->spec())) {
      std::cerr << "study '" << plan.study << "': " << DescribeSpecChanges(*before, study->spec())
                << " (kept in its history: bayestune status)\n";
    }
    return study;
  } catch (const AlreadyExists&) {
    throw AlreadyExists(
        "study '" + plan.study + "' in " + arguments.database +
        " was made from other trainingInput.hyperparameters than " + arguments.config_path +
        " has now (" + (before ? DescribeSpecChanges(*before, plan.config.study) : "") +
        "); only maxTrials, maxParallelTrials and maxFailedTrials of a study can change. To tune "
        "the new search space, start a new study (--study NAME) and let it learn from this one "
        "with resumePreviousJobId: " +
        plan.study + " in trainingInput.hyperparameters, or use another database (--db FILE)");
  }
}

bool UseLiveView(const std::string& progress) {
  if (progress == "live") return true;
  if (progress == "plain") return false;
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) == 1 && term != nullptr && std::string(term) != "dumb";
}

int RunStudy(const RunArguments& arguments) {
  const RunPlan plan = PlanRun(arguments, LoadConfig(arguments.config_path));
  CheckTrainer(plan, arguments.config_path);
  const auto study = OpenStudy(plan, arguments);
  if (arguments.retry_failed) {
    const std::vector<Trial> retried = study->RetryFailedTrials();
    std::cerr << "study '" << plan.study << "': " << retried.size() << " failed trial"
              << (retried.size() == 1 ? "" : "s") << " queued to run again (--retry-failed)\n";
  }

  RunProgress progress(study->spec(), study->Trials(), SteadyNow());
  std::shared_ptr<ProgressView> view;
  if (UseLiveView(arguments.progress)) {
    view = std::make_shared<LiveProgressView>(std::cout, STDOUT_FILENO, arguments.database,
                                              plan.study, std::move(progress));
  } else {
    view = std::make_shared<PlainProgressView>(std::cout, arguments.database, plan.study,
                                               std::move(progress));
  }
  TrialRunnerOptions options;
  options.runner = plan.config.runner;
  if (!arguments.gpus.empty()) options.gpus_source = "--gpus";
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, view);
  RunResult result;
  try {
    InterruptForwarding forwarding(runner);
    result = runner.Run();
  } catch (...) {
    view->Close();
    throw;
  }
  view->Close();
  const std::vector<Trial> trials = study->Trials();
  PrintRunSummary(std::cout, result, arguments, plan, study->spec(), trials);
  std::cout.flush();
  return RunExitCode(result.outcome, trials);
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "run", "Run a study's trials with the trainer until the study is done",
      "Launches the trainer once per trial, in parallel on the GPUs (or the CPU), with the "
      "trial's hyperparameters as --name=value; reads each trial's metric from the TensorBoard "
      "event files it writes; keeps every trial in the database. Ctrl-C stops launching and "
      "waits for the running trials; a second Ctrl-C kills them (they rerun later); SIGTERM does "
      "the same. Running the same command again continues the study.\n\n"
      "The trainer is runner.command of the YAML, or the command after --. A relative "
      "runner.command[0] containing '/' and a relative runner.jobDir are relative to the YAML "
      "file's folder.\n\n"
      "Examples:\n  bayestune run examples/book/tuning.yaml\n"
      "  bayestune run tuning.yaml --db runs.db --gpus 0,1 -- python3 train.py --data=/data",
      "0 the study is done, 1 it could not run or stopped on failed trials, 2 bad usage, "
      "130 interrupted by Ctrl-C (run again to continue)");
  auto arguments = std::make_shared<RunArguments>();
  command->add_option("tuning.yaml", arguments->config_path, "the study file")->required();
  command->add_option("--db", arguments->database, "the study database (created if missing)")
      ->capture_default_str();
  command->add_option("--study", arguments->study,
                      "the study's name (default: from the file name: mnist.yaml -> mnist, "
                      "examples/book/tuning.yaml -> book)");
  command->add_option("--gpus", arguments->gpus,
                      "GPU ids to use, such as 0,1,3; auto: detect them; none: CPU-only trials "
                      "(default: runner.gpus, else auto)");
  command->add_option("--job-dir", arguments->job_dir,
                      "where the trial-<n>/ folders go (default: runner.jobDir, else "
                      "bayestune-jobs/<study> beside the database)");
  command
      ->add_option("--progress", arguments->progress,
                   "auto: a live view on a terminal, timestamped lines otherwise; live; plain")
      ->check(CLI::IsMember({"auto", "live", "plain"}))
      ->capture_default_str();
  command->add_flag("--retry-failed", arguments->retry_failed,
                    "run the study's FAILED trials again (same parameters, next attempt), for "
                    "when the trainer is fixed; also lets a study stopped by its failure limit go "
                    "on");
  command->add_option("trainer", arguments->trainer,
                      "after --: the trainer and its fixed arguments, instead of runner.command");
  command->callback([arguments, &exit_code] { exit_code = RunStudy(*arguments); });
}

}  // namespace bayestune::cli
