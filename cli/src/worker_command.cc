// `bayestune worker`: the trial runner on this machine, driven by a study on a `bayestune serve`
// server, so that one study's trials run on many machines at once.
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/proto/remote_study_connection.h"
#include "bayestune/proto/study_client.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "interrupt_forwarding.h"
#include "progress_view.h"
#include "run_plan.h"
#include "run_summary.h"
#include "shown_text.h"
#include "trial_budget_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

struct WorkerFlags {
  std::string server;
  std::string study;
  std::string gpus;  // "auto", "none" or ids "0,1,3"
  std::string job_dir;
  std::string create;  // a tuning.yaml to create the study from first
  std::string token_file;
  std::string tls_ca;
  bool tls = false;
  bool trust_server_command = false;  // run the study's stored runner.command, with its env, jobDir
  std::vector<std::string> trainer;
};

// A command as one line, each argument quoted where it needs to be.
std::string ShownCommand(const std::vector<std::string>& command) {
  std::string line;
  for (const std::string& argument : command) {
    if (!line.empty()) line += ' ';
    const bool plain =
        !argument.empty() && argument.find_first_not_of(
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789_-+=.,/:@%") == std::string::npos;
    line += plain ? argument : "'" + ShownText(argument) + "'";
  }
  return line;
}

// One timestamped line for each thing the runner reports.
class WorkerLog : public RunnerEvents {
 public:
  // `best_client` asks the server for the study's best trials (ListOptimalTrials) at the start and
  // after each trial this worker finishes, on a thread of its own (a client that does not wait: a
  // server away costs the line, never the runner's time).
  WorkerLog(std::string study, StudySpec spec, std::shared_ptr<proto::StudyClient> best_client)
      : study_(std::move(study)), spec_(std::move(spec)), best_client_(std::move(best_client)) {
    refresh_wanted_ = true;
    best_thread_ = std::thread([this] { RefreshBest(); });
  }
  ~WorkerLog() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    refresh_.notify_all();
    best_thread_.join();  // after at most the call in flight (a 5 s deadline)
  }
  WorkerLog(const WorkerLog&) = delete;
  WorkerLog& operator=(const WorkerLog&) = delete;

  void OnRunnerStarted(const RunnerStartedEvent& e) override {
    Line() << "worker for study '" << e.study << "': "
           << (e.cpu_only ? std::string("CPU trials")
                          : FormatDevices(e.gpus) + " (" + e.gpu_source + ")")
           << ", up to " << e.max_running << " trials at once, job dir " << e.job_dir.string()
           << std::endl;
  }
  void OnTrialRequeued(const Trial& trial, const std::string& reason) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_.erase(trial.id);
    }
    Line() << "trial " << trial.id << " queued to run again: " << ShownText(reason) << std::endl;
  }
  // Kills the process group of every trial running now (each trainer leads one).
  void KillRunningTrials() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [trial, group] : running_)
      ::kill(-group, SIGKILL);
  }

  void OnTrialStarted(const TrialStartedEvent& e) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_[e.trial.id] = e.pid;
    }
    // The parameters come from the server: a categorical value is shown, never obeyed.
    Line() << "trial " << e.trial.id << " started on " << FormatDevices(e.gpus) << " (pid " << e.pid
           << "): " << ShownText(FormatParameters(e.trial, spec_)) << std::endl;
  }
  // ASHA's promotions (each rung once, as the runner says them) and stops, as `bayestune run`
  // prints them. The reasons come from the server: shown, never obeyed.
  void OnTrialPromoted(const TrialPromotedEvent& e) override {
    Line() << "trial " << e.trial_id << " promoted past "
           << (e.reason.empty() ? "rung " + std::to_string(e.rung) : ShownText(e.reason))
           << std::endl;
  }
  void OnTrialStopping(const TrialStoppingEvent& e) override {
    const char* signal_name = sigabbrev_np(e.signal);
    Line() << "trial " << e.trial_id << " stopping ("
           << (e.cause == TrialStopCause::kTimeout
                   ? std::string("runner.trialTimeoutSeconds passed")
                   : (e.reason.empty() ? std::string("early stopping") : ShownText(e.reason)))
           << "): SIG" << (signal_name ? signal_name : std::to_string(e.signal)) << std::endl;
  }
  void OnTrialFinished(const TrialFinishedEvent& e) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_.erase(e.trial.id);
    }
    // The study's best, other workers' trials included, said as `run` says it: "(best so far)"
    // on the trial that is, then "best: trial 3, accuracy ...". As `run` keeps it (RunProgress:
    // this trial against the best known), from the server's best trials as last answered: asking
    // the server here, on the runner's thread, took about 5 s a trial at a large study, while
    // the other trials' ends and metrics waited.
    std::optional<std::string> best;
    bool new_best = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (e.trial.state == TrialState::kSucceeded) finished_since_asked_.push_back(e.trial);
      if (known_) {
        new_best = known_->TrialFinished(e) && known_->best()->id == e.trial.id;
        best = BestTrialText(*known_);
      }
      refresh_wanted_ = true;
    }
    refresh_.notify_one();
    auto& out = Line() << "trial " << e.trial.id << " " << TrialStateName(e.trial.state);
    // Every objective's value for a study of several metrics, as run writes it.
    if (const auto objective = FormatFinalObjective(e.trial, spec_))
      out << ": " << ShownText(*objective);
    if (e.trial.stopped_early) out << " (stopped early)";
    if (new_best) out << " (best so far)";
    if (!e.trial.failure_reason.empty()) {
      // With the log's last line, where a crash says why, as run's progress line has it.
      const std::string log_end = LogTailLastLine(e.trial.failure_reason);
      out << ": " << FirstLine(e.trial.failure_reason)
          << (log_end.empty() ? "" : "; its log ends: " + log_end);
    }
    out << std::endl;
    if (best) Line() << "best: " << ShownText(*best) << std::endl;
  }
  void OnWarning(std::optional<std::int64_t> trial_id, const std::string& message) override {
    auto& out = Line() << "warning: ";
    if (trial_id) out << "trial " << *trial_id << ": ";
    out << ShownText(message) << std::endl;
  }
  // A worker's trials are processes of its own machine (never Slurm jobs: runner.launcher is
  // ignored), so all of them run.
  void OnInterruptRequested(InterruptLevel level, int running_trials, int) override {
    const std::string trials = "the " + CountOf(running_trials, "running trial");
    const bool one = running_trials == 1;
    Line() << (level == InterruptLevel::kStopLaunching
                   ? "interrupted: launching nothing new; waiting for " + trials +
                         " (interrupt again to kill " + (one ? "it" : "them") + ")"
                   : "interrupted again: killing " + trials + "; " +
                         (one ? "it runs" : "they run") + " again later")
           << std::endl;
  }
  // Then the study's counts from the server, as `status` words them (a grid of fewer combinations
  // than maxTrials named with its size: StudyProgress.capacity).
  void OnRunFinished(const RunResult& result) override {
    Line() << result.message << std::endl;
    Line() << "study '" << ShownText(study_)
           << "': " << StudyCountsText(result.progress, spec_.algorithm) << std::endl;
  }
  // "3 of 6 finished (the grid has 6 combinations, fewer than maxTrials 10), 2 running".
  static std::string StudyCountsText(const StudyProgress& progress, Algorithm algorithm) {
    return FinishedOfMaxTrials(progress, algorithm) + ", " + std::to_string(progress.active) +
           " running";
  }

 private:
  std::ostream& Line() { return std::cout << FormatLocalTime(NowSeconds()) << " "; }

  // The best_thread_: asks the server for the study's best trials whenever refresh_wanted_, and
  // keeps them, with this worker's trials that succeeded since the question (which the answer
  // may lack), in known_. A server that does not answer at once leaves known_ as it was.
  void RefreshBest() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      refresh_.wait(lock, [&] { return stopping_ || refresh_wanted_; });
      if (stopping_) return;
      refresh_wanted_ = false;
      const std::size_t asked_after = finished_since_asked_.size();
      lock.unlock();
      std::optional<std::vector<Trial>> answer;
      try {
        answer = best_client_->ListOptimalTrials(study_);
      } catch (const std::exception&) {
      }
      lock.lock();
      if (!answer) continue;
      // The trials finished before the question are in the answer; those since, maybe not.
      finished_since_asked_.erase(
          finished_since_asked_.begin(),
          finished_since_asked_.begin() + static_cast<std::ptrdiff_t>(asked_after));
      answer->insert(answer->end(), finished_since_asked_.begin(), finished_since_asked_.end());
      known_.emplace(spec_, *answer, SteadyNow());
    }
  }

  std::string study_;
  StudySpec spec_;
  std::shared_ptr<proto::StudyClient> best_client_;
  std::mutex mutex_;
  std::map<std::int64_t, pid_t> running_;  // trial -> its trainer's process group
  // Guarded by mutex_: the study's best as known (nullopt until the server first answers), this
  // worker's trials that succeeded since the server was last asked, and the best_thread_'s work.
  std::optional<RunProgress> known_;
  std::vector<Trial> finished_since_asked_;
  bool refresh_wanted_ = false;
  bool stopping_ = false;
  std::condition_variable refresh_;
  std::thread best_thread_;  // last: started once the rest is made
};

