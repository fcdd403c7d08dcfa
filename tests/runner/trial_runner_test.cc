#include "bayestune/trial_runner/trial_runner.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "event_file_writer.h"
#include "runner_identity.h"
#include "slot_claims.h"
#include "test_support.h"

using namespace bayestune;

namespace {

// A study of the fake trainer: `x` (its objective value) and `mode` (how it behaves).
StudySpec FakeSpec(int max_trials, int max_parallel) {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_parallel_trials = max_parallel;
  spec.max_failed_trials = 100;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0),
                     ParameterSpec::Categorical("mode", {"ok"})};
  return spec;
}

struct Harness {
  explicit Harness(const std::string& name, StudySpec spec)
      : dir(test::MakeTempDir(name)),
        study(Study::Open(std::make_shared<InMemoryStudyRepository>(), name,
                          {.create_if_missing = true, .spec = spec})),
        events(std::make_shared<test::RecordingEvents>()) {
    options.runner.command = {test::FakeTrainer()};
    options.runner.job_dir = (dir / "jobs").string();
    options.runner.gpus = std::vector<int>{};
    options.runner.cpu_trials = 8;
    options.metric_poll_seconds = 0.05;
    options.stop_check_seconds = 0.2;
  }

  RunResult Run() {
    runner = std::make_unique<TrialRunner>(std::make_shared<LocalStudyConnection>(study), options,
                                           events);
    return runner->Run();
  }

  std::filesystem::path TrialDir(std::int64_t id, int attempt = 1) const {
    return TrialPathsFor(dir / "jobs", id, attempt).dir;
  }

  std::filesystem::path dir;
  std::shared_ptr<Study> study;
  std::shared_ptr<test::RecordingEvents> events;
  TrialRunnerOptions options;
  std::unique_ptr<TrialRunner> runner;
};

struct Interval {
  double start;
  double end;
  std::int64_t trial;
};

// The most intervals that overlap at one moment.
// A runner that died: this host, a process that no longer runs (this one's pid, another start).
RunnerIdentity GoneRunner() {
  RunnerIdentity dead = RunnerIdentity::Current();
  dead.start_ticks += 1;
  return dead;
}

// Runs two harnesses' studies at once, on two threads, and checks that both finished.
void RunBothToTheEnd(Harness& a, Harness& b) {
  RunResult result_a;
  RunResult result_b;
  std::thread run_a([&] { result_a = a.Run(); });
  std::thread run_b([&] { result_b = b.Run(); });
  run_a.join();
  run_b.join();
  CHECK(result_a.outcome == RunOutcome::kStudyDone);
  CHECK(result_b.outcome == RunOutcome::kStudyDone);
}

int MaxOverlap(std::vector<Interval> intervals) {
  std::vector<std::pair<double, int>> edges;
  for (const auto& i : intervals) {
    edges.push_back({i.start, +1});
    edges.push_back({i.end, -1});
  }
  std::sort(edges.begin(), edges.end());  // at equal times an end (-1) comes first
  int now = 0;
  int most = 0;
  for (const auto& [t, d] : edges)
    most = std::max(most, now += d);
  return most;
}

// Reads every trial's record.json; checks what each trial saw against what the study recorded.
std::map<int, std::vector<Interval>> GpuIntervals(Harness& h, std::size_t gpus_per_trial) {
  std::map<int, std::vector<Interval>> by_gpu;
  for (const Trial& t : h.study->Trials()) {
    INFO("trial " << t.id << ": " << t.failure_reason);
    CHECK(t.state == TrialState::kSucceeded);
    const auto record = test::ReadRecord(h.TrialDir(t.id));
    REQUIRE(record.is_object());
    CHECK(record["env"]["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID");
    CHECK(record["env"]["CLOUD_ML_TRIAL_ID"] == std::to_string(t.id));
    CHECK(record["env"]["CLOUD_ML_HP_METRIC_FILE"] ==
          (h.TrialDir(t.id) / "hypertune.jsonl").string());
    const std::string visible = record["env"]["CUDA_VISIBLE_DEVICES"];
    std::string joined;
    for (int g : t.gpus)
      joined += (joined.empty() ? "" : ",") + std::to_string(g);
    CHECK(visible == joined);
    CHECK(t.gpus.size() == gpus_per_trial);
    CHECK(std::set<int>(t.gpus.begin(), t.gpus.end()).size() == t.gpus.size());
    for (int g : t.gpus) {
      by_gpu[g].push_back({record["start"].get<double>(), record["end"].get<double>(), t.id});
    }
  }
  return by_gpu;
}

}  // namespace

TEST_CASE("four GPUs: no two trials share a GPU, every GPU is used", "[runner][gpus]") {
  Harness h("gpus", FakeSpec(12, 4));
  h.options.runner.gpus = std::vector<int>{0, 1, 2, 3};
  h.options.runner.args = {"--steps=2", "--sleep-ms=10"};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.launched == 12);
  CHECK(result.progress.succeeded == 12);
  REQUIRE(h.events->started);
  CHECK(h.events->started->max_running == 4);
  CHECK(h.events->started->gpu_source == "runner.gpus");
  const auto by_gpu = GpuIntervals(h, 1);
  CHECK(by_gpu.size() == 4);
  for (const auto& [gpu, intervals] : by_gpu) {
    INFO("GPU " << gpu);
    CHECK(MaxOverlap(intervals) == 1);
  }
}

