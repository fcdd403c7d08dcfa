// The Slurm launcher (runner.launcher: slurm) against a real single-node Slurm cluster: the
// trial runner's loop submitting each trial attempt as a job, following them with squeue and
// their exit_status.json, stopping, requeueing and re-attaching (docs/slurm.md).
#include "bayestune/trial_runner/slurm_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_paths.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "slurm_job_exit_status.h"
#include "slurm_test_cluster.h"
#include "slurm_test_support.h"
#include "test_study_yaml.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// What the runner reported, readable from the test's thread while it runs.
class Events : public RunnerEvents {
 public:
  void OnTrialRequeued(const Trial& trial, const std::string& reason) override {
    std::lock_guard lock(mutex);
    requeued.push_back({trial.id, reason});
  }
  void OnTrialStarted(const TrialStartedEvent& e) override {
    std::lock_guard lock(mutex);
    started.push_back(e);
  }
  void OnMeasurements(std::int64_t id, const std::vector<Measurement>& ms) override {
    if (on_measurements) on_measurements(id, ms);
  }
  void OnWarning(std::optional<std::int64_t>, const std::string& message) override {
    std::lock_guard lock(mutex);
    warnings += message + "\n";
  }
  std::vector<std::pair<std::int64_t, std::string>> Requeued() {
    std::lock_guard lock(mutex);
    return requeued;
  }

  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::string>> requeued;
  std::vector<TrialStartedEvent> started;
  std::string warnings;
  std::function<void(std::int64_t, const std::vector<Measurement>&)> on_measurements;
};

// One line of the trainers' ledger: "start|end <trial> <job> <CUDA_VISIBLE_DEVICES> <time>".
struct LedgerLine {
  std::string what;
  std::int64_t trial = 0;
  std::string job;
  std::string gpus;
  double time = 0;
};

std::vector<LedgerLine> ReadLedger(const std::filesystem::path& path) {
  std::vector<LedgerLine> lines;
  std::ifstream in(path);
  for (std::string text; std::getline(in, text);) {
    std::istringstream words(text);
    LedgerLine line;
    words >> line.what >> line.trial >> line.job >> line.gpus >> line.time;
    lines.push_back(line);
  }
  return lines;
}

// Whether `folder` can be claimed now as a runner claims a running trial's (an flock of it): false
// while a run holds it.
bool Claimable(const std::filesystem::path& folder) {
  const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool claimed = flock(fd, LOCK_EX | LOCK_NB) == 0;
  close(fd);
  return claimed;
}

int Count(const std::vector<LedgerLine>& ledger, const std::string& what, std::int64_t trial) {
  return static_cast<int>(std::count_if(ledger.begin(), ledger.end(), [&](const LedgerLine& l) {
    return l.what == what && l.trial == trial;
  }));
}

StudySpec Spec(int max_trials, int max_parallel) {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_parallel_trials = max_parallel;
  spec.max_failed_trials = 100;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  return spec;
}

struct Harness {
  Harness(SlurmTestCluster& cluster, const std::string& name, StudySpec spec)
      : dir(MakeTempDir(name)),
        ledger(dir / "ledger"),
        go_dir(dir / "go"),
        study(Study::Open(std::make_shared<InMemoryStudyRepository>(), name,
                          {.create_if_missing = true, .spec = spec})),
        events(std::make_shared<Events>()) {
    std::filesystem::create_directories(go_dir);
    RunnerSpec& runner = options.runner;
    runner.command = {TestTrainer()};
    runner.job_dir = (dir / "jobs").string();
    runner.launcher = LauncherKind::kSlurm;
    runner.gpus_per_trial = 1;
    runner.slurm.partition = cluster.partition();
    runner.env = {{"TEST_TRAINER_LEDGER", ledger.string()}};
    SlurmLauncherOptions slurm;
    slurm.commands.environment = cluster.Environment();
    slurm.job_program = JobProgram();
    slurm.squeue_seconds = 0.5;
    slurm.working_dir = dir;
    launcher_options = slurm;
    options.metric_poll_seconds = 0.2;
    options.stop_check_seconds = 0.2;
  }

  RunResult Run() {
    launcher = std::make_shared<SlurmLauncher>(launcher_options);
    options.launcher = launcher;
    runner = std::make_unique<TrialRunner>(std::make_shared<LocalStudyConnection>(study), options,
                                           events);
    return runner->Run();
  }

  std::filesystem::path TrialDir(std::int64_t id, int attempt = 1) const {
    return TrialPathsFor(dir / "jobs", id, attempt).dir;
  }

  std::filesystem::path dir;
  std::filesystem::path ledger;
  std::filesystem::path go_dir;
  std::shared_ptr<Study> study;
  std::shared_ptr<Events> events;
  TrialRunnerOptions options;
  SlurmLauncherOptions launcher_options;
  std::shared_ptr<SlurmLauncher> launcher;
  std::unique_ptr<TrialRunner> runner;
};

}  // namespace

TEST_CASE("20 trials, 4 at once: each a Slurm job on one GPU of its own, hostile argv intact",
          "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_twenty", Spec(20, 4));
  const std::filesystem::path marker = h.dir / "marker";
  h.options.runner.args = HostileArguments(marker);
  h.options.runner.env["TEST_TRAINER_SLEEP"] = "1";
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings << cluster.LogTails());
  REQUIRE(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.launched == 20);

  const std::vector<LedgerLine> ledger = ReadLedger(h.ledger);
  std::set<std::string> jobs;
  for (const Trial& trial : h.study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    // Ran once: one job, one start, one end.
    REQUIRE(trial.jobs.size() == 1);
    jobs.insert(trial.jobs[0].job_id);
    CHECK(Count(ledger, "start", trial.id) == 1);
    CHECK(Count(ledger, "end", trial.id) == 1);
    CHECK(trial.final_value == trial.parameters.at("x").AsDouble());
    // Its argv arrived as written, after runner.command and before the hyperparameters.
    const std::vector<std::string> argv = SplitNul(ReadFile(h.TrialDir(trial.id) / "argv"));
    const std::vector<std::string> hostile = HostileArguments(marker);
    REQUIRE(argv.size() == 1 + hostile.size() + 2);
    CHECK(std::vector<std::string>(argv.begin() + 1, argv.begin() + 1 + hostile.size()) == hostile);
    CHECK(argv.back() == "--job-dir=" + h.TrialDir(trial.id).string());
    // The same variables as a local trial, and the folder's Slurm files.
    const std::vector<std::string> environ = SplitNul(ReadFile(h.TrialDir(trial.id) / "environ"));
    for (const std::string& expected :
         {"CLOUD_ML_HP_METRIC_FILE=" + (h.TrialDir(trial.id) / "hypertune.jsonl").string(),
          "CLOUD_ML_TRIAL_ID=" + std::to_string(trial.id), std::string("BAYESTUNE_LAUNCHER=slurm"),
          "SLURM_JOB_ID=" + trial.jobs[0].job_id}) {
      CHECK(std::count(environ.begin(), environ.end(), expected) == 1);
    }
    CHECK(std::filesystem::exists(h.TrialDir(trial.id) / "exit_status.json"));
  }
  CHECK(jobs.size() == 20);
  CHECK_FALSE(std::filesystem::exists(marker));  // no shell ran any argument
  CHECK(h.launcher->calls().sbatch == 20);

  // Every trial saw exactly one GPU of the four, and no two trials running at once shared one.
  std::map<std::int64_t, std::pair<double, double>> span;
  std::map<std::int64_t, std::string> gpu;
  for (const LedgerLine& line : ledger) {
    if (line.what == "start") {
      span[line.trial].first = line.time;
      gpu[line.trial] = line.gpus;
      CHECK((line.gpus.size() == 1 && line.gpus[0] >= '0' && line.gpus[0] <= '3'));
    } else {
      span[line.trial].second = line.time;
    }
  }
  REQUIRE(span.size() == 20);
  int overlapping_pairs = 0;
  for (const auto& [a, a_span] : span) {
    for (const auto& [b, b_span] : span) {
      if (a >= b) continue;
      const bool overlap = a_span.first < b_span.second && b_span.first < a_span.second;
      if (!overlap) continue;
      ++overlapping_pairs;
      INFO("trials " << a << " and " << b << " ran at once");
      CHECK(gpu[a] != gpu[b]);
    }
  }
  CHECK(overlapping_pairs > 0);  // they did run in parallel
}

TEST_CASE("early stopping signals the job's trainer with SIGTERM, the trial keeps its value",
          "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_stop", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never goes on its own
  h.events->on_measurements = [&](std::int64_t id, const std::vector<Measurement>&) {
    h.study->Stop(id);  // as a client asking to stop it, or the stopping rule
  };
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const Trial trial = h.study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.stopped_early);
  CHECK(trial.final_value == trial.parameters.at("x").AsDouble());
  // Once as a rule. When `scancel --signal` answers that the job is not running yet (under load),
  // the launcher falls back to a plain scancel, and Slurm's own cancel delivers SIGTERM to every
  // process of the job, the trainer directly and through bayestune-job, up to three times in all
  // (docs/slurm.md, "What Slurm does that the launcher must know"): seen as 2 and 3 here.
  const int sigterms = std::atoi(ReadFile(h.TrialDir(1) / "sigterm-count").c_str());
  CHECK(sigterms >= 1);
  CHECK(sigterms <= 3);
  const auto status = ReadSlurmJobExitStatus(h.TrialDir(1) / "exit_status.json");
  REQUIRE(status);
  CHECK(status->signals_received == std::vector<int>{SIGTERM});
  CHECK(h.launcher->calls().scancel >= 1);
}

TEST_CASE("a job cancelled outside bayestune: its trial is requeued and runs again as a new job",
          "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_scancel", Spec(2, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  const bool started = WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == 1; }, 60);
  std::string job;
  if (started) {
    job = h.study->GetTrial(1).CurrentJobId();
    cluster.Run("scancel", {job});
  }
  const bool requeued = WaitFor([&] { return !h.events->Requeued().empty(); }, 60);
  WriteFile(h.go_dir / "go-all", "");
  run.join();
  REQUIRE(started);
  REQUIRE(requeued);
  INFO(result.message << "\n" << h.events->warnings);
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const auto requeues = h.events->Requeued();
  REQUIRE(requeues.size() == 1);
  CHECK(requeues[0].first == 1);
  CHECK_THAT(requeues[0].second,
             Catch::Contains("Slurm job " + job + " was cancelled outside bayestune") &&
                 Catch::Contains("attempt 2"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.attempt == 2);
  REQUIRE(trial.jobs.size() == 2);
  CHECK(trial.jobs[0].job_id == job);
  CHECK(trial.jobs[1].attempt == 2);
  const auto ledger = ReadLedger(h.ledger);
  CHECK(Count(ledger, "start", 1) == 2);
  CHECK(Count(ledger, "start", 2) == 1);
}

TEST_CASE(
    "job cancelled outside bayestune twice: taken as a wish to stop, the trial requeued, not "
    "failed, and the run submits nothing more",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_scancel_twice", Spec(3, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never ends on its own
  RunResult result;
  std::atomic<bool> run_ended = false;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  std::vector<std::string> cancelled;
  for (int start = 1; start <= 2; ++start) {
    if (!WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == start; }, 60)) break;
    cancelled.push_back(h.study->GetTrial(1).CurrentJobId());
    cluster.Run("scancel", {cancelled.back()});
  }
  // It ends by itself: the trainers never do.
  const bool ended = WaitFor([&] { return run_ended.load(); }, 60);
  if (!ended) WriteFile(h.go_dir / "go-all", "");  // let a run that goes on end
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  REQUIRE(cancelled.size() == 2);
  CHECK(ended);
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(result.message, Catch::Contains("Slurm jobs " + cancelled[0] + ", " + cancelled[1] +
                                             " of trial 1 were each cancelled outside "
                                             "bayestune") &&
                                 Catch::Contains("No trial was used up"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kRequested);  // not FAILED: no fault of its parameters
  CHECK(h.study->Progress().failed == 0);
  CHECK(Count(ReadLedger(h.ledger), "start", 2) == 0);  // nothing more was submitted
  CHECK(h.launcher->calls().sbatch == 2);
  CHECK(cluster.Run("squeue", {"--noheader", "--states=PENDING,RUNNING"}).out.empty());
}

