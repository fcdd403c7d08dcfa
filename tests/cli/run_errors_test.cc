// Bad input to `bayestune run`: one line on stderr that says what to do, a non-zero exit code,
// and nothing written or lost.
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace fs = std::filesystem;

namespace {

// The one line a failed command printed; REQUIREs that it is one line and nothing went to stdout.
std::string OneLineError(const ChildResult& result) {
  INFO(result.out << result.err);
  CHECK(result.out.empty());
  REQUIRE(CountOccurrences(result.err, "\n") == 1);
  return result.err;
}

// s.yaml in `dir`: a random-search study of `trials` trials, one at a time, whose trainer
// ./train.sh reports at once (no GPU, no model): one hypertune line.
void WriteReportAtOnceStudy(const TempFolder& dir, int trials) {
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(fs::path(dir.path()) / "s.yaml",
                RandomSearchStudyYaml(trials, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
}

// Whether this machine lets a test mount a small file system in a mount namespace of its own
// (`unshare -rm`); WARNs and says no where it does not.
bool HasMountNamespace(const TempFolder& dir) {
  const auto probe = RunInFolder(dir.path(), {"unshare", "-rm", "true"});
  if (probe.exit_code != 0) WARN("no mount namespace here (unshare -rm: " << probe.err << ")");
  return probe.exit_code == 0;
}

// After a run that ended for want of room or of its folders: s.yaml run again in `dir` with the
// job dir jobs/ ends well, its `trials` trials all SUCCEEDED and none FAILED (none was used up).
void CheckRunsAgainToTheEnd(const TempFolder& dir, const std::string& lock_dir, int trials) {
  const auto again = RunInFolder(
      dir.path(), {BayestunePath(), "run", "s.yaml", "--job-dir", "jobs", "--progress", "plain"},
      {lock_dir});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  const auto listed = RunBayestune(dir.path(), {"trials", "s"});
  CHECK(CountOccurrences(listed.out, "SUCCEEDED") == trials);
  CHECK(CountOccurrences(listed.out, "FAILED") == 0);
}

}  // namespace

TEST_CASE("run: the export command the summary suggests works for the longest study name",
          "[cli][run]") {
  // A study name is up to 255 bytes; '<study>.csv' is then past the 255 bytes of a file name, and
  // the suggested command failed with "File name too long".
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 1);
  std::string study;
  while (study.size() < 254)
    study += "\xc3\xa9";  // é: the name cut at a character, not inside one
  const auto run = RunBayestune(dir.path(), {"run", "s.yaml", "--study", study});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  const std::string out_name = study.substr(0, 250) + ".csv";
  CHECK_THAT(run.out, Catch::Contains("export:     bayestune export '" + study +
                                      "' --format csv --out '" + out_name + "'\n"));
  const auto exported =
      RunBayestune(dir.path(), {"export", study, "--format", "csv", "--out", out_name});
  CHECK(exported.exit_code == 0);
  CHECK(fs::is_regular_file(dir.File(out_name)));
}

TEST_CASE("run: a missing tuning.yaml", "[cli][run][errors]") {
  TempFolder dir;
  const auto result = RunBayestune(dir.path(), {"run", "nope.yaml"});
  CHECK(result.exit_code == 1);
  CHECK(OneLineError(result) ==
        "nope.yaml: error: cannot read the file: No such file or directory (give the path of a "
        "tuning.yaml)\n");
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // A name one letter off the file that is there: said so (it was only "cannot read the file").
  fs::create_directories(dir.File("cfg"));
  WriteTextFile(dir.File("cfg/study.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  WriteTextFile(dir.File("cfg/other.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  const auto near = RunBayestune(dir.path(), {"run", "cfg/study.yml"});
  CHECK(near.exit_code == 1);
  CHECK(OneLineError(near) ==
        "cfg/study.yml: error: cannot read the file: No such file or directory (did you mean "
        "'cfg/study.yaml'?)\n");
}

TEST_CASE("run: a YAML error names its line", "[cli][run][errors]") {
  TempFolder dir;
  WriteTextFile(dir.File("bad.yaml"),
                "trainingInput:\n  hyperparameters:\n    maxTrials: [1\n    goal: MAXIMIZE\n");
  const auto result = RunBayestune(dir.path(), {"run", "bad.yaml"});
  CHECK(result.exit_code == 1);
  const std::string error = OneLineError(result);
  CHECK(std::regex_search(error, std::regex(R"(^bad\.yaml:\d+:\d+: error: not valid YAML)")));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // Several errors: each with its line, then what to do.
  WriteTextFile(dir.File("bad.yaml"),
                "trainingInput:\n  hyperparameters:\n    maxTrial: 3\n    params:\n"
                "      - parameterName: lr\n        type: DOUBLE\n        minValue: 0\n"
                "        maxValue: 1\n        scaleType: UNIT_LOG_SCALE\n");
  const auto several = RunBayestune(dir.path(), {"run", "bad.yaml"});
  CHECK(several.exit_code == 1);
  CHECK(several.err.find("bad.yaml:3:5: error: trainingInput.hyperparameters.maxTrial: unknown "
                         "key 'maxTrial'; did you mean 'maxTrials'?") != std::string::npos);
  CHECK(several.err.find("bad.yaml:7:19: error: ") != std::string::npos);
  CHECK(several.err.find("bayestune: error: bad.yaml has 2 errors (above); fix them and run "
                         "again. Nothing was run\n") != std::string::npos);
}

TEST_CASE("run: a trainer that does not exist, or none at all", "[cli][run][errors]") {
  TempFolder dir;
  std::string yaml = SmallStudyYaml(2, 1, "--epochs=1");
  yaml.replace(yaml.find(TrainerPath()), TrainerPath().size(), "./no-such-trainer");
  WriteTextFile(dir.File("t.yaml"), yaml);
  const auto missing = RunBayestune(dir.path(), {"run", "t.yaml"});
  CHECK(missing.exit_code == 1);
  CHECK(OneLineError(missing) ==
        "bayestune: error: t.yaml: runner.command[0]: the trainer '" + dir.path() +
            "/no-such-trainer' does not exist; give the path of an executable program. Nothing "
            "was run\n");
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  const auto after_dashes = RunBayestune(dir.path(), {"run", "t.yaml", "--", "no-such-trainer"});
  CHECK(after_dashes.exit_code == 1);
  CHECK(OneLineError(after_dashes)
            .starts_with("bayestune: error: the trainer command after --: the trainer "
                         "'no-such-trainer' was not found in PATH"));

  yaml.erase(yaml.find("runner:"));
  WriteTextFile(dir.File("none.yaml"), yaml);
  const auto none = RunBayestune(dir.path(), {"run", "none.yaml"});
  CHECK(none.exit_code == 2);
  CHECK(OneLineError(none) ==
        "bayestune: error: none.yaml has no trainer command: add one to its runner block "
        "(runner: {command: [python3, train.py]}) or give it after --: bayestune run none.yaml "
        "-- python3 train.py\n");

  // A file made for AI Platform names its trainer as trainingInput.pythonModule: the advice runs
  // that module (it said python3 train.py, a script the user may not have), as validate says.
  yaml.insert(yaml.find("trainingInput:\n") + std::string("trainingInput:\n").size(),
              "  pythonModule: trainer.task\n");
  WriteTextFile(dir.File("module.yaml"), yaml);
  const auto module = RunBayestune(dir.path(), {"run", "module.yaml"});
  CHECK(module.exit_code == 2);
  CHECK_THAT(module.err,
             Catch::EndsWith("bayestune: error: module.yaml has no trainer command: add one to its "
                             "runner block (runner: {command: [python3, -m, trainer.task]}) or "
                             "give it after --: bayestune run module.yaml -- python3 -m "
                             "trainer.task\n"));
  const auto validated = RunBayestune(dir.path(), {"validate", "module.yaml"});
  CHECK(validated.exit_code == 1);
  CHECK_THAT(validated.err,
             Catch::Contains("module.yaml: error: runner.command: missing: run needs the trainer; "
                             "add it to the runner block (runner: {command: [python3, -m, "
                             "trainer.task]}), or give it after -- (bayestune run module.yaml -- "
                             "python3 -m trainer.task)"));
}

TEST_CASE("run: when every trial fails, the summary says why the last one did, and exit 1",
          "[cli][run][errors]") {
  TempFolder dir;
  WriteTextFile(dir.File("f.yaml"), SmallStudyYaml(2, 1, "--epochs=0"));
  const auto run = RunBayestune(dir.path(), {"run", "f.yaml"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("best trial: none (no trial succeeded)") != std::string::npos);
  // The trainer's own complaint, from the tail of its log, is in the summary.
  CHECK(run.out.find("FAILED: ") != std::string::npos);
  CHECK(run.out.find("--epochs: '0' is out of range") != std::string::npos);
  CHECK(fs::exists(dir.File("bayestune.db")));
  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.out.find("2 failed") != std::string::npos);
}

TEST_CASE("run: when every trial fails, the summary gives the arguments the trainer got",
          "[cli][run][errors]") {
  // A trainer that reads `--x 0.5` (flag and value apart, as a hand-written sys.argv loop does)
  // fails on `--x=0.5`: its log says only that '--x' is missing. The summary shows what it was
  // given, one argument per flag, so that the user sees the form to parse (newuser10).
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\n"
                "[ \"$1\" = --x ] || { echo \"train.sh: expected --x VALUE, got '$1'\" >&2; "
                "exit 2; }\n"
                "echo \"{\\\"accuracy\\\": \\\"$2\\\"}\" >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(2, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  const auto run = RunBayestune(dir.path(), {"run", "s.yaml"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out, Catch::Contains("expected --x VALUE, got '--x="));
  // Each trial's progress line says what its log ends with, where the trainer says why: it was
  // "the trainer exited with status 2 (log: .../stderr.log)", the reason in each trial's log.
  for (const char* trial : {"1", "2"}) {
    INFO("trial " << trial);
    CHECK(std::regex_search(
        run.out, std::regex(std::string("trial ") + trial +
                            " FAILED after [^\n]*: the trainer exited with status 2; its log "
                            "ends: train.sh: expected --x VALUE, got '--x=[0-9.e-]+' \\(log: " +
                            dir.path() + "/bayestune-jobs/s/trial-" + trial + "/stderr.log\\)\n")));
  }
  const std::string trial_dir = dir.path() + "/bayestune-jobs/s/trial-2";
  const std::string head = "trial 2's trainer command: " + dir.path() + "/train.sh ";
  const auto at = run.out.find("\n" + head + "--x=");
  REQUIRE(at != std::string::npos);
  const std::string line = run.out.substr(at + 1, run.out.find('\n', at + 1) - at - 1);
  CHECK(std::regex_match(line.substr(head.size()), std::regex("--x=[0-9.e-]+ .*")));
  CHECK_THAT(line, Catch::EndsWith(" --job-dir=" + trial_dir +
                                   " (each flag one argument, --name=value, as AI Platform "
                                   "passes them)"));
}

TEST_CASE("run: the trainer command in the summary is the whole one, fixed arguments included",
          "[cli][run][errors]") {
  // It gave the hyperparameters and --job-dir alone as "the trainer arguments": a trainer whose
  // log said "got '--epochs=1'" (from trainingInput.args) was shown arguments without it.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\n"
                "[ \"$2\" = --x ] || { echo \"train.sh: expected --x VALUE, got '$2'\" >&2; "
                "exit 2; }\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  std::string yaml =
      RandomSearchStudyYaml(1, 1, "  command: [./train.sh, --fast]\n  cpuTrials: 1\n");
  yaml.replace(0, std::string("trainingInput:\n").size(),
               "trainingInput:\n  args: ['--epochs=1']\n");
  WriteTextFile(dir.File("s.yaml"), yaml);
  const auto run = RunBayestune(dir.path(), {"run", "s.yaml"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out, Catch::Contains("expected --x VALUE, got '--epochs=1'"));
  const std::string trial_dir = dir.path() + "/bayestune-jobs/s/trial-1";
  const auto at = run.out.find("\ntrial 1's trainer command: " + dir.path() +
                               "/train.sh --fast --epochs=1 --x=");
  REQUIRE(at != std::string::npos);
  const std::string line = run.out.substr(at + 1, run.out.find('\n', at + 1) - at - 1);
  CHECK_THAT(line, Catch::EndsWith(" --job-dir=" + trial_dir +
                                   " (each flag one argument, --name=value, as AI Platform "
                                   "passes them)"));
}

TEST_CASE(
    "run: without PATH (env -i, cron) a trainer named without a folder is found as execvp "
    "finds it",
    "[cli][run][errors]") {
  // It said "the trainer 'sh' was not found in PATH ()", where execvp searches /bin:/usr/bin.
  TempFolder dir;
  std::string yaml = SmallStudyYaml(1, 1, "--epochs=1");
  const std::string trainer = "command: [" + TrainerPath() + ", ";
  yaml.replace(yaml.find(trainer), trainer.size(),
               "command: [sh, -c, 'exec " + TrainerPath() + " \"$@\"', sh, ");
  WriteTextFile(dir.File("s.yaml"), yaml);
  const auto proc = RunInFolder(dir.path(), {"/usr/bin/env", "-u", "PATH", BayestunePath(), "run",
                                             "s.yaml", "--gpus", "none"});
  INFO(proc.out << proc.err);
  CHECK(proc.exit_code == 0);
  CHECK(proc.err.find("not found in PATH") == std::string::npos);
}

TEST_CASE("run: an unwritable or wrong --db, a bad --gpus, nothing lost", "[cli][run][errors]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));

  // (--job-dir elsewhere: the trial folders beside it, checked first, could not be made either.)
  const auto proc = RunBayestune(
      dir.path(), {"run", "s.yaml", "--db", "/proc/bayestune.db", "--job-dir", "jobs"});
  CHECK(proc.exit_code == 1);
  CHECK(OneLineError(proc).starts_with(
      "bayestune: error: bayestune database '/proc/bayestune.db': opening failed"));

  const auto no_folder = RunBayestune(dir.path(), {"run", "s.yaml", "--db", "runs/s.db"});
  CHECK(no_folder.exit_code == 1);
  CHECK(OneLineError(no_folder).find("the folder 'runs' does not exist; create it first") !=
        std::string::npos);

  WriteTextFile(dir.File("notes.txt"), "my notes\n");
  const auto not_a_database = RunBayestune(dir.path(), {"run", "s.yaml", "--db", "notes.txt"});
  CHECK(not_a_database.exit_code == 1);
  CHECK(OneLineError(not_a_database).find("is not a bayestune database") != std::string::npos);
  CHECK(ReadTextFile(dir.File("notes.txt")) == "my notes\n");

  const auto gpus = RunBayestune(dir.path(), {"run", "s.yaml", "--gpus", "0,0"});
  CHECK(gpus.exit_code == 2);
  CHECK(OneLineError(gpus) == "bayestune: error: --gpus '0,0': GPU 0 is listed twice\n");
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
}

TEST_CASE("run: --db ':memory:' is the file of that name, not SQLite's database in memory",
          "[cli][run][errors]") {
  // SQLite read the name as its database in memory, and the run ended with "its file system does
  // not support SQLite's write-ahead log ...; put the database on a local disk".
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 1);
  const std::string lock_dir = "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks");
  const auto run = RunBayestune(
      dir.path(), {"run", "s.yaml", "--db", ":memory:", "--progress", "plain"}, {lock_dir});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(fs::is_regular_file(dir.File(":memory:")));
  const auto status = RunBayestune(dir.path(), {"status", "--db", ":memory:"});
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("1 of 1 finished: 1 succeeded"));
}

TEST_CASE("run: a default trial folder that cannot be made names --db, beside which it goes",
          "[cli][run][errors]") {
  // From a read-only working folder the error said "give a folder you can write to" without
  // naming --db, whose folder the default trial folders go in.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  WriteTextFile(dir.File("bayestune-jobs"), "a file where the trial folders would go\n");
  const auto by_default = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(by_default.exit_code == 1);
  CHECK_THAT(OneLineError(by_default),
             Catch::StartsWith("bayestune: error: the default trial folder (beside the database " +
                               dir.File("bayestune.db") + ") '" + dir.File("bayestune-jobs/s") +
                               "': cannot create it") &&
                 Catch::EndsWith("give --db a file in a folder you can write to (the trial "
                                 "folders go beside it), or --job-dir. Nothing was run\n"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
}

TEST_CASE("run: a study of the same name with another spec is refused, the old one kept",
          "[cli][run][errors]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  REQUIRE(RunBayestune(dir.path(), {"run", "s.yaml"}).exit_code == 0);
  std::string minimize = SmallStudyYaml(1, 1, "--epochs=1");
  minimize.replace(minimize.find("MAXIMIZE"), 8, "MINIMIZE");
  WriteTextFile(dir.File("s.yaml"), minimize);
  const auto changed = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(changed.exit_code == 1);
  CHECK(OneLineError(changed) ==
        "bayestune: error: study 's' in bayestune.db was made from other "
        "trainingInput.hyperparameters than s.yaml has now (goal MAXIMIZE -> MINIMIZE); only "
        "maxTrials, maxParallelTrials and maxFailedTrials of a study can change. To tune with the "
        "new goal, start a new study (--study NAME) and let it learn from this one with "
        "resumePreviousJobId: s in trainingInput.hyperparameters, or use another database (--db "
        "FILE)\n");
  const auto trials = RunBayestune(dir.path(), {"trials", "s"});
  CHECK(CountOccurrences(trials.out, "SUCCEEDED") == 1);
}

TEST_CASE("run: a study whose early stopping changed is refused saying so, not 'search space'",
          "[cli][run][errors]") {
  // The refusal of a changed runner.earlyStopping said "To tune the new search space", which did
  // not change.
  TempFolder dir;
  const std::string asha =
      "  earlyStopping: {rule: ASHA, minStep: 1, maxStep: 9, reductionFactor: ";
  std::string yaml = SmallStudyYaml(1, 1, "--epochs=1");
  yaml.insert(yaml.find("    params:"), "    enableTrialEarlyStopping: true\n");
  WriteTextFile(dir.File("s.yaml"), yaml + asha + "3}\n");
  const auto first = RunBayestune(dir.path(), {"run", "s.yaml"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  WriteTextFile(dir.File("s.yaml"), yaml + asha + "2}\n");
  const auto changed = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(changed.exit_code == 1);
  const std::string error = OneLineError(changed);
  CHECK_THAT(error, Catch::Contains("(runner.earlyStopping ASHA minStep 1 maxStep 9 "
                                    "reductionFactor 3 brackets 1 -> ASHA minStep 1 maxStep 9 "
                                    "reductionFactor 2 brackets 1)") &&
                        Catch::Contains("To tune with the new early stopping "
                                        "(enableTrialEarlyStopping, runner.earlyStopping), start a "
                                        "new study (--study NAME) and let it learn from this one "
                                        "with resumePreviousJobId: s") &&
                        !Catch::Contains("search space"));
}

TEST_CASE(
    "run: a study whose objectives changed is refused naming the change, and a study resuming it "
    "learns from what its trainer reported of the new metrics",
    "[cli][run][errors]") {
  // A misspelt hyperparameterMetricTag fails every trial; the fixed file was refused with the
  // advice to start a new study that learns from this one with resumePreviousJobId, which took
  // each old trial's value of the old metric as one of the new (an accuracy as a loss). Values
  // went by metric since, and a study of another objective learned nothing, nor one of two
  // objectives from a study of the first alone, though the trainer had reported the other metric
  // all along. Now a metric that was no objective of the old study is taken from what the trainer
  // reported of it, and the refusal says how many old trials did.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho '{\"accuracy\": \"0.5\", \"loss\": \"0.25\"}' >> "
                "\"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  const std::string yaml = RandomSearchStudyYaml(2, 1, "  command: [./train.sh]\n  gpus: []\n");
  WriteTextFile(dir.File("s.yaml"), yaml);
  REQUIRE(RunBayestune(dir.path(), {"run", "s.yaml"}).exit_code == 0);
  std::string loss = yaml;
  loss.replace(loss.find("hyperparameterMetricTag: accuracy"), 33, "hyperparameterMetricTag: loss");
  WriteTextFile(dir.File("s.yaml"), loss);
  const auto changed = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(changed.exit_code == 1);
  CHECK(OneLineError(changed) ==
        "bayestune: error: study 's' in bayestune.db was made from other "
        "trainingInput.hyperparameters than s.yaml has now (hyperparameterMetricTag 'accuracy' -> "
        "'loss'); only maxTrials, maxParallelTrials and maxFailedTrials of a study can change. "
        "For the new objective, start a new study (--study NAME) and let it learn from this one "
        "with resumePreviousJobId: s in trainingInput.hyperparameters (2 of its 2 succeeded "
        "trials reported 'loss', which it learns from; the others are left out), or use another "
        "database (--db FILE)\n");
  std::string resumed = loss;
  resumed.insert(resumed.find("    params:"), "    resumePreviousJobId: s\n");
  WriteTextFile(dir.File("loss.yaml"), resumed);
  const auto learning = RunBayestune(dir.path(), {"run", "loss.yaml", "--progress", "plain"});
  INFO(learning.out << learning.err);
  CHECK(learning.exit_code == 0);
  CHECK_THAT(learning.out,
             Catch::Contains("learning from 2 finished trials of study 's' (resumePreviousJobId); "
                             "2 succeeded take their value of 'loss' (not an objective there) "
                             "from what their trainer reported"));

  // The same study made of two objectives, accuracy and loss: refused naming the change, and a
  // study that resumes it learns from both trials.
  std::string two = yaml;
  for (const std::string line : {"    goal: MAXIMIZE\n", "    hyperparameterMetricTag: accuracy\n"})
    two.erase(two.find(line), line.size());
  two.insert(two.find("    params:"),
             "    metrics:\n      - metricId: accuracy\n        goal: MAXIMIZE\n"
             "      - metricId: loss\n        goal: MINIMIZE\n");
  WriteTextFile(dir.File("s.yaml"), two);
  const auto refused = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(OneLineError(refused),
             Catch::Contains("(metrics [accuracy MAXIMIZE] -> [accuracy MAXIMIZE, loss "
                             "MINIMIZE]); only maxTrials") &&
                 Catch::Contains("resumePreviousJobId: s in trainingInput.hyperparameters (2 of "
                                 "its 2 succeeded trials reported 'loss'"));
  std::string two_resumed = two;
  two_resumed.insert(two_resumed.find("    params:"), "    resumePreviousJobId: s\n");
  WriteTextFile(dir.File("two.yaml"), two_resumed);
  const auto both = RunBayestune(dir.path(), {"run", "two.yaml", "--progress", "plain"});
  INFO(both.out << both.err);
  CHECK(both.exit_code == 0);
  CHECK_THAT(both.out,
             Catch::Contains("learning from 2 finished trials of study 's' (resumePreviousJobId); "
                             "2 succeeded take their value of 'loss' (not an objective there) "
                             "from what their trainer reported"));
}

TEST_CASE("run: a study grows when maxTrials is raised, and the change is in its history",
          "[cli][run]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  REQUIRE(RunBayestune(dir.path(), {"run", "s.yaml"}).exit_code == 0);
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(3, 1, "--epochs=1"));
  const auto grown = RunBayestune(dir.path(), {"run", "s.yaml"});
  INFO(grown.out << grown.err);
  CHECK(grown.exit_code == 0);
  CHECK_THAT(grown.err, Catch::Contains("study 's': maxTrials 1 -> 3 (kept in its history"));
  CHECK(CountOccurrences(RunBayestune(dir.path(), {"trials", "s"}).out, "SUCCEEDED") == 3);
  const auto status = RunBayestune(dir.path(), {"status", "s"});
  CHECK_THAT(status.out, Catch::Contains("(done)"));
  CHECK_THAT(status.out, Catch::Contains(": maxTrials 1 -> 3"));
  CHECK_THAT(status.out, Catch::Contains(", seed "));
}

TEST_CASE("run: maxTrials lowered below the trials made is accepted, the study done, and said so",
          "[cli][run]") {
  // status said "5 of 2 finished", the run "5 of 2 trials finished before".
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho '{\"accuracy\": 0.5}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  const std::string runner = "  command: [./train.sh]\n  cpuTrials: 1\n";
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(5, 1, runner));
  REQUIRE(RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}).exit_code == 0);
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(2, 1, runner));
  const auto lowered = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"});
  INFO(lowered.out << lowered.err);
  CHECK(lowered.exit_code == 0);
  CHECK_THAT(lowered.err, Catch::Contains("study 's': maxTrials 5 -> 2"));
  CHECK_THAT(lowered.err, Catch::Contains("study 's': maxTrials 2 was lowered below the 5 trials "
                                          "made: it is done; raise maxTrials to go on"));
  CHECK_THAT(lowered.out, Catch::Contains("5 trials finished before (maxTrials 2 was lowered"));
  CHECK_THAT(lowered.out, Catch::Contains("nothing left to run"));
  CHECK_THAT(lowered.out + lowered.err, !Catch::Contains("5 of 2"));
  const auto status = RunBayestune(dir.path(), {"status", "s"});
  INFO(status.out);
  CHECK_THAT(status.out, Catch::Contains("(done)"));
  CHECK_THAT(status.out,
             Catch::Contains("5 finished (maxTrials 2 was lowered below the 5 trials made): 5 "
                             "succeeded; 0 running, 0 left"));
  CHECK_THAT(status.out, !Catch::Contains("5 of 2"));
  // Raised again: the study goes on to the new maxTrials.
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(6, 1, runner));
  REQUIRE(RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}).exit_code == 0);
  CHECK_THAT(RunBayestune(dir.path(), {"status", "s"}).out, Catch::Contains("6 of 6 finished"));
}