// --server must be HOST:PORT with a port gRPC can dial; anything else would be waited for.
void CheckServerAddress(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  int port = 0;
  bool valid = colon != std::string::npos && colon > 0 && colon + 1 < address.size();
  if (valid) {
    const char* begin = address.data() + colon + 1;
    const char* end = address.data() + address.size();
    const auto parsed = std::from_chars(begin, end, port);
    valid = parsed.ec == std::errc() && parsed.ptr == end && port >= 1 && port <= 65535;
  }
  if (!valid) {
    throw UsageError("--server '" + address +
                     "': give the HOST:PORT that bayestune serve printed, such as "
                     "gpu-box:50051 or 127.0.0.1:50051 (the port 1 to 65535)");
  }
}

// The runner settings of the study's stored tuning.yaml that this worker takes. The server is
// not trusted to choose what runs on this machine: anyone who may create a study there (any local
// user of a server without a token) could otherwise make every joining worker run a program of
// their choice, or run its trainer with their environment (LD_PRELOAD, PATH, PYTHONPATH) or
// write trial folders where they like. So runner.command, runner.env and runner.jobDir are taken
// only with --trust-server-command, which says so; the scheduling settings (gpusPerTrial,
// trialsPerGpu, timeouts, gpus) and trainingInput.args, which only shape the trainer's arguments
// like the parameters do, are taken always. A trainer given after -- replaces runner.command
// whatever the server says.
RunnerSpec RunnerFromServer(const std::string& study, const std::string& tuning_yaml, bool trust,
                            bool own_trainer) {
  RunnerSpec runner =
      ParseTuningConfigOrThrow(tuning_yaml, "the study's tuning.yaml on the server").runner;
  if (own_trainer) runner.command.clear();
  if (trust) {
    if (!runner.command.empty() || !runner.env.empty() || !runner.job_dir.empty()) {
      std::cerr << "bayestune: --trust-server-command: study '" << study
                << "' on the server chooses";
      if (!runner.command.empty()) std::cerr << " the trainer: " << ShownCommand(runner.command);
      if (!runner.env.empty()) {
        std::cerr << (runner.command.empty() ? "" : ";") << " its environment:";
        for (const auto& [name, value] : runner.env)
          std::cerr << " " << ShownText(name) << "=" << ShownCommand({value});
      }
      if (!runner.job_dir.empty()) {
        std::cerr << ((runner.command.empty() && runner.env.empty()) ? "" : ";")
                  << " the job dir: " << ShownCommand({runner.job_dir});
      }
      std::cerr << "\n";
    }
    return runner;
  }
  std::vector<std::string> ignored;
  if (!runner.env.empty()) ignored.push_back("runner.env");
  if (!runner.job_dir.empty()) ignored.push_back("runner.jobDir");
  if (!ignored.empty()) {
    std::cerr << "bayestune: warning: study '" << study << "' on the server sets "
              << (ignored.size() == 2 ? ignored[0] + " and " + ignored[1] : ignored[0])
              << "; this worker does not use them (a worker takes them only from its own --create "
                 "file, or from the server with --trust-server-command)\n";
  }
  runner.env.clear();
  runner.job_dir.clear();
  return runner;
}

