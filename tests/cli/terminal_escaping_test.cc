// What a trainer or a spec supplies (a log's tail, a failure reason, a categorical value) is
// printed escaped: its control characters cannot clear the user's screen, set the window title,
// move the cursor, overwrite a line or misalign a table. The database and the exports keep it.
#include <algorithm>
#include <catch2/catch.hpp>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace fs = std::filesystem;

namespace {

// Control characters a terminal obeys (all but newline), which no output may carry raw.
bool HasRawControl(const std::string& text, bool allow_tab = false) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\n' || (allow_tab && byte == '\t')) continue;
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("run, trials: a failed trainer's log tail is printed escaped, stored as it was",
          "[cli][run][escaping]") {
  TempFolder dir;
  // Clears the screen, sets the window title, moves the cursor up, overwrites with CR.
  WriteTextFile(dir.File("train.sh"),
                "#!/bin/sh\n"
                "printf 'boom \\033[2J\\033]0;pwned\\007\\033[3A\\rSUCCEEDED\\n' >&2\n"
                "exit 3\n");
  fs::permissions(dir.File("train.sh"), fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(2, 1,
                                                          "  command: [./train.sh]\n"
                                                          "  cpuTrials: 1\n"));
  const auto run = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK_FALSE(HasRawControl(run.out));
  CHECK_FALSE(HasRawControl(run.err));
  // The summary's log tail, and the progress lines' first line of the reason.
  CHECK_THAT(run.out, Catch::Contains("boom \\x1b[2J\\x1b]0;pwned\\x07\\x1b[3A\\x0dSUCCEEDED"));
  const auto trials = RunBayestune(dir.path(), {"trials", "s"});
  INFO(trials.out);
  CHECK(trials.exit_code == 0);
  CHECK_FALSE(HasRawControl(trials.out));
  // The database keeps the trainer's bytes; so does the CSV export.
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "s", {});
  const auto stored = study->Trials();
  REQUIRE(!stored.empty());
  CHECK_THAT(stored.front().failure_reason, Catch::Contains("boom \x1b[2J\x1b]0;pwned\a"));
  REQUIRE(
      RunBayestune(dir.path(), {"export", "s", "--format", "csv", "--out", "s.csv"}).exit_code ==
      0);
  CHECK_THAT(ReadTextFile(dir.File("s.csv")), Catch::Contains("\x1b[2J"));
}