TEST_CASE("run --retry-failed: a study stopped by failed trials goes on once the trainer is fixed",
          "[cli][run]") {
  TempFolder dir;
  std::string broken = SmallStudyYaml(3, 1, "--epochs=1, --data=/nonexistent/digits.csv.gz");
  broken.replace(broken.find("    params:"), 0, "    maxFailedTrials: 2\n");
  WriteTextFile(dir.File("s.yaml"), broken);
  const auto failed = RunBayestune(dir.path(), {"run", "s.yaml"});
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.out, Catch::Contains("--retry-failed"));
  CHECK_THAT(RunBayestune(dir.path(), {"status", "s"}).out,
             Catch::Contains("stopped: 2 trials failed, the limit is 2 (maxFailedTrials); after "
                             "fixing the trainer, bayestune run --retry-failed goes on"));
  // Running again without the flag cannot go on: the failures still count.
  std::string fixed = broken;
  fixed.replace(fixed.find(", --data=/nonexistent/digits.csv.gz"), 35, "");
  WriteTextFile(dir.File("s.yaml"), fixed);
  CHECK(RunBayestune(dir.path(), {"run", "s.yaml"}).exit_code == 1);
  const auto retried = RunBayestune(dir.path(), {"run", "s.yaml", "--retry-failed"});
  INFO(retried.out << retried.err);
  CHECK(retried.exit_code == 0);
  CHECK_THAT(retried.err, Catch::Contains("2 failed trials queued to run again"));
  const auto trials = RunBayestune(dir.path(), {"trials", "s"});
  CHECK(CountOccurrences(trials.out, "SUCCEEDED") == 3);
  CHECK(CountOccurrences(trials.out, "FAILED") == 0);
  CHECK_THAT(RunBayestune(dir.path(), {"status", "s"}).out,
             Catch::Contains("2 failed trials queued to run again"));
}

