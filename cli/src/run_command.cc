// `bayestune run tuning.yaml [--db FILE] [--study NAME] [--gpus LIST] [-- trainer args...]`: runs a
// study's trials with the trainer until the study is done, showing their progress; Ctrl-C stops
// it (twice: kills the running trials) and running it again continues.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/gpu_detection.h"
#include "bayestune/trial_runner/study_connection.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "file_system_space.h"
#include "filesystem_kind.h"
#include "gpu_pool.h"
#include "interrupt_forwarding.h"
#include "live_progress_view.h"
#include "plain_progress_view.h"
#include "run_lock_wait.h"
#include "run_plan.h"
#include "run_summary.h"
#include "shown_text.h"
#include "study_selection.h"
#include "trial_budget_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

namespace fs = std::filesystem;

// Checks that the trainer can be started, with an error that names where the command came from.
void CheckTrainer(const RunPlan& plan, const std::string& config_path) {
  if (std::string problem =
          TrainerProblem(plan.config.runner, plan.trainer_from_command_line, plan.relative_trainer);
      !problem.empty()) {
    throw InvalidArgument((plan.trainer_from_command_line ? "the trainer command after --: "
                                                          : config_path + ": runner.command[0]: ") +
                          problem + ". Nothing was run");
  }
}

// Checks that the GPU settings fit the GPUs: an explicit list (runner.gpus, --gpus) against
// gpusPerTrial and trialsPerGpu; detected GPUs only when a trial needs several of them (with one
// GPU a trial, any GPU count fits, and none means CPU trials).
void CheckGpus(const RunnerSpec& runner, const RunArguments& arguments) {
  std::vector<int> gpus;
  if (runner.gpus) {
    gpus = *runner.gpus;
  } else if (runner.gpus_per_trial > 1) {
    gpus = DetectGpus().ids;
  }
  if (gpus.empty()) return;
  if (runner.gpus_per_trial > static_cast<int>(gpus.size())) {
    // Where the GPUs came from says what to change ('give more GPUs in runner.gpus' was said of
    // --gpus 0, and of the GPUs the machine has).
    const std::string where = !arguments.gpus.empty() ? "--gpus " + arguments.gpus
                              : runner.gpus           ? std::string("runner.gpus")
                                                      : std::string("this machine");
    throw InvalidArgument("runner.gpusPerTrial is " + std::to_string(runner.gpus_per_trial) +
                          " but " + where + (runner.gpus ? " gives " : " has ") +
                          CountOf(static_cast<long long>(gpus.size()), "GPU") +
                          "; lower gpusPerTrial to at most " + std::to_string(gpus.size()) +
                          (runner.gpus ? ", or give more GPUs" : "") + ". Nothing was run");
  }
  GpuPool(gpus, runner.gpus_per_trial, runner.trials_per_gpu, 1);  // throws when they do not fit
}

