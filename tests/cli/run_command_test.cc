// `bayestune run` end to end with the real trainer on the CPU, then the readers on its result.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_test_support.h"

namespace bayestune::testing {

namespace fs = std::filesystem;

TEST_CASE("run: a study end to end with the real trainer, then status, best and export",
          "[cli][run]") {
  TempFolder dir;
  WriteTextFile(dir.File("small.yaml"), SmallStudyYaml(4, 2, "--epochs=2"));
  const auto run = RunBayestune(dir.path(), {"run", "small.yaml"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());

  // Not a terminal: plain timestamped lines, one per event, then the summary.
  CHECK(run.out.find('\x1b') == std::string::npos);
  const std::string stamp = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )";
  const auto odd = LinesNotMatching(
      run.out,
      {stamp + "study 'small' in bayestune.db: 4 trials, 2 at once on the CPU; trial "
               "folders in .*/bayestune-jobs/small",
       stamp + R"(trial \d started on CPU: n_layers=\d momentum=[0-9.]+)",
       stamp + R"(trial \d step \d: accuracy [0-9.]+)",
       stamp + R"(trial \d succeeded in [0-9.]+s: accuracy [0-9.]+ at step 2( \(best so far\))?)",
       stamp + R"(\d done, 0 failed, \d running, \d left of 4; best: trial \d, .*)", "",
       R"(study 'small' is done: 4 trials finished \(4 succeeded, 0 failed, 0 infeasible\); this run: 4 trials in .*)",
       R"(best trial: \d, accuracy [0-9.]+ at step 2 \(MAXIMIZE\))", R"(  n_layers  \d)",
       R"(  momentum  [0-9.]+)", R"(trainer arguments: --momentum=[0-9.]+ --n_layers=\d)",
       R"(trial logs: .*/bayestune-jobs/small/trial-<n>/ \(stdout.log, stderr.log, event files\); the best: trial-\d/)",
       R"(database:   .*/bayestune.db \(study 'small'\))",
       R"(export:     bayestune export small --format csv --out small.csv)"});
  CHECK(odd == std::vector<std::string>{});
  CHECK(CountOccurrences(run.out, " started on CPU") == 4);
  CHECK(CountOccurrences(run.out, " succeeded in ") == 4);

  // Trial folders beside the database, with the trainer's logs and event file.
  const fs::path trial = fs::path(dir.path()) / "bayestune-jobs/small/trial-1";
  CHECK(fs::is_regular_file(trial / "stdout.log"));
  CHECK(ReadTextFile(trial / "stdout.log").find("done: accuracy") != std::string::npos);
  bool event_file = false;
  for (const auto& entry : fs::directory_iterator(trial))
    event_file |= entry.path().filename().string().find("tfevents") != std::string::npos;
  CHECK(event_file);

  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("study      small (done), in bayestune.db") != std::string::npos);
  CHECK(status.out.find("4 of 4 finished: 4 succeeded; 0 running, 0 left") != std::string::npos);

  const auto best = RunBayestune(dir.path(), {"best", "small"});
  CHECK(best.exit_code == 0);
  CHECK(best.out.find("best trial: ") == best.out.find('\n') + 1);  // after the study line
  // The summary of `run` printed the same best trial.
  CHECK(run.out.find(best.out.substr(best.out.find('\n') + 1)) != std::string::npos);

  const auto csv = RunBayestune(dir.path(), {"export", "--format", "csv"});
  CHECK(csv.exit_code == 0);
  CHECK(CountOccurrences(csv.out, ",SUCCEEDED,") == 4);

  const auto json = RunBayestune(dir.path(), {"export", "--format=json", "--out", "small.json"});
  CHECK(json.exit_code == 0);
  const auto document = nlohmann::json::parse(ReadTextFile(dir.File("small.json")));
  CHECK(document["trainingOutput"]["completedTrialCount"] == "4");
  CHECK(document["trainingOutput"]["trials"][0]["finalMetric"]["trainingStep"] == "2");