TEST_CASE(
    "run: a file size limit (ulimit -f) stops the run with an error, and the next run goes on",
    "[cli][run][errors]") {
  // Past the limit, a write raised SIGXFSZ, whose default killed bayestune with no word.
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 60);
  const auto limited = RunInFolder(
      dir.path(), {"/bin/sh", "-c",
                   "ulimit -f 64 && exec " + BayestunePath() + " run s.yaml --progress plain"});
  INFO(limited.out << limited.err);
  CHECK(limited.signal == 0);
  CHECK(limited.exit_code == 1);
  // SQLite reports the failed write (EFBIG) as an I/O error; the store names the limit.
  CHECK_THAT(limited.err, Catch::Contains("bayestune database") &&
                              Catch::Contains("the file size limit (ulimit -f) is reached") &&
                              Catch::Contains("everything stored before it is intact"));
  const auto again = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK_THAT(RunBayestune(dir.path(), {"status"}).out, Catch::Contains("60 of 60 finished"));
}

TEST_CASE("run: a full file system under the trial folders stops the run, no trial is used up",
          "[cli][run][errors]") {
  // Each trainer failed to write its metrics (and its stderr.log: the reason said only "exited
  // with status 0 without reporting the metric"), one trial after another, until the study was
  // used up as FAILED trials.
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 3);
  fs::create_directories(dir.File("jobs"));
  fs::create_directories(dir.File("locks"));
  // A full 128 KiB tmpfs over jobs/, in a mount namespace of its own (gone with the process).
  const std::string lock_dir = "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks");
  if (!HasMountNamespace(dir)) return;
  const auto full = RunInFolder(
      dir.path(),
      {"unshare", "-rm", "/bin/sh", "-c",
       "mount -t tmpfs -o size=128k tmpfs jobs && (dd if=/dev/zero of=jobs/filler bs=4k "
       "2>/dev/null; true) && exec " +
           BayestunePath() + " run s.yaml --job-dir jobs --progress plain"},
      {lock_dir});
  INFO(full.out << full.err);
  CHECK(full.exit_code == 1);
  CHECK_THAT(full.out, Catch::Contains("trials cannot write their files: the file system of '") &&
                           Catch::Contains("' is full (0 KiB free). The trials that failed for it "
                                           "are queued to run again; no trial was used up: free "
                                           "some space and run the study again"));
  CHECK_THAT(full.out, Catch::Contains("trial 1 queued to run again (attempt 2): attempt 1 "));
  // Space again (the tmpfs went with its namespace): the same trials run and succeed.
  CheckRunsAgainToTheEnd(dir, lock_dir, 3);
}