// The trainer of a study created elsewhere, when this worker was given none: refused unless its
// operator trusts the server with it.
[[noreturn]] void ThrowUntrustedCommand(const WorkerFlags& flags,
                                        const std::vector<std::string>& command) {
  throw UsageError(
      "study '" + flags.study +
      "' names its trainer on the server (runner.command: " + ShownCommand(command) +
      "), and a worker runs only a trainer its own operator chose: give it after --, as in "
      "bayestune worker --server " +
      flags.server + " --study " + flags.study +
      " -- python3 train.py; or pass your own tuning.yaml with --create FILE; or pass "
      "--trust-server-command to run the server's command (then whoever may create studies on "
      "that server chooses what this machine runs)");
}

// Checks that the trainer can be started, as run does (before connecting, for a trainer this
// worker's operator gave), with an error that names where the command came from.
void CheckWorkerTrainer(const RunnerSpec& runner, const std::string& from,
                        const std::optional<RelativeTrainer>& relative = std::nullopt) {
  if (runner.command.empty()) return;
  if (std::string problem = TrainerProblem(runner, from == "after --", relative);
      !problem.empty()) {
    throw InvalidArgument(
        (from == "after --" ? "the trainer command after --: " : from + ": runner.command[0]: ") +
        problem + ". Nothing was run");
  }
}