  // Running it again finds the study done and runs nothing.
  const auto again = RunBayestune(dir.path(), {"run", "small.yaml"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("started on") == std::string::npos);
  CHECK(again.out.find("4 of 4 trials finished before") != std::string::npos);
  CHECK(again.out.find("; nothing left to run") != std::string::npos);
  // And how to run more: it said only "nothing left to run" to a user who wanted more trials
  // (newuser11).
  CHECK_THAT(again.out, Catch::Contains("; nothing left to run (for more trials, raise maxTrials, "
                                        "4 now, in small.yaml and run it again)\n"));
}

TEST_CASE(
    "run: paths in the runner block are relative to the YAML's folder, --db's folder "
    "gets the trial folders, the trainer after -- wins",
    "[cli][run]") {
  TempFolder dir;
  fs::create_directories(dir.File("config"));
  fs::create_directories(dir.File("data"));
  // runner.command[0] relative to config/, a copy of the trainer one folder up from there.
  fs::copy_file(TrainerPath(), dir.File("bayestune-mlp"));
  std::string yaml = SmallStudyYaml(2, 2, "--epochs=1");
  yaml.replace(yaml.find(TrainerPath()), TrainerPath().size(), "../bayestune-mlp");
  WriteTextFile(dir.File("config/tuning.yaml"), yaml);

  const auto run = RunBayestune(
      dir.path(), {"run", "config/tuning.yaml", "--db", "data/x.db", "--progress", "plain"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("study 'config' in data/x.db") != std::string::npos);  // the folder's name
  CHECK(fs::is_directory(dir.File("data/bayestune-jobs/config/trial-2")));
  CHECK(run.out.find("export:     bayestune export config --db data/x.db --format csv") !=
        std::string::npos);

  // A trainer after -- replaces runner.command (here a name on PATH that does not exist).
  yaml.replace(yaml.find("../bayestune-mlp"), 16, "no-such-trainer-anywhere");
  WriteTextFile(dir.File("config/other.yaml"), yaml);
  const auto explicit_trainer =
      RunBayestune(dir.path(), {"run", "config/other.yaml", "--study", "other", "--job-dir", "jobs",
                                "--", TrainerPath(), "--epochs=1", "--hidden_units=8"});
  INFO(explicit_trainer.out << explicit_trainer.err);
  CHECK(explicit_trainer.exit_code == 0);
  CHECK(fs::is_directory(dir.File("jobs/trial-1")));
  CHECK(ReadTextFile(dir.File("jobs/trial-1/stdout.log")).find("8 relu units") !=
        std::string::npos);
}

}  // namespace bayestune::testing

namespace bayestune::testing {

TEST_CASE("best: the trainer arguments it prints are the flags the trainer got, quoted to paste",
          "[cli][run]") {
  TempFolder dir;
  // A trainer that writes its arguments, one per line, beside its hypertune report.
  WriteTextFile(dir.File("train.sh"),
                "#!/bin/sh\n"
                "for a in \"$@\"; do case \"$a\" in --job-dir=*) ;; *) printf '%s\\n' \"$a\";; "
                "esac; done > \"$(dirname \"$CLOUD_ML_HP_METRIC_FILE\")/argv.txt\"\n"
                "printf '%s\\n' '{\"accuracy\": 0.5, \"global_step\": 1}' > "
                "\"$CLOUD_ML_HP_METRIC_FILE\"\n");
  fs::permissions(dir.File("train.sh"), fs::perms::owner_all);
  WriteTextFile(dir.File("args.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MAXIMIZE\n"
                "    hyperparameterMetricTag: accuracy\n"
                "    maxTrials: 1\n"
                "    params:\n"
                "      - parameterName: zeta\n"
                "        type: CATEGORICAL\n"
                "        categoricalValues: [\"it's a b\"]\n"
                "      - parameterName: alpha\n"
                "        type: DOUBLE\n"
                "        minValue: 0.1\n"
                "        maxValue: 0.2\n"
                "runner:\n"
                "  command: [./train.sh]\n"
                "  gpus: []\n");
  const auto run = RunBayestune(dir.path(), {"run", "args.yaml"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  const auto best = RunBayestune(dir.path(), {"best"});
  REQUIRE(best.exit_code == 0);
  const std::string argv =
      ReadTextFile(fs::path(dir.path()) / "bayestune-jobs/args/trial-1/argv.txt");
  // The trainer got exactly these words, in this order; `best` shows the same, one shell word each.
  std::vector<std::string> words;
  std::istringstream lines(argv);
  for (std::string line; std::getline(lines, line);)
    words.push_back(line);
  REQUIRE(words.size() == 2);
  CHECK(words[0].rfind("--alpha=0.1", 0) == 0);
  CHECK(words[1] == "--zeta=it's a b");
  CHECK(best.out.find("trainer arguments: " + words[0] + " '--zeta=it'\\''s a b'\n") !=
        std::string::npos);
}

}  // namespace bayestune::testing