TEST_CASE(
    "the trial timeout counts from the job's start: a job held in Slurm's queue past the timeout "
    "is not cancelled, it runs and is stopped the timeout after it began",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_held", Spec(1, 1));
  h.options.runner.slurm.extra_args = {"--hold"};  // pending (JobHeldUser) until released
  h.launcher_options.pending_notice_seconds = 1;
  h.options.runner.trial_timeout_seconds = 3;
  // The trainer runs until it is stopped: its go file never comes.
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  std::string job;
  const bool pending = WaitFor(
      [&] {
        job = cluster.Run("squeue", {"--noheader", "--states=PENDING", "-o", "%i"}).out;
        job.erase(std::remove(job.begin(), job.end(), '\n'), job.end());
        return !job.empty();
      },
      60);
  const double submitted = NowSeconds();
  // Held twice the timeout: until this change the runner cancelled it at 3 s, while it waited.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  const double released = NowSeconds();
  cluster.Run("scontrol", {"release", job});
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  REQUIRE(pending);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason,
             Catch::Contains("timed out after 3 s") && !Catch::Contains("never started"));
  // The wait is said with what ends it (until this change, squeue's reason alone).
  CHECK_THAT(h.events->warnings,
             Catch::Contains("(squeue's reason: JobHeldUser): it is held (sbatch --hold or "
                             "scontrol hold): scontrol release " +
                             job + " lets it run"));
  const std::vector<LedgerLine> ledger = ReadLedger(h.ledger);
  REQUIRE(ledger.size() == 2);  // it started once, and ended on SIGTERM
  CHECK(ledger[0].what == "start");
  CHECK(ledger[1].what == "end");
  CHECK(ledger[0].time >= released - 1);
  CHECK(released - submitted >= 6);
  // Its 3 s counted from the job's start, Slurm's StartTime (to the second), which the runner
  // reads as this test does: its SIGTERM came no sooner (the trainer writes its end 0.5 s after
  // it), not at what was left of 3 s after the 6 s wait. Measured from StartTime rather than from
  // the trainer's own start, which a loaded machine delays by a second or more after it (this
  // check once failed so under a full ctest -j2), and with room for a loaded runner's latency.
  SlurmCommands slurm({.environment = cluster.Environment()});
  const std::optional<double> start_time = slurm.Query({job})[job].start_time;
  REQUIRE(start_time);
  INFO("StartTime " << std::to_string(*start_time) << ", trainer's start "
                    << std::to_string(ledger[0].time) << ", end "
                    << std::to_string(ledger[1].time));
  CHECK(ledger[1].time >= *start_time + 3);
  CHECK(ledger[1].time < *start_time + 3 + 15);
  // Its job ends once bayestune-job has (Slurm may say RUNNING, COMPLETING, a moment longer).
  CHECK(WaitFor(
      [&] {
        return cluster.Run("squeue", {"--noheader", "--states=PENDING,RUNNING"}).out.empty();
      },
      30));
}

TEST_CASE("Slurm refusing the job ends the run with Slurm's words, no trial is used up",
          "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_refused", Spec(3, 2));
  h.options.runner.slurm.partition = "no-such-partition";
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(result.message,
             Catch::Contains("Slurm refused the job") && Catch::Contains("invalid partition") &&
                 Catch::Contains("--partition=no-such-partition") &&
                 Catch::Contains("check runner.slurm.partition ('no-such-partition')"));
  for (const Trial& trial : h.study->Trials()) {
    CHECK(trial.state == TrialState::kRequested);
    CHECK(trial.jobs.empty());
  }
}

TEST_CASE(
    "exit_status.json replaced: a FIFO, a link to /dev/zero, a huge file or garbage neither "
    "blocks the runner nor ends the trial, and the real one is read when the job ends",
    "[slurm][launcher]") {
  const std::string plant = GENERATE("garbage", "fifo", "devzero", "huge");
  const std::map<std::string, std::string> said = {
      {"garbage", "is not an exit status file of bayestune-job"},
      {"fifo", "is not a regular file"},
      {"devzero", "is not a regular file"},
      {"huge", "is larger than 65536 bytes"}};
  INFO(plant);
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_plant_" + plant, Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();
  h.options.runner.env["TEST_TRAINER_PLANT"] = plant;
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  const bool planted =
      WaitFor([&] { return std::filesystem::exists(h.TrialDir(1) / "planted"); }, 60);
  // The runner looks at the file every 0.1 s while the job runs and says once what it found.
  const bool warned = WaitFor(
      [&] {
        std::lock_guard lock(h.events->mutex);
        return h.events->warnings.find("exit_status.json") != std::string::npos;
      },
      30);
  if (plant == "fifo" && !warned) {
    // A runner blocked in open() on the FIFO: open its other end so that the test can end.
    const int fd = open((h.TrialDir(1) / "planted-fifo").c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
  }
  WriteFile(h.go_dir / "go-all", "");
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  REQUIRE(planted);
  CHECK(warned);
  CHECK_THAT(h.events->warnings,
             Catch::Contains(said.at(plant)) && Catch::Contains("following Slurm job"));
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const Trial trial = h.study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.final_value == trial.parameters.at("x").AsDouble());
  // bayestune-job replaced what was planted with the real file.
  const auto status = ReadSlurmJobExitStatus(h.TrialDir(1) / "exit_status.json");
  REQUIRE(status);
  CHECK(status->exit->succeeded());
}

TEST_CASE(
    "Slurm refusing GPUs no node has names runner.gpusPerTrial, not the options of the sbatch "
    "command line it quotes",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  // The study's name and the account (taken by this cluster, which has no accounting) hold the
  // words the hint looks for: until this change it read them in the quoted command line and said
  // "check runner.slurm.account ('time-partition')" for any refusal.
  Harness h(cluster, "slurm_refused_time_qos", Spec(2, 1));
  h.options.runner.slurm.account = "time-partition";
  h.options.runner.gpus_per_trial = 9;  // the node has 4
  const RunResult result = h.Run();
  INFO(result.message);
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(result.message, Catch::Contains("Requested node configuration is not available") &&
                                 Catch::Contains("check runner.gpusPerTrial (9)") &&
                                 !Catch::Contains("check runner.slurm.account"));
  for (const Trial& trial : h.study->Trials())
    CHECK(trial.state == TrialState::kRequested);
}

TEST_CASE(
    "jobs pending on a drained node are said with squeue's reason, once, and run when it is "
    "resumed",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_drained", Spec(2, 2));
  h.launcher_options.pending_notice_seconds = 0.5;
  const auto drain = cluster.Run(
      "scontrol", {"update", "nodename=" + cluster.node(), "state=drain", "reason=maintenance"});
  INFO(drain.err);
  REQUIRE(drain.exit.succeeded());
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  const auto warnings = [&] {
    std::lock_guard lock(h.events->mutex);
    return h.events->warnings;
  };
  const bool said = WaitFor(
      [&] {
        const std::string text = warnings();
        std::size_t jobs = 0;
        for (std::size_t at = 0; (at = text.find("has been pending", at)) != std::string::npos;
             ++at)
          ++jobs;
        return jobs >= 2;
      },
      60);
  const std::string while_drained = warnings();
  cluster.Run("scontrol", {"update", "nodename=" + cluster.node(), "state=resume"});
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  CHECK(said);
  CHECK_THAT(while_drained, Catch::Contains("Slurm job " + h.study->GetTrial(1).CurrentJobId() +
                                            " has been pending") &&
                                Catch::Contains("drained, down or reserved (sinfo -R says why)"));
  CHECK(ReadLedger(h.ledger).size() == 4);  // both ran once the node was back
  CHECK(result.outcome == RunOutcome::kStudyDone);
  for (const Trial& trial : h.study->Trials()) {
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
  }
  // Said once for each reason squeue gave, not at every squeue.
  const std::string text = h.events->warnings;
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find("has been pending", at)) != std::string::npos; ++at)
    ++lines;
  CHECK(lines <= 6);
}

// An sbatch earlier in PATH that stands for Slurm failing to answer: "once" fails the first call
// (slurmctld restarting), "lost" makes the job with the real sbatch and then fails the first call
// as if the answer timed out, "always" fails every call.
void WriteFlakySbatch(const std::filesystem::path& bin, const std::string& mode,
                      const std::string& real_sbatch) {
  std::filesystem::create_directories(bin);
  const std::string failure =
      "echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv "
      "operation' >&2; exit 1\n";
  std::string script = "#!/bin/sh\n";
  if (mode == "always") {
    script += failure;
  } else {
    script += "if [ ! -e '" + (bin / "failed-once").string() + "' ]; then\n  : > '" +
              (bin / "failed-once").string() + "'\n";
    if (mode == "lost") script += "  " + real_sbatch + " \"$@\" > /dev/null 2>&1\n";
    script += "  " + failure + "fi\nexec " + real_sbatch + " \"$@\"\n";
  }
  WriteFile(bin / "sbatch", script);
  std::filesystem::permissions(bin / "sbatch", std::filesystem::perms::owner_all);
}

// The cluster's environment with PATH led by `bin`: an sbatch whose first answer is lost (the
// job made all the same, WriteFlakySbatch's "lost"), and a squeue that fails as if slurmctld were
// down while the file `down` exists (made here; removed, squeue answers again).
std::vector<std::string> LostSbatchEnvironment(const SlurmTestCluster& cluster,
                                               const std::filesystem::path& bin,
                                               const std::filesystem::path& down) {
  WriteFile(down, "");
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteFlakySbatch(bin, "lost", ResolveExecutable("sbatch", path));
    WriteFile(bin / "squeue", "#!/bin/sh\nif [ -e '" + down.string() +
                                  "' ]; then echo 'squeue: error: Unable to contact slurm "
                                  "controller (connect failure)' >&2; exit 1; fi\nexec " +
                                  ResolveExecutable("squeue", path) + " \"$@\"\n");
    std::filesystem::permissions(bin / "squeue", std::filesystem::perms::owner_all);
    variable = "PATH=" + bin.string() + ":" + path;
  }
  return environment;
}

TEST_CASE(
    "sbatch failing to answer is tried again, a job it made although it failed is followed, not "
    "submitted twice, and failing every time ends the run with no trial used up",
    "[slurm][launcher]") {
  const std::string mode = GENERATE("once", "lost", "always");
  INFO(mode);
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_flaky_" + mode, Spec(2, 1));
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteFlakySbatch(h.dir / "bin", mode, ResolveExecutable("sbatch", path));
    variable = "PATH=" + (h.dir / "bin").string() + ":" + path;
  }
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {0.2, 0.2};
  h.launcher_options.submit_give_up_seconds = 0;  // "always": no more tries than listed
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const std::string all_jobs =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"}).out;
  INFO(all_jobs);
  const auto job_count = std::count(all_jobs.begin(), all_jobs.end(), '\n');
  if (mode == "always") {
    CHECK(result.outcome == RunOutcome::kLaunchFailed);
    CHECK_THAT(result.message,
               Catch::Contains("Socket timed out") && Catch::Contains("tried 3 times"));
    for (const Trial& trial : h.study->Trials())
      CHECK(trial.state == TrialState::kRequested);
    CHECK(job_count == 0);
    return;
  }
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->warnings,
             Catch::Contains("Socket timed out") &&
                 Catch::Contains(mode == "once" ? "submitting again" : "but Slurm has job"));
  const auto ledger = ReadLedger(h.ledger);
  for (const Trial& trial : h.study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    CHECK(trial.jobs.size() == 1);
    CHECK(Count(ledger, "start", trial.id) == 1);
  }
  CHECK(job_count == 2);  // one job per trial: none made twice, none left behind
}

