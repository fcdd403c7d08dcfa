// The runner's timeout, grace period and interrupt logic, with a launcher and a clock of the
// test's own: the clock jumps to the end of every wait, so an hour's timeout takes no real time,
// and the times at which the runner acted are exact.
#include "bayestune/trial_runner/runner_clock.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <deque>
#include <functional>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_launcher.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "hypertune_writer.h"
#include "test_support.h"

using namespace bayestune;

namespace {

// Jumps to the end of each wait, unless a descriptor (the runner's wake-up pipe, a trial folder's
// watcher) is readable. `writes` are a trainer's writes, one at the start of each wait, at the
// time the wait begins.
class JumpingClock : public RunnerClock {
 public:
  double Now() override { return now; }
  void Wait(std::vector<pollfd>& fds, double seconds) override {
    if (!writes.empty()) {
      const auto write = std::move(writes.front());
      writes.pop_front();
      write();
    }
    if (poll(fds.data(), fds.size(), 0) > 0) return;
    now += seconds;
    ++waits;
    if (on_wait) on_wait();
  }

  double now = 1000;
  int waits = 0;
  std::function<void()> on_wait;
  std::deque<std::function<void()>> writes;
};

// What a fake trial was asked, and when (on the jumping clock).
struct FakeTrialLog {
  std::vector<std::pair<std::string, double>> calls;  // "terminate"/"kill", at
};

// A trainer that never ends on its own; SIGTERM ends it only when `obeys_sigterm`.
class FakeTrial : public LaunchedTrial {
 public:
  FakeTrial(std::shared_ptr<FakeTrialLog> log, JumpingClock& clock, bool obeys_sigterm,
            std::optional<std::string> queue_reason = std::nullopt)
      : log_(std::move(log)),
        clock_(clock),
        obeys_sigterm_(obeys_sigterm),
        queue_reason_(std::move(queue_reason)) {}

  std::optional<TrialEnd> PollEnd() override {
    if (killed_) return TrialEnd{.exit = {.signaled = true, .code = SIGKILL}, .killed = true};
    if (terminated_ && obeys_sigterm_) return TrialEnd{.exit = {.signaled = true, .code = SIGTERM}};
    return std::nullopt;
  }
  void Terminate() override {
    terminated_ = true;
    log_->calls.push_back({"terminate", clock_.now});
  }
  void Kill() override {
    killed_ = true;
    log_->calls.push_back({"kill", clock_.now});
  }
  std::string Describe() const override { return "fake trial"; }
  // A batch queue's word, as squeue last said it (never updated: a stale "pending").
  std::optional<std::string> QueueReason() const override { return queue_reason_; }
  std::string job_id() const override { return queue_reason_ ? "7" : ""; }

 private:
  std::shared_ptr<FakeTrialLog> log_;
  JumpingClock& clock_;
  bool obeys_sigterm_;
  std::optional<std::string> queue_reason_;
  bool terminated_ = false;
  bool killed_ = false;
};

class FakeLauncher : public TrialLauncher {
 public:
  FakeLauncher(JumpingClock& clock, bool obeys_sigterm)
      : clock_(clock), obeys_sigterm_(obeys_sigterm) {}

  LauncherStart Start(const std::string&, const RunnerSpec&, const StudySpec& spec,
                      const std::filesystem::path&, const WarnFunction&) override {
    LauncherStart start;
    start.max_running = spec.max_parallel_trials;
    start.event.cpu_only = true;
    return start;
  }
  int FreeSlots(int running) override { return 1 - running; }
  // Its trials have no exit descriptor; the runner need not look at them between its deadlines.
  double PollSeconds() const override { return 1e6; }
  std::optional<std::vector<int>> Acquire() override {
    if (refused_acquires > 0) {
      --refused_acquires;
      return std::nullopt;  // another process claimed the slot
    }
    return std::vector<int>{};
  }
  void Release(const std::vector<int>&) override {}
  std::unique_ptr<LaunchedTrial> Launch(const TrialLaunchRequest& request) override {
    launched_at.push_back({request.trial.id, clock_.now});
    logs.push_back(std::make_shared<FakeTrialLog>());
    return std::make_unique<FakeTrial>(logs.back(), clock_, obeys_sigterm_, queue_reason);
  }

  std::optional<std::string> queue_reason;  // what its trials' QueueReason says throughout
  std::vector<std::pair<std::int64_t, double>> launched_at;
  std::vector<std::shared_ptr<FakeTrialLog>> logs;
  int refused_acquires = 0;

