// status, trials, best and export on a study database written through the Study API, and the
// errors of choosing a study.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "text_table.h"

namespace bayestune::testing {
namespace {

StudySpec BookSpec() {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = 6;
  spec.max_parallel_trials = 2;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Integer("n_layers", 10, 100),
                     ParameterSpec::Double("momentum", 0.1, 1.0, ScaleType::kLog)};
  return spec;
}

// Study "book": trial 1 SUCCEEDED 0.93, trial 2 SUCCEEDED 0.97 (the best), trial 3 FAILED, trial
// 4 running on GPU 1 with a measurement at step 3.
void WriteBookStudy(const std::string& database, const std::string& name = "book") {
  auto study = Study::Open(SqliteStudyRepository::Open(database), name,
                           {.create_if_missing = true, .spec = BookSpec()});
  const auto trials = study->Suggest(4, "test");
  REQUIRE(trials.size() == 4);
  study->Complete(trials[0].id, 0.93, 10);
  study->Complete(trials[1].id, 0.97, 10);
  study->Fail(trials[2].id,
              "the trainer exited with status 2\nlast lines of /jobs/book/trial-3/stderr.log:\n"
              "Traceback (most recent call last):\n  File \"train.py\", line 3\n"
              "ValueError: boom\n");
  study->MarkStarted(trials[3].id, {1});
  study->AddMeasurement(
      trials[3].id,
      Measurement{.metric = "accuracy", .step = 3, .value = 0.8, .wall_time = NowSeconds()});
}

}  // namespace

TEST_CASE("a reader says so while another process keeps the database locked against it",
          "[cli][readers]") {
  // An sqlite3 shell in PRAGMA locking_mode=EXCLUSIVE holds a lock that readers wait for too:
  // status sat silent for 60 s, then failed (fieldtest16). Now it says what it waits for, and
  // reads on when the lock goes.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(dir.File("bayestune.db").c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder,
                       "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                       "SELECT count(*) FROM trials;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  std::thread release([holder] {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
  });
  const auto status = RunBayestune(dir.path(), {"status"});
  release.join();
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.err,
             Catch::Contains("bayestune: waiting for the database 'bayestune.db': another process "
                             "keeps it locked against readers too (such as an sqlite3 shell in "
                             "PRAGMA locking_mode=EXCLUSIVE, or a program rewriting the file); "
                             "waiting up to 60 s for it to let go (Ctrl-C stops)\n") &&
                 Catch::Contains("bayestune: the database 'bayestune.db' was let go after "));
  CHECK_THAT(status.out, Catch::Contains("study      book"));
}

