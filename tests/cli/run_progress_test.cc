// The live progress view of `bayestune run` on a pseudo-terminal (`script` from bsdutils gives it
// one), captured and checked for what it must show.
#include "run_progress.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

#include "cli_test_support.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace {

// `bayestune run` of `trials` trials at once (each sleeps 2 s, then reports) on a pseudo-terminal
// of `rows` by `cols`.
ChildResult RunOnTerminal(const TempFolder& dir, int trials, int rows, int cols) {
  WriteTextFile(
      dir.File("train.sh"),
      "#!/bin/sh\nsleep 2\necho '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  std::filesystem::permissions(dir.File("train.sh"), std::filesystem::perms::owner_all);
  const std::string n = std::to_string(trials);
  WriteTextFile(
      dir.File("s.yaml"),
      RandomSearchStudyYaml(trials, trials, "  command: [./train.sh]\n  cpuTrials: " + n + "\n"));
  const std::string stty = "stty rows " + std::to_string(rows) + " cols " + std::to_string(cols);
  return RunInFolder(dir.path(),
                     {"/usr/bin/script", "-qfec",
                      stty + " && exec " + BayestunePath() + " run s.yaml", "/dev/null"},
                     {"TERM=xterm", "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
}

}  // namespace

TEST_CASE("run: on a terminal, a live view redraws in place", "[cli][run][progress]") {
  TempFolder dir;
  WriteTextFile(dir.File("live.yaml"), SmallStudyYaml(4, 2, "--hidden_units=128, --epochs=40"));
  // script -q: no banner; -f: flush; -e: its exit code is bayestune's; -c: the command.
  const auto run = RunInFolder(
      dir.path(), {"/usr/bin/script", "-qfec", BayestunePath() + " run live.yaml", "/dev/null"},
      {"TERM=xterm", "COLUMNS=200", "LINES=50"});
  const std::string& screen = run.out;
  INFO(screen << run.err);
  CHECK(run.exit_code == 0);

  // Redrawn in place: the cursor goes back up over the block and clears it.
  CHECK(screen.find("\x1b[4A\x1b[J") != std::string::npos);
  // The counts, the time, and once a trial finished, the estimate of the time left.
  CHECK(screen.find("live: 0 done, 0 failed, 2 running, 2 left of 4 | ") != std::string::npos);
  CHECK(screen.find(" elapsed, estimating the time left") != std::string::npos);
  CHECK(screen.find(" elapsed, about ") != std::string::npos);
  CHECK(screen.find("best: none yet") != std::string::npos);
  CHECK(screen.find("best: trial ") != std::string::npos);
  // One line per running trial: number, device, elapsed time, latest step and metric.
  CHECK(screen.find("  trial 1  CPU  ") != std::string::npos);
  CHECK(std::regex_search(screen, std::regex(R"(  trial \d  CPU  [0-9.]+s  step \d+ +accuracy )")));
  // Finished trials scroll above the block with the time of day.
  CHECK(std::regex_search(screen, std::regex(R"(\d\d:\d\d:\d\d trial \d succeeded in )")));
  // No timestamped event lines: those are for logs.
  CHECK_FALSE(std::regex_search(screen, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d trial)")));
  // The block is erased at the end and the summary follows.
  CHECK(screen.find("study 'live' is done: 4 trials finished") != std::string::npos);
  CHECK(screen.find("best trial: ") != std::string::npos);
}

TEST_CASE("run: the live view fits a terminal of fewer rows than trials running",
          "[cli][run][progress]") {
  // 12 trials at once on a terminal of 8 rows: the block of 14 lines was redrawn with the cursor
  // sent up 14 lines, which stops at the top row, so the lines above stayed (a copy more at each
  // redraw) and the counts and the best trial, at the top of the block, were never on screen.
  TempFolder dir;
  const auto run = RunOnTerminal(dir, 12, 8, 120);
  const std::string& screen = run.out;
  INFO(screen << run.err);
  CHECK(run.exit_code == 0);
  // The block is at most 7 lines (a row stays for the cursor): never more to go back up over.
  const std::regex up(R"(\x1b\[(\d+)A)");
  int most = 0;
  for (auto it = std::sregex_iterator(screen.begin(), screen.end(), up);
       it != std::sregex_iterator(); ++it) {
    most = std::max(most, std::stoi((*it)[1].str()));
  }
  CHECK(most > 0);
  CHECK(most <= 7);
  CHECK_THAT(screen, Catch::Contains("s: 0 done, 0 failed, 12 running, 0 left of 12 | ") &&
                         Catch::Contains("  ... and 8 more trials running (the terminal has 8 "
                                         "rows)"));
}

TEST_CASE("run: the live view's lines fit a terminal of 12 columns", "[cli][run][progress]") {
  // Lines were cut at 20 bytes at least, so on a narrower terminal each wrapped onto two rows, and
  // going up one row a line left the top of the block on screen at each redraw (fieldtest16).
  TempFolder dir;
  const auto run = RunOnTerminal(dir, 2, 20, 12);
  const std::string& screen = run.out;
  INFO(screen << run.err);
  CHECK(run.exit_code == 0);
  // The block's lines (the counts, the best trial, one per running trial): 11 columns at most.
  const std::string live = screen.substr(0, screen.find("study 's' is done"));
  int block_lines = 0;
  const std::regex block_line(R"((?:\n|\x1b\[J)((?:s: |best|  tr)[^\r\n]*))");
  for (auto it = std::sregex_iterator(live.begin(), live.end(), block_line);
       it != std::sregex_iterator(); ++it) {
    INFO((*it)[1].str());
    CHECK((*it)[1].length() <= 11);
    ++block_lines;
  }
  CHECK(block_lines > 0);
  CHECK_THAT(screen, Catch::Contains("s: 0 don...") && Catch::Contains("\n  trial ..."));
}

TEST_CASE("run: --progress plain on a terminal writes lines, TERM=dumb too",
          "[cli][run][progress]") {
  TempFolder dir;
  WriteTextFile(dir.File("plain.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  const auto flag = RunInFolder(dir.path(),
                                {"/usr/bin/script", "-qfec",
                                 BayestunePath() + " run plain.yaml --progress plain", "/dev/null"},
                                {"TERM=xterm"});
  CHECK(flag.exit_code == 0);
  CHECK(flag.out.find('\x1b') == std::string::npos);
  CHECK(
      std::regex_search(flag.out, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d trial 1 started)")));

  const auto dumb = RunInFolder(
      dir.path(),
      {"/usr/bin/script", "-qfec", BayestunePath() + " run plain.yaml --study dumb", "/dev/null"},
      {"TERM=dumb"});
  CHECK(dumb.exit_code == 0);
  CHECK(dumb.out.find('\x1b') == std::string::npos);
}

TEST_CASE("run: the progress lines say when ASHA lets a trial past a rung, and when it stops one",
          "[cli][run][progress][asha]") {
  TempFolder dir;
  // MINIMIZE over a grid of 0.2, 0.5, 0.9 run one at a time: trial 1 (0.2) is the first at
  // both rungs (steps 1 and 3), trials 2 and 3 rank 2nd of 2 and 3rd of 3 at rung 0.
  WriteTextFile(dir.File("asha.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MINIMIZE\n"
                "    hyperparameterMetricTag: accuracy\n"
                "    maxTrials: 3\n"
                "    maxParallelTrials: 1\n"
                "    algorithm: GRID_SEARCH\n"
                "    enableTrialEarlyStopping: true\n"
                "    params:\n"
                "      - {parameterName: x, type: DISCRETE, discreteValues: [0.2, 0.5, 0.9]}\n"
                "runner:\n"
                "  command: [" BAYESTUNE_FAKE_TRAINER
                ", --steps=9, --sleep-ms=100]\n"
                "  gpus: []\n"
                "  earlyStopping: {rule: ASHA, minStep: 1, maxStep: 9, reductionFactor: 3}\n");
  const auto run = RunBayestune(dir.path(), {"run", "asha.yaml", "--progress", "plain"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  const std::string& out = run.out;
  const std::string stamp = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )";
  CHECK(std::regex_search(
      out,
      std::regex(stamp + R"(trial 1 promoted past ASHA rung 0 \(step 1\): accuracy 0\.2\S* )"
                         R"(at step 1 ranks 1st of 1 trials that reached the rung, in the top )"
                         R"(1 \(1/3\) that go on)")));
  CHECK(std::regex_search(out,
                          std::regex(stamp + R"(trial 1 promoted past ASHA rung 1 \(step 3\))")));
  CHECK(std::regex_search(
      out, std::regex(stamp + R"(trial 2 stopping \(ASHA rung 0 \(step 1\): accuracy 0\.5\S* at )"
                              R"(step 1 ranks 2nd of 2 trials)")));
  CHECK(std::regex_search(out, std::regex(stamp + R"(trial 3 stopping \(ASHA rung 0 \(step 1\))")));
  // Each promotion is said once; none for the stopped trials.
  std::size_t promotions = 0;
  for (std::size_t at = 0; (at = out.find(" promoted past ", at)) != std::string::npos; ++at)
    ++promotions;
  CHECK(promotions == 2);
  // The counts say that two of the three succeeded trials were stopped at a rung.
  CHECK(out.find("3 done (2 stopped early), 0 failed, 0 running, 0 left of 3") !=
        std::string::npos);
  CHECK(out.find("is done: 3 trials finished (3 succeeded (2 stopped early), 0 failed") !=
        std::string::npos);
}

TEST_CASE("run: the live view says a last trial runs past the mean rather than 0s left",
          "[cli][run][progress]") {
  TempFolder dir;
  // Trial 1 writes 1 step, trial 2 30 steps 0.1 s apart, one at a time: trial 2 runs for ten
  // times the mean with nothing after it.
  WriteTextFile(dir.File("slow.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MAXIMIZE\n"
                "    hyperparameterMetricTag: accuracy\n"
                "    maxTrials: 2\n"
                "    maxParallelTrials: 1\n"
                "    algorithm: GRID_SEARCH\n"
                "    params:\n"
                "      - {parameterName: steps, type: DISCRETE, discreteValues: [1, 30]}\n"
                "runner:\n"
                "  command: [" BAYESTUNE_FAKE_TRAINER
                ", --sleep-ms=100]\n"
                "  gpus: []\n");
  const auto run = RunInFolder(
      dir.path(), {"/usr/bin/script", "-qfec", BayestunePath() + " run slow.yaml", "/dev/null"},
      {"TERM=xterm", "COLUMNS=200", "LINES=50"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("1 trial running longer than the mean trial (") != std::string::npos);
  CHECK(run.out.find("about 0.0s left") == std::string::npos);
}

TEST_CASE("run and the readers: a grid of fewer combinations than maxTrials counts its own trials",
          "[cli][run][progress]") {
  // The grid's 3 trials were counted against maxTrials 10: each line said '7 left of 10' and an
  // estimate for trials that would never run ('3 done, 0 failed, 0 running, 7 left of 10; ...;
  // about 1.2s left' as the last line), and status said '3 of 10 finished: ...; 7 left' of a
  // study it called done.
  TempFolder dir;
  WriteTextFile(dir.File("grid.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MAXIMIZE\n"
                "    hyperparameterMetricTag: accuracy\n"
                "    maxTrials: 10\n"
                "    maxParallelTrials: 1\n"
                "    algorithm: GRID_SEARCH\n"
                "    params:\n"
                "      - {parameterName: x, type: DISCRETE, discreteValues: [0.2, 0.5, 0.9]}\n"
                "runner:\n"
                "  command: [" BAYESTUNE_FAKE_TRAINER
                ", --steps=2]\n"
                "  gpus: []\n");
  const auto run = RunBayestune(dir.path(), {"run", "grid.yaml", "--progress", "plain"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("study 'grid' in bayestune.db: 3 trials (the grid has 3 "
                                      "combinations, fewer than maxTrials 10), 1 at once"));
  CHECK_THAT(run.out, Catch::Contains("1 done, 0 failed, 0 running, 2 left of 3; best: "));
  CHECK_THAT(run.out, Catch::Contains("3 done, 0 failed, 0 running, 0 left of 3; best: ") &&
                          !Catch::Contains(" left of 10"));
  CHECK(std::regex_search(run.out, std::regex(R"(0 left of 3; best: [^\n]*; nothing left\n)")));

  const auto status = RunBayestune(dir.path(), {"status"});
  INFO(status.out << status.err);
  CHECK_THAT(status.out, Catch::Contains("study      grid (done)") &&
                             Catch::Contains("3 of 3 finished (the grid has 3 combinations, "
                                             "fewer than maxTrials 10): 3 succeeded; 0 running, "
                                             "0 left\n"));
  const auto report = RunBayestune(dir.path(), {"report", "--out", "-"});
  CHECK_THAT(report.out,
             Catch::Contains("of 3 planned (the grid&#39;s combinations; maxTrials 10)"));
}

TEST_CASE("run and the readers: random search in a finite space ends when its points are used up",
          "[cli][run][progress]") {
  // Random search had no capacity: 3 points and maxTrials 6 ran 3 repeats, counted as 6 trials.
  TempFolder dir;
  WriteTextFile(dir.File("r.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MAXIMIZE\n"
                "    hyperparameterMetricTag: accuracy\n"
                "    maxTrials: 6\n"
                "    maxParallelTrials: 2\n"
                "    algorithm: RANDOM_SEARCH\n"
                "    params:\n"
                "      - {parameterName: x, type: DISCRETE, discreteValues: [0.2, 0.5, 0.9]}\n"
                "runner:\n"
                "  command: [" BAYESTUNE_FAKE_TRAINER
                ", --steps=2]\n"
                "  gpus: []\n"
                "  cpuTrials: 2\n");
  const auto run = RunBayestune(dir.path(), {"run", "r.yaml", "--progress", "plain"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("study 'r' in bayestune.db: 3 trials (the search space has "
                                      "3 points, fewer than maxTrials 6), 2 at once"));
  CHECK_THAT(run.out, Catch::Contains("3 done, 0 failed, 0 running, 0 left of 3; best: "));
  const auto status = RunBayestune(dir.path(), {"status"});
  INFO(status.out << status.err);
  CHECK_THAT(status.out, Catch::Contains("study      r (done)") &&
                             Catch::Contains("3 of 3 finished (the search space has 3 points, "
                                             "fewer than maxTrials 6): 3 succeeded; 0 running, "
                                             "0 left\n"));
}

// The estimate of the time left (RunProgress, which the views show as "about 1m left"), driven
// with the runner's events at chosen times: mean trial time 10 s.
TEST_CASE("run progress: a trial waiting in Slurm's queue still needs a whole trial's time",
          "[cli][run][progress]") {
  StudySpec spec;
  spec.max_trials = 4;
  cli::RunProgress progress(spec, {}, 0);
  RunnerStartedEvent started;
  started.max_running = 2;
  progress.RunnerStarted(started);
  const auto start = [&](std::int64_t id, const std::string& job_id, double now) {
    TrialStartedEvent event;
    event.trial.id = id;
    event.trial.state = TrialState::kActive;
    event.job_id = job_id;
    progress.TrialStarted(event, now);
  };
  const auto finish = [&](std::int64_t id, double run_seconds) {
    TrialFinishedEvent event;
    event.trial.id = id;
    event.trial.state = TrialState::kSucceeded;
    event.run_seconds = run_seconds;
    progress.TrialFinished(event);
  };
  start(1, "41", 0);
  start(2, "42", 0);
  progress.TrialQueueChanged(2, "Resources", 1);
  finish(1, 10);
  REQUIRE(progress.MeanTrialSeconds());
  // Trial 2's job has waited 100 s, ten times the mean: it has not begun, so it needs all 10 s
  // (it said 0 s), as do the 2 trials not started, on the free slot one after the other.
  CHECK(*progress.SecondsLeft(100) == Approx(20));
  // Once it runs, what is left of the mean from when it left the queue (not from its submission).
  progress.TrialQueueChanged(2, std::nullopt, 100);
  CHECK(*progress.SecondsLeft(104) == Approx(16));
  CHECK(progress.RunningPastMean(104) == 0);
  // Its 12 s of running count toward the mean, not the 100 s it waited.
  TrialFinishedEvent second;
  second.trial.id = 2;
  second.run_seconds = 112;
  CHECK(progress.SecondsQueued(second) == Approx(100));
  finish(2, 112);
  CHECK(*progress.MeanTrialSeconds() == Approx(11));

  // Trial 3 runs past the mean: it needs an unknown time more, counted as none, but the trial not
  // started still needs a whole mean on a slot of its own (it said half of it).
  start(3, "", 112);
  CHECK(progress.RunningPastMean(140) == 1);
  CHECK(*progress.SecondsLeft(140) == Approx(11));
  // Alone past the mean: the views say so rather than "about 0s left".
  start(4, "", 140);
  finish(4, 1);
  CHECK(*progress.MeanTrialSeconds() == Approx(23.0 / 3));
  CHECK(*progress.SecondsLeft(200) == 0);
  CHECK(progress.RunningPastMean(200) == 1);
}

// Ctrl-Z: the local trials were suspended with the run, and the live view counted the pause in
// their elapsed time and in what is left of the mean.
TEST_CASE("run progress: a pause of Ctrl-Z is no time of a local trial's", "[cli][run][progress]") {
  StudySpec spec;
  spec.max_trials = 2;
  cli::RunProgress progress(spec, {}, 0);
  RunnerStartedEvent started;
  started.max_running = 2;
  progress.RunnerStarted(started);
  for (std::int64_t id : {1, 2}) {
    TrialStartedEvent event;
    event.trial.id = id;
    event.trial.state = TrialState::kActive;
    event.job_id = id == 2 ? "42" : "";
    progress.TrialStarted(event, 10);
  }
  progress.Suspended(100);
  CHECK(progress.running().at(1).running_since == Approx(110));
  CHECK(progress.running().at(1).started == Approx(110));
  CHECK(progress.running().at(2).running_since == Approx(10));  // Slurm's: it ran on
}

// A job re-attached to (its runner was killed): its wait counts from its stored submission, not
// from the re-attach (it said "started 30s after it was submitted" for a job submitted an hour
// before); re-attached while it ran, its wait is Slurm's StartTime less the submission.
TEST_CASE("run progress: a re-attached Slurm job's wait counts from its stored submission",
          "[cli][run][progress]") {
  StudySpec spec;
  spec.max_trials = 3;
  cli::RunProgress progress(spec, {}, 0);
  const auto reattach = [&](std::int64_t id, std::optional<double> submitted) {
    TrialStartedEvent event;
    event.trial.id = id;
    event.trial.state = TrialState::kActive;
    event.trial.start_time = submitted;
    event.job_id = std::to_string(40 + id);
    event.reattached = true;
    progress.TrialStarted(event, 100, 50'000);
  };
  reattach(1, 50'000 - 3600);
  const cli::RunProgress::RunningTrial& one = progress.running().at(1);
  CHECK(one.started == Approx(100 - 3600));
  CHECK_FALSE(one.start_known);
  progress.TrialQueueChanged(1, "Resources", 101);
  progress.TrialQueueChanged(1, std::nullopt, 130);
  CHECK(one.start_known);
  // The runner's run_seconds counts from the stored submission too: 3630 s of wait, 60 s of run.
  TrialFinishedEvent event;
  event.trial.id = 1;
  event.trial.start_time = 50'000 - 3600;
  event.run_seconds = 3690;
  CHECK(progress.SecondsQueued(event) == Approx(3630));
  // Re-attached while it ran: squeue's StartTime says when it began.
  reattach(2, 50'000 - 3600);
  event.trial.id = 2;
  event.job_start_time = 50'000 - 600;
  CHECK(progress.SecondsQueued(event) == Approx(3000));
  // Without a stored start, the re-attach is all that is known.
  reattach(3, std::nullopt);
  CHECK(progress.running().at(3).started == Approx(100));
  CHECK_FALSE(progress.running().at(3).submission_known);
}

TEST_CASE(
    "run progress: a failed trial stopped early, retried by another process, counts as it "
    "ends this time",
    "[cli][run][progress]") {
  // A stopped trial that reported nothing is FAILED with stopped_early set; `run --retry-failed`
  // in another terminal queues it again (and clears the flag), and this run's Suggest may hand it
  // out. Ended SUCCEEDED and trained to the end, it was still counted as stopped early.
  StudySpec spec;
  spec.max_trials = 2;
  Trial failed;
  failed.id = 1;
  failed.state = TrialState::kFailed;
  failed.stopped_early = true;
  cli::RunProgress progress(spec, {failed}, 0);
  TrialStartedEvent started;
  started.trial.id = 1;
  started.trial.state = TrialState::kActive;
  progress.TrialStarted(started, 1);
  TrialFinishedEvent finished;
  finished.trial.id = 1;
  finished.trial.state = TrialState::kSucceeded;
  finished.trial.final_value = 0.5;
  finished.run_seconds = 5;
  progress.TrialFinished(finished);
  const StudyProgress counts = progress.Counts();
  CHECK(counts.succeeded == 1);
  CHECK(counts.stopped_early == 0);
}

}  // namespace bayestune::testing