TEST_CASE("run: trial folders on a file system out of inodes: said so, no trial is used up",
          "[cli][run][errors]") {
  // With space left but no inode, the run ended with "--job-dir '...': cannot write in it: No
  // space left on device" at its start, or, when the inodes ran out during the run, with "the
  // trainer could not be started: cannot create the trial folder '...': No space left on device.
  // ... fix this", on a disk that df -h showed with space to spare.
  TempFolder dir;
  // The first trainer reports, then takes every inode left of jobs/.
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/bash\necho '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n"
                "if [ -e fill ]; then rm fill; i=0; while true 2>/dev/null > jobs/f$i; do "
                "i=$((i+1)); done; fi\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(fs::path(dir.path()) / "s.yaml",
                RandomSearchStudyYaml(3, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  fs::create_directories(dir.File("jobs"));
  const std::string lock_dir = "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks");
  if (!HasMountNamespace(dir)) return;
  const std::string jobs = fs::canonical(dir.File("jobs")).string();
  // A tmpfs of 4 MiB over jobs/ (in a mount namespace of its own, gone with the process).
  const std::string mount = "mount -t tmpfs -o size=4m,nr_inodes=16 tmpfs jobs && ";
  const std::string run = "exec " + BayestunePath() + " run s.yaml --job-dir jobs --progress plain";
  // Every inode taken before the start.
  const auto at_start = RunInFolder(
      dir.path(),
      {"unshare", "-rm", "/bin/bash", "-c",
       mount + "i=0 && while true 2>/dev/null > jobs/f$i; do i=$((i+1)); done && " + run},
      {lock_dir});
  INFO(at_start.out << at_start.err);
  CHECK(at_start.exit_code == 1);
  CHECK(at_start.err ==
        "bayestune: error: --job-dir '" + jobs + "': cannot write in it: the file system of '" +
            jobs + "' has no free inode (no file can be made); delete some files (df -i '" + jobs +
            "' shows its inodes), or give --job-dir a folder you can write to. "
            "Nothing was run\n");
  // Taken by the first trial: the second's folder cannot be made.
  WriteTextFile(dir.File("fill"), "");
  const auto during =
      RunInFolder(dir.path(), {"unshare", "-rm", "/bin/bash", "-c", mount + run}, {lock_dir});
  INFO(during.out << during.err);
  CHECK(during.exit_code == 1);
  CHECK_THAT(during.out,
             Catch::Contains("trials cannot write their files: the file system of '" + jobs +
                             "' has no free inode (no file can be made). The trials that "
                             "failed for it are queued to run again; no trial was used up: delete "
                             "some files (df -i '" +
                             jobs + "' shows its inodes) and run the study again"));
  CHECK_THAT(during.out, !Catch::Contains("fix this"));
  // Inodes again (the tmpfs went with its namespace): the other trials run and succeed.
  CheckRunsAgainToTheEnd(dir, lock_dir, 3);
}

TEST_CASE("run: the last inode taken by a trial's folder: the trial started with it says why",
          "[cli][run][errors]") {
  // Two trials suggested at once, the first one's folder taking the last inode: the second was
  // put back saying "not started: the run was asked to stop", which no one had asked.
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 2);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(2, 2, "  command: [./train.sh]\n  cpuTrials: 2\n"));
  fs::create_directories(dir.File("jobs"));
  if (!HasMountNamespace(dir)) return;
  const std::string jobs = fs::canonical(dir.File("jobs")).string();
  // A tmpfs over jobs/ with one inode free: the run's check of jobs/ makes and removes a file
  // there, trial-1/ takes the inode, and its stdout.log finds none.
  const auto run = RunInFolder(
      dir.path(),
      {"unshare", "-rm", "/bin/bash", "-c",
       "mount -t tmpfs -o size=4m,nr_inodes=16 tmpfs jobs && i=0 && while true 2>/dev/null > "
       "jobs/f$i; do i=$((i+1)); done && rm jobs/f0 && exec " +
           BayestunePath() + " run s.yaml --job-dir jobs --progress plain"},
      {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  const std::string full =
      "the file system of '" + jobs + "' has no free inode (no file can be made)";
  CHECK_THAT(run.out, Catch::Contains("trial 1 queued to run again (attempt 1): not started: the "
                                      "trainer could not be started: cannot open the log '" +
                                      jobs + "/trial-1/stdout.log': No space left on device"));
  CHECK_THAT(run.out,
             Catch::Contains("trial 2 queued to run again (attempt 1): not started: trials cannot "
                             "write their files: " +
                             full));
  CHECK_THAT(run.out, !Catch::Contains("asked to stop"));
  CHECK_THAT(run.out, Catch::Contains("trials cannot write their files: " + full +
                                      ". The trials that failed for it are queued"));
  // The folder df -i is told to look at is there: trial-1/, which took the last inode, is removed
  // with the rest of that launch (the attempt never ran), and the advice named it ("df: ...:
  // No such file or directory").
  CHECK_THAT(run.out, Catch::Contains("delete some files (df -i '" + jobs + "' shows its inodes)"));
}

TEST_CASE("run: a trial folder removed while its trial runs: said so, no trial is used up",
          "[cli][run][errors]") {
  // A clean-up that removed the job dir mid-run made each running trial FAILED ("the trainer
  // exited with status 2"), using up the study, with "(.../stdout.log and stderr.log are empty)"
  // of logs that were not empty but gone. Here the first trainer removes the job dir itself,
  // as another process would, then fails writing its report.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\nif [ ! -e removed ]; then : > removed; rm -rf jobs; fi\n"
                "echo '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(fs::path(dir.path()) / "s.yaml",
                RandomSearchStudyYaml(3, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  const std::string lock_dir = "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks");
  const auto run = RunInFolder(
      dir.path(), {BayestunePath(), "run", "s.yaml", "--job-dir", "jobs", "--progress", "plain"},
      {lock_dir});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  const std::string folder = fs::canonical(dir.path()).string() + "/jobs/trial-1";
  CHECK_THAT(run.out,
             Catch::Contains("trials cannot write their files: the folder of trial 1, '" + folder +
                             "', was removed, moved or replaced while it ran (by another process, "
                             "or the trainer itself). The trials that failed for it are queued to "
                             "run again; no trial was used up: leave the trial folders "
                             "(runner.jobDir, --job-dir) in place while the study runs and run "
                             "the study again"));
  CHECK_THAT(run.out, Catch::Contains("trial 1 queued to run again (attempt 2): attempt 1 exited "
                                      "with status "));
  CHECK_THAT(run.out, !Catch::Contains("FAILED"));
  // The folder left in place: the same trials run and succeed.
  CheckRunsAgainToTheEnd(dir, lock_dir, 3);
}

TEST_CASE(
    "run: many trials at once under a low limit on open files, the trainers keeping that limit",
    "[cli][run][errors]") {
  // Each running trial holds a few descriptors: under `ulimit -Sn 40`, 12 trials at once ended the
  // run with "cannot make a pipe: Too many open files". The run raises its soft limit to the hard
  // one; the trainers get the user's 40.
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_max < 4096) {
    WARN("the hard limit on open files here is " << limit.rlim_max << "; not tested");
    return;
  }
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\nulimit -n > \"$CLOUD_ML_HP_METRIC_FILE.limit\"\nsleep 0.5\n"
                "echo '{\"accuracy\": \"0.5\"}' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(12, 12, "  command: [./train.sh]\n  cpuTrials: 12\n"));
  const std::string lock_dir = "BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks");
  const auto run = RunInFolder(
      dir.path(),
      {"/bin/sh", "-c",
       "ulimit -Sn 40 && exec " + BayestunePath() + " run s.yaml --job-dir jobs --progress plain"},
      {lock_dir});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(CountOccurrences(RunBayestune(dir.path(), {"trials", "s"}).out, "SUCCEEDED") == 12);
  int limits = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.File("jobs"))) {
    if (entry.path().extension() != ".limit") continue;
    ++limits;
    CHECK(ReadTextFile(entry.path()) == "40\n");
  }
  CHECK(limits == 12);

  // A hard limit as low: the error says what the limit is and what to do; no trial is used up.
  const auto low = RunInFolder(dir.path(),
                               {"/bin/sh", "-c",
                                "ulimit -n 40 && exec " + BayestunePath() +
                                    " run s.yaml --study t --job-dir jobs2 --progress plain"},
                               {lock_dir});
  INFO(low.out << low.err);
  CHECK(low.exit_code == 1);
  CHECK_THAT(low.out + low.err,
             Catch::Contains("Too many open files (this process may have 40 open files, its hard "
                             "limit (ulimit -Hn) is 40: raise it, or run fewer trials at once)"));
  // The trials that never ran keep their attempt number: they were attempt 2 (`trials` said so,
  // and the rerun ran them in trial-<n>/attempt-2/, with no attempt 1 anywhere).
  CHECK_THAT(RunBayestune(dir.path(), {"trials", "t"}).out, !Catch::Contains("attempt 2"));
  const auto again = RunInFolder(
      dir.path(), {BayestunePath(), "run", "s.yaml", "--study", "t", "--job-dir", "jobs2"},
      {lock_dir});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  const std::string trials = RunBayestune(dir.path(), {"trials", "t"}).out;
  INFO(trials);
  CHECK(CountOccurrences(trials, "SUCCEEDED") == 12);
  CHECK_THAT(trials, !Catch::Contains("attempt 2"));
  for (const auto& entry : fs::recursive_directory_iterator(dir.File("jobs2"))) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().find("attempt-") == std::string::npos);
  }
}