TEST_CASE("status shows counts, the best trial and the running trials", "[cli][readers]") {
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  const auto result = RunBayestune(dir.path(), {"status"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("study      book (active), in bayestune.db") != std::string::npos);
  CHECK(result.out.find("3 of 6 finished: 2 succeeded, 1 failed; 1 running, 2 left") !=
        std::string::npos);
  CHECK(result.out.find("best       trial 2: accuracy 0.97 at step 10") != std::string::npos);
  CHECK(result.out.find("running    trial 4 on GPU 1") != std::string::npos);
  CHECK(result.out.find("step 3 accuracy 0.8") != std::string::npos);
  CHECK(result.err.empty());
}

TEST_CASE("trials lists every trial, the best marked, failures with their first line",
          "[cli][readers]") {
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  const auto result = RunBayestune(dir.path(), {"trials", "book"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("trial  state      n_layers  momentum", 0) == 0);
  CHECK(CountOccurrences(result.out, "\n") == 5);  // header + 4 trials
  CHECK(result.out.find("SUCCEEDED") != std::string::npos);
  CHECK(result.out.find("best") != std::string::npos);
  CHECK(result.out.find("the trainer exited with status 2") != std::string::npos);
  CHECK(result.out.find("Traceback") == std::string::npos);
  // The last line of the log, where the trainer says why (it was the first line alone).
  CHECK(result.out.find("the trainer exited with status 2; its log ends: ValueError: boom\n") !=
        std::string::npos);
  CHECK(result.out.find("GPU 1") != std::string::npos);

  const auto failed = RunBayestune(dir.path(), {"trials", "--state", "failed"});
  CHECK(failed.exit_code == 0);
  CHECK(CountOccurrences(failed.out, "\n") == 2);
  CHECK(failed.out.find("FAILED") != std::string::npos);
  // The study as --study, as run takes it (it was 'The following argument was not expected:
  // --study'); not both ways at once.
  const auto flag = RunBayestune(dir.path(), {"trials", "--study", "book", "--state", "failed"});
  CHECK(flag.exit_code == 0);
  CHECK(flag.out == failed.out);
  CHECK(RunBayestune(dir.path(), {"status", "book", "--study", "book"}).exit_code == 2);
  // None in the states asked for: they are named ('no trial in that state', of two states).
  const auto none = RunBayestune(dir.path(), {"trials", "--state", "infeasible,stopping"});
  CHECK(none.exit_code == 0);
  CHECK(none.out == "study 'book' has no INFEASIBLE or STOPPING trial yet\n");
  // The study after --state is the study: --state took every word after it, so `trials --state
  // failed book` said "--state: book not in {REQUESTED,ACTIVE,...}" (newuser11). The flag
  // repeated, or commas, give several states.
  const auto after = RunBayestune(dir.path(), {"trials", "--state", "failed", "book"});
  INFO(after.err);
  CHECK(after.exit_code == 0);
  CHECK(after.out == failed.out);
  const auto repeated =
      RunBayestune(dir.path(), {"trials", "--state", "failed", "--state", "succeeded", "book"});
  CHECK(repeated.exit_code == 0);
  CHECK(repeated.out ==
        RunBayestune(dir.path(), {"trials", "book", "--state", "failed,succeeded"}).out);
  CHECK(CountOccurrences(repeated.out, "\n") > CountOccurrences(failed.out, "\n"));
  // A second state after the study's name was CLI11's bare "The following argument was not
  // expected: succeeded".
  const auto second =
      RunBayestune(dir.path(), {"trials", "book", "--state", "failed", "succeeded"});
  CHECK(second.exit_code == 2);
  CHECK(second.err ==
        "bayestune: error: 'succeeded' after --state failed: --state takes one value "
        "a flag; give several with commas (--state failed,succeeded) or repeat the "
        "flag (--state failed --state succeeded)\n");
  // Without the study's name, the second state is taken for it (README's `--state STATE...`
  // read as space-separated): that was only "database 'bayestune.db' has no study named
  // 'succeeded'. Its studies: 'book'". A state alone as the study's name, likewise.
  const auto two = RunBayestune(dir.path(), {"trials", "--state", "failed", "succeeded"});
  CHECK(two.exit_code == 3);
  CHECK(two.err ==
        "bayestune: error: database 'bayestune.db' has no study named 'succeeded'. Its studies: "
        "'book'; 'succeeded' is a trial state: --state takes one value a flag, so 'succeeded' "
        "was taken for the study's name; give several with commas (--state "
        "FAILED,succeeded) or repeat the flag\n");
  const auto alone = RunBayestune(dir.path(), {"trials", "FAILED"});
  CHECK(alone.exit_code == 3);
  CHECK(alone.err ==
        "bayestune: error: database 'bayestune.db' has no study named 'FAILED'. Its studies: "
        "'book'; 'FAILED' is a trial state: to show only those trials, --state FAILED\n");
  // Another tool's name of a state says which of bayestune's it is: Optuna's COMPLETE was
  // "--state: COMPLETE not in {REQUESTED,ACTIVE,STOPPING,SUCCEEDED,FAILED,INFEASIBLE}", and the
  // JSON export's RUNNING and QUEUED likewise.
  const auto optuna = RunBayestune(dir.path(), {"trials", "--state", "COMPLETE"});
  CHECK(optuna.exit_code == 2);
  CHECK(optuna.err.rfind("bayestune: error: --state: 'COMPLETE' is no trial state; Optuna's "
                         "COMPLETE is SUCCEEDED. The states: REQUESTED, ACTIVE, STOPPING, "
                         "SUCCEEDED, FAILED, INFEASIBLE",
                         0) == 0);
  const auto running = RunBayestune(dir.path(), {"trials", "--state", "failed,running"});
  CHECK(running.exit_code == 2);
  CHECK(running.err.find("'running' is no trial state; a running trial is ACTIVE") !=
        std::string::npos);
  const auto pruned = RunBayestune(dir.path(), {"trials", "--state", "pruned"});
  CHECK(pruned.err.find("Optuna's PRUNED is SUCCEEDED, noted 'stopped early'") !=
        std::string::npos);
  const auto typo = RunBayestune(dir.path(), {"trials", "--state", "SUCCEDED"});
  CHECK(typo.err.find("'SUCCEDED' is no trial state; did you mean SUCCEEDED?") !=
        std::string::npos);
}

TEST_CASE("best prints the value, step, parameters and trainer arguments", "[cli][readers]") {
  TempFolder dir;
  WriteBookStudy(dir.File("study.db"));
  const auto result = RunBayestune(dir.path(), {"best", "--db", "study.db"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("best trial: 2, accuracy 0.97 at step 10 (MAXIMIZE)") != std::string::npos);
  CHECK(result.out.find("  n_layers  ") != std::string::npos);
  // The flags as the trainer got them: in name order, each value exact.
  CHECK(std::regex_search(
      result.out, std::regex("trainer arguments: --momentum=[0-9.e-]+ --n_layers=[0-9]+\n")));

  const auto top = RunBayestune(dir.path(), {"best", "--db", "study.db", "--top", "5"});
  CHECK(top.exit_code == 0);
  CHECK(top.out.rfind("rank  trial  accuracy  step  n_layers  momentum\n1     2      0.97", 0) ==
        0);
  // Only 2 trials succeeded: their rows, then the arguments that rerun each.
  CHECK(CountOccurrences(top.out, "\n") == 6);
  CHECK(
      std::regex_search(top.out, std::regex("\ntrainer arguments:\n  trial 2: --momentum=[0-9.e-]+ "
                                            "--n_layers=[0-9]+\n  trial 1: --momentum=")));
}

TEST_CASE("best --top N of a two-objective study shows each trial's Pareto front",
          "[cli][readers]") {
  // The column was "rank" 1, 2, 3, ... as for one objective: trials of one front (none better than
  // the other) read as ranked 1st and 2nd, and the README promises a ranking by Pareto rank.
  TempFolder dir;
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.metrics = {{"accuracy", Goal::kMaximize}, {"latency", Goal::kMinimize}};
  spec.max_trials = 4;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "two",
                           {.create_if_missing = true, .spec = spec});
  // 1 (0.9, 10) and 2 (0.8, 5) trade off: the front; 3 (0.85, 12) is dominated by 1, 4 (0.7, 20)
  // by every other.
  for (const auto& [accuracy, latency] :
       std::vector<std::pair<double, double>>{{0.9, 10}, {0.8, 5}, {0.85, 12}, {0.7, 20}}) {
    const Trial t = study->Suggest(1)[0];
    study->AddMeasurement(t.id, {.metric = "accuracy", .step = 1, .value = accuracy});
    study->AddMeasurement(t.id, {.metric = "latency", .step = 1, .value = latency});
    study->Complete(t.id);
  }
  const auto top = RunBayestune(dir.path(), {"best", "--top", "4"});
  INFO(top.out << top.err);
  CHECK(top.exit_code == 0);
  CHECK(top.out.rfind("front  trial  accuracy  latency  step  x\n"
                      "1      1      0.9       10       1     ",
                      0) == 0);
  CHECK(top.out.find("\n1      2      0.8       5        1     ") != std::string::npos);
  CHECK(top.out.find("\n2      3      0.85      12       1     ") != std::string::npos);
  CHECK(top.out.find("\n3      4      0.7       20       1     ") != std::string::npos);
  CHECK(top.out.find("rank") == std::string::npos);
}

TEST_CASE("best without a succeeded trial exits 1 and says where to look", "[cli][readers]") {
  SECTION("a name and database path with shell characters are quoted to paste") {
    TempFolder dir;
    Study::Open(SqliteStudyRepository::Open(dir.File("my runs.db")), "$(id) x",
                {.create_if_missing = true, .spec = BookSpec()});
    const auto result = RunBayestune(dir.path(), {"best", "--db", "my runs.db"});
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::EndsWith("see why with: bayestune trials '$(id) x' --db 'my "
                                           "runs.db'\n"));
  }
  TempFolder dir;
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "empty",
                           {.create_if_missing = true, .spec = BookSpec()});
  const auto result = RunBayestune(dir.path(), {"best"});
  CHECK(result.exit_code == 1);  // the study is there (3 is for a missing one)
  CHECK(result.out.empty());
  CHECK(result.err ==
        "bayestune: error: study 'empty' has no succeeded trial yet (0 failed, 0 running, 6 "
        "left); see why with: bayestune trials empty\n");
}

