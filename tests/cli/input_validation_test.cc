// What `bayestune` refuses before it makes anything, and how it says so: study names that are
// paths, a resumePreviousJobId naming no study, a run that cannot run (no database or study is
// left behind), `validate` saying every error `run` would meet, a missing database (exit 3), a
// study without a succeeded trial (exit 1), and the wording of counts and signals.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_test_support.h"
#include "event_file_writer.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

namespace fs = std::filesystem;

namespace {

// A trainer that writes `report` (one cloudml-hypertune line) to CLOUD_ML_HP_METRIC_FILE and exits.
std::string WriteHypertuneTrainer(const TempFolder& dir, const std::string& name,
                                  const std::string& report) {
  const std::string path = dir.File(name);
  WriteTextFile(path,
                "#!/bin/sh\nprintf '%s\\n' '" + report + "' > \"$CLOUD_ML_HP_METRIC_FILE\"\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

// SmallStudyYaml with another trainer command.
std::string YamlWithTrainer(int max_trials, const std::string& trainer) {
  std::string yaml = SmallStudyYaml(max_trials, 1, "--epochs=1");
  const std::size_t at = yaml.find("  command: [");
  const std::size_t end = yaml.find("]\n", at);
  yaml.replace(at, end - at + 2, "  command: [" + trainer + "]\n");
  return yaml;
}

std::vector<std::string> StudyNames(const std::string& database) {
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  std::vector<std::string> names;
  for (const auto& study : SqliteStudyRepository::Open(database, read_only)->ListStudies())
    names.push_back(study.name);
  return names;
}

// Study `name` over SmallStudyYaml's parameters (n_layers 1..8, wider than the YAML's 1..4), with
// trials n_layers=2 and n_layers=8 finished and one still running.
void WritePreviousStudy(const std::string& database, const std::string& name) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 5;
  spec.parameters = {ParameterSpec::Integer("n_layers", 1, 8),
                     ParameterSpec::Double("momentum", 0.5, 0.99, ScaleType::kLog)};
  auto study = Study::Open(SqliteStudyRepository::Open(database), name,
                           {.create_if_missing = true, .spec = spec});
  const Trial fits = study->RequestTrial({{"n_layers", std::int64_t{2}}, {"momentum", 0.9}});
  const Trial wider = study->RequestTrial({{"n_layers", std::int64_t{8}}, {"momentum", 0.9}});
  const Trial running = study->RequestTrial({{"n_layers", std::int64_t{3}}, {"momentum", 0.9}});
  REQUIRE(study->Suggest(3, "test").size() == 3);
  study->Complete(fits.id, 0.9, 1);
  study->Complete(wider.id, 0.8, 1);
  (void)running;
}

}  // namespace

TEST_CASE("run: a study name that is a path is refused, nothing made", "[cli][validation]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  for (const std::string& name :
       std::vector<std::string>{"../../../../tmp/escaped", "../escaped", "a/b", "..", ".hidden",
                                std::string("tab\tname")}) {
    INFO(name);
    const auto result = RunBayestune(dir.path(), {"run", "s.yaml", "--study", name});
    INFO(result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.err.starts_with("bayestune: error: --study: study name '"));
    CHECK(result.err.find("a study name is a name, not a path: 1 to 255 bytes of UTF-8 without "
                          "'/' or control characters, not starting with '.' or '-'") !=
          std::string::npos);
    CHECK(CountOccurrences(result.err, "\n") == 1);
  }
  const auto dash = RunBayestune(dir.path(), {"run", "s.yaml", "--study=-rf"});
  CHECK(dash.exit_code == 2);
  CHECK(dash.err.find("study name '-rf' starts with '-'") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));
  CHECK_FALSE(fs::exists(dir.File("bayestune-jobs")));
  // bayestune-jobs/../escaped is where the trials of '../escaped' went.
  CHECK_FALSE(fs::exists(dir.File("escaped")));
}