TEST_CASE("two runners on one machine never put trials on the same GPU slot", "[runner][gpus]") {
  Harness a("share-a", FakeSpec(6, 2));
  Harness b("share-b", FakeSpec(6, 2));
  for (Harness* h : {&a, &b}) {
    h->options.runner.gpus = std::vector<int>{0, 1};
    h->options.runner.args = {"--steps=2", "--sleep-ms=40"};
    h->options.gpu_lock_dir = (a.dir / "gpu-locks").string();  // one machine's locks
  }
  RunBothToTheEnd(a, b);
  std::map<int, std::vector<Interval>> by_gpu;
  for (Harness* h : {&a, &b}) {
    for (const Trial& t : h->study->Trials()) {
      INFO("trial " << t.id << ": " << t.failure_reason);
      CHECK(t.state == TrialState::kSucceeded);
      REQUIRE(t.gpus.size() == 1);
      // A trial whose GPU the other runner took between counting and launching runs again later.
      const auto record = test::ReadRecord(h->TrialDir(t.id, t.attempt));
      REQUIRE(record.is_object());
      CHECK(record["env"]["CUDA_VISIBLE_DEVICES"] == std::to_string(t.gpus[0]));
      by_gpu[t.gpus[0]].push_back(
          {record["start"].get<double>(), record["end"].get<double>(), t.id});
    }
  }
  for (const auto& [gpu, intervals] : by_gpu) {
    INFO("GPU " << gpu);
    CHECK(MaxOverlap(intervals) == 1);
  }
}

TEST_CASE("two runners on one machine run no more CPU trials together than runner.cpuTrials",
          "[runner][cpu]") {
  Harness a("cpu-a", FakeSpec(6, 3));
  Harness b("cpu-b", FakeSpec(6, 3));
  for (Harness* h : {&a, &b}) {
    h->options.runner.cpu_trials = 2;
    h->options.runner.args = {"--steps=2", "--sleep-ms=40"};
    h->options.gpu_lock_dir = (a.dir / "locks").string();  // one machine's locks
  }
  RunBothToTheEnd(a, b);
  std::vector<Interval> intervals;
  for (Harness* h : {&a, &b}) {
    CHECK(h->events->started->max_running == 2);
    CHECK(h->events->started->cpu_trials == 2);
    CHECK_THAT(h->events->AllWarnings(),
               Catch::Contains("maxParallelTrials is 3 but only 2 trial(s) fit at once "
                               "(runner.cpuTrials 2, for all the runs of this machine together); "
                               "the other trials wait their turn: raise runner.cpuTrials, or "
                               "lower maxParallelTrials to say so"));
    for (const Trial& t : h->study->Trials()) {
      INFO("trial " << t.id << ": " << t.failure_reason);
      CHECK(t.state == TrialState::kSucceeded);
      const auto record = test::ReadRecord(h->TrialDir(t.id, t.attempt));
      REQUIRE(record.is_object());
      intervals.push_back({record["start"].get<double>(), record["end"].get<double>(), t.id});
    }
  }
  CHECK(intervals.size() == 12);
  CHECK(MaxOverlap(intervals) <= 2);
}

TEST_CASE("a study that ends while other processes hold every slot ends without waiting for one",
          "[runner][gpus]") {
  // On a machine shared with other runs, the slot the last trial freed was claimed by another
  // process before the loop looked again: the run said "every GPU slot is held by other bayestune
  // processes ...; waiting for one to free up" after its study was done (newuser10).
  Harness h("done-held", FakeSpec(1, 1));
  h.options.runner.gpus = std::vector<int>{0};
  h.options.runner.args = {"--steps=2"};
  h.options.gpu_lock_dir = (h.dir / "locks").string();
  std::unique_ptr<SlotClaims> other;
  h.events->on_trial_finished = [&](const TrialFinishedEvent&) {
    other = std::make_unique<SlotClaims>(h.dir / "locks", 1);
    CHECK(other->Claim(SlotClaims::GpuResource(0)));  // the slot the trial just freed
  };
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.progress.succeeded == 1);
  CHECK_THAT(h.events->AllWarnings(), !Catch::Contains("held by other bayestune processes"));
}

TEST_CASE("CPU trials get their share of the CPUs as OMP_NUM_THREADS", "[runner][cpu]") {
  const char* inherited = std::getenv("OMP_NUM_THREADS");
  const std::string saved = inherited ? inherited : "";
  ::unsetenv("OMP_NUM_THREADS");
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  const int cpus = CPU_COUNT(&set);
  SECTION("CPU trials: the CPUs over the trials at once, at least 1") {
    Harness h("omp", FakeSpec(2, 2));
    h.options.runner.cpu_trials = 2;
    CHECK(h.Run().outcome == RunOutcome::kStudyDone);
    const std::string expected = std::to_string(std::max(1, cpus / 2));
    CHECK(h.events->started->cpu_threads == std::max(1, cpus / 2));
    for (const Trial& t : h.study->Trials())
      CHECK(test::ReadRecord(h.TrialDir(t.id))["env"]["OMP_NUM_THREADS"] == expected);
  }
  SECTION("runner.env chooses") {
    Harness h("omp-env", FakeSpec(1, 1));
    h.options.runner.env = {{"OMP_NUM_THREADS", "7"}};
    CHECK(h.Run().outcome == RunOutcome::kStudyDone);
    CHECK(test::ReadRecord(h.TrialDir(1))["env"]["OMP_NUM_THREADS"] == "7");
  }
  SECTION("GPU trials: not set") {
    Harness h("omp-gpu", FakeSpec(1, 1));
    h.options.runner.gpus = std::vector<int>{0};
    CHECK(h.Run().outcome == RunOutcome::kStudyDone);
    CHECK(test::ReadRecord(h.TrialDir(1))["env"]["OMP_NUM_THREADS"].is_null());
  }
  if (inherited) ::setenv("OMP_NUM_THREADS", saved.c_str(), 1);
}