TEST_CASE("a study that is over without a succeeded trial has none, not none yet",
          "[cli][readers]") {
  // Every trial failed and the study was done: status said "best       none yet" and best "has
  // no succeeded trial yet", as if one might come.
  TempFolder dir;
  StudySpec spec = BookSpec();
  spec.max_trials = 2;
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "failing",
                           {.create_if_missing = true, .spec = spec});
  for (const Trial& trial : study->Suggest(2, "runner"))
    study->Fail(trial.id, "the trainer exited with status 3");
  const auto status = RunBayestune(dir.path(), {"status"});
  INFO(status.out << status.err);
  CHECK(status.out.find("study      failing (done), in bayestune.db\n") != std::string::npos);
  CHECK(status.out.find("\nbest       none: no trial succeeded\n") != std::string::npos);
  const auto best = RunBayestune(dir.path(), {"best"});
  CHECK(best.exit_code == 1);
  CHECK(best.err ==
        "bayestune: error: study 'failing' has no succeeded trial (2 failed, 0 running, 0 "
        "left); see why with: bayestune trials failing\n");
}

TEST_CASE("export writes CSV or JSON to standard output or a file", "[cli][readers]") {
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));

  const auto csv = RunBayestune(dir.path(), {"export", "--format", "csv"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out.rfind("trial,state,n_layers,momentum,objective,step,", 0) == 0);
  CHECK(CountOccurrences(csv.out, "\r\n") >= 5);

  const auto json =
      RunBayestune(dir.path(), {"export", "book", "--format", "json", "--out", "out/book.json"});
  CHECK(json.exit_code == 1);  // the folder does not exist
  CHECK(json.err.find("--out 'out/book.json': the folder 'out' does not exist; create it first") !=
        std::string::npos);

  const auto written = RunBayestune(dir.path(), {"export", "--out", "book.json"});
  INFO(written.err);
  CHECK(written.exit_code == 0);
  CHECK(written.out.empty());
  CHECK(written.err.find("bayestune: wrote book.json: study 'book', 4 trials, json") == 0);
  const auto document = nlohmann::json::parse(ReadTextFile(dir.File("book.json")));
  CHECK(document["jobId"] == "book");
  CHECK(document["trainingOutput"]["trials"].size() == 4);

  // The format from --out's extension in any case; another extension needs --format. results.JSON
  // got CSV, and results.tsv and results.csv.gz got CSV, uncompressed, without a word.
  const auto upper_name = RunBayestune(dir.path(), {"export", "--out", "book.JSON"});
  CHECK(upper_name.exit_code == 0);
  CHECK(nlohmann::json::parse(ReadTextFile(dir.File("book.JSON")))["jobId"] == "book");
  for (const std::string name : {"book.tsv", "book.csv.gz"}) {
    const auto other = RunBayestune(dir.path(), {"export", "--out", name});
    INFO(other.out << other.err);
    CHECK(other.exit_code == 2);
    CHECK(other.err.rfind("bayestune: error: --out '" + name +
                              "': export writes CSV or JSON, and takes which from the name's "
                              "extension, .csv or .json; give --format csv or --format json to "
                              "write to this name",
                          0) == 0);
    CHECK_FALSE(std::filesystem::exists(dir.File(name)));
  }
  CHECK_THAT(
      RunBayestune(dir.path(), {"export", "--out", "book.csv.gz"}).err,
      Catch::EndsWith("(export does not compress: bayestune export | gzip > book.csv.gz)\n"));
  const auto tsv = RunBayestune(dir.path(), {"export", "--out", "book.tsv", "--format", "csv"});
  CHECK(tsv.exit_code == 0);
  CHECK(ReadTextFile(dir.File("book.tsv")).rfind("trial,state,", 0) == 0);

  // Flag values in any case mean the same: --format JSON is JSON, --state failed is FAILED.
  const auto upper = RunBayestune(dir.path(), {"export", "--format", "JSON"});
  CHECK(upper.exit_code == 0);
  CHECK(nlohmann::json::parse(upper.out)["jobId"] == "book");
  const auto lower = RunBayestune(dir.path(), {"trials", "--state", "succeeded"});
  CHECK(lower.exit_code == 0);
  CHECK(CountOccurrences(lower.out, "SUCCEEDED") >= 1);
}