TEST_CASE("run: the study name made from a file name is always a valid name", "[cli][validation]") {
  TempFolder dir;
  const std::string yaml = YamlWithTrainer(1, "/bin/true");  // fails at once: no value
  WriteTextFile(dir.File(".hidden.yaml"), yaml);
  WriteTextFile(dir.File("-dash.yaml"), yaml);
  WriteTextFile(dir.File("..yaml"), yaml);
  for (const auto& [file, study] : std::vector<std::pair<std::string, std::string>>{
           {"./.hidden.yaml", "hidden"}, {"./-dash.yaml", "dash"}, {"./..yaml", "study"}}) {
    INFO(file);
    const auto result = RunBayestune(dir.path(), {"run", file});
    INFO(result.out << result.err);
    CHECK(result.out.find("study '" + study + "' in bayestune.db") != std::string::npos);
    CHECK(fs::is_directory(dir.File("bayestune-jobs/" + study + "/trial-1")));
  }
}

TEST_CASE("worker: a trainer that cannot be started is an error before any call, as for run",
          "[cli][validation]") {
  // 'worker ... -- ./train.py' (not executable) waited up to 2 minutes for its server, then said
  // 'runner.command[0]: ... such as [python3, ./train.py]' of a command given after --.
  TempFolder dir;
  WriteTextFile(dir.File("train.py"), "print('hi')\n");
  const auto after_dashes = RunBayestune(
      dir.path(), {"worker", "--server", "127.0.0.1:1", "--study", "s", "--", "./train.py"});
  INFO(after_dashes.out << after_dashes.err);
  CHECK(after_dashes.exit_code == 1);
  CHECK(after_dashes.err ==
        "bayestune: error: the trainer command after --: './train.py' is not an executable file; "
        "make it executable (chmod +x) or run it through its interpreter, such as -- python3 "
        "./train.py. Nothing was run\n");
  // A --create file's runner.command: named by its file, before the server is asked.
  WriteTextFile(dir.File("s.yaml"),
                RandomSearchStudyYaml(1, 1, "  command: [python3, trian.py]\n  gpus: []\n"));
  const auto created = RunBayestune(
      dir.path(), {"worker", "--server", "127.0.0.1:1", "--study", "s", "--create", "s.yaml"});
  INFO(created.out << created.err);
  CHECK(created.exit_code == 1);
  CHECK_THAT(created.err, Catch::StartsWith("bayestune: error: s.yaml: runner.command[0]: python3 "
                                            "would run 'trian.py', which is not in ") &&
                              Catch::EndsWith(". Nothing was run\n"));
}

TEST_CASE("worker: --study that is a path is a usage error before any call", "[cli][validation]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  // Nothing listens on port 1: the name is refused before the server is asked.
  const auto result = RunBayestune(dir.path(), {"worker", "--server", "127.0.0.1:1", "--study",
                                                "../../../../tmp/x", "--create", "s.yaml"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.err ==
        "bayestune: error: --study: study name '../../../../tmp/x' holds a '/'; a study name is a "
        "name, not a path: 1 to 255 bytes of UTF-8 without '/' or control characters, not "
        "starting with '.' or '-', such as mnist or book-2\n");
}

TEST_CASE("worker: a --create file that does not exist exits 3 as its --help says",
          "[cli][validation]") {
  // It exited 1, as for a file with errors: `3 no such study or --create file` did not hold.
  TempFolder dir;
  const auto help = RunBayestune(dir.path(), {"worker", "--help"});
  REQUIRE_THAT(help.out, Catch::Contains("3 no such study, or no such --create, --token-file or "
                                         "--tls-ca file"));
  // Nothing listens on port 1: the file is looked for before the server is asked.
  const auto missing = RunBayestune(dir.path(), {"worker", "--server", "127.0.0.1:1", "--study",
                                                 "s", "--create", "nosuch.yaml", "--", "true"});
  INFO(missing.out << missing.err);
  CHECK(missing.exit_code == 3);
  CHECK(missing.err ==
        "bayestune: error: --create 'nosuch.yaml': no such file; give the path of the study's "
        "tuning.yaml\n");
  // A file that is there but wrong is still exit code 1.
  WriteTextFile(dir.File("bad.yaml"), "trainingInput: [\n");
  const auto bad = RunBayestune(dir.path(), {"worker", "--server", "127.0.0.1:1", "--study", "s",
                                             "--create", "bad.yaml", "--", "true"});
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 1);
}