 private:
  JumpingClock& clock_;
  bool obeys_sigterm_;
};

struct ClockHarness {
  ClockHarness(const std::string& name, int max_trials, bool obeys_sigterm)
      : dir(test::MakeTempDir(name)),
        clock(std::make_shared<JumpingClock>()),
        launcher(std::make_shared<FakeLauncher>(*clock, obeys_sigterm)),
        events(std::make_shared<test::RecordingEvents>()) {
    StudySpec spec;
    spec.metric_tag = "accuracy";
    spec.max_trials = max_trials;
    spec.max_parallel_trials = 1;
    spec.max_failed_trials = 100;
    spec.algorithm = Algorithm::kRandomSearch;
    spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
    study = Study::Open(std::make_shared<InMemoryStudyRepository>(), name,
                        {.create_if_missing = true, .spec = spec});
    options.runner.command = {test::FakeTrainer()};
    options.runner.job_dir = (dir / "jobs").string();
    options.runner.trial_timeout_seconds = 3600;
    options.runner.stop_grace_period_seconds = 600;
    options.metric_poll_seconds = 300;
    options.stop_check_seconds = 300;
    options.launcher = launcher;
    options.clock = clock;
  }

  RunResult Run() {
    runner = std::make_unique<TrialRunner>(std::make_shared<LocalStudyConnection>(study), options,
                                           events);
    return runner->Run();
  }

  std::filesystem::path dir;
  std::shared_ptr<JumpingClock> clock;
  std::shared_ptr<FakeLauncher> launcher;
  std::shared_ptr<test::RecordingEvents> events;
  std::shared_ptr<Study> study;
  TrialRunnerOptions options;
  std::unique_ptr<TrialRunner> runner;
};

}  // namespace

TEST_CASE(
    "an hour's timeout and a grace period, on a clock that jumps: SIGTERM at the hour, "
    "SIGKILL after the grace period",
    "[runner][clock]") {
  ClockHarness h("clock_timeout", 1, /*obeys_sigterm=*/false);
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  REQUIRE(h.launcher->launched_at.size() == 1);
  const double launched = h.launcher->launched_at[0].second;
  REQUIRE(h.launcher->logs[0]->calls.size() == 2);
  CHECK(h.launcher->logs[0]->calls[0] ==
        std::pair<std::string, double>{"terminate", launched + 3600});
  CHECK(h.launcher->logs[0]->calls[1] ==
        std::pair<std::string, double>{"kill", launched + 3600 + 600});
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kFailed);
  CHECK_THAT(trial.failure_reason, Catch::Contains("timed out after 3600 s") &&
                                       Catch::Contains("did not stop within 600 s of SIGTERM"));
  REQUIRE(h.events->stopping.size() == 2);
  CHECK(h.events->stopping[0].signal == SIGTERM);
  CHECK(h.events->stopping[1].signal == SIGKILL);
  CHECK(h.events->stopping[1].cause == TrialStopCause::kTimeout);
  // The loop woke for the metric polls, the timeout and the grace period only.
  CHECK(h.clock->waits < 30);
}

TEST_CASE(
    "a trainer that obeys SIGTERM at its timeout is not killed, the next trial starts "
    "before the grace period would have ended",
    "[runner][clock]") {
  ClockHarness h("clock_obeys", 2, /*obeys_sigterm=*/true);
  h.Run();
  REQUIRE(h.launcher->launched_at.size() == 2);
  const double first = h.launcher->launched_at[0].second;
  CHECK(h.launcher->logs[0]->calls ==
        std::vector<std::pair<std::string, double>>{{"terminate", first + 3600}});
  // Its end is seen at the runner's next look (the fake trial has no exit descriptor).
  CHECK(h.launcher->launched_at[1].second > first + 3600);
  CHECK(h.launcher->launched_at[1].second < first + 3600 + 600);
  CHECK_THAT(h.study->GetTrial(1).failure_reason,
             Catch::Contains("it was stopped with SIGTERM and was killed by signal 15"));
}

TEST_CASE("a second interrupt kills the trial through its launcher and queues it to rerun",
          "[runner][clock]") {
  ClockHarness h("clock_interrupt", 3, /*obeys_sigterm=*/false);
  h.clock->on_wait = [&] {
    // Ten minutes into the first trial: Ctrl-C twice.
    if (h.clock->now >= h.launcher->launched_at.at(0).second + 600 &&
        h.runner->interrupt_requests() == 0) {
      h.runner->RequestInterrupt(SIGINT);
      h.runner->RequestInterrupt(SIGINT);
    }
  };
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kKilled);
  REQUIRE(h.launcher->logs.size() == 1);
  REQUIRE(h.launcher->logs[0]->calls.size() == 1);
  CHECK(h.launcher->logs[0]->calls[0].first == "kill");
  const Trial trial = h.study->GetTrial(1);
  CHECK(trial.state == TrialState::kRequested);
  CHECK(trial.attempt == 2);
}