TEST_CASE(
    "a study whose name holds a comma, spaces, quotes and $: a job sbatch made although it failed "
    "is still found by its name and followed, not submitted twice",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  // squeue --name takes a comma-separated list: until this change the name was cut at the comma
  // and the job never found.
  Harness h(cluster, "slurm lost, \"it's\" $HOME", Spec(1, 1));
  const std::filesystem::path bin = MakeTempDir("slurm_lost_bin");  // a path the wrapper can quote
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteFlakySbatch(bin, "lost", ResolveExecutable("sbatch", path));
    variable = "PATH=" + bin.string() + ":" + path;
  }
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {0.2};
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const std::string all_jobs =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i|%j"}).out;
  INFO(all_jobs);
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->warnings, Catch::Contains("but Slurm has job"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);
  CHECK(std::count(all_jobs.begin(), all_jobs.end(), '\n') == 1);  // one job, made once
  // The study's name stays readable in squeue, less the comma.
  CHECK_THAT(all_jobs, Catch::Contains("|bayestune-slurm lost; \"it's\" $HOME-1"));
}

// This cluster has no accounting, so it takes any account and QOS: an sbatch earlier in PATH
// answers as a cluster with slurmdbd does (Slurm 22.05's words).
TEST_CASE(
    "Slurm refusing the account or QOS ends the run naming the spec field, no trial is used up",
    "[slurm][launcher]") {
  const auto [field, said] = GENERATE(table<std::string, std::string>(
      {{"account",
        "sbatch: error: Batch job submission failed: Invalid account or account/partition "
        "combination specified"},
       {"qos", "sbatch: error: Batch job submission failed: Invalid qos specification"}}));
  INFO(field);
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_refused_" + field, Spec(3, 2));
  (field == "account" ? h.options.runner.slurm.account : h.options.runner.slurm.qos) = "nope";
  std::vector<std::string> environment = cluster.Environment();
  std::filesystem::create_directories(h.dir / "bin");
  WriteFile(h.dir / "bin" / "sbatch", "#!/bin/sh\necho '" + said + "' >&2\nexit 1\n");
  std::filesystem::permissions(h.dir / "bin" / "sbatch", std::filesystem::perms::owner_all);
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) == 0)
      variable = "PATH=" + (h.dir / "bin").string() + ":" + variable.substr(5);
  }
  h.launcher_options.commands.environment = environment;
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(result.message, Catch::Contains(said) && Catch::Contains("--" + field + "=nope") &&
                                 Catch::Contains("check runner.slurm." + field + " ('nope')"));
  for (const Trial& trial : h.study->Trials())
    CHECK(trial.state == TrialState::kRequested);
  CHECK(h.launcher->calls().sbatch == 1);  // refused: not tried again
}

#ifdef BAYESTUNE_CLI_PATH
namespace {

// `bayestune run` as a child process with the cluster's environment, its output in files.
// `program` (a path, or looked up in this process's PATH) with `args` and `environment`, in
// `working_dir` (empty: this process's), its output appended to `output`.
pid_t StartProcess(const std::string& program, const std::vector<std::string>& args,
                   std::vector<std::string> environment, const std::filesystem::path& output,
                   const std::filesystem::path& working_dir = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
    std::vector<char*> env;
    for (auto& e : environment)
      env.push_back(e.data());
    env.push_back(nullptr);
    std::vector<std::string> all = {program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execvpe(program.c_str(), argv.data(), env.data());
    _exit(127);
  }
  return pid;
}

pid_t StartCli(const SlurmTestCluster& cluster, const std::vector<std::string>& args,
               const std::filesystem::path& output) {
  return StartProcess(BAYESTUNE_CLI_PATH, args, cluster.Environment(), output);
}

int WaitExitCode(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// How many times `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// The runner block of a tuning.yaml whose trials are the test trainer as Slurm jobs of one GPU in
// the cluster's partition, with `env` (name, value) for the trainer.
std::string SlurmRunnerYaml(const SlurmTestCluster& cluster,
                            const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::string yaml = "  command: [" + TestTrainer() +
                     "]\n"
                     "  gpusPerTrial: 1\n"
                     "  launcher: slurm\n"
                     "  slurm:\n"
                     "    partition: " +
                     cluster.partition() + "\n";
  if (!env.empty()) yaml += "  env:\n";
  for (const auto& [name, value] : env)
    yaml += "    " + name + ": " + value + "\n";
  return yaml;
}

// The tuning.yaml (written as `dir`/tuning.yaml, its path returned) of `trials` random-search
// trials, `parallel` at once, as Slurm jobs whose test trainers note each start in `dir`/ledger and
// wait for their go file in `dir`/go/ (made here): the test says when each may finish.
std::filesystem::path GatedSlurmStudy(const SlurmTestCluster& cluster,
                                      const std::filesystem::path& dir, int trials, int parallel) {
  std::filesystem::create_directories(dir / "go");
  const std::filesystem::path yaml = dir / "tuning.yaml";
  WriteFile(yaml, RandomSearchStudyYaml(
                      trials, parallel,
                      SlurmRunnerYaml(cluster, {{"TEST_TRAINER_LEDGER", (dir / "ledger").string()},
                                                {"TEST_TRAINER_GO_DIR", (dir / "go").string()}})));
  return yaml;
}

// `bayestune run` of `yaml` as study `study` in `dir`'s study.db, with plain progress lines.
std::vector<std::string> RunArgs(const std::filesystem::path& yaml,
                                 const std::filesystem::path& dir, const std::string& study) {
  return {"run",     yaml.string(), "--db",       (dir / "study.db").string(),
          "--study", study,         "--progress", "plain"};
}

}  // namespace

TEST_CASE(
    "kill -9 of bayestune run leaves its jobs running, the next run re-attaches to them, "
    "collects the ones that ended, and runs nothing twice",
    "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_resume");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 8, 4);
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path go = dir / "go";
  const std::vector<std::string> args = RunArgs(yaml, dir, "resume");
  // The first run: four jobs start and wait; then the runner dies without a word.
  const pid_t first = StartCli(cluster, args, dir / "first.log");
  const bool four_running = WaitFor(
      [&] {
        const auto lines = ReadLedger(ledger);
        return lines.size() == 4;
      },
      90);
  kill(first, SIGKILL);
  WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(four_running);
  // Its jobs go on.
  const SlurmCommandOutput queue =
      cluster.Run("squeue", {"--noheader", "--states=RUNNING", "-o", "%i"});
  CHECK(std::count(queue.out.begin(), queue.out.end(), '\n') == 4);
  // Two of them end while no runner watches.
  std::vector<std::int64_t> started_first;
  for (const LedgerLine& line : ReadLedger(ledger))
    started_first.push_back(line.trial);
  WriteFile(go / ("go-" + std::to_string(started_first[0])), "");
  WriteFile(go / ("go-" + std::to_string(started_first[1])), "");
  REQUIRE(WaitFor([&] { return ReadLedger(ledger).size() == 6; }, 60));

  // The second run re-attaches, collects, and finishes the study; the rest go when told. The
  // two ended 5 s at least before it: their run time ends at their job's end, not at the
  // collection.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  WriteFile(go / "go-all", "");
  const pid_t second = StartCli(cluster, args, dir / "second.log");
  const int code = WaitExitCode(second);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  CHECK(code == 0);
  CHECK(std::count(output.begin(), output.end(), '\n') > 0);
  CHECK_THAT(output, Catch::Contains("re-attached to Slurm job"));
  // The two re-attached while they ran (3 s before the re-attach at least) say their run from
  // their job's start as squeue gave it (StartTime), apart from the wait (they said the time
  // since the re-attach, under a second, as their run time).
  for (std::size_t i = 2; i < 4; ++i) {
    std::smatch took;
    const bool said = std::regex_search(
        output, took,
        std::regex("trial " + std::to_string(started_first[i]) +
                   R"( succeeded in ([0-9.]+)s( \(after [0-9.]+s in Slurm's queue\))?: accuracy)"));
    CHECK(said);
    if (said) CHECK(std::stod(took[1].str()) >= 3);
  }
  // The two that ended before the re-attach ran from their job's start to its end (Slurm's
  // StartTime and EndTime, to the second); until this change their run was counted to their
  // collection, 5 s and more later.
  for (std::size_t i = 0; i < 2; ++i) {
    const std::int64_t id = started_first[i];
    std::smatch took;
    const bool said = std::regex_search(
        output, took,
        std::regex("trial " + std::to_string(id) +
                   R"( succeeded in ([0-9.]+)s( \(after [0-9.]+s in Slurm's queue\))?: accuracy)"));
    CHECK(said);
    double ran = 0;
    for (const LedgerLine& line : ReadLedger(ledger)) {
      if (line.trial == id) ran += line.what == "end" ? line.time : -line.time;
    }
    INFO("trial " << id << ": its trainer ran " << ran << " s");
    if (said) CHECK(std::stod(took[1].str()) <= ran + 2.5);
  }

  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "resume");
  const auto lines = ReadLedger(ledger);
  for (const Trial& trial : study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    CHECK(trial.jobs.size() == 1);
    CHECK(Count(lines, "start", trial.id) == 1);  // nothing ran twice
    CHECK(Count(lines, "end", trial.id) == 1);    // nothing was lost
  }
  CHECK(study->Trials().size() == 8);
  // The two that ended before the re-attach are stored as ended at their job's end (Slurm's
  // EndTime, to the second; their trainer's end in the ledger), not at their collection by the
  // second run, 5 s and more later, which was stored until this change.
  for (std::size_t i = 0; i < 2; ++i) {
    const Trial trial = study->GetTrial(started_first[i]);
    double trainer_end = 0;
    for (const LedgerLine& line : lines) {
      if (line.trial == trial.id && line.what == "end") trainer_end = line.time;
    }
    INFO("trial " << trial.id << ": its trainer ended at " << std::fixed << trainer_end);
    REQUIRE(trial.end_time.has_value());
    INFO("stored end_time " << std::fixed << *trial.end_time);
    CHECK(*trial.end_time >= trainer_end - 1.5);
    CHECK(*trial.end_time <= trainer_end + 2.5);
  }
  // `bayestune trials` shows the job of each.
  const pid_t trials = StartCli(cluster, {"trials", "resume", "--db", (dir / "study.db").string()},
                                dir / "trials.log");
  CHECK(WaitExitCode(trials) == 0);
  CHECK_THAT(ReadFile(dir / "trials.log"),
             Catch::Contains("Slurm job " + study->GetTrial(1).CurrentJobId()));
}

TEST_CASE(
    "kill -9, then jobs cancelled and finished unwatched: the next run reruns the cancelled "
    "trial once and collects the other, nothing run twice",
    "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_resume_cancelled");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 2, 2);
  const std::filesystem::path ledger = dir / "ledger";
  const std::vector<std::string> args = RunArgs(yaml, dir, "cancelled");
  const pid_t first = StartCli(cluster, args, dir / "first.log");
  const bool both = WaitFor([&] { return ReadLedger(ledger).size() == 2; }, 90);
  kill(first, SIGKILL);
  WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(both);
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "cancelled");
  const std::string cancelled_job = study->GetTrial(1).CurrentJobId();
  REQUIRE(!cancelled_job.empty());
  cluster.Run("scancel", {cancelled_job});  // someone else's scancel
  WriteFile(dir / "go" / "go-2", "");       // trial 2 ends on its own
  REQUIRE(WaitFor([&] { return ReadLedger(ledger).size() == 4; }, 60));
  WriteFile(dir / "go" / "go-all", "");  // attempt 2 of trial 1 ends as soon as it runs

  const pid_t second = StartCli(cluster, args, dir / "second.log");
  const int code = WaitExitCode(second);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  CHECK(code == 0);
  CHECK_THAT(output, Catch::Contains("Slurm job " + cancelled_job +
                                     " was cancelled outside bayestune (scancel)"));
  study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "cancelled");
  const auto lines = ReadLedger(ledger);
  const Trial one = study->GetTrial(1);
  CHECK(one.state == TrialState::kSucceeded);
  CHECK(one.attempt == 2);
  CHECK(one.jobs.size() == 2);
  CHECK(Count(lines, "start", 1) == 2);
  const Trial two = study->GetTrial(2);
  CHECK(two.state == TrialState::kSucceeded);
  CHECK(two.attempt == 1);
  CHECK(Count(lines, "start", 2) == 1);
  CHECK(Count(lines, "end", 2) == 1);
}