TEST_CASE("run: resumePreviousJobId naming no study is an error with the closest, nothing made",
          "[cli][validation]") {
  TempFolder dir;
  std::string yaml = SmallStudyYaml(1, 1, "--epochs=1");
  yaml.insert(yaml.find("    params:"), "    resumePreviousJobId: frist-run\n");
  WriteTextFile(dir.File("second.yaml"), yaml);

  // No database at all: none is made.
  const auto none = RunBayestune(dir.path(), {"run", "second.yaml"});
  INFO(none.out << none.err);
  CHECK(none.exit_code == 3);
  CHECK(none.err ==
        "bayestune: error: second.yaml: trainingInput.hyperparameters.resumePreviousJobId: no "
        "study named 'frist-run' to learn from (there is no study yet); remove it, or check the "
        "name (in bayestune.db). Nothing was run\n");
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // A typo of a study there is: the closest is named, and no study is added.
  WritePreviousStudy(dir.File("bayestune.db"), "first-run");
  const auto typo = RunBayestune(dir.path(), {"run", "second.yaml"});
  INFO(typo.out << typo.err);
  CHECK(typo.exit_code == 3);
  CHECK(typo.err ==
        "bayestune: error: second.yaml: trainingInput.hyperparameters.resumePreviousJobId: no "
        "study named 'frist-run' to learn from; did you mean 'first-run'? The studies there: "
        "'first-run' (in bayestune.db). Nothing was run\n");
  CHECK(StudyNames(dir.File("bayestune.db")) == std::vector<std::string>{"first-run"});
  CHECK_FALSE(fs::exists(dir.File("bayestune-jobs")));

  // Named right: a line says what it learns from.
  yaml.replace(yaml.find("frist-run"), 9, "first-run");
  WriteTextFile(dir.File("second.yaml"), yaml);
  const auto learning = RunBayestune(dir.path(), {"run", "second.yaml"});
  INFO(learning.out << learning.err);
  CHECK(learning.exit_code == 0);
  CHECK(learning.out.find("learning from 1 finished trial of study 'first-run' "
                          "(resumePreviousJobId); 1 more do not fit this study's search space") !=
        std::string::npos);
}