// Makes the folder of the trial folders (the runner would make it at its start) and checks that
// this user can write there, by making a file and removing it: permissions alone do not tell
// (root may "write" to /proc), and a run that failed on it later would leave an empty study.
void PrepareJobDir(const RunPlan& plan) {
  const auto fail = [&](const std::string& why, const std::string& then = "; ") {
    // Where the folder came from says what to change: the flag, the YAML field, or --db.
    const std::string change =
        plan.job_dir_source == "--job-dir"       ? "give --job-dir a folder you can write to"
        : plan.job_dir_source == "runner.jobDir" ? "set runner.jobDir to a folder you can write "
                                                   "to, or give --job-dir"
                                                 : "give --db a file in a folder you can write "
                                                   "to (the trial folders go beside it), or "
                                                   "--job-dir";
    throw InvalidArgument(plan.job_dir_source + " '" + plan.job_dir.string() + "': " + why + then +
                          change + ". Nothing was run");
  };
  // Out of space or of inodes: said as such, with what to free ("No space left on device" alone,
  // on a disk that df -h showed with space, its inodes used up, sent users looking for space).
  const auto fail_for = [&](const std::string& what, int error_number) {
    if (error_number == ENOSPC || error_number == EDQUOT) {
      if (const auto file_system = FileSystemFullReason(plan.job_dir)) {
        fail(what + file_system->reason + "; " + file_system->advice, ", or ");
      }
    }
    fail(what + std::strerror(error_number));
  };
  std::error_code error;
  fs::create_directories(plan.job_dir, error);
  if (error) fail_for("cannot create it: ", error.value());
  const fs::path probe = plan.job_dir / (".bayestune-write-test-" + std::to_string(getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail_for("cannot write in it: ", errno);
  ::close(fd);
  ::unlink(probe.c_str());
}

// A database that does not exist yet must be one that can be made: its folder exists and is a
// folder. The store checks that first when opening read-only, with its own errors.
void CheckDatabaseFolder(const fs::path& database) {
  std::error_code error;
  if (fs::exists(database, error)) return;
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  try {
    SqliteStudyRepository::Open(database.string(), read_only);
  } catch (const NotFound&) {
    // no file: the folder is fine (Open checks it first)
  }
}

// resumePreviousJobId of a new study must name a study of the database: a typo would silently
// start from scratch. Returns what the study learns from, for a line at the start ("" when it
// resumes nothing). A study that exists already only gets a warning when its previous one is gone.
std::string CheckResumeStudy(const RunPlan& plan, const RunArguments& arguments) {
  const StudySpec& spec = plan.config.study;
  if (spec.resume_previous_job_id.empty()) return "";
  std::error_code error;
  // An existing file is opened as the run will open it (an older schema is upgraded); a missing
  // one holds no study.
  std::shared_ptr<SqliteStudyRepository> repository;
  if (fs::exists(plan.database, error))
    repository = SqliteStudyRepository::Open(arguments.database);
  std::vector<std::string> names;
  bool study_exists = false;
  for (const StudyRecord& study :
       repository ? Study::List(*repository) : std::vector<StudyRecord>{}) {
    names.push_back(study.name);
    study_exists = study_exists || study.name == plan.study;
  }
  if (std::string problem = ResumeStudyProblem(spec, names); !problem.empty()) {
    const std::string where = arguments.config_path +
                              ": trainingInput.hyperparameters.resumePreviousJobId: " + problem +
                              " (in " + arguments.database + ")";
    if (!study_exists) throw NotFound(where + ". Nothing was run");
    std::cerr << "bayestune: warning: " << ShownText(where) << "; study '" << ShownText(plan.study)
              << "' goes on without its trials\n";
    return "";
  }
  const auto previous = repository->FindStudy(spec.resume_previous_job_id);
  const SearchSpace space(spec.parameters);
  // The metrics of this study that were not objectives of the previous one: a succeeded trial's
  // value of them comes from its measurements (its trainer may have reported them anyway), and
  // one that has none is left out, as the optimizer does (MapObjectiveValues).
  std::string unmeasured;
  for (const MetricSpec& wanted : Objectives(spec)) {
    const auto had = Objectives(previous->spec);
    if (std::none_of(had.begin(), had.end(),
                     [&](const MetricSpec& m) { return m.metric_id == wanted.metric_id; })) {
      unmeasured += (unmeasured.empty() ? "'" : ", '") + wanted.metric_id + "'";
    }
  }
  int finished = 0, fitting = 0, without_value = 0, from_measurements = 0;
  for (Trial trial : repository->ListTrials(previous->id)) {
    if (!trial.IsFinished()) continue;
    ++finished;
    try {
      space.Validate(trial.parameters);
    } catch (const InvalidArgument&) {
      continue;  // outside this study's search space: the optimizer leaves it out too
    }
    ++fitting;
    if (trial.state != TrialState::kSucceeded || unmeasured.empty()) continue;
    if (MapObjectiveValues(previous->spec, spec, trial)) {
      ++from_measurements;
    } else {
      ++without_value;
    }
  }
  std::string text = "learning from " + CountOf(fitting - without_value, "finished trial") +
                     " of study '" + spec.resume_previous_job_id + "' (resumePreviousJobId)";
  if (from_measurements > 0) {
    text += "; " + std::to_string(from_measurements) + " succeeded take their value of " +
            unmeasured + " (not an objective there) from what their trainer reported";
  }
  if (without_value > 0) {
    text += "; " + std::to_string(without_value) + " succeeded have no value of " + unmeasured +
            ", this study's objective, and are left out";
  }
  if (fitting < finished) {
    text +=
        "; " + std::to_string(finished - fitting) + " more do not fit this study's search space";
  }
  return text;
}

// The study of the run: created, or opened with the YAML's budgets (maxTrials, maxParallelTrials,
// maxFailedTrials), which may grow; any other change of the spec is refused. Says on stderr what
// changed.
// Its database waits for another process's lock as `lock_wait` says.
std::shared_ptr<Study> OpenStudy(const RunPlan& plan, const RunArguments& arguments,
                                 const std::shared_ptr<RunLockWait>& lock_wait) {
  auto repository = SqliteStudyRepository::Open(arguments.database, {.lock_wait = lock_wait});
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
      std::cerr << "study '" << ShownText(plan.study)
                << "': " << ShownText(DescribeSpecChanges(*before, study->spec()))
                << " (kept in its history: bayestune status)\n";
      // Lowered below the trials made: accepted (a way to call a study done), and said so.
      if (const StudyProgress counts = study->Progress(); MaxTrialsLowered(counts)) {
        std::cerr << "study '" << ShownText(plan.study) << "': " << MaxTrialsLoweredText(counts)
                  << ": it is done; raise maxTrials to go on\n";
      }
    }
    return study;
  } catch (const AlreadyExists&) {
    // A new objective (another metric, not another goal): a study resumed from this one takes a
    // trial's value of a metric that was no objective here from what its trainer reported of it
    // (MapObjectiveValues), so resumePreviousJobId is advice when its trials reported the new
    // metrics, and says how many did; when none did, it would learn nothing, and is not given.
    const auto metric_ids = [](const StudySpec& spec) {
      std::vector<std::string> ids;
      for (const MetricSpec& m : Objectives(spec))
        ids.push_back(m.metric_id);
      return ids;
    };
    const bool new_objective = before && metric_ids(*before) != metric_ids(plan.config.study);
    const std::string resume =
        "start a new study (--study NAME) and let it learn from this one "
        "with resumePreviousJobId: " +
        plan.study + " in trainingInput.hyperparameters";
    std::string advice =
        "To tune with " +
        (before ? DescribeChangedSettings(*before, plan.config.study) : "the changed settings") +
        ", " + resume + ", or use another database (--db FILE)";
    if (new_objective) {
      std::string added;
      for (const std::string& id : metric_ids(plan.config.study)) {
        const auto had = metric_ids(*before);
        if (std::find(had.begin(), had.end(), id) == had.end())
          added += (added.empty() ? "'" : ", '") + id + "'";
      }
      int succeeded = 0, measured = 0;
      const auto existing = repository->FindStudy(plan.study);
      for (Trial trial : existing ? repository->ListTrials(existing->id) : std::vector<Trial>{}) {
        if (trial.state != TrialState::kSucceeded) continue;
        ++succeeded;
        if (MapObjectiveValues(*before, plan.config.study, trial)) ++measured;
      }
      advice =
          measured == 0
              ? "For the new objective, start a new study (--study NAME) or use another "
                "database (--db FILE)" +
                    (succeeded == 0 ? std::string()
                                    : ": none of the " + CountOf(succeeded, "succeeded trial") +
                                          " of this one reported " + added +
                                          ", so a study resuming it would learn nothing "
                                          "from them")
              : "For the new objective, " + resume + " (" + std::to_string(measured) + " of its " +
                    CountOf(succeeded, "succeeded trial") + " reported " + added +
                    ", which it learns from; the others are left out), or use another "
                    "database (--db FILE)";
    }
    throw AlreadyExists(
        "study '" + plan.study + "' in " + arguments.database +
        " was made from other trainingInput.hyperparameters than " + arguments.config_path +
        " has now (" + (before ? DescribeSpecChanges(*before, plan.config.study) : "") +
        "); only maxTrials, maxParallelTrials and maxFailedTrials of a study can change. " +
        advice);
  }
}