TEST_CASE("gpusPerTrial 2: each trial holds two GPUs of its own", "[runner][gpus]") {
  Harness h("gpus2", FakeSpec(6, 4));
  h.options.runner.gpus = std::vector<int>{0, 1, 2, 3};
  h.options.runner.gpus_per_trial = 2;
  h.options.runner.args = {"--steps=2", "--sleep-ms=10"};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(h.events->started->max_running == 2);  // 4 GPUs / 2 per trial, below maxParallelTrials
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("maxParallelTrials is 4 but only 2 trial(s) fit at once (4 GPU(s) "
                             "x trialsPerGpu 1 / gpusPerTrial 2); the other trials wait their "
                             "turn: give more GPUs (--gpus), let small trials share one "
                             "(runner.trialsPerGpu), or lower maxParallelTrials to say so"));
  const auto by_gpu = GpuIntervals(h, 2);
  CHECK(by_gpu.size() == 4);
  for (const auto& [gpu, intervals] : by_gpu)
    CHECK(MaxOverlap(intervals) == 1);
}

TEST_CASE("trialsPerGpu 2: eight trials run at once on four GPUs, two per GPU", "[runner][gpus]") {
  Harness h("pack", FakeSpec(8, 8));
  h.options.runner.gpus = std::vector<int>{0, 1, 2, 3};
  h.options.runner.trials_per_gpu = 2;
  // Each trainer waits until all eight have started: the study only succeeds if eight ran at
  // once.
  h.options.runner.args = {"--barrier-dir=" + (h.dir / "barrier").string(), "--barrier-count=8"};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.progress.succeeded == 8);
  const auto by_gpu = GpuIntervals(h, 1);
  CHECK(by_gpu.size() == 4);
  for (const auto& [gpu, intervals] : by_gpu) {
    CHECK(intervals.size() == 2);
    CHECK(MaxOverlap(intervals) == 2);
  }
}

TEST_CASE("no GPU: CPU trials with CUDA_VISIBLE_DEVICES empty, all scalars recorded", "[runner]") {
  Harness h("cpu", FakeSpec(3, 2));
  h.options.runner.args = {"--steps=4", "--extra-tag=loss", "--ramp=0.01"};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(h.events->started->cpu_only);
  for (const Trial& t : h.study->Trials()) {
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.gpus.empty());
    CHECK(test::ReadRecord(h.TrialDir(t.id))["env"]["CUDA_VISIBLE_DEVICES"] == "");
    CHECK(t.MeasurementsOf("accuracy").size() == 4);
    CHECK(t.MeasurementsOf("loss").size() == 4);
    const double x = t.parameters.at("x").AsDouble();
    CHECK(*t.final_value == Approx(static_cast<float>(x + 0.04)));
    CHECK(*t.final_step == 4);
    CHECK(h.events->measurements[t.id].size() == 8);
  }
}

namespace {

// A study whose trials are the given modes of the fake trainer, each x = 0.25, run 4 at a time.
struct ModeStudy {
  ModeStudy(const std::string& name, const std::vector<std::string>& modes)
      : h(name, [&] {
          StudySpec spec = FakeSpec(static_cast<int>(modes.size()), 4);
          spec.parameters[1] = ParameterSpec::Categorical("mode", modes);
          return spec;
        }()) {
    for (const std::string& mode : modes) {
      id_of[mode] = h.study->RequestTrial({{"x", 0.25}, {"mode", mode}}).id;
    }
  }
  Trial operator()(const std::string& mode) { return h.study->GetTrial(id_of.at(mode)); }

  Harness h;
  std::map<std::string, std::int64_t> id_of;
};

}  // namespace

TEST_CASE("every way a trainer can go wrong ends in the right state with a reason",
          "[runner][failures]") {
  ModeStudy trial("failures", {"ok", "crash", "segv", "spam", "no-tag", "nan", "no-file",
                               "hypertune", "both", "leave-child"});
  trial.h.options.runner.args = {"--spam-bytes=3000000"};
  const RunResult result = trial.h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.progress.finished() == 10);  // the study went on after each failure

  using Catch::Contains;
  for (const char* mode : {"ok", "spam", "hypertune", "both", "leave-child"}) {
    INFO(mode << ": " << trial(mode).failure_reason);
    CHECK(trial(mode).state == TrialState::kSucceeded);
    CHECK(*trial(mode).final_value == Approx(0.25));
    // Each step once, even when reported to both event files and the hypertune file.
    CHECK(trial(mode).MeasurementsOf("accuracy").size() == 3);
  }
  CHECK(std::filesystem::file_size(trial.h.TrialDir(trial.id_of["spam"]) / "stdout.log") >=
        3000000);

  CHECK(trial("crash").state == TrialState::kFailed);
  CHECK_THAT(trial("crash").failure_reason, Contains("the trainer exited with status 3") &&
                                                Contains("simulated crash at step 1") &&
                                                Contains("stderr.log"));
  CHECK(trial("crash").MeasurementsOf("accuracy").size() == 1);  // kept

  CHECK(trial("segv").state == TrialState::kFailed);
  CHECK_THAT(
      trial("segv").failure_reason,
      Contains("the trainer was killed by signal 11 (SIGSEGV)") && Contains("about to segfault"));

  CHECK(trial("no-tag").state == TrialState::kFailed);
  CHECK_THAT(trial("no-tag").failure_reason,
             Contains("exited with status 0 without reporting the metric") &&
                 Contains("accuracy") && Contains("loss"));
  CHECK(trial("no-tag").MeasurementsOf("loss").size() == 3);  // what it did report is kept

  CHECK(trial("no-file").state == TrialState::kFailed);
  CHECK_THAT(trial("no-file").failure_reason, Contains("without reporting the metric"));

  CHECK(trial("nan").state == TrialState::kInfeasible);
  CHECK_THAT(trial("nan").failure_reason, Contains("'accuracy' is nan at step 3"));
  CHECK_THAT(trial.h.events->AllWarnings(), Contains("non-finite values are not recorded"));
  CHECK(trial.h.events->stopping.empty());
}