TEST_CASE("run: a run that cannot run leaves no database and no study", "[cli][validation]") {
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  WriteTextFile(dir.File("a-file"), "not a folder\n");

  // An unwritable --job-dir (under a file: even root cannot make it).
  const auto job_dir = RunBayestune(dir.path(), {"run", "s.yaml", "--job-dir", "a-file/jobs"});
  INFO(job_dir.out << job_dir.err);
  CHECK(job_dir.exit_code == 1);
  CHECK(job_dir.err.starts_with("bayestune: error: --job-dir '" + dir.File("a-file/jobs") +
                                "': cannot create it: "));
  CHECK(job_dir.err.ends_with("; give --job-dir a folder you can write to. Nothing was run\n"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // runner.jobDir the same.
  std::string yaml = SmallStudyYaml(1, 1, "--epochs=1");
  yaml += "  jobDir: a-file/jobs\n";
  WriteTextFile(dir.File("j.yaml"), yaml);
  const auto runner_job_dir = RunBayestune(dir.path(), {"run", "j.yaml"});
  CHECK(runner_job_dir.exit_code == 1);
  CHECK(runner_job_dir.err.starts_with("bayestune: error: runner.jobDir '"));
  CHECK(runner_job_dir.err.ends_with(
      "; set runner.jobDir to a folder you can write to, or give --job-dir. Nothing was run\n"));
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // GPUs that do not fit gpusPerTrial.
  yaml = SmallStudyYaml(1, 1, "--epochs=1");
  yaml += "  gpusPerTrial: 2\n";
  WriteTextFile(dir.File("g.yaml"), yaml);
  const auto gpus = RunBayestune(dir.path(), {"run", "g.yaml", "--gpus", "0"});
  INFO(gpus.err);
  CHECK(gpus.exit_code == 1);
  // Named by where the GPUs came from (it said 'give more GPUs in runner.gpus' of --gpus 0).
  CHECK(gpus.err ==
        "bayestune: error: runner.gpusPerTrial is 2 but --gpus 0 gives 1 GPU; lower gpusPerTrial "
        "to at most 1, or give more GPUs. Nothing was run\n");
  CHECK_FALSE(fs::exists(dir.File("bayestune.db")));

  // In a database that exists, no study is added.
  WritePreviousStudy(dir.File("bayestune.db"), "other");
  CHECK(RunBayestune(dir.path(), {"run", "s.yaml", "--job-dir", "a-file/jobs"}).exit_code == 1);
  CHECK(RunBayestune(dir.path(), {"run", "g.yaml", "--gpus", "0"}).exit_code == 1);
  CHECK(StudyNames(dir.File("bayestune.db")) == std::vector<std::string>{"other"});
}

TEST_CASE("validate: every error run would meet, at once, each with its line",
          "[cli][validation]") {
  TempFolder dir;
  WriteTextFile(dir.File("bad.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    maxTrials: 4\n"
                "    params:\n"
                "      - parameterName: lr\n"
                "        type: DOUBLE\n"
                "        minValue: 0.1\n"
                "        maxValue: 1\n"
                "      - parameterName: lr\n"
                "        type: DOUBLE\n"
                "        minValue: 0.1\n"
                "        maxValue: 1\n"
                "        scaleType: LOG\n"
                "      - parameterName: n\n"
                "        type: INTEGER\n"
                "        minValue: -1e300\n"
                "        maxValue: 1e300\n"
                "      - parameterName: c\n"
                "        type: CATEGORICAL\n"
                "        categoricalValues: [a, \"b\\0c\"]\n"
                "      - parameterName: job-dir\n"
                "        type: DOUBLE\n"
                "        minValue: 0\n"
                "        maxValue: 1\n");
  const auto bad = RunBayestune(dir.path(), {"validate", "bad.yaml"});
  INFO(bad.err);
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.empty());
  for (const char* expected :
       {"bad.yaml: error: runner.command: missing: run needs the trainer",
        "bad.yaml:9:24: error: trainingInput.hyperparameters.params[1].parameterName: 'lr' is "
        "already defined at line 5",
        "bad.yaml:13:20: error: trainingInput.hyperparameters.params[1].scaleType: unknown value "
        "'LOG'",
        "bad.yaml:16:19: error: trainingInput.hyperparameters.params[2].minValue: an INTEGER "
        "parameter's bounds",
        "bad.yaml:17:19: error: trainingInput.hyperparameters.params[2].maxValue: ",
        "bad.yaml:20:32: error: trainingInput.hyperparameters.params[3].categoricalValues[1]: "
        "'b\\x00c' holds a NUL byte",
        "bad.yaml:21:24: error: trainingInput.hyperparameters.params[4].parameterName: 'job-dir' "
        "is the --job-dir flag",
        "bad.yaml: 7 errors\n"}) {
    CHECK(bad.err.find(expected) != std::string::npos);
  }

  // A trainer that does not exist, or is not executable, at its line and column.
  std::string yaml = SmallStudyYaml(1, 1, "--epochs=1");
  yaml.replace(yaml.find(TrainerPath()), TrainerPath().size(), "./no-such-trainer");
  WriteTextFile(dir.File("t.yaml"), yaml);
  const auto missing = RunBayestune(dir.path(), {"validate", "t.yaml"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("t.yaml:19:13: error: runner.command[0]: the trainer '" + dir.path() +
                         "/no-such-trainer' does not exist") != std::string::npos);
  WriteTextFile(dir.File("no-such-trainer"), "#!/bin/sh\n");  // not executable
  const auto not_executable = RunBayestune(dir.path(), {"validate", "t.yaml"});
  CHECK(not_executable.exit_code == 1);
  CHECK(not_executable.err.find("is not an executable file") != std::string::npos);
  // The trainer after -- replaces runner.command, as for run.
  const auto dashes = RunBayestune(dir.path(), {"validate", "t.yaml", "--", "/bin/true"});
  INFO(dashes.err);
  CHECK(dashes.exit_code == 0);
  CHECK(dashes.out.find("t.yaml: ok: ") == 0);

  // A grid smaller than maxTrials: a warning, valid.
  yaml = SmallStudyYaml(50, 1, "--epochs=1");
  yaml.insert(yaml.find("    params:"), "    algorithm: GRID_SEARCH\n");
  WriteTextFile(dir.File("grid.yaml"), yaml);
  const auto grid = RunBayestune(dir.path(), {"validate", "grid.yaml"});
  INFO(grid.err);
  CHECK(grid.exit_code == 0);
  CHECK(grid.err ==
        "grid.yaml:5:16: warning: trainingInput.hyperparameters.maxTrials: GRID_SEARCH has 40 "
        "combinations of the parameters' grid values, fewer than maxTrials (50); the study ends "
        "after 40 trials (DOUBLE parameters have 10 grid values each)\n");
}

TEST_CASE("readers: a missing database exits 3 wherever it is missing, saying what to do",
          "[cli][validation]") {
  TempFolder dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status", "--db", "/missing/dir/x.db"},
        std::vector<std::string>{"trials", "--db", "no-folder/x.db"},
        std::vector<std::string>{"best", "--db", "x.db"}, std::vector<std::string>{"status"}}) {
    const auto result = RunBayestune(dir.path(), args);
    INFO(result.err);
    CHECK(result.exit_code == 3);
    CHECK(result.err.starts_with("bayestune: error: there is no bayestune database '"));
    CHECK(result.err.find("; check the path (--db FILE), or make the study first: bayestune run "
                          "tuning.yaml") != std::string::npos);
    CHECK(CountOccurrences(result.err, "\n") == 1);
  }
  const auto folder = RunBayestune(dir.path(), {"status", "--db", "/missing/dir/x.db"});
  CHECK(folder.err ==
        "bayestune: error: there is no bayestune database '/missing/dir/x.db' (there is no "
        "folder '/missing/dir'); check the path (--db FILE), or make the study first: bayestune "
        "run tuning.yaml --db /missing/dir/x.db\n");
}

TEST_CASE("readers: a database whose tables a starting run has not made yet has no study, exit 3",
          "[cli][validation]") {
  // `bayestune status` while a run was starting (the file made, its tables not yet committed)
  // said "is empty, not a bayestune database yet; give the path of a study database" and exited 1,
  // as for a wrong file; it is the right one, without a study for a moment.
  TempFolder dir;
  WriteTextFile(dir.File("bayestune.db"), "");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"trials"},
        std::vector<std::string>{"export"}}) {
    const auto result = RunBayestune(dir.path(), args);
    INFO(args[0] << ": " << result.err);
    CHECK(result.exit_code == 3);
    CHECK(result.err ==
          "bayestune: error: bayestune database 'bayestune.db' holds no study yet: its tables are "
          "not made (a bayestune run that is starting makes them at once: try again in a moment); "
          "otherwise give the path of a study database (a run creates one)\n");
  }
  CHECK(ReadTextFile(dir.File("bayestune.db")).empty());  // a reader left it as it was
}

