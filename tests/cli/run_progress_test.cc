// The live progress view of `bayestune run` on a pseudo-terminal (`script` from bsdutils gives it
// one), captured and checked for what it must show.
#include <catch2/catch.hpp>
#include <regex>

#include "cli_test_support.h"

namespace bayestune::testing {

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

}  // namespace bayestune::testing