TEST_CASE(
    "kill -9 of bayestune run while a trial stops early: the next run records it stopped with its "
    "value, not FAILED by the SIGTERM its stop sent",
    "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_resume_stopping");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 1, 1);
  const std::filesystem::path ledger = dir / "ledger";
  const std::vector<std::string> args = RunArgs(yaml, dir, "stopping");
  const pid_t first = StartCli(cluster, args, dir / "first.log");
  const bool running = WaitFor([&] { return ReadLedger(ledger).size() == 1; }, 90);
  // The runner decided to stop the trial (stored STOPPING) and signalled its job, then died
  // before it saw the job end.
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "stopping");
  REQUIRE(WaitFor([&] { return study->GetTrial(1).measurements.size() > 0; }, 30));
  kill(first, SIGKILL);
  WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(running);
  study->Stop(1);
  const std::string job = study->GetTrial(1).CurrentJobId();
  cluster.Run("scancel", {"--signal=TERM", "--batch", job});
  REQUIRE(WaitFor([&] { return ReadLedger(ledger).size() == 2; }, 60));  // its trainer ended

  const pid_t second = StartCli(cluster, args, dir / "second.log");
  const int code = WaitExitCode(second);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  CHECK(code == 0);
  study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "stopping");
  const Trial trial = study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.stopped_early);
  CHECK(trial.final_value.has_value());
  CHECK(trial.attempt == 1);
  CHECK(Count(ReadLedger(ledger), "start", 1) == 1);
}

TEST_CASE(
    "bayestune run killed between sbatch and storing the job id: the next run finds the job by "
    "its name and folder and follows it, the trial runs once",
    "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_orphan");
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path bin = dir / "bin";
  std::filesystem::create_directories(bin);
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    // The first sbatch makes the job, then kills the runner (its pid in bin/runner-pid) before
    // the runner can read the job id.
    WriteFile(bin / "sbatch",
              "#!/bin/sh\n"
              "out=$(" +
                  ResolveExecutable("sbatch", path) +
                  " \"$@\") || exit $?\n"
                  "if [ ! -e '" +
                  (bin / "killed").string() +
                  "' ]; then\n"
                  "  : > '" +
                  (bin / "killed").string() +
                  "'\n"
                  "  while [ ! -s '" +
                  (bin / "runner-pid").string() +
                  "' ]; do sleep 0.1; done\n"
                  "  kill -9 $(cat '" +
                  (bin / "runner-pid").string() +
                  "')\n"
                  "  sleep 5\n"
                  "fi\n"
                  "echo \"$out\"\n");
    std::filesystem::permissions(bin / "sbatch", std::filesystem::perms::owner_all);
    variable = "PATH=" + bin.string() + ":" + path;
  }
  const std::filesystem::path yaml = dir / "tuning.yaml";
  WriteFile(yaml, RandomSearchStudyYaml(
                      2, 1, SlurmRunnerYaml(cluster, {{"TEST_TRAINER_LEDGER", ledger.string()}})));
  const std::vector<std::string> args = RunArgs(yaml, dir, "orphan");
  const pid_t first = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "first.log");
  WriteFile(bin / "runner-pid", std::to_string(first));
  const int first_code = WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(first_code == 128 + SIGKILL);
  const SlurmCommandOutput made =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"});
  INFO(made.out);
  REQUIRE(std::count(made.out.begin(), made.out.end(), '\n') == 1);  // the job the runner lost

  const pid_t second = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "second.log");
  const int code = WaitExitCode(second);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  CHECK(code == 0);
  CHECK_THAT(output, Catch::Contains("found Slurm job " + made.out.substr(0, made.out.find(' '))) &&
                         Catch::Contains("did not live to record"));
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "orphan");
  const auto lines = ReadLedger(ledger);
  for (const Trial& trial : study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    CHECK(trial.jobs.size() == 1);
    CHECK(Count(lines, "start", trial.id) == 1);  // the lost job was not run again beside it
  }
  CHECK(study->Trials().size() == 2);
  const SlurmCommandOutput all =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"});
  INFO(all.out);
  CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 2);  // one job per trial
}

TEST_CASE(
    "killed while sbatch waits to be tried again after a lost answer: the next run finds the "
    "job by its name and follows it, the trial runs once",
    "[slurm][launcher][cli]") {
  // The attempt's job exists (sbatch made it, its answer was lost, squeue could not say so), the
  // runner waits to try again, and is killed: its trial has no job id stored.
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_killed_waiting");
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path bin = dir / "bin";
  const std::filesystem::path down = dir / "squeue-down";
  std::vector<std::string> environment = LostSbatchEnvironment(cluster, bin, down);
  const std::filesystem::path yaml = dir / "tuning.yaml";
  WriteFile(yaml, RandomSearchStudyYaml(
                      1, 1, SlurmRunnerYaml(cluster, {{"TEST_TRAINER_LEDGER", ledger.string()}})));
  const std::vector<std::string> args = RunArgs(yaml, dir, "waiting");
  const pid_t first = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "first.log");
  const bool waiting = WaitFor(
      [&] { return ReadFile(dir / "first.log").find("submitting again in") != std::string::npos; },
      60);
  kill(first, SIGKILL);
  WaitExitCode(first);
  std::filesystem::remove(down);
  const SlurmCommandOutput made =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"});
  INFO(ReadFile(dir / "first.log") << "\n" << made.out);
  REQUIRE(waiting);
  REQUIRE(std::count(made.out.begin(), made.out.end(), '\n') == 1);  // the job the runner lost

  const pid_t second = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "second.log");
  const int code = WaitExitCode(second);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  CHECK(code == 0);
  CHECK_THAT(output, Catch::Contains("found Slurm job " + made.out.substr(0, made.out.find(' '))));
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "waiting");
  const Trial trial = study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.attempt == 1);
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(ledger), "start", 1) == 1);
  const SlurmCommandOutput all =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"});
  INFO(all.out);
  CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 1);  // no second job
}

TEST_CASE(
    "run killed while sbatch waits, Slurm still down at resume: the next run waits for Slurm "
    "and follows the job of the lost sbatch answer, never runs the trial twice",
    "[slurm][launcher][cli]") {
  // Until this change the next run could not look for the job (squeue failing), requeued the
  // trial as attempt 2 and submitted it: attempt 1's job ran on, followed and cancelled by no one,
  // and the trial ran twice. "running": the job still runs when Slurm answers again; "ended": it
  // ends while Slurm stays down for the whole run, its end read from its exit_status.json.
  const std::string mode = GENERATE("running", "ended");
  INFO(mode);
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_killed_down_" + mode);
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path bin = dir / "bin";
  const std::filesystem::path down = dir / "squeue-down";
  std::vector<std::string> environment = LostSbatchEnvironment(cluster, bin, down);
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 1, 1);
  const std::vector<std::string> args = RunArgs(yaml, dir, "still_down");
  const pid_t first = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "first.log");
  const bool waiting = WaitFor(
      [&] { return ReadFile(dir / "first.log").find("submitting again in") != std::string::npos; },
      60);
  kill(first, SIGKILL);
  WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(waiting);
  // The job the runner lost runs (its trainer waits for its go file); squeue still fails.
  REQUIRE(WaitFor([&] { return ReadLedger(ledger).size() == 1; }, 60));
  if (mode == "ended") {
    WriteFile(dir / "go" / "go-all", "");
    REQUIRE(WaitFor([&] { return ReadLedger(ledger).size() == 2; }, 60));
    REQUIRE(WaitFor(
        [&] {
          return std::filesystem::exists(dir / "bayestune-jobs" / "still_down" / "trial-1" /
                                         "exit_status.json");
        },
        30));
  }

  const pid_t second = StartProcess(BAYESTUNE_CLI_PATH, args, environment, dir / "second.log");
  if (mode == "running") {
    const bool said = WaitFor(
        [&] { return ReadFile(dir / "second.log").find("cannot be asked") != std::string::npos; },
        60);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::filesystem::remove(down);  // Slurm answers again: the job is found by its name
    const bool found = WaitFor(
        [&] { return ReadFile(dir / "second.log").find("found Slurm job") != std::string::npos; },
        60);
    // Its folder claimed by the run that follows it, as at a launch (it was left unclaimed).
    const bool claimed = !Claimable(dir / "bayestune-jobs" / "still_down" / "trial-1");
    WriteFile(dir / "go" / "go-all", "");
    CHECK(said);
    CHECK(found);
    CHECK(claimed);
  }
  const bool ended = WaitFor([&] { return waitpid(second, nullptr, WNOHANG) == second; }, 120);
  if (!ended) {
    kill(second, SIGKILL);
    WaitExitCode(second);
  }
  std::filesystem::remove(down);
  const std::string output = ReadFile(dir / "second.log");
  INFO(output);
  REQUIRE(ended);
  const SlurmCommandOutput all =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"});
  INFO(all.out);
  REQUIRE(std::count(all.out.begin(), all.out.end(), '\n') == 1);  // no second job
  const std::string job = all.out.substr(0, all.out.find(' '));
  CHECK_THAT(output, Catch::Contains("Slurm job " + job));
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "study.db").string()), "still_down");
  const Trial trial = study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.attempt == 1);
  CHECK(trial.CurrentJobId() == job);
  CHECK(Count(ReadLedger(ledger), "start", 1) == 1);
}