TEST_CASE("a scalar at a negative step is left out with a warning, and the study goes on",
          "[runner][failures]") {
  // TensorBoard's step is an int64, so an event file can hold step -1 (a uint64 step 2^64 - 1
  // reads so too). The store keeps steps of 0 or more: such a scalar made AddMeasurements throw,
  // and the whole run ended with "measurement step of trial 2 is -1; steps are 0 or more",
  // leaving its trials ACTIVE. Under BEST its 0.99 would also have been the trial's value.
  StudySpec spec = FakeSpec(2, 2);
  spec.parameters[1] = ParameterSpec::Categorical("mode", {"ok", "negative-step"});
  spec.measurement_selection = MeasurementSelection::kBest;
  Harness h("negative_step", spec);
  std::map<std::string, std::int64_t> id_of;
  for (const char* mode : {"ok", "negative-step"})
    id_of[mode] = h.study->RequestTrial({{"x", 0.25}, {"mode", mode}}).id;
  const auto trial = [&](const std::string& mode) { return h.study->GetTrial(id_of.at(mode)); };
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  for (const char* mode : {"ok", "negative-step"}) {
    INFO(mode << ": " << trial(mode).failure_reason);
    CHECK(trial(mode).state == TrialState::kSucceeded);
    CHECK(*trial(mode).final_value == Approx(0.25));
    CHECK(trial(mode).MeasurementsOf("accuracy").size() == 3);
  }
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("'accuracy' at step -1") && Catch::Contains("not recorded"));
}

TEST_CASE("a trial whose keeper is stopped is still ended, by force, after SIGKILL",
          "[runner][failures]") {
  // The runner's SIGKILL goes through the trial's keeper; a keeper stopped (SIGSTOP, a debugger
  // attached) never passed it on, and a timed-out (or interrupted) trial ran, and held its GPU,
  // for as long as the keeper stayed stopped.
  // The kill is asked for (two interrupts) only once the keeper is stopped: the test timed the
  // trial out after 1 s and stopped the keeper when it found it, which under load (a full
  // `ctest -j2`) came after the SIGTERM of the timeout had reached the trainer through the keeper
  // still running: the trial ended without needing force, and the warning was missing.
  StudySpec spec = FakeSpec(1, 1);
  spec.parameters[1] = ParameterSpec::Categorical("mode", {"hang"});
  Harness h("stopped_keeper", spec);
  h.options.force_kill_seconds = 1;
  h.study->RequestTrial({{"x", 0.25}, {"mode", "hang"}});
  RunResult result;
  TrialRunner runner(std::make_shared<LocalStudyConnection>(h.study), h.options, h.events);
  std::thread run([&] { result = runner.Run(); });
  // The trainer writes record.json as it starts; its parent is the keeper.
  pid_t keeper = 0;
  for (int i = 0; i < 1000 && keeper == 0; ++i) {
    const auto record = test::ReadRecord(h.TrialDir(1));
    if (record.is_object()) {
      const std::string stat =
          test::ReadFile("/proc/" + std::to_string(record["pid"].get<int>()) + "/stat");
      if (!stat.empty()) {
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));
        char state = 0;
        fields >> state >> keeper;
      }
    }
    if (keeper == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (keeper == 0) {  // the run ends (its trial killed) before the test does
    runner.RequestInterrupt();
    runner.RequestInterrupt();
    run.join();
  }
  REQUIRE(keeper > 0);
  REQUIRE(kill(keeper, SIGSTOP) == 0);
  // A stopped process shows state T in /proc: stopped before the kill is asked for.
  for (int i = 0; i < 500; ++i) {
    const std::string stat = test::ReadFile("/proc/" + std::to_string(keeper) + "/stat");
    if (stat.size() > stat.rfind(')') + 2 && stat[stat.rfind(')') + 2] == 'T') break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto asked = std::chrono::steady_clock::now();
  runner.RequestInterrupt();
  runner.RequestInterrupt();  // the second kills the running trial (SIGKILL through its keeper)
  // A safety net, so that the test ends either way: the keeper goes on 20 s after the kill.
  std::atomic<bool> ended{false};
  std::thread net([keeper, asked, &ended] {
    while (!ended && std::chrono::steady_clock::now() < asked + std::chrono::seconds(20))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(keeper, SIGCONT);
  });
  run.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  ended = true;
  net.join();
  // Ended by force about force_kill_seconds after the SIGKILL, not by the net's SIGCONT.
  CHECK(seconds < 15);
  CHECK(result.outcome == RunOutcome::kKilled);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kRequested);  // killed by the interrupt: it runs again
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("did not end within 1 s of SIGKILL: its keeper (pid " +
                             std::to_string(keeper)));
}