bool UseLiveView(const std::string& progress) {
  if (progress == "live") return true;
  if (progress == "plain") return false;
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) == 1 && term != nullptr && std::string(term) != "dumb";
}

int RunStudy(const RunArguments& arguments) {
  std::string python_module;
  TuningConfig config = LoadConfig(arguments.config_path, &python_module);
  const RunPlan plan = PlanRun(arguments, std::move(config), python_module);
  // Everything that can fail is checked before the database or the study is made: a study, once
  // made, fixes its spec.
  CheckTrainer(plan, arguments.config_path);
  // Under Slurm the GPUs are the cluster's: gpusPerTrial becomes --gres=gpu:N.
  if (plan.config.runner.launcher == LauncherKind::kLocal) CheckGpus(plan.config.runner, arguments);
  CheckDatabaseFolder(arguments.database);  // as given, for the store's message
  const std::string learning = CheckResumeStudy(plan, arguments);
  PrepareJobDir(plan);
  if (auto network = NetworkFilesystemOf(plan.database)) {
    std::cerr << "bayestune: warning: the database " << plan.database.string() << " is on "
              << *network
              << ", a network filesystem, where SQLite's locks are not safe: two processes may "
                 "corrupt it. Keep the database on a disk of the machine that runs bayestune "
                 "(--db); only the job dir needs to be shared\n";
  }
  // Another process's lock on the database (an sqlite3 shell inside BEGIN IMMEDIATE, a backup) is
  // waited for as long as it is held, with a warning every --lock-notice seconds.
  const auto lock_wait = std::make_shared<RunLockWait>(
      arguments.database,
      std::chrono::milliseconds(static_cast<std::int64_t>(arguments.lock_notice_seconds * 1000)));
  const auto study = OpenStudy(plan, arguments, lock_wait);
  if (arguments.retry_failed) {
    const std::vector<Trial> retried = study->RetryFailedTrials();
    std::cerr << "study '" << ShownText(plan.study) << "': " << retried.size() << " failed trial"
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
  if (!learning.empty()) view->Notice(learning);
  TrialRunnerOptions options;
  options.runner = plan.config.runner;
  if (!arguments.gpus.empty()) options.gpus_source = "--gpus";
  // Written into each trial folder, so that a study of another database given the same job dir
  // (the default one, for a study of the same name beside this database) leaves them alone.
  std::error_code canonical_error;
  const std::filesystem::path database =
      std::filesystem::weakly_canonical(plan.database, canonical_error);
  options.folder_owner = {.database = (canonical_error ? plan.database : database).string(),
                          .study = plan.study,
                          .created_time = study->created_time()};
  // A full disk under the database is waited for as a lock is: the runner's calls are retried
  // until there is space, the running trials going on.
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study, lock_wait), options, view);
  // While the runner runs, its warnings come with the progress, and its interrupts end the wait.
  lock_wait->SetNotify(
      [view](const std::string& message) { view->OnWarning(std::nullopt, message); });
  lock_wait->SetInterrupts([&runner] { return runner.interrupt_requests(); });
  // While a call waits for another process's lock, or for space on the database's disk, the
  // runner's loop turns: trials that end are collected, timeouts enforced, and said; they are
  // recorded when the lock goes (there is space).
  lock_wait->SetWhileWaiting(
      [&runner](TrialRunner::StudyWait why) { runner.TurnWhileStudyWaits(why); });
  struct Detach {
    RunLockWait& wait;
    ~Detach() {
      wait.SetNotify(nullptr);
      wait.SetInterrupts(nullptr);
      wait.SetWhileWaiting(nullptr);
    }
  } detach{*lock_wait};
  RunResult result;
  try {
    InterruptForwarding forwarding(runner);
    result = runner.Run();
  } catch (const Unavailable& e) {
    view->Close();
    if (!lock_wait->stopped()) throw;
    // Interrupted twice while another process held the database's lock: the running trials were
    // killed; they stay ACTIVE, and the next run reruns them (their runner is gone).
    std::cerr << "bayestune: interrupted while waiting for another process's lock on "
              << ShownText(arguments.database) << " (" << ShownText(e.what())
              << "); the trials this run was running were killed, and rerun when the study runs "
                 "again\n";
    return kExitInterrupted;
  } catch (const StorageFull& e) {
    view->Close();
    if (!lock_wait->stopped_for_space()) throw;
    // Interrupted twice while the database's disk was full: as for the lock.
    std::cerr << "bayestune: interrupted while waiting for space on the disk of "
              << ShownText(arguments.database) << " (" << ShownText(e.what())
              << "); the trials this run was running were killed, and rerun when the study runs "
                 "again\n";
    return kExitInterrupted;
  } catch (const NotFound&) {
    view->Close();
    // Another process deleted the study (a DeleteStudy call to `bayestune serve` on the same
    // file): say so, rather than the store's "no study with id 1".
    const auto now =
        SqliteStudyRepository::Open(arguments.database, {.read_only = true})->FindStudy(plan.study);
    if (!now || now->id != study->id()) {
      throw NotFound("study '" + plan.study + "' was deleted from " + arguments.database +
                     " while this run was running it (by another process, such as a "
                     "DeleteStudy call to bayestune serve); its trials went with it and the "
                     "trials this run had started were stopped. Run again to start it anew");
    }
    throw;
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
      "event files it writes under its --job-dir, or from the cloudml-hypertune reports it "
      "writes to CLOUD_ML_HP_METRIC_FILE; keeps every trial in the database. Ctrl-C stops "
      "launching and waits for the running trials; a second Ctrl-C kills them (they rerun "
      "later); SIGTERM and SIGHUP do the same. Running the same command again continues the "
      "study. Everything that can fail (the trainer, the GPUs, the trial folders, "
      "resumePreviousJobId) is checked before the database or the study is made.\n\n"
      "The trainer is runner.command of the YAML, or the command after --. A relative "
      "runner.command[0] containing '/' and a relative runner.jobDir are relative to the YAML "
      "file's folder.\n\n"
      "Examples:\n  bayestune run examples/book/tuning.yaml\n"
      "  bayestune run tuning.yaml --db runs.db --gpus 0,1 -- python3 train.py --data=/data",
      "0 the study is done, 1 it could not run or stopped on failed trials, 2 bad usage, 3 no "
      "study named by resumePreviousJobId, 130 interrupted by Ctrl-C, SIGTERM or SIGHUP (run "
      "again to continue)");
  auto arguments = std::make_shared<RunArguments>();
  command->add_option("tuning.yaml", arguments->config_path, "the study file")
      ->check(NotEmpty())
      ->required();
  command->add_option("--db", arguments->database, "the study database (created if missing)")
      ->capture_default_str()
      ->check(NotEmpty());
  command
      ->add_option("--study", arguments->study,
                   "the study's name, a name and not a path: no '/' or control characters, not "
                   "starting with '.' or '-', at most 255 bytes (default: from the file name: "
                   "mnist.yaml -> mnist, examples/book/tuning.yaml -> book)")
      ->check(NotEmpty());
  command
      ->add_option("--gpus", arguments->gpus,
                   "GPU ids to use, such as 0,1,3; auto: detect them; none: CPU-only trials "
                   "(default: runner.gpus, else auto)")
      ->check(NotEmpty());
  command
      ->add_option("--job-dir", arguments->job_dir,
                   "where the trial-<n>/ folders go (default: runner.jobDir, else "
                   "bayestune-jobs/<study> beside the database)")
      ->check(NotEmpty());
  command
      ->add_option("--progress", arguments->progress,
                   "auto: a live view on a terminal, timestamped lines otherwise; live; plain")
      ->check(CLI::IsMember({"auto", "live", "plain"}))
      ->capture_default_str();
  command
      ->add_option("--launcher", arguments->launcher,
                   "how trials run: local (processes of this machine) or slurm (one Slurm job "
                   "per trial attempt, with runner.slurm's options; docs/slurm.md) (default: "
                   "runner.launcher, else local)")
      ->check(CLI::IsMember({"local", "slurm"}));
  command
      ->add_option("--lock-notice", arguments->lock_notice_seconds,
                   "while another process keeps the database locked (an sqlite3 shell inside "
                   "BEGIN, a backup), the run waits for it, its trials going on, and warns after "
                   "this many seconds and every this many seconds after that; Ctrl-C twice stops "
                   "it")
      ->capture_default_str()
      ->check(NumberIn(0.001, 86400));
  command->add_flag("--retry-failed", arguments->retry_failed,
                    "run the study's FAILED trials again (same parameters, next attempt), for "
                    "when the trainer is fixed; also lets a study stopped by its failure limit go "
                    "on");
  command->add_option("trainer", arguments->trainer,
                      "after --: the trainer and its fixed arguments, instead of runner.command");
  command->callback([arguments, &exit_code] {
    CheckTrainerAfterDoubleDash(arguments->trainer, "run", "tuning.yaml");
    exit_code = RunStudy(*arguments);
  });
}

}  // namespace bayestune::cli