TEST_CASE(
    "trials and both exports name the rung ASHA stopped a trial at, as the stop's line does, "
    "though it ran past the next rung before it stopped",
    "[cli][readers][asha]") {
  TempFolder dir;
  StudySpec spec = BookSpec();
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9};
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "asha",
                           {.create_if_missing = true, .spec = spec});
  const auto trials = study->Suggest(2, "test");
  REQUIRE(trials.size() == 2);
  const auto report = [&](std::int64_t id, std::int64_t step, double value, double at) {
    study->AddMeasurement(
        id, Measurement{.metric = "accuracy", .step = step, .value = value, .wall_time = at});
  };
  // Trial 1 went first past both rungs (steps 1 and 3) and trained to step 9.
  for (std::int64_t step : {1, 3, 9})
    report(trials[0].id, step, 0.9, 1000.0 + static_cast<double>(step));
  study->Complete(trials[0].id);
  // Trial 2 lost rung 0 (step 1), and wrote steps 2 to 4 before its SIGTERM took effect.
  report(trials[1].id, 1, 0.2, 2001);
  const StopDecision stop = study->ShouldStop(trials[1].id);
  REQUIRE(stop.stop);
  REQUIRE_THAT(stop.reason, Catch::StartsWith("ASHA rung 0 (step 1): "));
  for (std::int64_t step : {2, 3, 4})
    report(trials[1].id, step, 0.3, 2000.0 + static_cast<double>(step));
  REQUIRE(study->Complete(trials[1].id).stopped_early);

  const auto listed = RunBayestune(dir.path(), {"trials", "asha"});
  INFO(listed.out << listed.err);
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find("stopped early at rung 0 (step 1)") != std::string::npos);
  CHECK(listed.out.find("best; rung 1 (step 3)") != std::string::npos);  // trial 1
  // The counts say how many of the succeeded trials were stopped at a rung.
  const auto status = RunBayestune(dir.path(), {"status", "asha"});
  CHECK(status.out.find("2 succeeded (1 stopped early); 0 running") != std::string::npos);
  const auto best = RunBayestune(dir.path(), {"best", "asha"});
  CHECK(best.out.find("study 'asha', 2 succeeded trials (1 stopped early):") != std::string::npos);
  const auto csv = RunBayestune(dir.path(), {"export", "asha", "--format", "csv"});
  CHECK(csv.out.find(",4,") != std::string::npos);  // its value is at step 4, where it ended
  CHECK(csv.out.find(",true,rung 0 (step 1),") != std::string::npos);
  const auto json = RunBayestune(dir.path(), {"export", "asha", "--format", "json"});
  const auto job = nlohmann::json::parse(json.out);
  CHECK(job["trainingOutput"]["trials"][1]["bayestune"]["rung"] == "rung 0 (step 1)");
  CHECK(job["trainingOutput"]["trials"][0]["bayestune"]["rung"] == "rung 1 (step 3)");

  // The readers show the rung recorded with the stop (Trial::stop_rung), without deciding again;
  // a stop stored without one (before schema version 9) is decided again.
  std::string stored = "rung 0 (step 1)";  // recorded by ShouldStop above
  const auto relisted = [&](const std::string& stop_rung) {
    auto repository = SqliteStudyRepository::Open(dir.File("bayestune.db"));
    Trial t = *repository->GetTrial(study->id(), trials[1].id);
    CHECK(t.stop_rung == stored);
    t.stop_rung = stored = stop_rung;
    repository->UpdateTrial(study->id(), t);
    return RunBayestune(dir.path(), {"trials", "asha"}).out;
  };
  CHECK(relisted("rung 2 (step 9)").find("stopped early at rung 2 (step 9)") != std::string::npos);
  CHECK(relisted("").find("stopped early at rung 0 (step 1)") != std::string::npos);
  // What the database holds reaches the terminal escaped (a file edited by hand).
  const std::string hostile = relisted("rung 2 (step 9)\x1b[2J");
  CHECK(hostile.find("stopped early at rung 2 (step 9)\\x1b[2J") != std::string::npos);
  CHECK(hostile.find('\x1b') == std::string::npos);
}