TEST_CASE("a trainer killed for writing past the file size limit uses up no trial",
          "[runner][failures]") {
  // Under `ulimit -f` (which the trainer gets from the runner) a trainer whose log passed the
  // limit was killed by SIGXFSZ and its trial FAILED, then the next, until the failure limit:
  // the limit's fault, as a full disk's, not the parameters'.
  StudySpec spec = FakeSpec(2, 1);
  spec.parameters[1] = ParameterSpec::Categorical("mode", {"spam"});
  Harness h("file_size_limit", spec);
  h.options.runner.args = {"--mode=spam", "--spam-bytes=3000000"};
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &before) == 0);
  rlimit limited = before;
  limited.rlim_cur = 1 << 20;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  RunResult result;
  try {
    result = h.Run();
  } catch (...) {
    setrlimit(RLIMIT_FSIZE, &before);
    throw;
  }
  REQUIRE(setrlimit(RLIMIT_FSIZE, &before) == 0);
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(
      result.message,
      Catch::Contains(
          "the file size limit (ulimit -f) is 1048576 bytes, which the trainer wrote past") &&
          Catch::Contains("no trial was used up: raise the file size limit"));
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kRequested);
  CHECK(trial.attempt == 2);
  CHECK(h.study->Trials().size() == 1);  // nothing more was launched
}

TEST_CASE("a trainer that hangs past the timeout gets SIGTERM, then SIGKILL",
          "[runner][failures]") {
  ModeStudy trial("timeouts", {"hang", "hang-hard"});
  trial.h.options.runner.trial_timeout_seconds = 2;
  trial.h.options.runner.stop_grace_period_seconds = 0.3;
  const RunResult result = trial.h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);

  using Catch::Contains;
  CHECK(trial("hang").state == TrialState::kFailed);
  CHECK_THAT(trial("hang").failure_reason,
             Contains("timed out after 2 s (runner.trialTimeoutSeconds)") &&
                 Contains("stopped with SIGTERM") && Contains("hanging"));
  CHECK(trial("hang-hard").state == TrialState::kFailed);
  CHECK_THAT(trial("hang-hard").failure_reason, Contains("timed out after 2 s") &&
                                                    Contains("did not stop within 0.3 s") &&
                                                    Contains("killed with SIGKILL"));
  for (const auto& e : trial.h.events->trials_finished) {
    REQUIRE(e.exit);
    CHECK(e.exit->signaled);
    CHECK(e.exit->code == (e.trial.id == trial.id_of["hang"] ? SIGTERM : SIGKILL));
  }
  REQUIRE(trial.h.events->stopping.size() == 3);  // SIGTERM to both, SIGKILL to hang-hard
  for (const auto& e : trial.h.events->stopping)
    CHECK(e.cause == TrialStopCause::kTimeout);
}

TEST_CASE("values with spaces, quotes and shell characters reach the trainer untouched",
          "[runner]") {
  const std::vector<std::string> values = {
      "a b",       "it's \"quoted\"", "$(touch PWNED); `touch PWNED2` | cat > out & *",
      "--x=1 --y", "tab\there",       "back\\slash"};
  StudySpec spec = FakeSpec(static_cast<int>(values.size()), 3);
  spec.parameters[1] = ParameterSpec::Categorical("mode", values);
  Harness h("quoting", spec);
  h.options.runner.args = {"--mode=ok", "two words", "$HOME", "'single'"};
  h.options.runner.env = {{"FAKE_EXTRA", "x 'y' \"z\" $HOME; `id`"}};
  for (const auto& v : values)
    h.study->RequestTrial({{"x", 0.5}, {"mode", v}});
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  for (const Trial& t : h.study->Trials()) {
    const auto record = test::ReadRecord(h.TrialDir(t.id));
    const std::vector<std::string> argv = record["argv"];
    REQUIRE(argv.size() == 8);
    CHECK(argv[1] == "--mode=ok");
    CHECK(argv[2] == "two words");
    CHECK(argv[3] == "$HOME");
    CHECK(argv[4] == "'single'");
    CHECK(argv[5] == "--mode=" + t.parameters.at("mode").AsString());
    CHECK(argv[6] == "--x=0.5");
    CHECK(argv[7] == "--job-dir=" + h.TrialDir(t.id).string());
    CHECK(record["env"]["FAKE_EXTRA"] == "x 'y' \"z\" $HOME; `id`");
  }
  CHECK_FALSE(std::filesystem::exists("PWNED"));
  CHECK_FALSE(std::filesystem::exists(h.dir / "jobs" / "PWNED"));
}

TEST_CASE("early stopping stops a clearly worse curve and not a good one", "[runner][stopping]") {
  StudySpec spec = FakeSpec(5, 1);
  spec.enable_early_stopping = true;
  spec.parameters[1] = ParameterSpec::Categorical("mode", {"ok", "hang"});
  Harness h("stopping", spec);
  h.options.runner.args = {"--steps=4"};
  h.options.runner.trial_timeout_seconds = 60;  // only if the rule never fires
  h.options.runner.stop_grace_period_seconds = 5;
  for (int i = 0; i < 3; ++i)
    h.study->RequestTrial({{"x", 0.9}, {"mode", "ok"}});
  // Reports 0.1 at step 1, then waits to be stopped.
  const auto bad = h.study->RequestTrial({{"x", 0.1}, {"mode", "hang"}});
  const auto good = h.study->RequestTrial({{"x", 0.95}, {"mode", "ok"}});
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);

  const Trial stopped = h.study->GetTrial(bad.id);
  INFO(stopped.failure_reason);
  CHECK(stopped.state == TrialState::kSucceeded);
  CHECK(stopped.stopped_early);
  CHECK(*stopped.final_value == Approx(0.1));
  const Trial kept = h.study->GetTrial(good.id);
  CHECK(kept.state == TrialState::kSucceeded);
  CHECK_FALSE(kept.stopped_early);
  CHECK(*kept.final_value == Approx(0.95));
  REQUIRE_FALSE(h.events->stopping.empty());
  CHECK(h.events->stopping[0].trial_id == bad.id);
  CHECK(h.events->stopping[0].cause == TrialStopCause::kEarlyStopping);
  CHECK(result.progress.stopped_early == 1);
}

