// Ctrl-C during `bayestune run`: once (no new trial, the running ones finish), twice (the running
// ones are killed and queued to rerun), then running it again finishes the study.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_test_support.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace {

// The same study (trainingInput) each time; only the trainer's epochs differ, so that trials last
// long enough to be interrupted, or finish at once.
void WriteStudy(const TempFolder& dir, int epochs) {
  WriteTextFile(dir.File("sigint.yaml"),
                SmallStudyYaml(4, 2, "--hidden_units=128, --epochs=" + std::to_string(epochs)));
}

ChildResult RunAndInterrupt(const TempFolder& dir, const std::string& name, int interrupts,
                            const std::string& wait_for, int signal = SIGINT) {
  const std::string capture = dir.File(name);
  auto run = StartBayestune(dir.path(), {"run", "sigint.yaml"}, capture);
  REQUIRE(WaitForText(capture + ".out", wait_for, 60));
  run->Kill(signal);
  if (interrupts == 2) {
    REQUIRE(WaitForText(capture + ".out", "Ctrl-C: starting no new trial", 30));
    run->Kill(SIGINT);
  }
  return run->Wait();
}

// The states (/proc/<pid>/stat's third field: 'S', 'R', 'T' for stopped...) of the processes
// whose command line holds `text`.
std::vector<char> StatesOfProcessesWith(const std::string& text) {
  std::vector<char> states;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string command((std::istreambuf_iterator<char>(cmdline)), {});
    if (command.find(text) == std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line((std::istreambuf_iterator<char>(stat)), {});
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size()) states.push_back(line[close + 2]);
  }
  return states;
}

}  // namespace