TEST_CASE("a missing database, an unknown study and an ambiguous one get one-line errors",
          "[cli][readers]") {
  TempFolder dir;
  for (const char* command : {"status", "trials", "best", "export"}) {
    const auto missing = RunBayestune(dir.path(), {command});
    INFO(command << ": " << missing.err);
    CHECK(missing.exit_code == 3);
    CHECK(CountOccurrences(missing.err, "\n") == 1);
    CHECK(missing.err.find("bayestune: error: there is no bayestune database 'bayestune.db'") == 0);
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("bayestune.db")));  // readers never create it

  WriteBookStudy(dir.File("bayestune.db"), "book");
  WriteBookStudy(dir.File("bayestune.db"), "mnist");
  const auto ambiguous = RunBayestune(dir.path(), {"status"});
  CHECK(ambiguous.exit_code == 2);
  CHECK(ambiguous.err ==
        "bayestune: error: database 'bayestune.db' holds 2 studies; name one: bayestune status "
        "STUDY. Its studies: 'book', 'mnist'\n");

  const auto unknown = RunBayestune(dir.path(), {"best", "mnst"});
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.err ==
        "bayestune: error: database 'bayestune.db' has no study named 'mnst'; did you mean "
        "'mnist'? Its studies: 'book', 'mnist'\n");
}

TEST_CASE("export and report never write over a database, its log or another study database",
          "[cli][readers]") {
  // `--out bayestune.db` (a slip for --db) replaced the database with a CSV, every study in it
  // lost; its -wal file, likewise.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  WriteBookStudy(dir.File("other.db"));
  WriteTextFile(dir.File("bayestune.db-wal"), "");  // as while a run writes it
  const std::string database = ReadTextFile(dir.File("bayestune.db"));
  const std::string other = ReadTextFile(dir.File("other.db"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"export", "--out", "bayestune.db"},
        {"export", "--format", "json", "--out", "other.db"},
        {"report", "--out", "bayestune.db"},
        {"export", "--out", "bayestune.db-wal"}}) {
    const auto result = RunBayestune(dir.path(), args);
    INFO(args.back() << ": " << result.err);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("--out '" + args.back() + "'") &&
                               Catch::Contains("give another file name"));
  }
  CHECK(ReadTextFile(dir.File("bayestune.db")) == database);
  CHECK(ReadTextFile(dir.File("other.db")) == other);
  CHECK(ReadTextFile(dir.File("bayestune.db-wal")).empty());
  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.exit_code == 0);
  // A file that is no database is replaced as before.
  WriteTextFile(dir.File("book.csv"), "old");
  CHECK(RunBayestune(dir.path(), {"export", "--out", "book.csv"}).exit_code == 0);
  CHECK(ReadTextFile(dir.File("book.csv")).rfind("trial,state,", 0) == 0);
}