TEST_CASE(
    "reported though the queue last said pending: a trial whose trainer reported runs, and two "
    "interrupts kill it as a running trial, not as one cancelled in the queue",
    "[runner][clock][slurm]") {
  // squeue is asked every few seconds, and a trainer may report before it says RUNNING (seen on
  // the Slurm test cluster under load: the run's summary said the killed trial was cancelled
  // while it waited in Slurm's queue).
  ClockHarness h("clock_stale_queue", 1, /*obeys_sigterm=*/false);
  h.launcher->queue_reason = "Priority";
  std::optional<HypertuneWriter> writer;
  h.clock->writes = {[&] {
    writer.emplace(h.events->trials_started.at(0).paths.metric_file.string(), "1");
    writer->Report("accuracy", 0.5, 1, 2001.0);
  }};
  h.events->on_measurements = [&](std::int64_t, const std::vector<Measurement>&) {
    h.runner->RequestInterrupt(SIGINT);
    h.runner->RequestInterrupt(SIGINT);
  };
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kKilled);
  REQUIRE(h.events->requeued.size() == 1);
  CHECK(h.events->requeued[0].second ==
        "attempt 1 was killed by an interrupt; it reruns when the study runs again");
  CHECK_THAT(result.message, !Catch::Contains("waiting in Slurm's queue"));
  CHECK_THAT(result.message, Catch::Contains("1 running trial(s) were killed"));
  REQUIRE(h.events->interrupts.size() == 2);
  CHECK(h.events->interrupts[0].second == 1);
}

TEST_CASE(
    "a record written to a trial's folder is read and judged at once, without waiting for a poll "
    "interval or a pause between reads",
    "[runner][clock][stopping][asha]") {
  ClockHarness h("clock_read_on_change", 2, /*obeys_sigterm=*/true);
  StudySpec spec = h.study->spec();
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9};
  h.study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "read_on_change",
                        {.create_if_missing = true, .spec = spec});
  // Trial 1, elsewhere and earlier, reached both rungs (steps 1 and 3) at 0.9.
  const Trial rival = h.study->Suggest(1, "elsewhere").at(0);
  h.study->AddMeasurements(
      rival.id,
      std::vector<Measurement>{{.metric = "accuracy", .step = 1, .value = 0.9, .wall_time = 1},
                               {.metric = "accuracy", .step = 3, .value = 0.9, .wall_time = 3}});
  h.study->Complete(rival.id, 0.9, 3);
  // Trial 2's trainer writes steps 1 (better than trial 1: promoted), 2 and 3 (worse: stopped),
  // each at the start of one of the runner's waits, with no time passing in between. The metric
  // poll and the stop check are 300 s apart: only reading on change can see them.
  std::vector<double> read_at;
  h.events->on_measurements = [&](std::int64_t, const std::vector<Measurement>&) {
    read_at.push_back(h.clock->now);
  };
  // The trainer's hypertune writer (it rewrites the whole file at each report, as Google's does).
  std::optional<HypertuneWriter> writer;
  const auto report = [&](std::int64_t step, double value) {
    return [&, step, value] {
      if (!writer) writer.emplace(h.events->trials_started.at(0).paths.metric_file.string(), "2");
      writer->Report("accuracy", value, step, 2000.0 + static_cast<double>(step));
    };
  };
  h.clock->writes = {report(1, 0.95), report(2, 0.5), report(3, 0.1)};
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  REQUIRE(h.launcher->launched_at.size() == 1);
  const double launched = h.launcher->launched_at[0].second;
  // Each record was read when it was written, at the launch's time: no poll interval, no pause.
  CHECK(read_at == std::vector<double>{launched, launched, launched});
  REQUIRE(h.events->promoted.size() == 1);
  CHECK(h.events->promoted[0].step == 1);
  // And the rung-1 decision was taken on the step-3 record at once: SIGTERM at that same time.
  REQUIRE(h.launcher->logs.at(0)->calls.size() == 1);
  CHECK(h.launcher->logs[0]->calls[0] == std::pair<std::string, double>{"terminate", launched});
  REQUIRE(h.events->stopping.size() == 1);
  CHECK_THAT(h.events->stopping[0].reason, Catch::StartsWith("ASHA rung 1 (step 3)"));
  const Trial stopped = h.study->GetTrial(2);
  CHECK(stopped.stopped_early);
  CHECK(stopped.final_step == 3);
}

TEST_CASE("a slot another process took is waited for, not paid for with a trial's attempt",
          "[runner][clock]") {
  // Another bayestune process claimed the CPU slot between FreeSlots and Acquire: the trial
  // suggested for it was requeued as attempt 2 without ever running ("not started: its CPU trial
  // slot was taken by another bayestune process"), its folder trial-1/attempt-2/, and once it
  // succeeded nothing said why it was attempt 2. The runner now claims the slot before it asks
  // for a trial, and looks again a second later.
  ClockHarness h("clock_cpu_slot_taken", 1, /*obeys_sigterm=*/true);
  h.launcher->refused_acquires = 2;
  const RunResult result = h.Run();
  CHECK(result.outcome == RunOutcome::kStudyDone);
  CHECK(h.events->requeued.empty());
  REQUIRE(h.launcher->launched_at.size() == 1);
  CHECK(h.launcher->launched_at[0].first == 1);
  // Looked again a second later each time (the clock starts at 1000), not spinning.
  CHECK(h.launcher->launched_at[0].second == 1002.0);
  CHECK(h.study->GetTrial(1).attempt == 1);
}