TEST_CASE("run: a line break in --job-dir or --db is shown escaped in the progress lines",
          "[cli][run][escaping]") {
  // The summary showed them escaped (\x0a), but the start line ("study 's' in <db>: ...; trial
  // folders in <job dir>") and a failed trial's "(log: <path>)" printed them raw: the rest of
  // the path came on a line of its own, which could pass for another message.
  TempFolder dir;
  WriteTextFile(dir.File("train.sh"), "#!/bin/sh\necho boom >&2\nexit 3\n");
  fs::permissions(dir.File("train.sh"), fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(1, 1,
                                                          "  command: [./train.sh]\n"
                                                          "  cpuTrials: 1\n"));
  const auto run = RunBayestune(
      dir.path(),
      {"run", "s.yaml", "--db", "a\nb.db", "--job-dir", "jobs\nx", "--progress", "plain"},
      {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  const std::string jobs = fs::canonical(dir.path()).string() + "/jobs\\x0ax";
  CHECK_THAT(run.out, Catch::Contains("study 's' in a\\x0ab.db: 1 trial, 1 at once on the CPU; "
                                      "trial folders in " +
                                      jobs + "\n"));
  CHECK_THAT(run.out, Catch::Contains("(log: " + jobs + "/trial-1/stderr.log)\n"));
  CHECK_THAT(run.out, !Catch::Contains("\nx/") && !Catch::Contains("\nb.db"));
}

TEST_CASE("trials, best, status: a tab in a categorical value is shown escaped",
          "[cli][readers][escaping]") {
  // A tab in a value (the one control character a spec allows in one) pushed the next column out
  // of line.
  TempFolder dir;
  auto study = CategoricalGridStudy(dir, "words", "word", {"a\tb", "c d", "plain"});
  const auto trials = study->Suggest(3, "test");
  REQUIRE(trials.size() == 3);
  for (const Trial& trial : trials) {
    const std::string word = trial.parameters.at("word").ToString();
    study->Complete(trial.id, word == "a\tb" ? 0.9 : 0.1, 1);
  }
  const auto listed = RunBayestune(dir.path(), {"trials"});
  INFO(listed.out << listed.err);
  CHECK(listed.exit_code == 0);
  CHECK_FALSE(HasRawControl(listed.out));
  CHECK_THAT(listed.out, Catch::Contains("a\\x09b"));
  const auto best = RunBayestune(dir.path(), {"best"});
  INFO(best.out << best.err);
  CHECK(best.exit_code == 0);
  CHECK_FALSE(HasRawControl(best.out));
  // The trainer arguments still paste as the exact value (bash's $'...').
  CHECK_THAT(best.out, Catch::Contains("$'--word=a\\x09b'"));
  const auto pasted = RunInFolder(dir.path(), {"/bin/bash", "-c", "printf '%s' $'--word=a\\x09b'"});
  CHECK(pasted.out == "--word=a\tb");
  const auto status = RunBayestune(dir.path(), {"status"});
  INFO(status.out);
  CHECK_FALSE(HasRawControl(status.out));
}

TEST_CASE("best: a value with a right-to-left override is shown escaped and pastes back exactly",
          "[cli][readers][escaping]") {
  // U+202E showed "--file=gpj.sh" reversed on the terminal ("--file=hs.jpg"); written as bash's
  // \u202e it would paste back only in a UTF-8 locale.
  TempFolder dir;
  const std::string value = "\u202Egpj.sh";
  auto study = CategoricalGridStudy(dir, "files", "file", {value});
  const auto trials = study->Suggest(1, "test");
  REQUIRE(trials.size() == 1);
  study->Complete(trials[0].id, 0.5, 1);
  const auto best = RunBayestune(dir.path(), {"best"});
  INFO(best.out << best.err);
  CHECK(best.exit_code == 0);
  CHECK(best.out.find("\u202E") == std::string::npos);
  const std::string prefix = "trainer arguments: ";
  const auto at = best.out.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string argument =
      best.out.substr(at + prefix.size(), best.out.find('\n', at) - at - prefix.size());
  CHECK(argument == "$'--file=\\xe2\\x80\\xaegpj.sh'");
  const auto pasted =
      RunInFolder(dir.path(), {"/bin/bash", "-c", "printf '%s' " + argument}, {"LC_ALL=C"});
  CHECK(pasted.out == "--file=" + value);
}

TEST_CASE("errors quoting a path or an argument print its control characters escaped",
          "[cli][errors][escaping]") {
  TempFolder dir;
  const auto missing = RunBayestune(dir.path(), {"status", "--db", "no\x1b]0;pwned\a.db"});
  INFO(missing.err);
  CHECK(missing.exit_code != 0);
  CHECK_FALSE(HasRawControl(missing.err));
  CHECK_THAT(missing.err, Catch::Contains("no\\x1b]0;pwned\\x07.db"));
  const auto unknown = RunBayestune(dir.path(), {"stat\x1b[2Jus"});
  INFO(unknown.err);
  CHECK(unknown.exit_code != 0);
  CHECK_FALSE(HasRawControl(unknown.err));
  CHECK_THAT(unknown.err, Catch::Contains("\\x1b[2J"));
}

TEST_CASE("errors quoting a flag's value show a line break in it escaped, not as a new line",
          "[cli][errors][escaping]") {
  // The multi-line ShownText of the errors kept a newline of --db, --launcher, --lock-notice or
  // --gpus: the value's second line stood alone, and could pass for another message.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(2, 1, "  command: [/bin/true]\n"));
  const std::string forged = "1\nbayestune: all trials succeeded";
  const std::vector<std::vector<std::string>> commands = {
      {"status", "--db", "no" + forged + ".db"}, {"status", "--db=no" + forged + ".db"},
      {"run", "s.yaml", "--launcher", forged},   {"run", "s.yaml", "--lock-notice", forged},
      {"run", "s.yaml", "--gpus", forged},       {"run", "s.yaml", "--gpus", "0," + forged},
  };
  for (const auto& command : commands) {
    const auto result = RunBayestune(dir.path(), command);
    INFO(command.at(1) << ": " << result.err);
    CHECK(result.exit_code != 0);
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    CHECK_THAT(result.err, Catch::Contains("1\\x0abayestune: all trials succeeded"));
  }
}

TEST_CASE("export, report: the line saying what was written shows --out's name escaped",
          "[cli][readers][escaping]") {
  // An error about --out showed it escaped, but "bayestune: wrote <out>" printed it raw: a name
  // with ESC [2J cleared the screen, one with a newline broke the line.
  TempFolder dir;
  CategoricalGridStudy(dir, "s", "p", {"a"});
  for (const std::string command : {"export", "report"}) {
    const std::string out = "a\nb\x1b[2J." + std::string(command == "export" ? "csv" : "html");
    const auto wrote = RunBayestune(dir.path(), {command, "--out", out});
    INFO(command << ": " << wrote.err);
    CHECK(wrote.exit_code == 0);
    CHECK(fs::is_regular_file(dir.File(out)));  // the file has the name given
    CHECK_FALSE(HasRawControl(wrote.err.substr(0, wrote.err.size() - 1)));
    CHECK_THAT(wrote.err, Catch::StartsWith("bayestune: wrote a\\x0ab\\x1b[2J."));
  }
}

// Found by the fault campaign fieldtest11: a study name and metric ids may hold U+202E (a name is
// UTF-8 without control characters; gRPC's CreateStudy and tuning.yaml take it), and run's
// progress lines showed them escaped, but its summary, status, best and trials printed them raw:
// "acc\u202ecba" showed as "accabc", and a column header of trials read backwards.
TEST_CASE(
    "run, status, best, trials: a study name and metric ids with a right-to-left override "
    "are shown escaped",
    "[cli][readers][escaping]") {
  TempFolder dir;
  const std::string rlo = "\u202E";
  const std::string shown = "\\xe2\\x80\\xae";
  WriteTextFile(dir.File("s.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    metrics:\n"
                "      - {metricId: \"acc" +
                    rlo +
                    "cba\", goal: MAXIMIZE}\n"
                    "      - {metricId: \"loss" +
                    rlo +
                    "\", goal: MINIMIZE}\n"
                    "    maxTrials: 2\n"
                    "    algorithm: RANDOM_SEARCH\n"
                    "    params:\n"
                    "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
                    "runner:\n"
                    "  cpuTrials: 1\n");
  const std::string study = "st" + rlo + "udy";
  const auto run = RunBayestune(
      dir.path(), {"run", "s.yaml", "--study", study, "--progress", "plain", "--",
                   BAYESTUNE_FAKE_TRAINER, "--tag=acc" + rlo + "cba", "--extra-tag=loss" + rlo});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find(rlo) == std::string::npos);
  CHECK(run.err.find(rlo) == std::string::npos);
  CHECK_THAT(run.out, Catch::Contains("acc" + shown + "cba"));
  // The export line still pastes as the exact name.
  CHECK_THAT(run.out, Catch::Contains("bayestune export $'st" + shown + "udy'"));
  for (const std::vector<std::string>& reader : {std::vector<std::string>{"status", study},
                                                 {"best", study},
                                                 {"best", study, "--top", "2"},
                                                 {"trials", study}}) {
    const auto out = RunBayestune(dir.path(), reader);
    INFO(reader[0] << ": " << out.out << out.err);
    CHECK(out.exit_code == 0);
    CHECK(out.out.find(rlo) == std::string::npos);
    CHECK_THAT(out.out, Catch::Contains("acc" + shown + "cba"));
    CHECK_THAT(out.out, Catch::Contains("loss" + shown));
  }
  // trials with no trial in the states asked for names the study (here the only one, read from
  // the database) escaped as well: it printed the name raw.
  const auto none = RunBayestune(dir.path(), {"trials", "--state", "failed"});
  INFO(none.out << none.err);
  CHECK(none.exit_code == 0);
  CHECK(none.out.find(rlo) == std::string::npos);
  CHECK_THAT(none.out, Catch::Contains("study 'st" + shown + "udy' has no FAILED trial yet"));
  // run's lines on stderr about the study it opens (maxTrials raised, --retry-failed) name it
  // escaped too: they printed it raw.
  std::string yaml = ReadTextFile(dir.File("s.yaml"));
  yaml.replace(yaml.find("maxTrials: 2"), 12, "maxTrials: 3");
  WriteTextFile(dir.File("s.yaml"), yaml);
  const auto more = RunBayestune(
      dir.path(), {"run", "s.yaml", "--study", study, "--progress", "plain", "--retry-failed", "--",
                   BAYESTUNE_FAKE_TRAINER, "--tag=acc" + rlo + "cba", "--extra-tag=loss" + rlo});
  INFO(more.out << more.err);
  REQUIRE(more.exit_code == 0);
  CHECK(more.err.find(rlo) == std::string::npos);
  CHECK_THAT(more.err, Catch::Contains("study 'st" + shown + "udy': 0 failed trials queued"));
  CHECK_THAT(more.err, Catch::Contains("study 'st" + shown + "udy': maxTrials"));
  CHECK(more.out.find(rlo) == std::string::npos);
  // The database keeps the names as they were.
  auto stored = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), study, {});
  CHECK(stored->spec().metrics[0].metric_id == "acc" + rlo + "cba");
}

}  // namespace bayestune::testing