TEST_CASE(
    "export and report refuse a read-only file and a path ending in '/', keep a file's mode and "
    "write through a link",
    "[cli][readers]") {
  // A file made read-only (chmod 444) was replaced by the rename, where a shell's `>` says
  // "Permission denied"; a 0600 file came back 0644, and a link was replaced by a file.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  WriteTextFile(dir.File("kept.csv"), "old");
  REQUIRE(::chmod(dir.File("kept.csv").c_str(), 0444) == 0);
  for (const std::string command : {"export", "report"}) {
    const auto refused = RunBayestune(dir.path(), {command, "--out", "kept.csv"});
    INFO(command << ": " << refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err ==
          "bayestune: error: --out 'kept.csv' is read-only (its mode is 0444): it was protected "
          "from being overwritten; make it writable (chmod u+w 'kept.csv') to replace it, or give "
          "another file name\n");
  }
  CHECK(ReadTextFile(dir.File("kept.csv")) == "old");

  WriteTextFile(dir.File("private.csv"), "old");
  REQUIRE(::chmod(dir.File("private.csv").c_str(), 0600) == 0);
  CHECK(RunBayestune(dir.path(), {"export", "--out", "private.csv"}).exit_code == 0);
  struct stat info {};
  REQUIRE(::stat(dir.File("private.csv").c_str(), &info) == 0);
  CHECK((info.st_mode & 07777) == 0600);
  CHECK(ReadTextFile(dir.File("private.csv")).rfind("trial,state,", 0) == 0);

  // "kept.csv/": not the folder 'kept.csv' to make first (it is a file).
  const auto slash = RunBayestune(dir.path(), {"export", "--out", "kept.csv/"});
  CHECK(slash.exit_code == 1);
  CHECK(slash.err ==
        "bayestune: error: --out 'kept.csv/' ends with '/', which names a folder; give the path "
        "of a file (without the '/' at the end)\n");

  std::filesystem::create_directories(dir.File("exports"));
  std::filesystem::create_symlink("exports/book.csv", dir.File("latest.csv"));
  CHECK(RunBayestune(dir.path(), {"export", "--out", "latest.csv"}).exit_code == 0);
  CHECK(std::filesystem::is_symlink(dir.File("latest.csv")));
  CHECK(ReadTextFile(dir.File("exports/book.csv")).rfind("trial,state,", 0) == 0);
}

TEST_CASE(
    "export and report write a file with the longest name the folder takes, and say when "
    "a name is longer",
    "[cli][readers]") {
  // The file is written as '.<name>.tmp-<pid>' and renamed: a valid name of 250 bytes gave a
  // temporary name past 255 bytes, and failed with "cannot write in the folder '.' (File name too
  // long); choose a folder you may write to", which blamed the folder.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  for (const std::string command : {"export", "report"}) {
    const std::string extension = command == "export" ? ".csv" : ".html";
    const std::string longest = std::string(255 - extension.size(), 'r') + extension;
    const auto wrote = RunBayestune(dir.path(), {command, "--out", longest});
    INFO(command << ": " << wrote.err);
    CHECK(wrote.exit_code == 0);
    CHECK(std::filesystem::is_regular_file(dir.File(longest)));
    const std::string too_long = "r" + longest;
    const auto refused = RunBayestune(dir.path(), {command, "--out", too_long});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "bayestune: error: --out '" + too_long +
                             "': its file name is 256 bytes long, and a file name in the folder "
                             "'.' is at most 255 bytes; give a shorter name\n");
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("a reader whose standard output cannot take its output fails, and says so",
          "[cli][readers]") {
  // `export > results.csv` on a full disk, or with standard output closed, exited 0 with the
  // file empty or cut short, and nothing said.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  const std::string bayestune = BayestunePath();
  for (const std::string command : {"export", "status", "trials", "best", "report --out -"}) {
    const auto full =
        RunInFolder(dir.path(), {"/bin/bash", "-c", bayestune + " " + command + " > /dev/full"});
    INFO(command << ": " << full.err);
    CHECK(full.exit_code == 1);
    CHECK(full.err ==
          "bayestune: error: the output could not all be written to standard output (a full "
          "disk, or a file past its size limit?); what was written is incomplete: free some "
          "space, or write elsewhere\n");
    const auto closed =
        RunInFolder(dir.path(), {"/bin/bash", "-c", bayestune + " " + command + " >&-"});
    INFO(closed.err);
    CHECK(closed.exit_code == 1);
    CHECK(closed.err ==
          "bayestune: error: standard output is closed (>&-), so the output was lost; send it "
          "to a file (> out.txt), or to /dev/null to drop it\n");
  }
  // An error of its own keeps its exit code.
  const auto unknown =
      RunInFolder(dir.path(), {"/bin/bash", "-c", bayestune + " status nope > /dev/full"});
  CHECK(unknown.exit_code == 3);
  // A pipe whose reader is gone (`| head -1` having read its line) ends it as it ends `cat`:
  // by SIGPIPE, with nothing said.
  int ends[2];
  REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
  ::close(ends[0]);
  ChildProcess piped(
      {"/bin/bash", "-c", "cd '" + dir.path() + "' && exec " + bayestune + " export >&3"},
      dir.File("piped"), ends[1]);
  ::close(ends[1]);
  const auto result = piped.Wait();
  INFO(result.err);
  CHECK(result.signal == SIGPIPE);
  CHECK(result.err.empty());
  // Output that all went where it was sent is not checked further: /dev/null takes everything.
  CHECK(RunInFolder(dir.path(), {"/bin/bash", "-c", bayestune + " export > /dev/null"}).exit_code ==
        0);
}