TEST_CASE(
    "run: Ctrl-C once waits for the running trials, twice kills them, and run again continues",
    "[cli][run][interrupt]") {
  TempFolder dir;

  // Once: trials 1 and 2 finish, nothing else starts, exit 130.
  WriteStudy(dir, 40);
  const auto once = RunAndInterrupt(dir, "once", 1, "trial 2 started");
  INFO(once.out << once.err);
  CHECK(once.exit_code == 130);
  CHECK(once.out.find("Ctrl-C: starting no new trial; waiting for the 2 running trials to finish "
                      "(press Ctrl-C again to kill them") != std::string::npos);
  CHECK(CountOccurrences(once.out, " started on CPU") == 2);
  CHECK(CountOccurrences(once.out, " succeeded in ") == 2);
  // After the interrupt the progress lines say the run is stopping, with no time left to give
  // (they said "about 32s left").
  const std::string after_interrupt = once.out.substr(once.out.find("Ctrl-C: starting no new"));
  CHECK_THAT(after_interrupt, !Catch::Contains(" left; ") && !Catch::Contains("s left\n") &&
                                  !Catch::Contains("estimating the time left"));
  CHECK_THAT(after_interrupt, Catch::Contains("; stopping (Ctrl-C): waiting for the 1 running "
                                              "trial\n") &&
                                  Catch::Contains("; stopping (Ctrl-C)\n"));
  CHECK(once.out.find("interrupted: no new trial was started and the running ones finished") !=
        std::string::npos);
  CHECK(once.out.find("continue:   bayestune run sigint.yaml\n") != std::string::npos);
  const auto after_once = RunBayestune(dir.path(), {"status"});
  CHECK(after_once.out.find("2 of 4 finished: 2 succeeded; 0 running, 2 left") !=
        std::string::npos);

  // Twice, with trials far too long to finish: both are killed and queued to rerun.
  WriteStudy(dir, 5000);
  const auto twice = RunAndInterrupt(dir, "twice", 2, "trial 4 started");
  INFO(twice.out << twice.err);
  CHECK(twice.exit_code == 130);
  CHECK(twice.out.find("continuing study 'sigint'") != std::string::npos);
  CHECK(twice.out.find("Ctrl-C again: killing the 2 running trials") != std::string::npos);
  // What this run finished: none of the two it started.
  CHECK(twice.out.find("; this run: 0 trials finished (2 started) in ") != std::string::npos);
  CHECK(twice.out.find("trial 3 queued to run again (attempt 2)") != std::string::npos);
  CHECK(twice.out.find("trial 4 queued to run again (attempt 2)") != std::string::npos);
  const auto after_twice = RunBayestune(dir.path(), {"status"});
  CHECK(after_twice.out.find("2 of 4 finished: 2 succeeded; 0 running, 2 left (2 queued to "
                             "rerun)") != std::string::npos);

  // Again: the killed trials rerun (attempt 2) and the study is done; nothing was lost.
  WriteStudy(dir, 2);
  const auto again = RunBayestune(dir.path(), {"run", "sigint.yaml"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("trial 3 started on CPU") != std::string::npos);
  CHECK(again.out.find("(attempt 2)") != std::string::npos);
  CHECK(again.out.find("study 'sigint' is done: 4 trials finished (4 succeeded") !=
        std::string::npos);
  const auto trials = RunBayestune(dir.path(), {"trials"});
  CHECK(CountOccurrences(trials.out, "SUCCEEDED") == 4);
  CHECK(CountOccurrences(trials.out, "attempt 2") == 2);
}

TEST_CASE("run: Ctrl-C while no trial runs (every CPU slot taken) does not say trials finished",
          "[cli][run][interrupt]") {
  // A run waiting for a CPU trial slot that another run held ended with 'interrupted: no new
  // trial was started and the running ones finished', of running trials it never had.
  TempFolder dir;
  const std::vector<std::string> locks = {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")};
  for (const char* name : {"first", "second"}) {
    WriteTextFile(dir.File(std::string(name) + ".yaml"),
                  RandomSearchStudyYaml(1, 1,
                                        "  command: [" BAYESTUNE_FAKE_TRAINER
                                        ", --steps=300, --sleep-ms=100]\n"
                                        "  gpus: []\n  cpuTrials: 1\n"));
  }
  auto first = StartBayestune(dir.path(), {"run", "first.yaml", "--progress", "plain"},
                              dir.File("first"), locks);
  REQUIRE(WaitForText(dir.File("first.out"), "trial 1 started", 60));
  auto second = StartBayestune(dir.path(), {"run", "second.yaml", "--progress", "plain"},
                               dir.File("second"), locks);
  REQUIRE(WaitForText(dir.File("second.out"), "every CPU trial slot", 60));
  second->Kill(SIGINT);
  const ChildResult stopped = second->Wait();
  first->Kill(SIGINT);
  first->Kill(SIGINT);
  first->Wait();
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 130);
  CHECK_THAT(stopped.out, Catch::Contains("\ninterrupted: no new trial was started; run the study "
                                          "again to continue it; this run: 0 trials in "));
  CHECK_THAT(stopped.out, !Catch::Contains("running ones finished"));
}

TEST_CASE("run: SIGTERM stops a run as Ctrl-C does, and is named", "[cli][run][interrupt]") {
  TempFolder dir;
  WriteStudy(dir, 40);
  const auto stopped = RunAndInterrupt(dir, "term", 1, "trial 2 started", SIGTERM);
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 130);
  CHECK(stopped.out.find("SIGTERM: starting no new trial; waiting for the 2 running trials to "
                         "finish (send SIGTERM again or press Ctrl-C to kill them") !=
        std::string::npos);
  CHECK(stopped.out.find("Ctrl-C:") == std::string::npos);
  CHECK(CountOccurrences(stopped.out, " succeeded in ") == 2);
  CHECK(stopped.out.find("continue:   bayestune run sigint.yaml\n") != std::string::npos);
}

TEST_CASE("run: Ctrl-Z suspends the trainers with the run, and the pause is no trial's time",
          "[cli][run][interrupt]") {
  // The trainers have process groups of their own, which a terminal's Ctrl-Z does not reach:
  // they trained on while the run was stopped, and once it went on every trial past its
  // trialTimeoutSeconds by the pause was stopped at once.
  TempFolder dir;
  WriteTextFile(
      dir.File("s.yaml"),
      RandomSearchStudyYaml(2, 2,
                            "  command: [" BAYESTUNE_FAKE_TRAINER ", --steps=20, --sleep-ms=100]\n"
                            "  gpus: []\n  cpuTrials: 2\n  trialTimeoutSeconds: 4\n"));
  const std::string capture = dir.File("run");
  auto run = StartBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}, capture,
                            {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  REQUIRE(WaitForText(capture + ".out", "trial 2 started", 60));
  run->Kill(SIGTSTP);
  REQUIRE(WaitForText(capture + ".out",
                      "Ctrl-Z: suspended with the 2 running trials (SIGSTOP); fg (or SIGCONT) "
                      "goes on",
                      30));
  const std::string job_dir = "--job-dir=" + dir.path();
  std::vector<char> states;
  for (int i = 0; i < 200; ++i) {
    states = StatesOfProcessesWith(job_dir);
    if (states.size() == 2 && std::count(states.begin(), states.end(), 'T') == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(states == std::vector<char>{'T', 'T'});
  // Longer than the trials' time limit.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  run->Kill(SIGCONT);
  const ChildResult result = run->Wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains(" suspended; the pause does not count for the trials' "
                                         "time limits"));
  CHECK_THAT(result.out, !Catch::Contains("timed out"));
  CHECK(CountOccurrences(result.out, " succeeded in ") == 2);
  // The stored start and end left the pause out too: the export's duration_seconds (end minus
  // start) is about the 2 s each trial ran, as `succeeded in` said, not 7 s with the pause.
  const ChildResult exported = RunBayestune(dir.path(), {"export", "--format", "csv"});
  REQUIRE(exported.exit_code == 0);
  const auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::istringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');)
      cells.push_back(cell);
    return cells;
  };
  std::istringstream lines(exported.out);
  std::string header;
  std::getline(lines, header);
  std::vector<std::string> columns = split(header);
  const auto duration_column = std::find(columns.begin(), columns.end(), "duration_seconds");
  REQUIRE(duration_column != columns.end());
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::vector<std::string> cells = split(line);
    REQUIRE(cells.size() > static_cast<std::size_t>(duration_column - columns.begin()));
    const double seconds = std::stod(cells[duration_column - columns.begin()]);
    INFO(line);
    CHECK(seconds > 1.5);
    CHECK(seconds < 4.5);
    ++rows;
  }
  CHECK(rows == 2);
}