TEST_CASE("a first interrupt lets the running trials finish and launches nothing more",
          "[runner][interrupt]") {
  Harness h("interrupt1", FakeSpec(6, 2));
  h.options.runner.args = {"--steps=3", "--sleep-ms=30"};
  h.events->on_trial_started = [&](const TrialStartedEvent& e) {
    if (e.trial.id == 2) h.runner->RequestInterrupt();
  };
  RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kInterrupted);
  CHECK(result.launched == 2);
  CHECK(result.finished == 2);
  REQUIRE(h.events->interrupts.size() == 1);
  CHECK(h.events->interrupts[0] == std::pair{InterruptLevel::kStopLaunching, 2});
  CHECK(h.study->Trials().size() == 2);
  CHECK(h.study->Progress().succeeded == 2);

  // Running it again continues the study.
  h.events->on_trial_started = nullptr;
  result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(result.launched == 4);
  CHECK(h.study->Progress().succeeded == 6);
}

TEST_CASE("a trial put back in the queue is no longer claimed: another runner may start it at once",
          "[runner][interrupt]") {
  // Its folder stayed claimed until the runner's next turn, after the trial was back in the
  // queue: a worker or run of the same study beside it that took the trial then (after one of
  // its own trials ended) could not claim the folder, and ended saying that another run's trial
  // was in it, "a study of another name given the same job dir".
  Harness h("requeue_claim", FakeSpec(2, 2));
  h.options.runner.args = {"--force-mode=hang", "--steps=1"};
  h.events->on_trial_started = [&](const TrialStartedEvent& e) {
    if (e.trial.id == 2) {
      h.runner->RequestInterrupt();
      h.runner->RequestInterrupt();
    }
  };
  std::map<std::int64_t, bool> claimable;
  h.events->on_trial_requeued = [&](const Trial& trial) {
    const int fd = open(h.TrialDir(trial.id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    claimable[trial.id] = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (fd >= 0) close(fd);
  };
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kKilled);
  CHECK(result.requeued == 2);
  REQUIRE(claimable.size() == 2);
  CHECK(claimable[1]);
  CHECK(claimable[2]);
}

TEST_CASE("a second interrupt kills the running trials, which rerun next time",
          "[runner][interrupt]") {
  Harness h("interrupt2", FakeSpec(4, 2));
  h.options.runner.args = {"--force-mode=hang", "--steps=1"};
  h.events->on_trial_started = [&](const TrialStartedEvent& e) {
    if (e.trial.id == 2) {
      h.runner->RequestInterrupt();
      h.runner->RequestInterrupt();
    }
  };
  RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kKilled);
  CHECK(result.requeued == 2);
  REQUIRE(h.events->interrupts.size() == 2);
  CHECK(h.events->interrupts[1].first == InterruptLevel::kKillRunning);
  std::map<std::int64_t, ParameterValues> first_parameters;
  for (const Trial& t : h.study->Trials()) {
    CHECK(t.state == TrialState::kRequested);
    CHECK(t.attempt == 2);
    first_parameters[t.id] = t.parameters;
  }

  h.events->on_trial_started = nullptr;
  h.options.runner.args = {"--steps=1"};
  result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const auto trials = h.study->Trials();
  REQUIRE(trials.size() == 4);
  for (const Trial& t : trials) {
    CHECK(t.state == TrialState::kSucceeded);
    if (first_parameters.count(t.id)) {
      CHECK(t.attempt == 2);
      CHECK(t.parameters == first_parameters[t.id]);
      // The rerun wrote in its own folder, next to the first attempt's files.
      CHECK(test::ReadRecord(h.TrialDir(t.id, 2)).is_object());
      CHECK(std::filesystem::exists(h.TrialDir(t.id) / "stderr.log"));
    } else {
      CHECK(t.attempt == 1);
    }
  }
}

TEST_CASE("a trainer that does not exist is an error before the study starts", "[runner]") {
  Harness h("missing", FakeSpec(3, 1));
  h.options.runner.command = {"bayestune-no-such-trainer", "--flag"};
  CHECK_THROWS_WITH(h.Run(), Catch::Contains("runner.command[0]") &&
                                 Catch::Contains("bayestune-no-such-trainer"));
  CHECK(h.study->Trials().empty());
}

TEST_CASE("a script whose #! interpreter is missing is an error before the study starts",
          "[runner]") {
  Harness h("nointerpreter", FakeSpec(6, 3));
  test::WriteFile(h.dir / "train.py", "#!/usr/bin/python9\n", true);
  h.options.runner.command = {(h.dir / "train.py").string()};
  CHECK_THROWS_WITH(h.Run(),
                    Catch::Contains("runner.command[0]") &&
                        Catch::Contains("the interpreter '/usr/bin/python9' does not exist"));
  CHECK(h.study->Trials().empty());
}

TEST_CASE("a trainer that cannot be started uses up no trial: the run ends saying what to fix",
          "[runner]") {
  // The interpreter is there when the run starts; the first trial removes it.
  Harness h("launchfail", FakeSpec(6, 1));
  const auto interpreter = h.dir / "sh";
  std::filesystem::copy_file("/bin/sh", interpreter);
  test::WriteFile(
      h.dir / "train.sh",
      "#!" + interpreter.string() +
          "\necho '{\"accuracy\": 0.5, \"global_step\": 1}' > \"$CLOUD_ML_HP_METRIC_FILE\""
          "\nrm -f " +
          interpreter.string() + "\n",
      true);
  h.options.runner.command = {(h.dir / "train.sh").string()};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kLaunchFailed);
  CHECK_THAT(result.message,
             Catch::Contains("the trainer could not be started") &&
                 Catch::Contains("the interpreter '" + interpreter.string() + "' does not exist") &&
                 Catch::Contains("No trial was used up"));
  const auto trials = h.study->Trials();
  REQUIRE(trials.size() == 2);
  CHECK(trials[0].state == TrialState::kSucceeded);
  CHECK(trials[1].state == TrialState::kRequested);  // back in the queue, not FAILED
  CHECK(result.progress.failed == 0);
  REQUIRE(h.events->requeued.size() == 1);
  CHECK_THAT(h.events->requeued[0].second,
             Catch::Contains("could not be started") && Catch::Contains(interpreter.string()));
  CHECK(h.events->trials_finished.size() == 1);
}