TEST_CASE("export --out past the file size limit (ulimit -f) names the limit, not the space",
          "[cli][readers]") {
  // It said "writing failed (File too large); free some space or write elsewhere" on a disk with
  // space to spare: no space freed helps against ulimit -f.
  TempFolder dir;
  {
    auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "big",
                             {.create_if_missing = true, .spec = BookSpec()});
    const auto trials = study->Suggest(1, "test");
    REQUIRE(trials.size() == 1);
    study->Fail(trials[0].id, "the trainer exited with status 1\n" + std::string(80000, 'x'));
  }
  // 40 KiB (bash counts in KiB, dash in 512-byte blocks): above the database's 32 KiB -shm that
  // the reader maps, below the 80 KB export.
  const auto run = RunInFolder(
      dir.path(),
      {"/bin/bash", "-c", "ulimit -f 40 && exec " + BayestunePath() + " export --out big.json"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "bayestune: error: --out 'big.json': writing failed (File too large, past the file size "
        "limit (ulimit -f) of 40960 bytes); raise it (ulimit -f unlimited) or write elsewhere\n");
  CHECK_FALSE(std::filesystem::exists(dir.File("big.json")));
}

TEST_CASE("a reader under a file size limit below its -shm file says so, not 'rolled back'",
          "[cli][readers]") {
  // status under ulimit -f 16 (KiB): SQLite could not write the database's 32 KiB -shm file,
  // and the error said "this change was rolled back and everything stored before it is intact"
  // of a read, which changes nothing.
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  const auto run = RunInFolder(
      dir.path(), {"/bin/bash", "-c", "ulimit -f 16 && exec " + BayestunePath() + " status"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "bayestune: error: bayestune database 'bayestune.db': reading failed (disk I/O error): "
        "the file size limit (ulimit -f) is reached: reading the database writes its -shm file "
        "(32 KiB and more), which could not be written; nothing was changed; raise the limit or "
        "free some space and retry\n");
  // Without the limit it reads.
  CHECK(RunBayestune(dir.path(), {"status"}).exit_code == 0);
}

TEST_CASE("export and report write into a named pipe or bash's >(...), never in its place",
          "[cli][readers]") {
  // `--out` a FIFO: a temporary file was renamed over it (the pipe gone, its reader left waiting;
  // as root, `--out /dev/stdout` put a file in /dev); bash's `--out >(gzip > x.gz)`, which is
  // /dev/fd/63: "cannot write in the folder '/dev/fd'".
  TempFolder dir;
  WriteBookStudy(dir.File("bayestune.db"));
  const std::string fifo = dir.File("out.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string command : {"export", "report"}) {
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(reader >= 0);
    // Read while the command writes (a report may be more than the pipe holds).
    std::atomic<bool> ended{false};
    std::string got;
    std::thread drain([&] {
      char buffer[4096];
      for (;;) {
        const ssize_t n = ::read(reader, buffer, sizeof buffer);
        if (n > 0) {
          got.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 && ended.load()) {
          return;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
    const auto result = RunBayestune(dir.path(), {command, "--out", "out.fifo"});
    ended.store(true);
    drain.join();
    ::close(reader);
    INFO(command << ": " << result.err);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.err, Catch::StartsWith("bayestune: wrote out.fifo: study 'book', "));
    CHECK_THAT(got, Catch::StartsWith(command == "export" ? "trial,state," : "<!DOCTYPE html>"));
    struct stat info {};
    CHECK((::stat(fifo.c_str(), &info) == 0 && S_ISFIFO(info.st_mode)));  // still the pipe
  }
  // A pipe no program reads: said, not waited on for ever.
  const auto unread = RunBayestune(dir.path(), {"export", "--out", "out.fifo"});
  CHECK(unread.exit_code == 1);
  CHECK(unread.err ==
        "bayestune: error: --out 'out.fifo' is a named pipe (FIFO) that no program "
        "reads; start its reader first, or give the path of a file\n");
  const auto substituted = RunInFolder(
      dir.path(), {"/bin/bash", "-c", BayestunePath() + " export --out >(cat > piped.csv)"});
  INFO(substituted.err);
  CHECK(substituted.exit_code == 0);
  // bash does not wait for the >(...) process: its file is complete once it has every row.
  for (int i = 0; i < 1000 && CountOccurrences(ReadTextFile(dir.File("piped.csv")), "\r\n") < 5;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string piped = ReadTextFile(dir.File("piped.csv"));
  CHECK_THAT(piped, Catch::StartsWith("trial,state,"));
  CHECK(CountOccurrences(piped, "\r\n") == 5);
}

TEST_CASE("trials and best line up columns after accented, CJK and emoji values",
          "[cli][readers]") {
  // Widths were counted in bytes: "ünï" pushed the next column 2 places right of the others.
  TempFolder dir;
  const std::vector<std::string> values = {"plain", "ünï", "日本語", "😀x", "e\xCC\x81"};
  auto study = CategoricalGridStudy(dir, "words", "word", values);
  const auto trials = study->Suggest(5, "test");
  REQUIRE(trials.size() == 5);
  for (std::size_t i = 0; i < trials.size(); ++i)
    study->Complete(trials[i].id, 0.5 + 0.01 * static_cast<double>(i), 10);
  // Display columns of each line, up to where the score column's "0." starts.
  const auto score_columns = [](const std::string& out) {
    std::vector<std::size_t> columns;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      const std::size_t at = line.find("  0.");
      if (at != std::string::npos) columns.push_back(cli::DisplayWidth(line.substr(0, at)));
    }
    return columns;
  };
  const auto listed = RunBayestune(dir.path(), {"trials"});
  INFO(listed.out);
  REQUIRE(listed.exit_code == 0);
  const auto columns = score_columns(listed.out);
  REQUIRE(columns.size() == 5);
  CHECK(std::count(columns.begin(), columns.end(), columns[0]) == 5);
  CHECK(cli::DisplayWidth("ünï") == 3);
  CHECK(cli::DisplayWidth("日本語") == 6);
  CHECK(cli::DisplayWidth("😀x") == 3);
  CHECK(cli::DisplayWidth("e\xCC\x81") == 1);
  CHECK(cli::DisplayWidth("\xFF") == 1);  // broken UTF-8: a column per byte
}

}  // namespace bayestune::testing

namespace bayestune::testing {

TEST_CASE("trials: a parameter named as a column of its own (step, time) is param.<name>",
          "[cli][readers]") {
  // Its header was "trial state step time lr loss step time device note": which "step" was the
  // parameter was left to guess (the CSV export had the same fault: newuser11).
  TempFolder dir;
  auto repository = SqliteStudyRepository::Open(dir.File("study.db"));
  StudyRecord study;
  study.name = "clash";
  study.spec.metric_tag = "loss";
  study.spec.max_trials = 5;
  study.spec.parameters = {ParameterSpec::Integer("step", 1, 5),
                           ParameterSpec::Double("time", 0, 1),
                           ParameterSpec::Double("lr", 0.1, 1)};
  study = repository->CreateStudy(study);
  Trial trial;
  trial.state = TrialState::kSucceeded;
  trial.parameters = {{"step", std::int64_t{3}}, {"time", 0.5}, {"lr", 0.25}};
  trial.final_value = 1.5;
  trial.final_step = 7;
  repository->AddTrial(study.id, trial);
  repository.reset();
  const auto result = RunBayestune(dir.path(), {"trials", "clash", "--db", "study.db"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  const std::string header = result.out.substr(0, result.out.find('\n'));
  CHECK(std::regex_search(
      header, std::regex("^trial +state +param\\.step +param\\.time +lr +loss +step +time +device "
                         "+note *$")));
}

TEST_CASE(
    "best: a parameter named as a column of its own (trial, step, rank, the objective) is "
    "param.<name>",
    "[cli][readers]") {
  // `best --top 2`'s header was "rank trial loss step trial step loss rank": which "loss" was the
  // objective was left to guess.
  TempFolder dir;
  auto repository = SqliteStudyRepository::Open(dir.File("study.db"));
  StudyRecord study;
  study.name = "clash";
  study.spec.metric_tag = "loss";
  study.spec.goal = Goal::kMinimize;
  study.spec.max_trials = 5;
  study.spec.parameters = {
      ParameterSpec::Integer("trial", 1, 5), ParameterSpec::Integer("step", 1, 5),
      ParameterSpec::Double("loss", 0, 1), ParameterSpec::Integer("rank", 1, 5)};
  study = repository->CreateStudy(study);
  for (int i = 0; i < 2; ++i) {
    Trial trial;
    trial.state = TrialState::kSucceeded;
    trial.parameters = {{"trial", std::int64_t{4}},
                        {"step", std::int64_t{3}},
                        {"loss", 0.5},
                        {"rank", std::int64_t{2}}};
    trial.final_value = 1.5 + i;
    trial.final_step = 7;
    repository->AddTrial(study.id, trial);
  }
  repository.reset();
  const auto result = RunBayestune(dir.path(), {"best", "clash", "--db", "study.db", "--top", "2"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  const std::string header = result.out.substr(0, result.out.find('\n'));
  CHECK(std::regex_search(
      header, std::regex("^rank +trial +loss +step +param\\.trial +param\\.step +param\\.loss "
                         "+param\\.rank *$")));
  CHECK(std::regex_search(result.out, std::regex("\n1 +1 +1\\.5 +7 +4 +3 +0\\.5 +2 *\n")));
}

}  // namespace bayestune::testing