// Issue 18 item 5: `bayestune worker`s as a Slurm job array against a `bayestune serve`, run as
// docs/slurm.md says (examples/slurm/bayestune-workers.sbatch, submitted as written).
TEST_CASE(
    "bayestune workers as a Slurm job array run a served study to its end, each trial once, on "
    "the GPU Slurm gave each worker",
    "[slurm][worker][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_worker_array");
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path go = dir / "go";
  std::filesystem::create_directories(go);
  const std::filesystem::path script =
      std::filesystem::path(BAYESTUNE_SOURCE_DIR) / "examples/slurm/bayestune-workers.sbatch";
  // The recipe in the docs is this script, word for word, and this sbatch line.
  const std::string docs = ReadFile(std::filesystem::path(BAYESTUNE_SOURCE_DIR) / "docs/slurm.md");
  CHECK_THAT(docs, Catch::Contains(ReadFile(script)) &&
                       Catch::Contains("sbatch bayestune-workers.sbatch HOST:PORT STUDY"));
  std::filesystem::copy_file(script, dir / "bayestune-workers.sbatch");
  constexpr int kTrials = 12;
  WriteFile(dir / "tuning.yaml", RandomSearchStudyYaml(kTrials, 4,
                                                       "  command: [" + TestTrainer() +
                                                           "]\n"
                                                           "  jobDir: jobs\n"
                                                           "  env:\n"
                                                           "    TEST_TRAINER_LEDGER: " +
                                                           ledger.string() +
                                                           "\n"
                                                           "    TEST_TRAINER_GO_DIR: " +
                                                           go.string() + "\n"));
  WriteFile(dir / "token", "array-token\n");
  std::filesystem::permissions(
      dir / "token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // The server on the "login node", on a free port.
  const pid_t serve = StartCli(cluster,
                               {"serve", "--db", (dir / "studies.db").string(), "--listen",
                                "127.0.0.1:0", "--token-file", (dir / "token").string()},
                               dir / "serve.log");
  std::string address;
  WaitFor(
      [&] {
        std::smatch match;
        const std::string log = ReadFile(dir / "serve.log");
        if (!std::regex_search(log, match, std::regex(R"(listening on (127\.0\.0\.1:\d+))")))
          return false;
        address = match[1];
        return true;
      },
      60);
  INFO(ReadFile(dir / "serve.log"));
  REQUIRE(!address.empty());

  // sbatch as a user types it, from the folder of token and tuning.yaml, with bayestune in PATH.
  std::vector<std::string> environment = cluster.Environment();
  const std::string bin = std::filesystem::path(BAYESTUNE_CLI_PATH).parent_path().string();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) == 0) variable = "PATH=" + bin + ":" + variable.substr(5);
  }
  const pid_t sbatch = StartProcess("sbatch", {"bayestune-workers.sbatch", address, "array"},
                                    environment, dir / "sbatch.log", dir);
  CHECK(WaitExitCode(sbatch) == 0);
  std::smatch submitted;
  const std::string sbatch_output = ReadFile(dir / "sbatch.log");
  INFO(sbatch_output);
  REQUIRE(std::regex_search(sbatch_output, submitted, std::regex(R"(Submitted batch job (\d+))")));
  const std::string array_job = submitted[1];

  // The four workers each run a trial at once (their trainers wait for go-all), each on its own
  // job and GPU.
  const auto array_tasks = [&] {
    // "<job id> <array job>_<task> <state>" for each task.
    return cluster
        .Run("squeue", {"--noheader", "--states=all", "--jobs=" + array_job, "-o", "%A %i %T"})
        .out;
  };
  const bool four_running = WaitFor([&] { return ReadLedger(ledger).size() >= 4; }, 120);
  INFO(array_tasks() << cluster.LogTails());
  REQUIRE(four_running);
  {
    const std::vector<LedgerLine> first = ReadLedger(ledger);
    std::set<std::string> jobs, gpus;
    for (const LedgerLine& line : first) {
      CHECK(line.what == "start");
      jobs.insert(line.job);
      gpus.insert(line.gpus);
    }
    CHECK(jobs.size() == 4);  // four workers, one trial each (one GPU each)
    CHECK(gpus.size() == 4);  // on four different GPUs
  }
  WriteFile(go / "go-all", "");

  // Every worker ends when the study is done: every array task COMPLETED (exit 0).
  const bool all_completed = WaitFor(
      [&] {
        const std::string tasks = array_tasks();
        int completed = 0;
        for (std::size_t at = 0; (at = tasks.find("COMPLETED", at)) != std::string::npos; ++at)
          ++completed;
        return completed == 4;
      },
      120);
  const std::string tasks = array_tasks();
  INFO(tasks);
  std::string worker_logs;
  std::map<std::string, std::string> task_of_job;  // job id -> "<array job>_<task>"
  {
    std::istringstream lines(tasks);
    for (std::string job, task, state; lines >> job >> task >> state;) {
      task_of_job[job] = task;
      worker_logs += task + ":\n" + ReadFile(dir / ("bayestune-worker-" + task + ".log"));
    }
  }
  INFO(worker_logs);
  CHECK(all_completed);
  CHECK(task_of_job.size() == 4);
  CHECK(WaitExitCode([&] {
          kill(serve, SIGTERM);
          return serve;
        }()) == 0);

  // The results are in the server's database: each trial ran once, in one of the array's jobs,
  // on the one GPU of that job, and succeeded with its value.
  auto study = Study::Open(SqliteStudyRepository::Open((dir / "studies.db").string()), "array");
  const std::vector<LedgerLine> lines = ReadLedger(ledger);
  REQUIRE(study->Trials().size() == kTrials);
  std::set<std::string> jobs_used;
  for (const Trial& trial : study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    CHECK(Count(lines, "start", trial.id) == 1);  // nothing ran twice
    CHECK(Count(lines, "end", trial.id) == 1);    // nothing was lost
    REQUIRE(trial.final_value.has_value());
    CHECK(*trial.final_value == Approx(trial.parameters.at("x").AsDouble()));
    for (const LedgerLine& line : lines) {
      if (line.trial != trial.id || line.what != "start") continue;
      CHECK(task_of_job.count(line.job) == 1);  // in a task of the array
      jobs_used.insert(line.job);
      REQUIRE(trial.gpus.size() == 1);
      CHECK(std::to_string(trial.gpus[0]) == line.gpus);
    }
    CHECK(std::filesystem::exists(dir / "jobs" / ("trial-" + std::to_string(trial.id))));
  }
  CHECK(jobs_used.size() == 4);
  for (const auto& [job, task] : task_of_job) {
    INFO(task);
    CHECK_THAT(ReadFile(dir / ("bayestune-worker-" + task + ".log")),
               Catch::Contains("(CUDA_VISIBLE_DEVICES)"));
  }
}
// A job pending in Slurm's queue (no GPU free for it) is not running: the progress says it apart,
// with squeue's reason, rather than counting it among the running trials.
TEST_CASE("bayestune run's progress says the jobs waiting in Slurm's queue apart from the running",
          "[slurm][launcher][cli]") {
  SlurmTestCluster cluster({.gpus = 1});
  const std::filesystem::path dir = MakeTempDir("slurm_waiting_progress");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 2, 2);
  const std::filesystem::path ledger = dir / "ledger";
  const std::filesystem::path go = dir / "go";
  const pid_t run = StartCli(cluster,
                             {"run", yaml.string(), "--db", (dir / "study.db").string(), "--study",
                              "waiting", "--progress", "plain"},
                             dir / "run.log");
  // One job runs on the node's one GPU, the other waits in the queue.
  std::string reason;
  const bool one_each = WaitFor(
      [&] {
        const std::string pending =
            cluster.Run("squeue", {"--noheader", "--states=PENDING", "-o", "%r"}).out;
        if (ReadLedger(ledger).size() != 1 || pending.empty()) return false;
        reason = pending.substr(0, pending.find('\n'));
        return reason != "None";
      },
      90);
  // bayestune run asks squeue every 2 s: let it see the pending job before the first ends.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const auto first = ReadLedger(ledger);
  // `bayestune status` says so too (it said both were running): it asks squeue.
  const pid_t status = StartCli(cluster, {"status", "waiting", "--db", (dir / "study.db").string()},
                                dir / "status.log");
  const int status_code = WaitExitCode(status);
  const std::string status_output = ReadFile(dir / "status.log");
  // And `bayestune trials` (it showed the waiting trial as plain ACTIVE, its wait as run time).
  const pid_t trials = StartCli(cluster, {"trials", "waiting", "--db", (dir / "study.db").string()},
                                dir / "trials.log");
  const int trials_code = WaitExitCode(trials);
  const std::string trials_output = ReadFile(dir / "trials.log");
  if (!first.empty()) WriteFile(go / ("go-" + std::to_string(first.front().trial)), "");
  const bool first_done = WaitFor([&] { return ReadLedger(ledger).size() >= 2; }, 60);
  // The second runs until told to end, so that bayestune run sees it running.
  const std::string waiter = first.empty() ? "?" : std::to_string(3 - first.front().trial);
  const std::string runs = "trial " + waiter + " running: Slurm job ";
  const bool second_running =
      WaitFor([&] { return ReadFile(dir / "run.log").find(runs) != std::string::npos; }, 60);
  // Now it runs, `status` counts its run from its job's start (squeue's StartTime), its wait
  // apart (it counted both from the submission, as if it had run all that time).
  const pid_t status_running = StartCli(
      cluster, {"status", "waiting", "--db", (dir / "study.db").string()}, dir / "status2.log");
  const int status_running_code = WaitExitCode(status_running);
  const std::string status_running_output = ReadFile(dir / "status2.log");
  WriteFile(go / "go-all", "");
  const int code = WaitExitCode(run);
  const std::string output = ReadFile(dir / "run.log");
  INFO(output << "\nsqueue's reason: " << reason);
  REQUIRE(one_each);
  CHECK(first_done);
  CHECK(code == 0);
  // When the first trial finished, the second's job was still pending.
  CHECK_THAT(output, Catch::Contains("1 done, 0 failed, 0 running, 1 waiting in Slurm's queue "
                                     "(squeue: " +
                                     reason + "), 0 left of 2"));
  CHECK_THAT(output, Catch::Contains("2 done, 0 failed, 0 running, 0 left of 2"));
  // The plain lines say when the second trial's job began waiting and when it left the queue
  // (they said nothing: a run whose jobs all wait looked idle).
  CHECK(second_running);
  const std::string waits = "trial " + waiter + " waiting in Slurm's queue: Slurm job ";
  CHECK(Occurrences(output, waits) == 1);
  CHECK(Occurrences(output, runs) == 1);
  CHECK(output.find(waits) < output.find(runs));
  // Its run time is said apart from its wait (it said the two together, as if it ran that long).
  CHECK(std::regex_search(output, std::regex("trial " + waiter +
                                             R"( succeeded in [0-9.]+s \(after [0-9.]+s in )"
                                             R"(Slurm's queue\): accuracy)")));
  INFO(status_output);
  CHECK(status_code == 0);
  CHECK_THAT(status_output,
             Catch::Contains("; 1 running, 1 waiting in Slurm's queue, 0 left\n") &&
                 Catch::Contains("running    trial " +
                                 (first.empty() ? "?" : std::to_string(first.front().trial)) +
                                 " as Slurm job ") &&
                 Catch::Contains("waiting    trial " + waiter + " in Slurm's queue: Slurm job ") &&
                 Catch::Contains(" is pending (squeue: " + reason + "), submitted "));
  INFO(trials_output);
  CHECK(trials_code == 0);
  CHECK(std::regex_search(
      trials_output,
      std::regex("\n" + waiter + R"( +ACTIVE .*waiting in Slurm's queue \(squeue: )" + reason +
                 R"(\) for [0-9.]+s)")));
  INFO(status_running_output);
  CHECK(status_running_code == 0);
  CHECK(std::regex_search(
      status_running_output,
      std::regex("running    trial " + waiter +
                 R"( as Slurm job [0-9]+ for [0-9.ms]+ \(after [0-9.ms]+ in Slurm's queue\), )")));
}

// Ctrl-C while one trial runs and another's job waits in Slurm's queue: the run says how many
// run and how many wait (it said "waiting for the 2 running trials"). Once, the pending job is
// cancelled at once (it may never start: the first Ctrl-C waited for it, maybe for ever) and its
// trial requeued, while the running one is waited for and recorded; twice, the running job is
// killed too, both requeued.
TEST_CASE("Ctrl-C says the trials waiting in Slurm's queue apart from the running ones",
          "[slurm][launcher][cli]") {
  SlurmTestCluster cluster({.gpus = 1});
  const std::filesystem::path dir = MakeTempDir("slurm_interrupt_waiting");
  const std::filesystem::path db = dir / "study.db";
  // Starts `study`'s run (2 trials, 2 at once on the node's one GPU) and returns once one trial
  // runs and the other's job pends, with bayestune run having seen it pending.
  const auto start = [&](const std::string& study, pid_t& run) {
    const std::filesystem::path ledger = dir / (study + ".ledger");
    const std::filesystem::path go = dir / (study + ".go");
    std::filesystem::create_directories(go);
    const std::filesystem::path yaml = dir / (study + ".yaml");
    WriteFile(yaml, RandomSearchStudyYaml(
                        2, 2,
                        SlurmRunnerYaml(cluster, {{"TEST_TRAINER_LEDGER", ledger.string()},
                                                  {"TEST_TRAINER_GO_DIR", go.string()}})));
    run = StartCli(cluster, {"run", yaml.string(), "--db", db.string(), "--progress", "plain"},
                   dir / (study + ".log"));
    // Its lines say one job waits: begun waiting and not yet running.
    return WaitFor(
        [&] {
          const std::string log = ReadFile(dir / (study + ".log"));
          return ReadLedger(ledger).size() == 1 &&
                 Occurrences(log, " waiting in Slurm's queue: ") -
                         Occurrences(log, " running: Slurm job ") ==
                     1;
        },
        90);
  };
  const auto output = [&](const std::string& study) { return ReadFile(dir / (study + ".log")); };
  const std::string first_line =
      "Ctrl-C: starting no new trial; cancelling the 1 waiting in Slurm's queue (they may never "
      "start; they run when you run the study again); waiting for the 1 running trial to finish "
      "(press Ctrl-C again to kill them; they would rerun next time)";

  // Twice: the pending job is cancelled at the first, the running trial's job killed at the
  // second.
  pid_t twice = 0;
  const bool twice_started = start("twice", twice);
  kill(twice, SIGINT);
  const bool said = WaitFor(
      [&] { return output("twice").find("Ctrl-C: starting no new trial") != std::string::npos; },
      30);
  kill(twice, SIGINT);
  const int twice_code = WaitExitCode(twice);
  INFO(output("twice"));
  REQUIRE(twice_started);
  REQUIRE(said);
  CHECK(twice_code == 130);
  CHECK_THAT(output("twice"),
             Catch::Contains(first_line) &&
                 Catch::Contains("Ctrl-C again: killing the 1 running trial; they run again when "
                                 "you run the study again") &&
                 Catch::Contains("interrupted: 1 running trial(s) were killed and 1 waiting in "
                                 "Slurm's queue cancelled; they rerun when the study runs again"));
  {
    auto study = Study::Open(SqliteStudyRepository::Open(db.string()), "twice");
    for (const Trial& trial : study->Trials())
      CHECK(trial.state == TrialState::kRequested);
  }

  // Once: the pending job is cancelled while the running trial goes on; that one then finishes.
  pid_t once = 0;
  const bool once_started = start("once", once);
  kill(once, SIGINT);
  // The pending job's trial is requeued while the running trial still waits for its go file.
  const bool cancelled = WaitFor(
      [&] {
        return output("once").find(
                   " was cancelled by an interrupt while it waited in Slurm's "
                   "queue; the trial runs when the study runs again") != std::string::npos;
      },
      30);
  const std::string pending =
      cluster.Run("squeue", {"--noheader", "--states=PENDING", "-o", "%i"}).out;
  const auto ledger = ReadLedger(dir / "once.ledger");
  const std::int64_t ran = ledger.empty() ? 0 : ledger.front().trial;
  WriteFile(dir / "once.go" / ("go-" + std::to_string(ran)), "");
  const int once_code = WaitExitCode(once);
  INFO(output("once"));
  REQUIRE(once_started);
  CHECK(cancelled);
  CHECK(pending.empty());
  CHECK(once_code == 130);
  CHECK_THAT(output("once"),
             Catch::Contains(first_line) &&
                 Catch::Contains("1 done, 0 failed, 0 running, 1 left of 2") &&
                 Catch::Contains("interrupted: no new trial was started and the running ones "
                                 "finished; 1 trial(s) waiting in Slurm's queue were cancelled "
                                 "and rerun when the study runs again"));
  auto study = Study::Open(SqliteStudyRepository::Open(db.string()), "once");
  for (const Trial& trial : study->Trials()) {
    INFO("trial " << trial.id);
    CHECK(trial.state == (trial.id == ran ? TrialState::kSucceeded : TrialState::kRequested));
  }
  // Only the running trial's trainer ever started (its start and its end).
  CHECK(ReadLedger(dir / "once.ledger").size() == 2);
}