TEST_CASE("run: a limit on processes (ulimit -u) that stops a trial's start names the limit",
          "[cli][run][errors]") {
  // The run ended with "cannot start a process: fork failed: Resource temporarily unavailable",
  // naming neither the limit nor what to do. The limit counts every process of the user, so the
  // test runs bayestune as the user nobody, who runs nothing else here; as another user, fork
  // is not limited (root) or the count is not ours to know.
  if (geteuid() != 0 || RunInFolder("/", {"setpriv", "--help"}).exit_code != 0) {
    WARN("not root, or no setpriv: ulimit -u cannot be tested with a known process count");
    return;
  }
  TempFolder dir(TempFolder::Reach::kAnyUser);
  WriteReportAtOnceStudy(dir, 2);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(2, 2, "  command: [./train.sh]\n  cpuTrials: 2\n"));
  fs::permissions(dir.path(), fs::perms::all);
  fs::permissions(dir.File("train.sh"), fs::perms::all);
  // 1: bayestune alone, the keeper's fork fails; 2: bayestune and a keeper, whose clone of the
  // trainer fails.
  for (const int limit : {1, 2}) {
    const std::string study = "s" + std::to_string(limit);
    const auto run = RunInFolder(
        dir.path(),
        {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", "-c",
         "ulimit -u " + std::to_string(limit) + " && exec " + BayestunePath() +
             " run s.yaml --study " + study + " --db " + study + ".db --job-dir jobs-" + study +
             " --progress plain"},
        {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks-" + study)});
    INFO(limit << ": " << run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.out,
               Catch::Contains("Resource temporarily unavailable (this user may run at most " +
                               std::to_string(limit) +
                               " processes and threads at once (ulimit -u), all of them counted, "
                               "and each running trial takes at least two: its keeper and the "
                               "trainer; raise the limit (ulimit -u), or run fewer trials at "
                               "once). No trial was used up"));
  }
}

TEST_CASE("run: a cgroup's limit on processes (pids.max) that stops a trial's start names it",
          "[cli][run][errors]") {
  // As root in a cgroup of pids.max 2 (a container's --pids-limit), the run said "this user may run
  // at most 96367 processes and threads at once (ulimit -u), ...; raise the limit (ulimit -u)": a
  // limit that does not hold for root, far from reached.
  std::string cgroup;
  for (const char* base : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup"}) {
    const fs::path at = fs::path(base) / ("bayestune-test-" + std::to_string(getpid()));
    std::error_code error;
    if (fs::create_directory(at, error) && fs::exists(at / "pids.max", error)) {
      cgroup = at.string();
      break;
    }
    if (!error) fs::remove(at, error);
  }
  if (cgroup.empty()) {
    WARN(
        "no cgroup with a pids.max can be made here (not root, or no pids controller); not "
        "tested");
    return;
  }
  WriteTextFile(cgroup + "/pids.max", "2");
  TempFolder dir;
  WriteReportAtOnceStudy(dir, 1);
  // bayestune and the trial's keeper: the keeper's clone of the trainer fails.
  const auto run = RunInFolder(dir.path(),
                               {"/bin/bash", "-c",
                                "echo $$ > " + cgroup + "/cgroup.procs && exec " + BayestunePath() +
                                    " run s.yaml --progress plain"},
                               {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  std::error_code error;
  fs::remove(cgroup, error);  // empty again: the run ended
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out,
             Catch::Contains("Resource temporarily unavailable (this process may run at most 2 "
                             "processes and threads at once (pids.max of the cgroup " +
                             cgroup +
                             "), all of them counted, and each running trial takes at least two: "
                             "its keeper and the trainer; raise that limit (docker run "
                             "--pids-limit, systemd's TasksMax), or run fewer trials at once). No "
                             "trial was used up"));
  CHECK_THAT(run.out, !Catch::Contains("ulimit -u"));
}

TEST_CASE("run: two studies given one job dir: the second leaves the first's running trial alone",
          "[cli][run][errors]") {
  // Study b's trial 1 found jobs/trial-1 holding files, took them for leftovers of a deleted
  // database and moved them aside, while study a's trainer still ran there: both trainers then
  // wrote into jobs/trial-1, and each study recorded the other's values as its trial's.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\nif [ \"$BAYESTUNE_STUDY\" = a ]; then\n"
                "  echo started > \"$CLOUD_ML_HP_METRIC_FILE.started\"; i=0\n"
                "  while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"
                "  echo '{\"accuracy\": \"0.5\", \"global_step\": \"2\"}' >> "
                "\"$CLOUD_ML_HP_METRIC_FILE\"\n"
                "else\n  echo '{\"accuracy\": \"0.9\", \"global_step\": \"1\"}' >> "
                "\"$CLOUD_ML_HP_METRIC_FILE\"\nfi\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(fs::path(dir.path()) / "s.yaml",
                RandomSearchStudyYaml(1, 1, "  command: [./train.sh]\n  cpuTrials: 2\n"));
  const std::vector<std::string> locks = {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")};
  auto a = StartBayestune(
      dir.path(), {"run", "s.yaml", "--study", "a", "--job-dir", "jobs", "--progress", "plain"},
      dir.File("a"), locks);
  REQUIRE(WaitForText(dir.File("jobs/trial-1/hypertune.jsonl.started"), "started", 60));
  const auto b = RunInFolder(dir.path(),
                             {BayestunePath(), "run", "s.yaml", "--study", "b", "--job-dir", "jobs",
                              "--progress", "plain"},
                             locks);
  // Nor are a's logs, empty while its trainer waits, taken for the empty logs of b's launch that
  // failed and removed (the trainer would then write into files no one can read).
  CHECK(fs::exists(dir.File("jobs/trial-1/stdout.log")));
  CHECK(fs::exists(dir.File("jobs/trial-1/stderr.log")));
  WriteTextFile(dir.File("go"), "");
  const ChildResult a_result = a->Wait();
  INFO(a_result.out << a_result.err << b.out << b.err);
  CHECK(b.exit_code == 1);
  const std::string jobs = fs::canonical(dir.File("jobs")).string();
  CHECK_THAT(b.out, Catch::Contains(
                        "the trial folder '" + jobs +
                        "/trial-1' is in use by a trial that another bayestune run is running "
                        "now: a study of another name given the same job dir (runner.jobDir or "
                        "--job-dir), or one of the same name in another database of the same "
                        "folder (the default job dir is bayestune-jobs/<study> beside the "
                        "database), and the two would write into each other's trial folders; "
                        "give this run a job dir of its own (--job-dir). No trial was used up"));
  CHECK_FALSE(fs::exists(dir.File("jobs/trial-1.old-1")));
  // Study a's trial has its own value, and no value of b's among its measurements.
  CHECK(a_result.exit_code == 0);
  const auto exported = RunBayestune(dir.path(), {"export", "a", "--format", "json"});
  const auto job = nlohmann::json::parse(exported.out);
  const auto& trial = job["trainingOutput"]["trials"][0];
  CHECK(trial["finalMetric"]["objectiveValue"] == 0.5);
  CHECK(trial["allMetrics"].size() == 1);
  CHECK_THAT(RunBayestune(dir.path(), {"trials", "b"}).out, Catch::Contains("REQUESTED"));
}

TEST_CASE("run: two databases' studies of one name leave each other's finished trials alone",
          "[cli][run][errors]") {
  // Study s of b.db found s of a.db's finished bayestune-jobs/s/trial-1 (the same default job
  // dir), took it for leftovers and moved it to trial-1.old-1: a.db's trial 1 then named b's
  // folder as its own, and a's export, report and logs showed b's files.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho \"$WHO\" > \"$CLOUD_ML_HP_METRIC_FILE.who\"\n"
                "echo '{\"accuracy\": \"0.5\", \"global_step\": \"1\"}' >> "
                "\"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  const std::string runner = "  command: [./train.sh]\n";
  WriteTextFile(fs::path(dir.path()) / "s.yaml", RandomSearchStudyYaml(1, 1, runner));
  const auto run = [&](const std::string& database, const std::string& who) {
    return RunInFolder(dir.path(),
                       {BayestunePath(), "run", "s.yaml", "--db", database, "--progress", "plain"},
                       {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks"), "WHO=" + who});
  };
  const fs::path jobs = fs::canonical(dir.path()) / "bayestune-jobs" / "s";
  const auto a = run("a.db", "a");
  INFO(a.out << a.err);
  REQUIRE(a.exit_code == 0);
  REQUIRE(ReadTextFile(jobs / "trial-1/hypertune.jsonl.who") == "a\n");

  const auto b = run("b.db", "b");
  INFO(b.out << b.err);
  CHECK(b.exit_code == 1);
  CHECK_THAT(b.out, Catch::Contains("the trial folder '" + (jobs / "trial-1").string() +
                                    "' holds trial 1 of the study 's' of the database '" +
                                    (fs::canonical(dir.path()) / "a.db").string() +
                                    "' (its .bayestune-owner says so), which is still there") &&
                        Catch::Contains("give this run a job dir of its own (--job-dir)") &&
                        Catch::Contains("No trial was used up"));
  CHECK(ReadTextFile(jobs / "trial-1/hypertune.jsonl.who") == "a\n");
  CHECK_FALSE(fs::exists(jobs / "trial-1.old-1"));

  // a goes on (a second trial) in its own folders; its first is where it was.
  WriteTextFile(fs::path(dir.path()) / "s.yaml", RandomSearchStudyYaml(2, 1, runner));
  const auto resumed = run("a.db", "a");
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(ReadTextFile(jobs / "trial-1/hypertune.jsonl.who") == "a\n");
  CHECK(ReadTextFile(jobs / "trial-2/hypertune.jsonl.who") == "a\n");

  // Once a.db is gone its folders are leftovers, moved aside as before, with the warning.
  fs::remove(dir.File("a.db"));
  const auto after = run("b.db", "b");
  INFO(after.out << after.err);
  CHECK(after.exit_code == 0);
  CHECK_THAT(after.out, Catch::Contains("already held files, not of this study"));
  CHECK(ReadTextFile(jobs / "trial-1/hypertune.jsonl.who") == "b\n");
  CHECK(ReadTextFile(jobs / "trial-1.old-1/hypertune.jsonl.who") == "a\n");
}

TEST_CASE("run: a study deleted by another process mid-run is named, not 'no study with id 1'",
          "[cli][run][errors]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"),
                StudyYamlHead(3, 1) +
                    "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
                    "runner:\n"
                    "  command: [" BAYESTUNE_FAKE_TRAINER
                    ", --steps=40, --sleep-ms=100]\n"
                    "  gpus: []\n");
  const std::string capture = dir.File("run");
  auto run = StartBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}, capture);
  REQUIRE(WaitForText(capture + ".out", "trial 1 step", 60));
  {
    // As `bayestune serve` does for a DeleteStudy call on the same file.
    auto repository = SqliteStudyRepository::Open(dir.File("bayestune.db"));
    repository->DeleteStudy(repository->FindStudy("s")->id);
  }
  const ChildResult result = run->Wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 3);
  CHECK(result.err ==
        "bayestune: error: study 's' was deleted from bayestune.db while this run was running it "
        "(by another process, such as a DeleteStudy call to bayestune serve); its trials went "
        "with it and the trials this run had started were stopped. Run again to start it anew\n");
}