TEST_CASE("files left in a trial's folder from before the study are moved aside, never read",
          "[runner]") {
  Harness h("leftovers", FakeSpec(1, 1));
  h.options.runner.args = {"--steps=2"};
  // What a study of the same name in a deleted database left: a far better value at step 30.
  {
    EventFileWriter old(h.TrialDir(1).string());
    old.AddScalar("accuracy", 30, 5.0f);
  }
  test::WriteFile(h.TrialDir(1) / "stdout.log", "the old trainer's output\n");
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kSucceeded);
  CHECK(*trial.final_step == 2);
  CHECK(*trial.final_value < 2.0);
  CHECK(trial.MeasurementsOf("accuracy").size() == 2);
  const std::filesystem::path aside = h.dir / "jobs" / "trial-1.old-1";
  CHECK(test::ReadFile(aside / "stdout.log") == "the old trainer's output\n");
  CHECK(test::ReadFile(h.TrialDir(1) / "stdout.log").find("old") == std::string::npos);
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("already held files") && Catch::Contains(aside.string()));
}

TEST_CASE("a trainer that kills its keeper leaves nothing of its tree running", "[runner][tree]") {
  // Its child that left the group (setsid) escaped: the keeper that would have killed it was
  // gone, and it ran on, holding its GPU, until the study's next run found it.
  Harness h("keeper-killed", FakeSpec(1, 1));
  test::WriteFile(h.dir / "train.sh",
                  "#!/bin/sh\n"
                  "for arg in \"$@\"; do case \"$arg\" in --job-dir=*) dir=\"${arg#--job-dir=}\" "
                  ";; esac; done\n"
                  "setsid sh -c 'echo $$ > \"$1/escapee.tmp\"; mv \"$1/escapee.tmp\" "
                  "\"$1/escapee.pid\"; exec sleep 100000' sh \"$dir\" &\n"
                  "while [ ! -e \"$dir/escapee.pid\" ]; do sleep 0.01; done\n"
                  "kill -9 $PPID\n"
                  "sleep 100000\n",
                  true);
  h.options.runner.command = {(h.dir / "train.sh").string()};
  const RunResult result = h.Run();
  const std::string pid_text = test::ReadFile(h.TrialDir(1) / "escapee.pid");
  REQUIRE_FALSE(pid_text.empty());
  const pid_t escapee = static_cast<pid_t>(std::stol(pid_text));
  const bool gone = test::WaitFor([&] { return test::ProcessGone(escapee); }, 5);
  if (!gone) kill(escapee, SIGKILL);
  CHECK(gone);
  CHECK(result.progress.failed == 1);
  // Named by its pid (its name is sh until it has exec'd sleep; the trainer's own sh, dying with
  // its keeper, may be named too).
  CHECK_THAT(h.events->AllWarnings(), Catch::Contains("was killed before the trainer's end") &&
                                          Catch::Contains("pid " + std::to_string(escapee) + " ("));
}

TEST_CASE("the failure limit stops a hopeless study early", "[runner][failures]") {
  StudySpec spec = FakeSpec(20, 1);
  spec.max_failed_trials = 3;
  Harness h("hopeless", spec);
  h.options.runner.args = {"--force-mode=crash"};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kTooManyFailures);
  CHECK_THAT(result.message, Catch::Contains("3 failed trials"));
  CHECK(result.progress.failed == 3);
  CHECK(h.study->Trials().size() == 3);
}

TEST_CASE("trials of a runner that is gone are rerun, a live client's are left alone",
          "[runner][resume]") {
  Harness h("orphans", FakeSpec(3, 2));
  h.options.runner.args = {"--steps=1"};
  const RunnerIdentity dead = GoneRunner();
  const Trial orphan = h.study->Suggest(1, dead.ClientId(1)).at(0);
  const Trial live = h.study->Suggest(1, "worker-a").at(0);
  // What the dead runner's trainer left running, found by its metric file.
  const TrialPaths old_paths = TrialPathsFor(h.dir / "jobs", orphan.id, 1);
  std::filesystem::create_directories(old_paths.dir);
  RunnerSpec old_runner;
  old_runner.command = {test::FakeTrainer(), "--force-mode=hang"};
  const auto old_command = BuildTrialCommand(old_runner, test::FakeTrainer(), orphan, {}, old_paths,
                                             CurrentEnvironment());
  auto leftover =
      TrialProcess::Launch({old_command.executable, old_command.argv, old_command.environment,
                            old_paths.stdout_log, old_paths.stderr_log});
  const pid_t leftover_pid = leftover.pid();

  const RunResult result = h.Run();
  CHECK(leftover.WaitExit().code == SIGKILL);
  CHECK(result.outcome == RunOutcome::kNothingToRun);
  CHECK_THAT(result.message, Catch::Contains("held by other runners or clients"));
  CHECK(result.requeued == 1);
  REQUIRE(h.events->requeued.size() == 1);
  CHECK_THAT(h.events->requeued[0].second, Catch::Contains("is gone"));
  CHECK_THAT(
      h.events->AllWarnings(),
      Catch::Contains("killed 1 process(es) left running by attempt 1 of trial " +
                      std::to_string(orphan.id) + ": pid " + std::to_string(leftover_pid) + " (") &&
          Catch::Contains("worker-a"));
  const Trial rerun = h.study->GetTrial(orphan.id);
  CHECK(rerun.state == TrialState::kSucceeded);
  CHECK(rerun.attempt == 2);
  CHECK(rerun.parameters == orphan.parameters);
  CHECK(test::ReadRecord(h.TrialDir(orphan.id, 2)).is_object());
  CHECK(h.study->GetTrial(live.id).state == TrialState::kActive);
  CHECK(h.study->GetTrial(live.id).client_id == "worker-a");
}