TEST_CASE("run: a pipe whose reader is gone does not stop the run", "[cli][run][interrupt]") {
  TempFolder dir;
  WriteStudy(dir, 2);
  // `| head -c 1` reads one byte and exits: every later write of bayestune meets a closed pipe.
  WriteTextFile(dir.File("pipe.sh"),
                "cd '" + dir.path() + "' && '" + BayestunePath() +
                    "' run sigint.yaml | head -c 1 > /dev/null\necho ${PIPESTATUS[0]} > rc\n");
  REQUIRE(std::system(("bash '" + dir.File("pipe.sh") + "'").c_str()) == 0);
  CHECK(ReadTextFile(dir.File("rc")) == "0\n");
  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.out.find("4 of 4 finished: 4 succeeded") != std::string::npos);
}

TEST_CASE("run: under nohup, SIGHUP (the terminal closed) does not stop the run",
          "[cli][run][interrupt]") {
  // `nohup bayestune run ... &` and then an ssh disconnect, whose shell sends SIGHUP to its jobs:
  // bayestune put its own handler over the ignored SIGHUP, and the run stopped as at a Ctrl-C
  // (exit 130, 2 of 4 trials finished).
  TempFolder dir;
  WriteStudy(dir, 40);
  WriteTextFile(dir.File("nohup.sh"),
                "cd '" + dir.path() + "' || exit 9\nnohup '" + BayestunePath() +
                    "' run sigint.yaml --progress plain > out 2>&1 &\npid=$!\n"
                    "for i in $(seq 600); do grep -q 'trial 2 started' out && break; sleep 0.1; "
                    "done\nkill -HUP $pid\nwait $pid\necho $? > rc\n");
  REQUIRE(std::system(("bash '" + dir.File("nohup.sh") + "'").c_str()) == 0);
  const std::string out = ReadTextFile(dir.File("out"));
  INFO(out);
  REQUIRE(out.find("trial 2 started") != std::string::npos);
  CHECK(ReadTextFile(dir.File("rc")) == "0\n");
  CHECK_THAT(out, !Catch::Contains("SIGHUP"));
  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.out.find("4 of 4 finished: 4 succeeded") != std::string::npos);
}

TEST_CASE("run: the continue line repeats --job-dir, --gpus and --launcher as given",
          "[cli][run][interrupt]") {
  // It said "bayestune run s.yaml": run so, the study went on with its trial folders in
  // bayestune-jobs/<study>, not where the run before had put them.
  TempFolder dir;
  WriteTextFile(
      dir.File("train.sh"),
      "#!/bin/sh\nsleep 2\necho '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  std::filesystem::permissions(dir.File("train.sh"), std::filesystem::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(4, 1, "  command: [./train.sh]\n"));
  const std::string capture = dir.File("run");
  auto run = StartBayestune(
      dir.path(),
      {"run", "s.yaml", "--job-dir", "my jobs", "--gpus", "none", "--launcher", "local"}, capture);
  REQUIRE(WaitForText(capture + ".out", "trial 1 started", 60));
  run->Kill(SIGINT);
  const auto stopped = run->Wait();
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 130);
  CHECK_THAT(stopped.out,
             Catch::Contains("continue:   bayestune run s.yaml --job-dir 'my jobs' --gpus none "
                             "--launcher local\n"));
}

}  // namespace bayestune::testing