TEST_CASE("run: infeasible trials are infeasible in the progress lines as in the summary",
          "[cli][validation]") {
  TempFolder dir;
  const std::string trainer =
      WriteHypertuneTrainer(dir, "nan.sh", R"({"accuracy": "nan", "global_step": "1"})");
  WriteTextFile(dir.File("nan.yaml"), YamlWithTrainer(3, trainer));
  const auto result = RunBayestune(dir.path(), {"run", "nan.yaml", "--progress", "plain"});
  INFO(result.out << result.err);
  CHECK(result.out.find(" 0 done, 0 failed, 3 infeasible, 0 running, 0 left of 3; ") !=
        std::string::npos);
  CHECK(result.out.find("(0 succeeded, 0 failed, 3 infeasible); this run: 3 trials in ") !=
        std::string::npos);
  const auto best = RunBayestune(dir.path(), {"best"});
  CHECK(best.exit_code == 1);  // the study is there, with no succeeded trial: a failure, not 3
  CHECK(best.err ==
        "bayestune: error: study 'nan' has no succeeded trial (0 failed, 3 infeasible, 0 "
        "running, 0 left); see why with: bayestune trials nan\n");
}

TEST_CASE("--help of bayestune and of run name cloudml-hypertune too", "[cli][validation]") {
  TempFolder dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"run", "--help"},
        std::vector<std::string>{"metrics", "--help"}}) {
    const auto help = RunBayestune(dir.path(), args);
    INFO(help.out);
    CHECK(help.out.find("cloudml-hypertune") != std::string::npos);
    CHECK(help.out.find("CLOUD_ML_HP_METRIC_FILE") != std::string::npos);
  }
}