TEST_CASE(
    "a gone runner's trial that ran as a Slurm job, resumed by a local run: rerun, not a crash",
    "[runner][resume]") {
  // The run looked whether the job was submitted yet (slurmfield5's lost sbatch) before it
  // looked whether the launcher had a job at all: a local launcher has none to follow, and the
  // run died of a null pointer (SIGSEGV) where it said "which this local launcher cannot follow".
  Harness h("slurm-orphan", FakeSpec(1, 1));
  h.options.runner.args = {"--steps=1"};
  const RunnerIdentity dead = GoneRunner();
  const Trial orphan = h.study->Suggest(1, dead.ClientId(1)).at(0);
  h.study->RecordJob(orphan.id, "4242", orphan.Owner());
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("attempt 1 of trial " + std::to_string(orphan.id) +
                             " ran as Slurm job 4242, which this local launcher cannot follow; "
                             "rerunning the trial (scancel 4242 if it still runs)"));
  const Trial rerun = h.study->GetTrial(orphan.id);
  CHECK(rerun.state == TrialState::kSucceeded);
  CHECK(rerun.attempt == 2);
}

TEST_CASE("what a dead runner's trials left running is killed and named at the next run",
          "[runner][resume]") {
  Harness h("leftover-tree", FakeSpec(1, 1));
  h.options.runner.args = {"--steps=1"};
  const RunnerIdentity dead = GoneRunner();
  // A process of trial 5 of this study, started by a runner that is gone (its keeper killed with
  // it), and one of a live runner, which stays.
  auto launch = [&](const std::string& runner, const std::string& name) {
    std::vector<std::string> environment = CurrentEnvironment();
    SetEnvironmentValue(environment, "BAYESTUNE_STUDY", "leftover-tree");
    SetEnvironmentValue(environment, "BAYESTUNE_RUNNER", runner);
    SetEnvironmentValue(environment, "CLOUD_ML_TRIAL_ID", "5");
    const auto dir = h.dir / name;
    std::filesystem::create_directories(dir);
    return TrialProcess::Launch({test::FakeTrainer(),
                                 {"fake", "--job-dir=" + dir.string(), "--mode=hang"},
                                 environment,
                                 dir / "stdout.log",
                                 dir / "stderr.log"});
  };
  auto orphan = launch(dead.ClientIdPrefix(), "orphan");
  auto alive = launch(RunnerIdentity::Current().ClientIdPrefix(), "alive");
  const pid_t orphan_pid = orphan.pid();

  CHECK(h.Run().outcome == RunOutcome::kStudyDone);
  CHECK(orphan.WaitExit().code == SIGKILL);
  CHECK(alive.running());
  CHECK_FALSE(alive.PollExit());
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("killed 1 process(es) of study 'leftover-tree' left running by a "
                             "runner that is gone: pid " +
                             std::to_string(orphan_pid) + " (") &&
                 Catch::Contains(") of trial 5"));
  // This runner's own trials carry the study and the runner, for the next one to find.
  const auto record = test::ReadRecord(h.TrialDir(1));
  CHECK(record["env"]["BAYESTUNE_STUDY"] == "leftover-tree");
  CHECK(record["env"]["BAYESTUNE_RUNNER"] == h.events->started->client_id_prefix);
}

TEST_CASE("a trainer that writes its event file anew mid-trial: the value comes from the new run",
          "[runner][metrics]") {
  StudySpec spec = FakeSpec(1, 1);
  spec.measurement_selection = MeasurementSelection::kBest;
  Harness h("rewrite", spec);
  // Steps 1-3 with x (0 to 1), then, once the runner recorded them, the same file emptied and
  // written anew: steps 1-6 with -1. The best value of the file as it is now is -1; the curve
  // read before the rewrite must not lend it its better values.
  h.options.runner.args = {"--force-mode=rewrite", "--steps=3", "--rewrite-value=-1"};
  h.events->on_measurements = [&](std::int64_t id, const std::vector<Measurement>& all) {
    if (all.size() == 3) test::WriteFile(h.TrialDir(id) / "go", "");
  };
  CHECK(h.Run().outcome == RunOutcome::kStudyDone);
  const Trial trial = h.study->GetTrial(1);
  INFO(trial.failure_reason << "\n" << h.events->AllWarnings());
  REQUIRE(trial.state == TrialState::kSucceeded);
  CHECK(*trial.final_value == -1.0);
  CHECK_THAT(h.events->AllWarnings(),
             Catch::Contains("events.out.tfevents") && Catch::Contains("reading it afresh"));
  // What was recorded before the rewrite stays recorded; the new run's steps follow it.
  const auto measurements = trial.MeasurementsOf("accuracy");
  REQUIRE(measurements.size() == 9);
  for (std::size_t i = 3; i < 9; ++i) {
    CHECK(measurements[i].step == static_cast<std::int64_t>(i - 2));
    CHECK(measurements[i].value == -1.0);
  }
}