// Jobs that cannot start (their node drained): the first Ctrl-C waited for them, for ever. It
// cancels them and the run ends at once, their trials requeued and nothing of them run.
TEST_CASE("the first Ctrl-C of a run whose jobs all wait in Slurm's queue ends it at once",
          "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_interrupt_all_waiting");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 2, 2);
  REQUIRE(cluster
              .Run("scontrol",
                   {"update", "nodename=" + cluster.node(), "state=drain", "reason=maintenance"})
              .exit.succeeded());
  const std::filesystem::path db = dir / "study.db";
  const pid_t run = StartCli(
      cluster,
      {"run", yaml.string(), "--db", db.string(), "--study", "stuck", "--progress", "plain"},
      dir / "run.log");
  const bool both_wait = WaitFor(
      [&] { return Occurrences(ReadFile(dir / "run.log"), " waiting in Slurm's queue: ") == 2; },
      60);
  kill(run, SIGINT);
  const bool ended = WaitFor(
      [&] { return ReadFile(dir / "run.log").find("interrupted: ") != std::string::npos; }, 30);
  if (!ended) kill(run, SIGKILL);
  const int code = WaitExitCode(run);
  const std::string output = ReadFile(dir / "run.log");
  INFO(output);
  REQUIRE(both_wait);
  CHECK(ended);
  CHECK(code == 130);
  CHECK_THAT(output,
             Catch::Contains("Ctrl-C: starting no new trial; cancelling the 2 trials waiting in "
                             "Slurm's queue (they may never start; they run when you run the "
                             "study again)\n") &&
                 Catch::Contains("interrupted: no new trial was started; 2 trial(s) waiting in "
                                 "Slurm's queue were cancelled and rerun when the study runs "
                                 "again"));
  CHECK(cluster.Run("squeue", {"--noheader"}).out.empty());
  CHECK(ReadLedger(dir / "ledger").empty());
  auto study = Study::Open(SqliteStudyRepository::Open(db.string()), "stuck");
  for (const Trial& trial : study->Trials())
    CHECK(trial.state == TrialState::kRequested);
}

// Ctrl-C while the launcher waits to try sbatch again (2, 5, 10 s) ends the wait at once: the run
// does not go on trying, the trial goes back to the queue, and the run ends as interrupted.
TEST_CASE("Ctrl-C during sbatch's retries ends the run at once, its trial back in the queue",
          "[slurm][launcher][cli]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_retry_interrupt");
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteFlakySbatch(dir / "bin", "always", ResolveExecutable("sbatch", path));
    variable = "PATH=" + (dir / "bin").string() + ":" + path;
  }
  const std::filesystem::path yaml = dir / "tuning.yaml";
  WriteFile(yaml, RandomSearchStudyYaml(2, 1, SlurmRunnerYaml(cluster)));
  const std::filesystem::path db = dir / "study.db";
  const pid_t run = StartProcess(
      BAYESTUNE_CLI_PATH,
      {"run", yaml.string(), "--db", db.string(), "--study", "retrying", "--progress", "plain"},
      environment, dir / "run.log");
  // The first retry's wait (2 s) has begun.
  const bool retrying = WaitFor(
      [&] { return ReadFile(dir / "run.log").find("submitting again in") != std::string::npos; },
      60);
  kill(run, SIGINT);
  const int code = WaitExitCode(run);
  const std::string output = ReadFile(dir / "run.log");
  INFO(output);
  REQUIRE(retrying);
  CHECK(code == 130);  // kExitInterrupted
  // Ended by the interrupt, not by the retries running out.
  CHECK_THAT(output, Catch::Contains("not submitted again: the run was asked to stop") &&
                         Catch::Contains("trial 1 queued to run again"));
  CHECK(output.find("tried 4 times") == std::string::npos);
  CHECK(output.find("submitting again in 10s") == std::string::npos);
  auto study = Study::Open(SqliteStudyRepository::Open(db.string()), "retrying");
  for (const Trial& trial : study->Trials())
    CHECK(trial.state == TrialState::kRequested);
}

TEST_CASE(
    "Ctrl-Z of a Slurm run: its jobs run on, said so, and their trialTimeoutSeconds counts the "
    "pause",
    "[slurm][launcher][cli]") {
  // Ctrl-Z stops bayestune and SIGSTOPs the local trainers, whose time then stands still; a
  // Slurm job is not bayestune's to pause. Until this change the runner added the pause to every
  // trial's time all the same: a Slurm job ran past its trialTimeoutSeconds by the whole pause
  // (holding its node), and the run said it had been suspended with it ("(SIGSTOP)").
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_ctrl_z");
  std::filesystem::create_directories(dir / "go");  // never ends on its own
  const std::filesystem::path yaml = dir / "tuning.yaml";
  WriteFile(yaml, RandomSearchStudyYaml(
                      1, 1,
                      SlurmRunnerYaml(cluster, {{"TEST_TRAINER_LEDGER", (dir / "ledger").string()},
                                                {"TEST_TRAINER_GO_DIR", (dir / "go").string()}}) +
                          "  trialTimeoutSeconds: 12\n  stopGracePeriodSeconds: 2\n"));
  const std::filesystem::path db = dir / "study.db";
  const pid_t run = StartCli(
      cluster,
      {"run", yaml.string(), "--db", db.string(), "--study", "ctrlz", "--progress", "plain"},
      dir / "run.log");
  const bool started =
      WaitFor([&] { return Count(ReadLedger(dir / "ledger"), "start", 1) == 1; }, 60);
  kill(run, SIGTSTP);
  const bool suspended = WaitFor(
      [&] { return ReadFile(dir / "run.log").find("Ctrl-Z: suspended") != std::string::npos; }, 30);
  // Past the job's 12 s: it ran on meanwhile.
  std::this_thread::sleep_for(std::chrono::seconds(14));
  const double resumed = NowSeconds();
  kill(run, SIGCONT);
  const bool ended = WaitFor([&] { return Count(ReadLedger(dir / "ledger"), "end", 1) == 1; }, 60);
  if (!ended) WriteFile(dir / "go" / "go-all", "");
  const int code = WaitExitCode(run);
  const std::string output = ReadFile(dir / "run.log");
  INFO(output);
  REQUIRE(started);
  CHECK(suspended);
  CHECK(ended);
  CHECK(code == 1);  // its only trial failed
  CHECK_THAT(output, Catch::Contains("Ctrl-Z: suspended; the 1 Slurm job runs on") &&
                         !Catch::Contains("(SIGSTOP)"));
  auto study = Study::Open(SqliteStudyRepository::Open(db.string()), "ctrlz");
  const Trial trial = study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason, Catch::Contains("timed out after 12 s"));
  // Stopped as soon as the run went on (its 12 s were over), not 12 s after the pause began.
  const auto ledger = ReadLedger(dir / "ledger");
  REQUIRE(Count(ledger, "end", 1) == 1);
  CHECK(ledger.back().time < resumed + 6);
}

#endif

TEST_CASE(
    "slurmctld stopped mid-study: the run waits for it past its listed sbatch retries, saying so, "
    "and submits once it answers: no trial fails or is lost",
    "[slurm][launcher]") {
  // Slurm's commands give up on a controller that is down after about MessageTimeout.
  SlurmTestCluster cluster({.message_timeout_seconds = 2});
  Harness h(cluster, "slurm_ctld_down", Spec(3, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();
  // Until this change the run ended once these ran out (2, 5 and 10 s by default: a slurmctld
  // restart of a minute ended the study).
  h.launcher_options.submit_retry_seconds = {0.2, 0.2};
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const auto warnings = [&] {
    std::lock_guard lock(h.events->mutex);
    return h.events->warnings;
  };
  const bool started = WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == 1; }, 60);
  cluster.StopController();
  // Trial 1 ends (seen from its exit_status.json: no Slurm needed), so trial 2 is to be submitted
  // while slurmctld is down.
  WriteFile(h.go_dir / "go-all", "");
  const bool waited = WaitFor(
      [&] { return Occurrences(warnings(), "submitting again") >= 3 || run_ended.load(); }, 60);
  const bool ended_while_down = run_ended.load();
  cluster.StartController();
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  CHECK(started);
  CHECK(waited);
  CHECK_FALSE(ended_while_down);
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->warnings, Catch::Contains("Unable to contact slurm controller") &&
                                     Catch::Contains("the run waits for it up to 10m"));
  const auto ledger = ReadLedger(h.ledger);
  for (const Trial& trial : h.study->Trials()) {
    INFO("trial " << trial.id << ": " << trial.failure_reason);
    CHECK(trial.state == TrialState::kSucceeded);
    CHECK(trial.attempt == 1);
    CHECK(trial.jobs.size() == 1);
    CHECK(Count(ledger, "start", trial.id) == 1);
  }
}

// An sbatch earlier in PATH that lets the first job through to the real sbatch and then answers
// as Slurm does at a submit limit (too many jobs of the user queued).
void WriteLimitedSbatch(const std::filesystem::path& bin, const std::string& real_sbatch) {
  std::filesystem::create_directories(bin);
  const std::string passed = (bin / "passed-once").string();
  WriteFile(bin / "sbatch",
            "#!/bin/sh\nif [ ! -e '" + passed + "' ]; then\n  : > '" + passed + "'\n  exec " +
                real_sbatch +
                " \"$@\"\nfi\necho 'sbatch: error: QOSMaxSubmitJobPerUserLimit' >&2\necho "
                "'sbatch: error: Batch job submission failed: Job violates accounting/QOS policy "
                "(job submit limit, user'\"'\"'s size and/or time limits)' >&2\nexit 1\n");
  std::filesystem::permissions(bin / "sbatch", std::filesystem::perms::owner_all);
}