TEST_CASE("metrics: a trial folder's own hypertune file, and its study's tag, goal and selection",
          "[cli][validation]") {
  TempFolder dir;
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = 2;
  spec.measurement_selection = MeasurementSelection::kBest;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "loss-study",
              {.create_if_missing = true, .spec = spec});
  const std::string trial = "bayestune-jobs/loss-study/trial-1";
  fs::create_directories(dir.File(trial));
  WriteTextFile(dir.File(trial + "/hypertune.jsonl"),
                "{\"global_step\": \"1\", \"loss\": \"0.5\", \"accuracy\": \"0.7\"}\n"
                "{\"global_step\": \"2\", \"loss\": \"0.25\", \"accuracy\": \"0.9\"}\n"
                "{\"global_step\": \"3\", \"loss\": \"0.75\", \"accuracy\": \"0.8\"}\n");

  // Every scalar, the hypertune file's included, with no warning of missing event files.
  const auto all = RunBayestune(dir.path(), {"metrics", trial});
  INFO(all.out << all.err);
  CHECK(all.exit_code == 0);
  CHECK(CountOccurrences(all.out, "\n") == 6);
  CHECK(all.err.empty());

  // The study's objective as it picks it: the BEST (lowest) loss, from another folder too.
  fs::create_directories(dir.File("elsewhere"));
  const auto value =
      RunBayestune(dir.File("elsewhere"), {"metrics", "../" + trial, "--tag", "loss"});
  INFO(value.out << value.err);
  CHECK(value.exit_code == 0);
  CHECK(value.out.find(R"("metric": "loss", "full_tag": "loss", "selection": "BEST", )"
                       R"("goal": "MINIMIZE", "study": "loss-study", "run": ".", "tag": "loss", )"
                       R"("step": 2, )") != std::string::npos);
  CHECK(value.out.find(R"("value": 0.25})") != std::string::npos);
  // --selection alone takes the study's tag; the flags win.
  const auto selection = RunBayestune(dir.path(), {"metrics", trial, "--selection", "LAST"});
  CHECK(selection.out.find(R"("metric": "loss", "full_tag": "loss", "selection": "LAST", )"
                           R"("goal": "MINIMIZE")") != std::string::npos);
  CHECK(selection.out.find(R"("step": 3)") != std::string::npos);
  const auto goal = RunBayestune(dir.path(), {"metrics", trial, "--goal", "MAXIMIZE"});
  CHECK(goal.out.find(R"("selection": "BEST", "goal": "MAXIMIZE")") != std::string::npos);
  CHECK(goal.out.find(R"("step": 3)") != std::string::npos);
  // Another tag than the study's objective: LAST and MAXIMIZE unless told.
  const auto other = RunBayestune(dir.path(), {"metrics", trial, "--tag", "accuracy"});
  CHECK(other.out.find(R"("selection": "LAST", "goal": "MAXIMIZE", "study": "loss-study")") !=
        std::string::npos);
  // An unknown --study is not found (3); --selection outside any study needs --tag (2).
  CHECK(RunBayestune(dir.path(), {"metrics", trial, "--study", "nope"}).exit_code == 3);
  fs::create_directories(dir.File("plain"));
  const auto no_tag = RunBayestune(dir.path(), {"metrics", "plain", "--selection", "BEST"});
  CHECK(no_tag.exit_code == 2);
  CHECK(no_tag.err.find("give --tag TAG") != std::string::npos);
}