TEST_CASE("run: a second run of a study another run is running says so, and that both start trials",
          "[cli][run][errors]") {
  // maxParallelTrials holds for each run: the second run said only "trial(s) 1, 2 are running for
  // client runner@host/123.456.abcd/1 (a live runner, another host or a gRPC client); left to
  // it", and then ran as many trials again at once.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(6, 2,
                                                          "  command: [" BAYESTUNE_FAKE_TRAINER
                                                          ", --steps=600, --sleep-ms=100]\n"
                                                          "  gpus: []\n"
                                                          "  cpuTrials: 8\n"));
  const std::string first_capture = dir.File("first");
  auto first = StartBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}, first_capture);
  REQUIRE(WaitForText(first_capture + ".out", "trial 2 started", 60));
  const std::string second_capture = dir.File("second");
  auto second =
      StartBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"}, second_capture);
  const bool said = WaitForText(second_capture + ".out", "they are left to it", 60);
  const std::string out = ReadTextFile(second_capture + ".out");
  INFO(out << ReadTextFile(second_capture + ".err"));
  REQUIRE(said);
  CHECK_THAT(out, Catch::Contains("warning: another bayestune run or worker on this machine (pid " +
                                  std::to_string(first->pid()) +
                                  ") is running trial(s) 1, 2 of study 's'; they are left to it. "
                                  "maxParallelTrials (2) holds for each run and worker, not for "
                                  "the study: this one starts up to 2 trials besides theirs"));
}

TEST_CASE("run: an event file's wall times that no clock gave are stored as read, with a warning",
          "[cli][run][errors]") {
  // A trainer whose events had a NaN or far-future wall time: NaN reached SQLite's NOT NULL
  // column as NULL; a time in the year 33658 was stored, and the trial's durations and the
  // exports showed it.
  for (const std::string wall_time : {"nan", "1e12"}) {
    CAPTURE(wall_time);
    TempFolder dir;
    WriteTextFile(
        dir.File("s.yaml"),
        RandomSearchStudyYaml(1, 1,
                              "  command: [" BAYESTUNE_FAKE_TRAINER ", --wall-time=" + wall_time +
                                  "]\n"
                                  "  gpus: []\n"
                                  "  cpuTrials: 1\n"));
    const double before = NowSeconds();
    const auto run = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"});
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("SUCCEEDED") || Catch::Contains("succeeded"));
    CHECK_THAT(run.out + run.err, Catch::Contains("of the event at step 1 ") &&
                                      Catch::Contains("said once for this file"));
    auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "s", {});
    const auto trials = study->Trials();
    REQUIRE(trials.size() == 1);
    CHECK(trials[0].state == TrialState::kSucceeded);
    REQUIRE(trials[0].measurements.size() == 3);
    for (const Measurement& m : trials[0].measurements) {
      CHECK(m.wall_time >= before);
      CHECK(m.wall_time <= NowSeconds());
    }
  }
}

TEST_CASE("run, validate: a script the interpreter would run that is not there is an error at once",
          "[cli][run][errors]") {
  // `-- python3 trian.py`: python3 exists, so the run started, and every trial failed in turn
  // ("can't open file"), using the study up; validate said ok.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(3, 1, "  gpus: []\n"));
  for (const auto& command :
       {std::vector<std::string>{"run", "s.yaml", "--", "sh", "trian.sh"},
        std::vector<std::string>{"validate", "s.yaml", "--", "sh", "trian.sh"}}) {
    const auto result = RunBayestune(dir.path(), command);
    INFO(command[0] << ": " << result.out << result.err);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("the trainer command after --") &&
                               Catch::Contains("sh would run 'trian.sh', which is not in ") &&
                               Catch::Contains("(trainers run in the folder bayestune is started "
                                               "in); give the script's path from there, or an "
                                               "absolute one"));
  }
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));  // nothing was made
  // There, or an option first (python3 -m pkg, sh -c '...'): nothing to check.
  WriteTextFile(dir.File("trian.sh"), "exit 0\n");
  CHECK(RunBayestune(dir.path(), {"validate", "s.yaml", "--", "sh", "trian.sh"}).exit_code == 0);
  CHECK(RunBayestune(dir.path(), {"validate", "s.yaml", "--", "sh", "-c", "x.sh"}).exit_code == 0);
}