TEST_CASE(
    "a user's SQUEUE_USERS or SQUEUE_PARTITION does not hide the study's jobs: a job whose "
    "sbatch answer was lost is found, not made twice",
    "[slurm][launcher]") {
  // squeue reads filters from the environment (SQUEUE_USERS, SQUEUE_PARTITION, ...) that its
  // calls here do not override; a user who keeps one in their shell for their own squeue hid the
  // study's jobs from `squeue --name`, and a job whose sbatch lost its answer was submitted again:
  // the trial ran twice. Its times are read whatever SLURM_TIME_FORMAT says.
  const std::string filter = GENERATE("SQUEUE_USERS=nobody", "SQUEUE_PARTITION=nosuch");
  INFO(filter);
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_squeue_env", Spec(1, 1));
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteFlakySbatch(h.dir / "bin", "lost", ResolveExecutable("sbatch", path));
    variable = "PATH=" + (h.dir / "bin").string() + ":" + path;
  }
  environment.push_back(filter);
  environment.push_back("SLURM_TIME_FORMAT=relative");
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {0.2};
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const std::string all_jobs =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"}).out;
  INFO(all_jobs);
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->warnings, Catch::Contains("but Slurm has job"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);
  CHECK(std::count(all_jobs.begin(), all_jobs.end(), '\n') == 1);  // made once
}

TEST_CASE(
    "while sbatch waits to be tried again the runner serves the running trials: one times out "
    "on time, and Ctrl-C ends the tries",
    "[slurm][launcher]") {
  // Until this change Launch slept between its sbatch tries (up to 10 minutes in all), and the
  // runner did nothing else: trial 1 ran on past its timeout until trial 2 was submitted.
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_retry_serves", Spec(2, 2));
  std::vector<std::string> environment = cluster.Environment();
  for (std::string& variable : environment) {
    if (variable.rfind("PATH=", 0) != 0) continue;
    const std::string path = variable.substr(5);
    WriteLimitedSbatch(h.dir / "bin", ResolveExecutable("sbatch", path));
    variable = "PATH=" + (h.dir / "bin").string() + ":" + path;
  }
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {300};                  // far past what this test waits
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never ends on its own
  h.options.runner.trial_timeout_seconds = 2;
  h.options.runner.stop_grace_period_seconds = 0.5;
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const auto warnings = [&] {
    std::lock_guard lock(h.events->mutex);
    return h.events->warnings;
  };
  const bool retrying =
      WaitFor([&] { return warnings().find("submitting again in 5m") != std::string::npos; }, 60);
  // Trial 1's job runs, and is stopped 2 s after its start, whatever trial 2's sbatch waits for.
  const bool timed_out = WaitFor(
      [&] { return h.study->GetTrial(1).state == TrialState::kFailed || run_ended.load(); }, 60);
  const bool ended_early = run_ended.load();
  h.runner->RequestInterrupt(SIGINT);
  const bool ended = WaitFor([&] { return run_ended.load(); }, 30);
  if (!ended) WriteFile(h.go_dir / "go-all", "");
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  CHECK(retrying);
  CHECK(timed_out);
  CHECK_FALSE(ended_early);
  CHECK(ended);  // at once: the tries end with the interrupt
  CHECK(result.outcome == RunOutcome::kInterrupted);
  const Trial first = h.study->GetTrial(1);
  CHECK(first.state == TrialState::kFailed);
  CHECK_THAT(first.failure_reason, Catch::Contains("timed out after 2 s"));
  const Trial second = h.study->GetTrial(2);
  CHECK(second.state == TrialState::kRequested);
  CHECK(second.jobs.empty());
  const auto requeued = h.events->Requeued();
  REQUIRE(requeued.size() == 1);
  CHECK(requeued[0].first == 2);
  CHECK_THAT(requeued[0].second, Catch::Contains("QOSMaxSubmitJobPerUserLimit") &&
                                     Catch::Contains("not submitted again: the run was asked to "
                                                     "stop"));
  // Trial 2 was never said to start (it never reached Slurm), and nothing is left in the queue.
  CHECK(h.events->started.size() == 1);
  CHECK(cluster.Run("squeue", {"--noheader", "--states=PENDING,RUNNING"}).out.empty());
}

TEST_CASE(
    "Ctrl-C while sbatch waits to be tried again cancels the job that an sbatch made although "
    "its answer was lost, or says how to",
    "[slurm][launcher]") {
  // sbatch made the job but its answer was lost, and squeue could not be asked then: until this
  // change Ctrl-C ended the tries and left that job running, followed by nobody.
  const bool squeue_back = GENERATE(true, false);
  INFO("squeue answers at Ctrl-C: " << squeue_back);
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_lost_interrupt", Spec(1, 1));
  const std::filesystem::path bin = h.dir / "bin";
  const std::filesystem::path down = h.dir / "squeue-down";
  std::vector<std::string> environment = LostSbatchEnvironment(cluster, bin, down);
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {300};
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never ends on its own
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const auto warnings = [&] {
    std::lock_guard lock(h.events->mutex);
    return h.events->warnings;
  };
  const bool retrying =
      WaitFor([&] { return warnings().find("submitting again in 5m") != std::string::npos; }, 60);
  const auto active = [&] {
    return cluster.Run("squeue", {"--noheader", "--states=PENDING,RUNNING", "-o", "%i %j"}).out;
  };
  const std::string made = active();  // the job the lost sbatch made
  if (squeue_back) std::filesystem::remove(down);
  h.runner->RequestInterrupt(SIGINT);
  const bool ended = WaitFor([&] { return run_ended.load(); }, 30);
  if (!ended) WriteFile(h.go_dir / "go-all", "");
  run.join();
  INFO(result.message << "\n" << h.events->warnings << "\nmade: " << made);
  CHECK(retrying);
  CHECK(ended);
  CHECK_THAT(made, Catch::Contains("bayestune-slurm_lost_interrupt-1"));
  CHECK(result.outcome == RunOutcome::kInterrupted);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kRequested);
  CHECK(trial.jobs.empty());
  if (squeue_back) {
    CHECK_THAT(h.events->warnings,
               Catch::Contains("cancelled Slurm job " + made.substr(0, made.find(' '))) &&
                   Catch::Contains("made although its answer was lost"));
    CHECK(WaitFor([&] { return active().empty(); }, 10));
  } else {
    CHECK_THAT(h.events->warnings,
               Catch::Contains("may have made a job although its answer was lost") &&
                   Catch::Contains("`scancel --name=bayestune-slurm_lost_interrupt-1` cancels "
                                   "it"));
    // As the line says.
    cluster.Run("scancel", {"--name=bayestune-slurm_lost_interrupt-1"});
    CHECK(WaitFor([&] { return active().empty(); }, 10));
  }
}

TEST_CASE(
    "an sbatch whose answer was lost while squeue failed too: the next try finds the job by its "
    "name rather than submitting it twice",
    "[slurm][launcher]") {
  // Until this change the launcher looked for such a job only right after a failed sbatch: with
  // squeue failing then too, the next try submitted a second job, and the trial ran twice.
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_lost_twice", Spec(1, 1));
  const std::filesystem::path bin = h.dir / "bin";
  const std::filesystem::path down = h.dir / "squeue-down";
  std::vector<std::string> environment = LostSbatchEnvironment(cluster, bin, down);
  h.launcher_options.commands.environment = environment;
  h.launcher_options.submit_retry_seconds = {3};
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const bool retrying = WaitFor(
      [&] {
        std::lock_guard lock(h.events->mutex);
        return h.events->warnings.find("submitting again in 3") != std::string::npos;
      },
      60);
  std::filesystem::remove(down);  // squeue answers before the next try
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  const std::string all_jobs =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"}).out;
  INFO(all_jobs);
  CHECK(retrying);
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->warnings, Catch::Contains("but Slurm has job"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);
  CHECK(std::count(all_jobs.begin(), all_jobs.end(), '\n') == 1);  // made once
}

TEST_CASE(
    "a trial stopped early while its job's id is lost: it ends as stopped once Slurm names the "
    "job (sbatch's answer lost, squeue failing), not requeued to run again",
    "[slurm][launcher]") {
  // The job runs and its trainer reports, but its id is unknown (sbatch's answer lost, squeue
  // failing). Until this change stopping it ended the attempt as never submitted: the trial, which
  // had run and reported, was requeued to run again, and its job ran on.
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_lost_stopped", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never goes on its own
  const std::filesystem::path down = h.dir / "squeue-down";
  h.launcher_options.commands.environment = LostSbatchEnvironment(cluster, h.dir / "bin", down);
  h.launcher_options.submit_retry_seconds = {1};
  std::atomic<bool> stopped = false;
  h.events->on_measurements = [&](std::int64_t id, const std::vector<Measurement>&) {
    if (!stopped.exchange(true)) h.study->Stop(id);  // as the stopping rule
  };
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const bool stop_asked = WaitFor([&] { return stopped.load(); }, 60);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a try or two while squeue fails
  std::filesystem::remove(down);
  const bool ended = WaitFor([&] { return run_ended.load(); }, 60);
  WriteFile(h.go_dir / "go-all", "");  // whatever still runs ends
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  const std::string all_jobs =
      cluster.Run("squeue", {"--noheader", "--all", "--states=all", "-o", "%i %j"}).out;
  INFO(all_jobs);
  REQUIRE(stop_asked);
  CHECK(ended);
  CHECK(h.events->Requeued().empty());
  const Trial trial = h.study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.stopped_early);
  CHECK(trial.attempt == 1);
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);
  CHECK(std::count(all_jobs.begin(), all_jobs.end(), '\n') == 1);  // made once
  const auto status = ReadSlurmJobExitStatus(h.TrialDir(1) / "exit_status.json");
  REQUIRE(status);
  CHECK(status->signals_received == std::vector<int>{SIGTERM});  // the stop reached it
}

TEST_CASE(
    "a second Ctrl-C while slurmctld is down ends the run at once, the trial left to its job "
    "for the next run",
    "[slurm][launcher]") {
  // Until this change the run waited for Slurm to answer, for ever: the cancel of the running
  // job could not reach slurmctld, and nothing else would end the trial.
  SlurmTestCluster cluster({.message_timeout_seconds = 2});
  Harness h(cluster, "slurm_ctld_down_kill", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never ends on its own
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const bool started = WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == 1; }, 60);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // squeue has seen it run
  cluster.StopController();
  h.runner->RequestInterrupt(SIGINT);
  h.runner->RequestInterrupt(SIGINT);
  const bool ended = WaitFor([&] { return run_ended.load(); }, 30);
  cluster.StartController();
  if (!ended) WriteFile(h.go_dir / "go-all", "");
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  REQUIRE(started);
  CHECK(ended);
  const Trial trial = h.study->GetTrial(1);
  REQUIRE(trial.jobs.size() == 1);
  const std::string job = trial.jobs.front().job_id;
  CHECK_THAT(h.events->warnings, Catch::Contains("Slurm job " + job + " could not be cancelled") &&
                                     Catch::Contains("`scancel " + job + "` cancels it"));
  CHECK_THAT(result.message, Catch::Contains("left to them"));
  // As a runner that died leaves it: the next run follows the job (still running) to its end.
  CHECK(trial.state == TrialState::kActive);
  CHECK(trial.attempt == 1);
  CHECK(WaitFor(
      [&] {
        return cluster.Run("squeue", {"--noheader", "--states=RUNNING", "-o", "%i"})
                   .out.find(job) != std::string::npos;
      },
      30));
  cluster.Run("scancel", {job});
}

TEST_CASE(
    "a trial timed out while slurmctld is down is cancelled as soon as Slurm answers again, not "
    "left to run to its own end",
    "[slurm][launcher]") {
  SlurmTestCluster cluster({.message_timeout_seconds = 2});
  Harness h(cluster, "slurm_ctld_down_stop", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never ends on its own
  h.options.runner.trial_timeout_seconds = 3;
  h.options.runner.stop_grace_period_seconds = 0.5;
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = h.Run();
    run_ended = true;
  });
  const auto warnings = [&] {
    std::lock_guard lock(h.events->mutex);
    return h.events->warnings;
  };
  const bool started = WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == 1; }, 60);
  // squeue has seen it run (every 0.5 s), and so its timeout counts.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  cluster.StopController();
  // Its timeout's SIGTERM and then its cancel fail to reach Slurm.
  const bool failed = WaitFor(
      [&] { return warnings().find("could not cancel Slurm job") != std::string::npos; }, 60);
  cluster.StartController();
  const double back = NowSeconds();
  // Until this change nothing asked Slurm again: the job ran on until its trainer ended.
  const bool ended = WaitFor([&] { return run_ended.load(); }, 30);
  if (!ended) WriteFile(h.go_dir / "go-all", "");
  run.join();
  INFO(result.message << "\n" << h.events->warnings);
  CHECK(started);
  CHECK(failed);
  CHECK(ended);
  CHECK_THAT(h.events->warnings, Catch::Contains("cancelling it as soon as Slurm answers again") &&
                                     Catch::Contains("which could not be cancelled while Slurm "
                                                     "did not answer"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason, Catch::Contains("timed out after 3 s"));
  const auto ledger = ReadLedger(h.ledger);
  REQUIRE(ledger.size() == 2);  // started once, ended by the cancel
  CHECK(ledger[1].time < back + 15);
  CHECK(cluster.Run("squeue", {"--noheader", "--states=PENDING,RUNNING"}).out.empty());
}