TEST_CASE("metrics: each metric of a study of several takes the study's selection and its goal",
          "[cli][validation]") {
  // size, the second metric, is MINIMIZE with BEST selection: its trial's value is 15 at step 1.
  // Only the first metric was the study's, so size was taken LAST and MAXIMIZE: 29 at step 4.
  TempFolder dir;
  StudySpec spec;
  spec.metrics = {{.metric_id = "acc", .goal = Goal::kMaximize},
                  {.metric_id = "size", .goal = Goal::kMinimize}};
  spec.metric_tag = "acc";
  spec.goal = Goal::kMaximize;
  spec.max_trials = 2;
  spec.measurement_selection = MeasurementSelection::kBest;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "two",
              {.create_if_missing = true, .spec = spec});
  const std::string trial = "bayestune-jobs/two/trial-1";
  fs::create_directories(dir.File(trial));
  WriteTextFile(dir.File(trial + "/hypertune.jsonl"),
                "{\"global_step\": \"1\", \"acc\": \"0.5\", \"size\": \"15\"}\n"
                "{\"global_step\": \"2\", \"acc\": \"0.9\", \"size\": \"23\"}\n"
                "{\"global_step\": \"4\", \"acc\": \"0.8\", \"size\": \"29\"}\n");
  const auto size = RunBayestune(dir.path(), {"metrics", trial, "--tag", "size"});
  INFO(size.out << size.err);
  CHECK(size.exit_code == 0);
  CHECK(size.out.find(R"("metric": "size", "full_tag": "size", "selection": "BEST", )"
                      R"("goal": "MINIMIZE", "study": "two", "run": ".", "tag": "size", )"
                      R"("step": 1, )") != std::string::npos);
  CHECK(size.out.find(R"("value": 15})") != std::string::npos);
  // The first metric, MAXIMIZE: 0.9 at step 2.
  const auto acc = RunBayestune(dir.path(), {"metrics", trial, "--tag", "acc"});
  CHECK(acc.out.find(R"("selection": "BEST", "goal": "MAXIMIZE", "study": "two")") !=
        std::string::npos);
  CHECK(acc.out.find(R"("step": 2, )") != std::string::npos);
}

TEST_CASE("metrics --tag: the value the runner records when event files and hypertune agree",
          "[cli][validation]") {
  // gpu_models writes each scalar to its event file (a float32) and to the hypertune file (a
  // double). The runner records the event file's and leaves the hypertune report of the same
  // tag and step out; `metrics --tag` took the later record, the hypertune file's, and printed
  // 0.9555555555555556 for a trial whose stored value is 0.9555555582046509.
  TempFolder dir;
  const std::string trial = dir.File("job");
  fs::create_directories(trial);
  {
    EventFileWriter events(trial);
    events.AddScalar("accuracy", 1, 0.5f, 1700000000.0);
    events.AddScalar("accuracy", 2, 0.9555555555555556f, 1700000001.0);
  }
  WriteTextFile(trial + "/hypertune.jsonl",
                "{\"accuracy\": \"0.5\", \"global_step\": \"1\", \"timestamp\": 1700000000.5}\n"
                "{\"accuracy\": \"0.9555555555555556\", \"global_step\": \"2\", \"loss\": "
                "\"0.25\", \"timestamp\": 1700000001.5}\n");
  const auto value = RunBayestune(dir.path(), {"metrics", "job", "--tag", "accuracy"});
  INFO(value.out << value.err);
  CHECK(value.exit_code == 0);
  // The event file's float32, printed as that float32's shortest digits.
  CHECK(value.out.find(R"("step": 2, "wall_time": 1700000001, "value": 0.95555556})") !=
        std::string::npos);
  // A tag only the hypertune file has is its.
  const auto loss = RunBayestune(dir.path(), {"metrics", "job", "--tag", "loss"});
  INFO(loss.out << loss.err);
  CHECK(loss.out.find(R"("step": 2, "wall_time": 1700000001.5, "value": 0.25})") !=
        std::string::npos);
  // Every scalar is still listed, from both.
  CHECK(CountOccurrences(RunBayestune(dir.path(), {"metrics", "job"}).out, "\n") == 5);
}