TEST_CASE("run, validate: bash runs a script it finds in PATH, #!/usr/bin/env bash or #!/bin/bash",
          "[cli][run][errors]") {
  // `-- bash train.sh` with train.sh in a folder of PATH (~/bin): bash runs it (it looks in PATH
  // for a script not in the working folder), yet run and validate said "bash would run
  // 'train.sh', which is not in ..." and ran nothing.
  TempFolder dir;
  const fs::path bin = fs::path(dir.path()) / "bin";
  fs::create_directories(bin);
  const std::vector<std::pair<std::string, std::string>> scripts = {
      {"report-env.sh", "#!/usr/bin/env bash"}, {"report-bin.sh", "#!/bin/bash"}};
  for (const auto& [name, shebang] : scripts) {
    WriteTextFile(bin / name, shebang +
                                  "\necho '{\"accuracy\": \"0.5\"}' >> "
                                  "\"$CLOUD_ML_HP_METRIC_FILE\"\n");
    fs::permissions(bin / name, fs::perms::owner_all);
  }
  const std::vector<std::string> path = {"PATH=" + bin.string() + ":" + std::getenv("PATH")};
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(1, 1, "  gpus: []\n"));
  for (const auto& [name, shebang] : scripts) {
    for (const auto& trainer :
         {std::vector<std::string>{"bash", name}, std::vector<std::string>{name}}) {
      std::vector<std::string> args = {"validate", "s.yaml", "--"};
      args.insert(args.end(), trainer.begin(), trainer.end());
      const auto validated = RunBayestune(dir.path(), args, path);
      INFO(shebang << ", " << trainer[0] << ": " << validated.out << validated.err);
      CHECK(validated.exit_code == 0);
    }
    const std::string study = name.substr(0, name.find('.'));
    const auto run = RunBayestune(
        dir.path(), {"run", "s.yaml", "--study", study, "--progress", "plain", "--", "bash", name},
        path);
    INFO(shebang << ": " << run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("trial 1 succeeded"));
  }
  // In neither place: still refused, naming both; sh (dash) does not look in PATH.
  const auto nowhere =
      RunBayestune(dir.path(), {"validate", "s.yaml", "--", "bash", "no.sh"}, path);
  INFO(nowhere.out << nowhere.err);
  CHECK(nowhere.exit_code == 1);
  CHECK_THAT(nowhere.err, Catch::Contains("bash would run 'no.sh', which is not in ") &&
                              Catch::Contains(" nor in the trainer's PATH; give the script's "
                                              "path from there, or an absolute one"));
  const auto sh =
      RunBayestune(dir.path(), {"validate", "s.yaml", "--", "sh", "report-bin.sh"}, path);
  INFO(sh.out << sh.err);
  CHECK(sh.exit_code == 1);
  CHECK_THAT(sh.err, Catch::Contains("sh would run 'report-bin.sh', which is not in ") &&
                         !Catch::Contains("PATH"));
}