TEST_CASE(
    "a job that Slurm forgot, whose status file says its trainer was signalled from outside, is "
    "requeued saying what the file says, not that it left none",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_forgotten");
  SlurmLauncherOptions options;
  options.commands.environment = cluster.Environment();
  options.job_program = JobProgram();
  SlurmLauncher launcher(options);
  RunnerSpec runner;
  runner.command = {TestTrainer()};
  runner.launcher = LauncherKind::kSlurm;
  runner.slurm.partition = cluster.partition();
  std::string warnings;
  launcher.Start(
      "forgotten", runner, Spec(1, 1), dir / "jobs",
      [&](std::optional<std::int64_t>, const std::string& text) { warnings += text + "\n"; });
  // The runner died; meanwhile its job was cancelled (SIGTERM, passed on by bayestune-job, which
  // wrote the file) and ended longer than MinJobAge ago: this cluster never knew job 424242.
  Trial trial;
  trial.id = 1;
  trial.attempt = 1;
  trial.jobs = {{1, "424242"}};
  const TrialPaths paths = TrialPathsFor(dir / "jobs", 1, 1);
  std::filesystem::create_directories(paths.dir);
  SlurmJobExitStatus file;
  file.job_id = "424242";
  file.host = cluster.node();
  file.exit = ProcessExit{.signaled = true, .code = SIGTERM};
  file.signals_received = {SIGTERM};
  file.started_at = NowSeconds() - 700;
  file.ended_at = NowSeconds() - 600;
  WriteSlurmJobExitStatus(SlurmJobFilesFor(paths.dir).status, file);
  const std::unique_ptr<LaunchedTrial> job = launcher.Reattach(trial, paths);
  REQUIRE(job != nullptr);
  launcher.Refresh(1.0);
  const std::optional<TrialEnd> end = job->PollEnd();
  INFO(warnings);
  REQUIRE(end.has_value());
  INFO(end->requeue_reason);
  CHECK(end->failure.empty());
  CHECK_THAT(end->requeue_reason,
             Catch::Contains("Slurm job 424242 is gone") &&
                 Catch::Contains("its exit_status.json says the trainer was killed by signal 15") &&
                 Catch::Contains("after a signal from outside bayestune (SIGTERM: ") &&
                 !Catch::Contains("left no exit_status.json"));
  CHECK(end->ended_at == file.ended_at);
}

TEST_CASE(
    "a job Slurm cancels when its node's prolog fails: the trial runs again as a new job, the "
    "message naming the prolog and the node, not a scancel of someone's",
    "[slurm][launcher]") {
  // Until this change it read "cancelled outside bayestune (scancel)", and a second such cancel
  // was taken as a user's wish to stop the trial.
  const std::filesystem::path dir = MakeTempDir("slurm_prolog");
  const std::filesystem::path fails = dir / "prolog-fails";
  WriteFile(fails, "");
  WriteFile(dir / "prolog.sh", "#!/bin/sh\nif [ -e '" + fails.string() + "' ]; then rm -f '" +
                                   fails.string() + "'; exit 1; fi\nexit 0\n");
  std::filesystem::permissions(dir / "prolog.sh", std::filesystem::perms::owner_all);
  SlurmTestClusterOptions options;
  options.prolog = dir / "prolog.sh";
  SlurmTestCluster cluster(options);
  Harness h(cluster, "slurm_prolog", Spec(1, 1));
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  const bool requeued = WaitFor([&] { return h.events->Requeued().size() == 1; }, 60);
  const std::string drained = cluster.Run("sinfo", {"-R", "--noheader"}).out;
  // Slurm drained the node: the next job waits until it is resumed.
  cluster.Run("scontrol", {"update", "nodename=" + cluster.node(), "state=resume"});
  run.join();
  INFO(drained << result.message << "\n" << h.events->warnings);
  REQUIRE(requeued);
  CHECK_THAT(
      h.events->Requeued()[0].second,
      Catch::Contains("was cancelled by Slurm on " + cluster.node()) &&
          Catch::Contains("the node's prolog failed") &&
          Catch::Contains("Error running slurm prolog: 1") && Catch::Contains("Prolog error") &&
          Catch::Contains("rerunning the trial as attempt 2") && !Catch::Contains("scancel"));
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.attempt == 2);
  CHECK(trial.jobs.size() == 2);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);  // the first job never ran its trainer
}

TEST_CASE(
    "a job that reaches Slurm's time limit before trialTimeoutSeconds: the trial fails naming "
    "runner.slurm.time, once, not requeued",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_time_limit", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();  // never goes on its own
  h.options.runner.slurm.time = "1";                                // one minute
  h.options.runner.trial_timeout_seconds = 600;
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const Trial trial = h.study->GetTrial(1);
  INFO(trial.failure_reason);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason,
             Catch::Contains("reached its time limit (runner.slurm.time 1)") &&
                 !Catch::Contains("timed out after"));
  CHECK(h.events->Requeued().empty());
  CHECK(trial.jobs.size() == 1);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 1);
}

TEST_CASE(
    "a node set down under a running job: the job ends NODE_FAIL and the trial runs again as a "
    "new job, once, not failed",
    "[slurm][launcher]") {
  SlurmTestCluster cluster;
  Harness h(cluster, "slurm_node_down", Spec(1, 1));
  h.options.runner.env["TEST_TRAINER_GO_DIR"] = h.go_dir.string();
  RunResult result;
  std::thread run([&] { result = h.Run(); });
  const bool started = WaitFor([&] { return Count(ReadLedger(h.ledger), "start", 1) == 1; }, 60);
  // Slurm kills the job (--no-requeue: NODE_FAIL, not requeued by Slurm under the same id); the
  // node's slurmd registers again at once (ReturnToService=2), so the new job runs.
  const auto down = cluster.Run(
      "scontrol", {"update", "nodename=" + cluster.node(), "state=down", "reason=bayestune test"});
  const bool requeued = WaitFor([&] { return h.events->Requeued().size() == 1; }, 60);
  WriteFile(h.go_dir / "go-all", "");  // attempt 2 ends as soon as it runs
  cluster.Run("scontrol", {"update", "nodename=" + cluster.node(), "state=resume"});
  run.join();
  INFO(down.err << result.message << "\n" << h.events->warnings);
  CHECK(started);
  REQUIRE(requeued);
  CHECK_THAT(h.events->Requeued()[0].second,
             Catch::Contains("ended NODE_FAIL (its node failed)") &&
                 Catch::Contains("rerunning the trial as attempt 2"));
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(trial.attempt == 2);
  CHECK(trial.jobs.size() == 2);
  CHECK(Count(ReadLedger(h.ledger), "start", 1) == 2);
}
TEST_CASE(
    "bayestune-job missing on the node: the trial fails saying so and what to install where, not "
    "that bayestune-job did not run to its end",
    "[slurm][launcher]") {
  // The node sees an empty folder where this machine has bayestune-job: the job script's exec
  // fails (sh: not found, 127). Until this change: "... without writing exit_status.json:
  // bayestune-job did not run to its end".
  const std::filesystem::path program_dir = MakeTempDir("slurm_private_program");
  std::filesystem::copy_file(JobProgram(), program_dir / "bayestune-job");
  SlurmTestCluster cluster({.node_private_dir = program_dir});
  Harness h(cluster, "slurm_no_job_program", Spec(1, 1));
  h.launcher_options.job_program = program_dir / "bayestune-job";
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason,
             Catch::Contains("its script could not run bayestune-job on " + cluster.node() +
                             " (not found there)") &&
                 Catch::Contains("same path on every node") &&
                 Catch::Contains((program_dir / "bayestune-job").string()) &&  // sh's words
                 !Catch::Contains("did not run to its end"));
  CHECK(ReadLedger(h.ledger).empty());  // the trainer never ran
}

TEST_CASE(
    "a job dir that the node does not see: the trial fails naming the node and the folder it "
    "could not write, not that bayestune-job did not run to its end",
    "[slurm][launcher]") {
  // The node sees an empty tmpfs where this machine has the job dir (as a node that does not
  // share it): Slurm runs the job all the same, and its output, metrics and exit_status.json go
  // nowhere this machine sees. Until this change the trial failed with "Slurm job 1 ended FAILED
  // (was killed by signal 53) without writing exit_status.json: bayestune-job did not run to its
  // end", naming neither the node nor the folder.
  const std::filesystem::path jobs = MakeTempDir("slurm_private_jobs");
  SlurmTestCluster cluster({.node_private_dir = jobs});
  Harness h(cluster, "slurm_private", Spec(1, 1));
  h.options.runner.job_dir = (jobs / "study").string();
  const RunResult result = h.Run();
  INFO(result.message << "\n" << h.events->warnings);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason,
             Catch::Contains("Slurm job " + trial.CurrentJobId() + " ran on " + cluster.node()) &&
                 Catch::Contains("left nothing in '" +
                                 TrialPathsFor(jobs / "study", 1, 1).dir.string() + "'") &&
                 Catch::Contains(cluster.node() + " does not see that folder") &&
                 // Slurm's error number 4021 is no signal (until a fix: "killed by signal 53").
                 Catch::Contains("(Slurm could not launch its batch script there: "
                                 "JobLaunchFailure)") &&
                 !Catch::Contains("signal 53") && Catch::Contains("runner.jobDir") &&
                 !Catch::Contains("did not run to its end"));
  CHECK(ReadLedger(h.ledger).empty());  // the trainer never ran
}

TEST_CASE(
    "kill -9 of bayestune run: the next run that re-attaches to the trial's job claims its folder "
    "again, as its launch did",
    "[slurm][launcher][cli]") {
  // The claim went with the runner killed, and the run that re-attached did not take it again: a
  // run of another study given the same job dir found the folder of the running job unclaimed,
  // took it for leftovers and moved it aside, and the job wrote into that run's trial.
  SlurmTestCluster cluster;
  const std::filesystem::path dir = MakeTempDir("slurm_reattach_claim");
  const std::filesystem::path yaml = GatedSlurmStudy(cluster, dir, 1, 1);
  const std::vector<std::string> args = RunArgs(yaml, dir, "claim");
  const std::filesystem::path folder = dir / "bayestune-jobs" / "claim" / "trial-1";
  const pid_t first = StartCli(cluster, args, dir / "first.log");
  const bool running = WaitFor([&] { return ReadLedger(dir / "ledger").size() == 1; }, 90);
  const bool claimed_by_first = !Claimable(folder);
  kill(first, SIGKILL);
  WaitExitCode(first);
  INFO(ReadFile(dir / "first.log"));
  REQUIRE(running);
  CHECK(claimed_by_first);
  CHECK(Claimable(folder));  // the kernel dropped it with the runner

  const pid_t second = StartCli(cluster, args, dir / "second.log");
  const bool reattached = WaitFor(
      [&] {
        return ReadFile(dir / "second.log").find("re-attached to Slurm job") != std::string::npos;
      },
      60);
  const bool claimed_by_second = !Claimable(folder);
  WriteFile(dir / "go" / "go-all", "");
  const int code = WaitExitCode(second);
  INFO(ReadFile(dir / "second.log"));
  CHECK(reattached);
  CHECK(claimed_by_second);
  CHECK(code == 0);
  CHECK(Claimable(folder));  // let go at the run's end
}