TEST_CASE("metrics --tag: the value the runner recorded when the hypertune report came first",
          "[cli][validation]") {
  // The runner keeps the source that reported a tag and step first: a hypertune report read
  // before the event file was flushed is the one recorded. `metrics` always took the event
  // file's, and printed another value than the trial's recorded one.
  TempFolder dir;
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 2;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  auto study = Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), "s",
                           {.create_if_missing = true, .spec = spec});
  for (const Trial& t : study->Suggest(2, "runner")) {
    // Trial 1 recorded the hypertune file's 0.5 at step 2; trial 2 the event file's 0.75.
    study->AddMeasurement(
        t.id, {.metric = "accuracy", .step = 2, .value = t.id == 1 ? 0.5 : 0.75, .wall_time = 1});
    const std::string folder = dir.File("bayestune-jobs/s/trial-" + std::to_string(t.id));
    fs::create_directories(folder);
    {
      EventFileWriter events(folder);
      events.AddScalar("accuracy", 2, 0.75f, 1700000001.0);
    }
    WriteTextFile(folder + "/hypertune.jsonl",
                  "{\"accuracy\": \"0.5\", \"global_step\": \"2\", \"timestamp\": "
                  "1700000000.5}\n");
  }
  const auto first = RunBayestune(dir.path(), {"metrics", "bayestune-jobs/s/trial-1"});
  CHECK(CountOccurrences(first.out, "\n") == 2);  // every scalar is still listed, from both
  const auto hypertune =
      RunBayestune(dir.path(), {"metrics", "bayestune-jobs/s/trial-1", "--tag", "accuracy"});
  INFO(hypertune.out << hypertune.err);
  CHECK(hypertune.exit_code == 0);
  CHECK(hypertune.out.find(R"("step": 2, "wall_time": 1700000000.5, "value": 0.5})") !=
        std::string::npos);
  const auto events =
      RunBayestune(dir.path(), {"metrics", "bayestune-jobs/s/trial-2", "--tag", "accuracy"});
  INFO(events.out << events.err);
  CHECK(events.out.find(R"("step": 2, "wall_time": 1700000001, "value": 0.75})") !=
        std::string::npos);
}

TEST_CASE(
    "validate: a runner.env variable the runner sets itself is a warning at its line, as "
    "run says",
    "[cli][validation]") {
  // run warned that runner.env.CUDA_VISIBLE_DEVICES is ignored; validate said nothing.
  TempFolder dir;
  WriteTextFile(dir.File("env.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    params:\n"
                "      - {parameterName: lr, type: DOUBLE, minValue: 0.1, maxValue: 1}\n"
                "runner:\n"
                "  command: [/bin/true]\n"
                "  env:\n"
                "    DATA: /data\n"
                "    CUDA_VISIBLE_DEVICES: \"7\"\n"
                "    CLOUD_ML_HP_METRIC_FILE: /etc/passwd\n");
  const auto result = RunBayestune(dir.path(), {"validate", "env.yaml"});
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err,
             Catch::Contains("env.yaml:9:5: warning: runner.env.CUDA_VISIBLE_DEVICES: is ignored: "
                             "the runner sets it for each trial") &&
                 Catch::Contains("env.yaml:10:5: warning: runner.env.CLOUD_ML_HP_METRIC_FILE: is "
                                 "ignored") &&
                 !Catch::Contains("DATA"));
  CHECK_THAT(result.out, Catch::StartsWith("env.yaml: ok:"));
}

}  // namespace bayestune::testing