int Work(const WorkerFlags& flags) {
  CheckServerAddress(flags.server);
  CheckStudyFlag(flags.study);  // a name, not a path: the trial folders are under it
  proto::StudyClientOptions options;
  options.server_address = flags.server;
  options.tls = flags.tls || !flags.tls_ca.empty();
  options.tls_ca_file = flags.tls_ca;
  if (!flags.token_file.empty()) {
    options.token = proto::BearerToken::FromFile(flags.token_file);
    if (const std::string warning = proto::BearerToken::ExposureWarning(flags.token_file);
        !warning.empty()) {
      std::cerr << "bayestune: warning: " << warning << "\n";
    }
  }
  TrialRunnerOptions runner_options;
  std::string create_yaml;
  if (!flags.create.empty()) {
    // Checked here first, so that errors name the file; the server checks that an existing study
    // of this name has the same spec. Its paths are relative to its folder, as for `run`. A file
    // that is not there is exit code 3, as --help and docs/grpc.md say (it was 1, as for a file
    // with errors, so that a script could not tell a wrong path from a wrong study).
    std::error_code error;
    if (!std::filesystem::exists(flags.create, error)) {
      throw NotFound("--create '" + flags.create +
                     "': no such file; give the path of the study's tuning.yaml");
    }
    TuningConfig config = LoadConfig(flags.create);
    const auto relative = ResolveRunnerPaths(
        config.runner, std::filesystem::absolute(flags.create).lexically_normal().parent_path());
    create_yaml = config.source_text;
    runner_options.runner = config.runner;
    if (flags.trainer.empty()) CheckWorkerTrainer(config.runner, flags.create, relative);
  }
  if (!flags.trainer.empty()) {
    // Found in the PATH the trials get: the --create file's runner.env may set it.
    RunnerSpec trainer = runner_options.runner;
    trainer.command = flags.trainer;
    CheckWorkerTrainer(trainer, "after --");
  }
  {
    // A quick first call that does not wait, to say at once why the server does not answer
    // (nothing listens, TLS or the token do not match) before waiting for it.
    proto::StudyClientOptions probe_options = options;
    probe_options.call_timeout = std::chrono::seconds(5);
    try {
      proto::StudyClient(probe_options).ListStudies();
    } catch (const Unavailable& e) {
      std::cerr << "bayestune: the server " << flags.server << " does not answer (" << e.what()
                << "); waiting for it for up to 2 minutes. Is `bayestune serve` running there, "
                   "with the TLS settings (--tls, --tls-ca) and token this worker uses?\n";
    } catch (const Error&) {
      // It answered: whatever is wrong (the token, the study) comes with its own message below.
    }
  }
  options.wait_for_ready = true;  // a server that restarts is waited for, within each deadline
  auto client = std::make_shared<proto::StudyClient>(options);

  // While the server cannot serve (restarting, its database locked or its disk full), the
  // calls are retried, the study's creation with --create too (it was not: a worker started
  // before its server gave up after one call's 60 s with a bare DEADLINE_EXCEEDED, though it said
  // it would wait 2 minutes); say why once, so that its operator can be told.
  auto connection = std::make_shared<RemoteStudyConnection>(
      client, flags.study, std::chrono::minutes(2),
      [](const std::string& message, bool over) {
        std::cout << FormatLocalTime(NowSeconds()) << (over ? " " : " warning: ")
                  << ShownText(message) << std::endl;
      },
      create_yaml);

  if (flags.create.empty() && !connection->tuning_yaml().empty()) {
    // The study's own runner: block gives the defaults (GPUs per trial, timeouts, ...); what
    // runs, and with what environment and where, only when this worker trusts the server.
    runner_options.runner = RunnerFromServer(flags.study, connection->tuning_yaml(),
                                             flags.trust_server_command, !flags.trainer.empty());
    if (flags.trainer.empty() && !flags.trust_server_command &&
        !runner_options.runner.command.empty()) {
      ThrowUntrustedCommand(flags, runner_options.runner.command);
    }
  }
  if (!flags.trainer.empty()) {
    runner_options.runner.command = flags.trainer;
  } else if (flags.create.empty() && flags.trust_server_command) {
    CheckWorkerTrainer(runner_options.runner, "the study's tuning.yaml on the server");
  }
  if (runner_options.runner.command.empty()) {
    throw UsageError(
        "no trainer: give its command after --, as in bayestune worker --server HOST:PORT "
        "--study NAME -- python3 train.py (" +
        std::string(flags.create.empty() ? "the study's tuning.yaml on the server"
                                         : "the --create file") +
        " has no runner.command)");
  }
  if (!flags.gpus.empty()) {
    runner_options.runner.gpus = ParseGpuList(flags.gpus);
    runner_options.gpus_source = "--gpus";
  }
  if (!flags.job_dir.empty()) runner_options.runner.job_dir = flags.job_dir;
  // A worker runs its trials itself, on its own GPUs (it may be a Slurm job): the Slurm launcher
  // needs the study's database to keep its job ids, which a worker does not have.
  if (runner_options.runner.launcher != LauncherKind::kLocal) {
    std::cerr << "bayestune worker: runner.launcher " +
                     std::string(LauncherKindName(runner_options.runner.launcher)) +
                     " is ignored: a worker runs its trials as processes of its own machine\n";
    runner_options.runner.launcher = LauncherKind::kLocal;
  }

  proto::StudyClientOptions best_options = options;
  best_options.wait_for_ready = false;
  best_options.call_timeout = std::chrono::seconds(5);
  auto log = std::make_shared<WorkerLog>(flags.study, connection->Spec(),
                                         std::make_shared<proto::StudyClient>(best_options));
  std::cout << FormatLocalTime(NowSeconds()) << " study '" << ShownText(flags.study) << "' on "
            << flags.server << ": "
            << WorkerLog::StudyCountsText(connection->Progress(), connection->Spec().algorithm)
            << std::endl;
  TrialRunner runner(connection, runner_options, log);
  RunResult result;
  {
    InterruptForwarding forwarding(runner);
    std::atomic<bool> finished{false};
    // A second interrupt kills the running trials at once, which the runner does between calls to
    // the server; while the server does not answer (each call waits for it), leave without it.
    std::thread watchdog([&] {
      while (!finished.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (forwarding.interrupts() < 2) continue;
        for (int i = 0; i < 100 && !finished.load(); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (finished.load()) return;
        log->KillRunningTrials();
        std::cerr << "bayestune: the server " << flags.server
                  << " does not answer; leaving now. The running trials were killed; they stay "
                     "ACTIVE on the server and run again when this worker starts again\n";
        std::_Exit(kExitInterrupted);
      }
    });
    try {
      result = runner.Run();
    } catch (const NotFound& e) {
      // The study (or a trial of it) was there at start: it was deleted under this worker. The
      // runner has killed the trainers on its way out.
      finished.store(true);
      watchdog.join();
      throw NotFound("study '" + flags.study + "' was deleted on the server " + flags.server +
                     " (or deleted and created again) while this worker ran its trials; their "
                     "trainers were stopped (" +
                     e.what() + ")");
    } catch (...) {
      finished.store(true);
      watchdog.join();
      throw;
    }
    finished.store(true);
    watchdog.join();
  }
  return RunExitCode(result.outcome);
}

}  // namespace

void AddWorkerCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "worker", "Run a served study's trials on this machine's GPUs",
      "The trial runner of `bayestune run`, driven by a study on a `bayestune serve` server, so "
      "that one study's trials run on many machines at once, each worker on its own GPUs. It "
      "rides out a server restart. Ctrl-C or SIGTERM once stops launching and waits for the "
      "running trials; twice kills them (they run again later). docs/grpc.md.\n\n"
      "Example:\n  bayestune worker --server gpu-box:50051 --study book --token-file token "
      "--gpus 0,1 -- python3 train.py",
      "0 the study is done, 1 too many failures, the trainer could not start or the server did "
      "not answer, 2 bad usage, 3 no such study, or no such --create, --token-file or --tls-ca "
      "file, 130 interrupted");
  auto flags = std::make_shared<WorkerFlags>();
  command->add_option("--server", flags->server, "host:port of bayestune serve")
      ->check(NotEmpty())
      ->required();
  command->add_option("--study", flags->study, "the study to run trials of")
      ->check(NotEmpty())
      ->required();
  command
      ->add_option("--gpus", flags->gpus,
                   "the GPUs of this worker: ids such as 0,1,3, auto (detect; the default "
                   "unless the study's runner.gpus says otherwise) or none (CPU trials)")
      ->check(NotEmpty());
  auto* create =
      command
          ->add_option("--create", flags->create,
                       "create the study from this tuning.yaml first (the same spec again finds "
                       "the existing study; another one is an error)")
          ->check(NotEmpty());
  command
      ->add_option("--job-dir", flags->job_dir,
                   "where each trial gets its trial-<n>/ folder (default: the --create file's "
                   "runner.jobDir, else bayestune-jobs/<study>)")
      ->check(NotEmpty());
  command
      ->add_option("--token-file", flags->token_file,
                   "file whose first line is the server's bearer token")
      ->check(NotEmpty());
  command
      ->add_option("--tls-ca", flags->tls_ca,
                   "connect with TLS, trusting this PEM certificate (the server's own when "
                   "self-signed)")
      ->check(NotEmpty());
  command->add_flag("--tls", flags->tls, "connect with TLS, trusting the system's certificates");
  command
      ->add_flag("--trust-server-command", flags->trust_server_command,
                 "run the study's runner.command stored on the server, with its runner.env and "
                 "runner.jobDir (printed at start), when no trainer follows --; without it they "
                 "are never used, since whoever may create studies on the server chooses them")
      ->excludes(create);
  command->add_option("trainer", flags->trainer,
                      "the trainer and its fixed arguments, after -- (default: the --create "
                      "file's runner.command; the server's only with --trust-server-command)");
  command->callback([flags, &exit_code] {
    CheckTrainerAfterDoubleDash(flags->trainer, "worker", "--server HOST:PORT --study NAME");
    exit_code = Work(*flags);
  });
}

}  // namespace bayestune::cli