TEST_CASE(
    "run, validate: a command line in one list item, or ~ in the trainer's path, says what "
    "to write",
    "[cli][run][errors]") {
  // [python3 /data/train.py] said "the trainer '<yaml folder>/python3 /data/train.py' does not
  // exist"; [~/bin/train.sh] "'<yaml folder>/~/bin/train.sh' does not exist": no shell runs the
  // trainer, so neither is split or expanded, and neither message said so.
  TempFolder dir;
  const auto validate = [&](const std::string& command) {
    WriteTextFile(dir.File("s.yaml"),
                  RandomSearchStudyYaml(1, 1, "  command: " + command + "\n  gpus: []\n"));
    const auto result = RunBayestune(dir.path(), {"validate", "s.yaml"});
    INFO(command << ": " << result.err);
    CHECK(result.exit_code == 1);
    return result.err;
  };
  CHECK_THAT(validate("[sh /data/train.sh]"),
             Catch::Contains("s.yaml:14:13: error: runner.command[0]: the trainer 'sh "
                             "/data/train.sh' is one argument holding spaces, and no program has "
                             "that name; give the program and each of its arguments as items of "
                             "their own (no shell splits them), such as [sh, /data/train.sh]"));
  CHECK_THAT(validate("[\"sh train.sh --fast\"]"),
             Catch::Contains("such as [sh, train.sh, --fast]"));
  CHECK_THAT(validate("[~/bin/train.sh]"),
             Catch::Contains("the trainer '" + dir.File("~/bin/train.sh") + "' does not exist") &&
                 Catch::Contains("('~' and $VARIABLES are not expanded: no shell runs the "
                                 "trainer; write the path out"));
  CHECK_THAT(validate("[$HOME/train.sh]"), Catch::Contains("are not expanded"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
}

TEST_CASE(
    "run, validate: a relative trainer not beside the YAML file says it was looked for there, "
    "and how to write the one in the current folder",
    "[cli][run][errors]") {
  // `bayestune run configs/s.yaml` with [./trainers/train.sh], a path from the current folder as
  // a shell takes it, said only "the trainer '<dir>/configs/trainers/train.sh' does not exist",
  // of a file the user could see there (newuser11): a relative runner.command[0] is relative to
  // the YAML file's folder, which nothing said.
  TempFolder dir;
  fs::create_directories(dir.File("configs"));
  fs::create_directories(dir.File("trainers"));
  WriteTextFile(dir.File("trainers/train.sh"), "#!/bin/sh\nexit 0\n");
  fs::permissions(dir.File("trainers/train.sh"), fs::perms::owner_all);
  WriteTextFile(dir.File("configs/s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [./trainers/train.sh]\n  gpus: []\n"));
  const std::string note =
      "' does not exist; give the path of an executable program (a relative runner.command[0] "
      "is relative to the YAML file's folder, " +
      dir.File("configs") +
      ", not to the folder bayestune is started in; './trainers/train.sh' is there from " +
      dir.path() + ": write it as ../trainers/train.sh or " + dir.File("trainers/train.sh") + ")";
  const auto validate = RunBayestune(dir.path(), {"validate", "configs/s.yaml"});
  CHECK(validate.exit_code == 1);
  CHECK_THAT(validate.err,
             Catch::Contains("configs/s.yaml:14:13: error: runner.command[0]: the trainer '" +
                             dir.File("configs/trainers/train.sh") + note));
  const auto run = RunBayestune(dir.path(), {"run", "configs/s.yaml"});
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains(note + ". Nothing was run"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
  // Not there from the current folder either: where it was looked for, and nothing more.
  WriteTextFile(dir.File("configs/s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [nowhere/train.sh]\n  gpus: []\n"));
  CHECK_THAT(
      RunBayestune(dir.path(), {"validate", "configs/s.yaml"}).err,
      Catch::Contains("(a relative runner.command[0] is relative to the YAML file's "
                      "folder, " +
                      dir.File("configs") + ", not to the folder bayestune is started in)\n"));
  // As the YAML file means it, it runs.
  WriteTextFile(dir.File("configs/s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [../trainers/train.sh]\n  gpus: []\n"));
  CHECK(RunBayestune(dir.path(), {"validate", "configs/s.yaml"}).exit_code == 0);
  // The other way round: an interpreter's script is found from the current folder, so
  // [python3, train.py] beside the YAML file, run from its parent, is not found there; the error
  // said so, but not that the script is beside the YAML file, nor the path that finds it.
  WriteTextFile(dir.File("configs/train.py"), "print('hi')\n");
  WriteTextFile(dir.File("configs/s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [python3, train.py]\n  gpus: []\n"));
  const auto script = RunBayestune(dir.path(), {"validate", "configs/s.yaml"});
  CHECK(script.exit_code == 1);
  CHECK_THAT(script.err,
             Catch::Contains("python3 would run 'train.py', which is not in " + dir.path() +
                             " (trainers run in the folder bayestune is started in); give the "
                             "script's path from there, or an absolute one (it is beside the "
                             "YAML file: configs/train.py, or run bayestune from " +
                             dir.File("configs") + ")\n"));
  CHECK(RunBayestune(dir.File("configs"), {"validate", "s.yaml"}).exit_code == 0);
}

TEST_CASE("run, validate: a trainer after -- gets its advice as a command line, not a YAML list",
          "[cli][run][errors]") {
  // '-- ./train.py' (not executable) was told 'such as [python3, ./train.py]', a bad #! line
  // 'such as runner.command: [python3, ./bad.py]', and '-- "sh train.sh"' to give 'items of their
  // own (no shell splits them), such as [sh, train.sh]': the YAML's words for a command line.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), RandomSearchStudyYaml(1, 1, "  gpus: []\n"));
  WriteTextFile(dir.File("train.py"), "print('hi')\n");
  WriteTextFile(dir.File("train.sh"), "true\n");
  WriteTextFile(dir.File("bad.py"), "#!/no/such/python\n");
  fs::permissions(dir.File("bad.py"), fs::perms::owner_all);
  const auto run = RunBayestune(dir.path(), {"run", "s.yaml", "--", "./train.py"});
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "bayestune: error: the trainer command after --: './train.py' is not an executable file; "
        "make it executable (chmod +x) or run it through its interpreter, such as -- python3 "
        "./train.py. Nothing was run\n");
  const auto validate = RunBayestune(dir.path(), {"validate", "s.yaml", "--", "./bad.py"});
  CHECK(validate.exit_code == 1);
  CHECK_THAT(validate.err, Catch::Contains("run it through its interpreter, such as -- python3 "
                                           "./bad.py\n"));
  const auto quoted = RunBayestune(dir.path(), {"run", "s.yaml", "--", "sh train.sh --fast"});
  CHECK(quoted.exit_code == 1);
  CHECK_THAT(quoted.err, Catch::Contains("give the program and each of its arguments as words of "
                                         "their own after -- (not quoted together), such as -- "
                                         "sh train.sh --fast. Nothing was run"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
}

TEST_CASE("run: --gpus naming a GPU this machine does not have is a warning, said once",
          "[cli][run][errors]") {
  // Trials said "started on GPU 99" with CUDA_VISIBLE_DEVICES=99, where CUDA finds no GPU and a
  // trainer quietly trains on the CPU.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"),
                StudyYamlHead(2, 1) +
                    "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
                    "runner:\n"
                    "  command: [" BAYESTUNE_FAKE_TRAINER "]\n");
  const auto result =
      RunBayestune(dir.path(), {"run", "s.yaml", "--gpus", "99", "--progress", "plain"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(CountOccurrences(result.out, "warning: GPU 99 of --gpus is not on this machine: ") == 1);
  CHECK_THAT(result.out, Catch::Contains("its trials get CUDA_VISIBLE_DEVICES=99 all the same, "
                                         "where CUDA may find no GPU and the trainer may run on "
                                         "the CPU. Check the GPU ids (nvidia-smi -L)"));
}

TEST_CASE("run: --gpus naming several GPUs this machine does not have: the warning names each",
          "[cli][run][errors]") {
  // It said "GPU 97, 98, 99 of --gpus is not on this machine: ...; its trials get
  // CUDA_VISIBLE_DEVICES=97 all the same": the first id for every trial (newuser10).
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"),
                StudyYamlHead(3, 3) +
                    "      - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}\n"
                    "runner:\n"
                    "  command: [" BAYESTUNE_FAKE_TRAINER "]\n");
  const auto result =
      RunBayestune(dir.path(), {"run", "s.yaml", "--gpus", "97,98,99", "--progress", "plain"},
                   {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(CountOccurrences(result.out,
                         "warning: GPUs 97, 98, 99 of --gpus are not on this machine: ") == 1);
  CHECK_THAT(result.out, Catch::Contains("their trials get them as CUDA_VISIBLE_DEVICES all the "
                                         "same, where CUDA may find no GPU and the trainer may "
                                         "run on the CPU. Check the GPU ids (nvidia-smi -L)"));
}

TEST_CASE("run: a trainer that wrote its summaries to a logdir of its own: the reason says where",
          "[cli][run][errors]") {
  // A TF2 or PyTorch trainer that writes to its own logdir (Keras' TensorBoard() writes to
  // ./logs, PyTorch's SummaryWriter() to ./runs) rather than to the --job-dir it is given: the
  // reason said only "no scalar was reported at all", not where bayestune looks, how the trainer
  // is told, nor that the event files went elsewhere (newuser10).
  TempFolder dir;
  fs::create_directories(fs::path(dir.path()) / "logs" / "old");
  WriteTextFile(fs::path(dir.path()) / "logs" / "old" / "events.out.tfevents.1.host", "");
  fs::last_write_time(fs::path(dir.path()) / "logs" / "old" / "events.out.tfevents.1.host",
                      fs::file_time_type::clock::now() - std::chrono::hours(24));
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\nmkdir -p logs/train runs/Dec07_host\n"
                ": > logs/train/events.out.tfevents.2.host\n"
                ": > runs/Dec07_host/events.out.tfevents.3.host\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  const auto result = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"},
                                   {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string trial = dir.path() + "/bayestune-jobs/s/trial-1";
  CHECK_THAT(
      result.out,
      Catch::Contains("no scalar was reported at all (no event file with a scalar, no "
                      "hypertune report); bayestune reads the event files under the "
                      "trial's --job-dir (" +
                      trial + ") and the cloudml-hypertune file CLOUD_ML_HP_METRIC_FILE (" + trial +
                      "/hypertune.jsonl): write the summaries there, such as "
                      "tf.summary.create_file_writer(job_dir)"));
  CHECK_THAT(result.out,
             Catch::Contains("; event files were written outside it while the trial ran: "
                             "runs/Dec07_host/events.out.tfevents.3.host, "
                             "logs/train/events.out.tfevents.2.host (runs/ is where "
                             "SummaryWriter() writes by default, logs/ Keras' TensorBoard "
                             "callback)"));
  CHECK_THAT(result.out, !Catch::Contains("events.out.tfevents.1.host"));  // not of this trial
}

TEST_CASE("run: a trainer that exits 0 without its metric: the reason shows what it printed",
          "[cli][run][errors]") {
  // The reason said only "metric 'accuracy' not found: no scalar was reported at all" and the
  // progress line pointed at an empty stderr.log, while the trainer's stdout.log held the
  // answer (it printed its value instead of reporting it); the README promises the log's last
  // lines for a trial that reports no value.
  TempFolder dir;
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho 'epoch 1: accuracy 0.5 (printed, not reported)'\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  const auto result = RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"},
                                   {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string log = fs::path(dir.path()) / "bayestune-jobs" / "s" / "trial-1" / "stdout.log";
  CHECK_THAT(result.out,
             Catch::Contains("trial 1 FAILED after ") &&
                 Catch::Contains("the trainer exited with status 0 without reporting the metric: "
                                 "metric 'accuracy' not found") &&
                 Catch::Contains("(log: " + log + ")"));
  // How a trainer without TensorFlow, PyTorch or cloudml-hypertune reports, and that what it
  // printed is not read: the reason named only the libraries' writers (newuser11).
  CHECK_THAT(result.out,
             Catch::Contains("torch.utils.tensorboard.SummaryWriter(log_dir=job_dir), or append a "
                             "JSON line a report to CLOUD_ML_HP_METRIC_FILE, such as "
                             "{\"accuracy\": 0.5, \"global_step\": 1}; the trainer's standard "
                             "output is not read"));
  // The summary's reason ends with the tail of the log that holds something.
  CHECK_THAT(result.out, Catch::Contains("last lines of " + log + ":") &&
                             Catch::Contains("epoch 1: accuracy 0.5 (printed, not reported)"));
  const auto exported = RunBayestune(dir.path(), {"export", "--format", "json"});
  CHECK_THAT(exported.out, Catch::Contains("epoch 1: accuracy 0.5 (printed, not reported)"));
}

namespace {

// Runs a one-trial study whose trainer writes `line` to its hypertune file and exits 0.
ChildResult RunOneTrialReporting(const TempFolder& dir, const std::string& line) {
  WriteTextFile(fs::path(dir.path()) / "train.sh",
                "#!/bin/sh\necho '" + line + "' >> \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(fs::path(dir.path()) / "train.sh", fs::perms::owner_all);
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [./train.sh]\n  cpuTrials: 1\n"));
  return RunBayestune(dir.path(), {"run", "s.yaml", "--progress", "plain"},
                      {"BAYESTUNE_GPU_LOCK_DIR=" + dir.File("locks")});
}

std::string HypertuneFileOfTrial1(const TempFolder& dir) {
  return (fs::path(dir.path()) / "bayestune-jobs" / "s" / "trial-1" / "hypertune.jsonl").string();
}

}  // namespace

TEST_CASE("run: a trainer that reports its metric with a decimal comma: the reason says so",
          "[cli][run][errors]") {
  // A trainer in a de_DE locale wrote {"accuracy": "0,5"}: the trial failed with "no scalar was
  // reported at all (no event file with a scalar, no hypertune report)" and advice to write
  // summaries into the folder the hypertune file was in.
  TempFolder dir;
  const auto result = RunOneTrialReporting(dir, "{\"accuracy\": \"0,5\"}");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string file = HypertuneFileOfTrial1(dir);
  const std::string reason =
      "the trainer exited with status 0 without reporting the metric: metric 'accuracy' not "
      "found as a number: " +
      file +
      " reports it, but with values that are not numbers (\"0,5\"); it is written with a decimal "
      "comma (the trainer's locale?): write numbers with a point, as str(value) and "
      "cloudml-hypertune do in any locale";
  CHECK_THAT(result.out, Catch::Contains("trial 1 FAILED after ") && Catch::Contains(reason));
  CHECK_THAT(result.out, !Catch::Contains("no scalar was reported"));
  const auto trials = RunBayestune(dir.path(), {"export", "--format", "json"});
  CHECK_THAT(trials.out, Catch::Contains("reports it, but with values that are not numbers"));
}

TEST_CASE("run: a trainer that reports at a step that is no step: the reason says so",
          "[cli][run][errors]") {
  // {"accuracy": 0.5, "global_step": 3.7}: the line was skipped with a warning, and the trial
  // failed with "no scalar was reported at all (no event file with a scalar, no hypertune
  // report)", which `trials` and the export kept (fieldtest16).
  TempFolder dir;
  const auto result = RunOneTrialReporting(dir, "{\"accuracy\": 0.5, \"global_step\": 3.7}");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string file = HypertuneFileOfTrial1(dir);
  const std::string reason =
      "the trainer exited with status 0 without reporting the metric: metric 'accuracy' not "
      "found: " +
      file +
      " reports it, but at global_step 3.7, which is not a step (a whole number from 0 to "
      "9223372036854775807), so that those reports were skipped; write global_step as a whole "
      "number, such as the epoch or the batch count";
  CHECK_THAT(result.out, Catch::Contains("trial 1 FAILED after ") && Catch::Contains(reason));
  CHECK_THAT(result.out, !Catch::Contains("no scalar was reported"));
}

}  // namespace bayestune::testing
