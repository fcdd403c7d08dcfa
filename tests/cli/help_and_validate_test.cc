// --help of every command, usage errors, and `validate` on good and bad files.
#include <catch2/catch.hpp>

#include "cli_test_support.h"

namespace bayestune::testing {

TEST_CASE("every command has --help, and the top level lists them all", "[cli][help]") {
  TempFolder dir;
  const auto top = RunBayestune(dir.path(), {"--help"});
  CHECK(top.exit_code == 0);
  for (const char* command : {"run", "validate", "status", "trials", "best", "export", "metrics",
                              "report", "serve", "worker"}) {
    INFO(command);
    CHECK(top.out.find(std::string("\n  ") + command + " ") != std::string::npos);
    const auto help = RunBayestune(dir.path(), {command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find(std::string("Usage: bayestune ") + command) != std::string::npos);
    CHECK(help.out.find("Exit codes: 0 ") != std::string::npos);
    CHECK(help.err.empty());
  }
  const auto run = RunBayestune(dir.path(), {"run", "--help"});
  for (const char* flag : {"--db", "--study", "--gpus", "--job-dir", "--progress", "trainer"})
    CHECK(run.out.find(flag) != std::string::npos);
  const auto version = RunBayestune(dir.path(), {"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.starts_with("bayestune "));
}

TEST_CASE("usage errors exit 2", "[cli][help]") {
  TempFolder dir;
  CHECK(RunBayestune(dir.path(), {}).exit_code == 2);
  const auto unknown = RunBayestune(dir.path(), {"runn", "x.yaml"});
  CHECK(unknown.exit_code == 2);
  CHECK(
      unknown.err.starts_with("bayestune: error: unknown command 'runn'; did you mean 'run'? "
                              "The commands: run, validate, "));
  CHECK(CountOccurrences(unknown.err, "\n") == 1);
  const auto bad_format = RunBayestune(dir.path(), {"export", "--format", "xml"});
  CHECK(bad_format.exit_code == 2);
  CHECK(bad_format.err.starts_with("bayestune: error: --format: "));
  CHECK(bad_format.err.ends_with("; run 'bayestune export --help' for its options\n"));
  CHECK(RunBayestune(dir.path(), {"run"}).exit_code == 2);  // no tuning.yaml
  CHECK(RunBayestune(dir.path(), {"status", "--bogus"}).exit_code == 2);
  CHECK(RunBayestune(dir.path(), {"export", "--format", "xml"}).exit_code == 2);
  CHECK(RunBayestune(dir.path(), {"best", "--top", "0"}).exit_code == 2);
  CHECK(RunBayestune(dir.path(), {"run", "x.yaml", "--progress", "fancy"}).exit_code == 2);
}

TEST_CASE("a mistyped option is named with the closest option of its command and all of them",
          "[cli][help]") {
  // `run s.yaml --gpu 0` said only CLI11's "The following argument was not expected: --gpu",
  // naming neither --gpus nor what the command takes (newuser11), while a mistyped command got
  // its closest match.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  const auto gpu = RunBayestune(dir.path(), {"run", "s.yaml", "--gpu", "0"});
  CHECK(gpu.exit_code == 2);
  CHECK(gpu.err ==
        "bayestune: error: unknown option '--gpu' of run; did you mean '--gpus'? Its options: "
        "--help, --db, --study, --gpus, --job-dir, --progress, --launcher, --lock-notice, "
        "--retry-failed; run 'bayestune run --help' for what they do\n");
  const auto format = RunBayestune(dir.path(), {"export", "--fromat=csv"});
  CHECK(format.exit_code == 2);
  CHECK_THAT(format.err, Catch::StartsWith("bayestune: error: unknown option '--fromat' of "
                                           "export; did you mean '--format'? Its options: "));
  const auto bogus = RunBayestune(dir.path(), {"status", "--bogus"});
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.err ==
        "bayestune: error: unknown option '--bogus' of status; its options: --help, --study, "
        "--db; run 'bayestune status --help' for what they do\n");
  // A trainer's own flags after -- are the trainer's, never the command's.
  const auto trainer = RunBayestune(dir.path(), {"validate", "s.yaml", "--", "true", "--gpu=1"});
  CHECK(trainer.exit_code == 0);
  CHECK(trainer.err.find("unknown option") == std::string::npos);
}

TEST_CASE("a number flag out of its range, NaN, or not a number is a usage error naming it",
          "[cli][help]") {
  // CLI::Range let NaN through (every comparison with NaN is false): `run --lock-notice nan` and
  // `serve --lock-wait nan` ran with it. `serve --listen 127.0.0.1:99999` listened on port 34463
  // (gRPC took the port modulo 65536), and 65536 on a free port.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {{"run", "s.yaml", "--lock-notice", "nan"},
            "--lock-notice: 'nan' is not a number from 0.001 to 86400"},
           {{"run", "s.yaml", "--lock-notice", "inf"},
            "--lock-notice: 'inf' is not a number from 0.001 to 86400"},
           {{"run", "s.yaml", "--lock-notice", "0x10"},
            "--lock-notice: '0x10' is not a number from 0.001 to 86400"},
           {{"serve", "--db", "x.db", "--lock-wait", "nan"},
            "--lock-wait: 'nan' is not a number from 0.1 to 3600"},
           {{"serve", "--db", "x.db", "--shutdown-grace", "NaN"},
            "--shutdown-grace: 'NaN' is not a number from 0 to 3600"},
           {{"serve", "--db", "x.db", "--max-calls", "1e3"},
            "--max-calls: '1e3' is not a whole number from 8 to 100000"},
           {{"serve", "--db", "x.db", "--max-message-mb", "0"},
            "--max-message-mb: '0' is not a whole number from 1 to 1024"},
           {{"best", "--top", "abc"}, "--top: 'abc' is not a whole number from 1 to 1000000"},
           {{"best", "--top", "1.5"}, "--top: '1.5' is not a whole number from 1 to 1000000"},
           {{"best", "--top", "-1"}, "--top: '-1' is not a whole number from 1 to 1000000"}}) {
    const auto result = RunBayestune(dir.path(), c.args);
    INFO(c.error << ": " << result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.err == "bayestune: error: " + c.error + "; run 'bayestune " + c.args[0] +
                            " --help' for its options\n");
  }
  for (const std::string listen : {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1",
                                   "127.0.0.1", "127.0.0.1:", ":50051", "127.0.0.1:5x"}) {
    const auto result = RunBayestune(dir.path(), {"serve", "--db", "x.db", "--listen", listen});
    INFO(listen << ": " << result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err == "bayestune: error: --listen '" + listen +
                            "': give HOST:PORT with a port from 0 to 65535 (0: a free port, "
                            "printed at start), such as 127.0.0.1:50051, 0.0.0.0:50051 or "
                            "[::1]:50051\n");
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("bayestune.db")));  // nothing ran
  CHECK_FALSE(std::filesystem::exists(dir.File("x.db")));
}

TEST_CASE("a trainer is taken only after --", "[cli][help]") {
  // Any word after the tuning.yaml was taken as the trainer: `bayestune run s.yaml other.yaml`
  // said "the trainer command after --: the trainer 'other.yaml' was not found in PATH" of a --
  // never typed, and `run s.yaml true` ran /bin/true as the trainer of every trial.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", "s.yaml", "true"},
           {"validate", "s.yaml", "true"},
           {"worker", "--server", "127.0.0.1:1", "--study", "s", "true"}}) {
    const auto result = RunBayestune(dir.path(), args);
    INFO(args[0] << ": " << result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err,
               Catch::StartsWith("bayestune: error: 'true': the trainer is given after --, as "
                                 "in: bayestune " +
                                 args[0]));
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("bayestune.db")));  // nothing ran
  const auto with_dash = RunBayestune(dir.path(), {"validate", "s.yaml", "--", "true"});
  INFO(with_dash.out << with_dash.err);
  CHECK(with_dash.exit_code == 0);
  // Every positional after --, the tuning.yaml included: the trainer is after -- (this crashed
  // with a segmentation fault, exit 139).
  const auto all_after = RunBayestune(dir.path(), {"validate", "--", "s.yaml", "true"});
  INFO(all_after.out << all_after.err);
  CHECK(all_after.exit_code == 0);
}

TEST_CASE("a trainer on both sides of -- is a usage error naming the words before it",
          "[cli][help]") {
  // `validate s.yaml true -- false` got CLI11's "The following argument was not expected: false",
  // which named the word after -- (the right place) and not `true`, the one out of place.
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", "s.yaml", "true", "--", "false", "-x"},
           {"validate", "s.yaml", "true", "--", "false", "-x"},
           {"worker", "--server", "127.0.0.1:1", "--study", "s", "true", "--", "false", "-x"}}) {
    const auto result = RunBayestune(dir.path(), args);
    INFO(args[0] << ": " << result.out << result.err);
    CHECK(result.exit_code == 2);
    const std::string usage =
        args[0] == "worker" ? "--server HOST:PORT --study NAME" : std::string("tuning.yaml");
    CHECK(result.err ==
          "bayestune: error: 'true' before --: the trainer and its arguments all go "
          "after --, as in: bayestune " +
              args[0] + " " + usage +
              " -- true false -x; or is it the value of a mistyped option?\n");
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("bayestune.db")));  // nothing ran
  // Another word CLI11 does not expect, without a trainer before --, keeps CLI11's words.
  const auto other = RunBayestune(dir.path(), {"status", "extra", "words"});
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, !Catch::Contains("before --"));
}

TEST_CASE("an empty option value, as an unset shell variable gives, is a usage error",
          "[cli][help]") {
  // `--study "$STUDY"` with STUDY unset ran (and went on with) the study named after the file;
  // `serve --token-file "$TOKEN"` served with no auth; `run --db ""` said "filesystem error:
  // cannot make absolute path"; `report --out ""` "cannot move the file into place".
  TempFolder dir;
  WriteTextFile(dir.File("s.yaml"), SmallStudyYaml(1, 1, "--epochs=1"));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", "s.yaml", "--study", ""},
           {"run", "s.yaml", "--db", ""},
           {"run", "s.yaml", "--gpus", ""},
           {"run", "s.yaml", "--job-dir", ""},
           {"status", "--db", ""},
           // A reader's study, as an argument or as --study: with one study in the database,
           // `bayestune status "$STUDY"` showed that one, whichever it was.
           {"status", "STUDY", ""},
           {"trials", "--study", ""},
           {"export", "--out", ""},
           {"report", "--out", ""},
           {"metrics", ".", "--study", ""},
           // `metrics DIR --tag "$TAG"` printed every scalar, as without --tag.
           {"metrics", ".", "--tag", ""},
           {"metrics", ".", "--hypertune", ""},
           {"metrics", "DIR", ""},
           // `run ""` said "<input>: error: cannot read the file" and exited 1.
           {"run", "tuning.yaml", ""},
           {"validate", "tuning.yaml", ""},
           {"serve", "--db", "x.db", "--token-file", ""},
           {"serve", "--db", ""},
           {"worker", "--server", "127.0.0.1:1", "--study", "s", "--token-file", "", "--", "true"},
           {"worker", "--server", "127.0.0.1:1", "--study", "", "--", "true"}}) {
    std::vector<std::string> given = args;
    // A positional (STUDY, DIR, tuning.yaml), given empty.
    if (given[1] == "STUDY" || given[1] == "DIR" || given[1] == "tuning.yaml")
      given.erase(given.begin() + 1);
    const auto result = RunBayestune(dir.path(), given);
    const std::string& flag = args[args.size() - (args.back() == "true" ? 4 : 2)];
    INFO(args[0] << " " << flag << ": " << result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.err == "bayestune: error: " + flag +
                            ": is empty (an unset shell variable?); give a value, or leave the "
                            "option out for its default; run 'bayestune " +
                            args[0] + " --help' for its options\n");
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("bayestune.db")));  // nothing ran
  CHECK_FALSE(std::filesystem::exists(dir.File("x.db")));
}

TEST_CASE("validate: the examples are valid, and a bad file gets every error with its line",
          "[cli][validate]") {
  TempFolder dir;
  for (const char* example : {"examples/book/tuning.yaml", "examples/all_types/tuning.yaml",
                              "examples/conditional/tuning.yaml"}) {
    const auto good =
        RunBayestune(dir.path(), {"validate", std::string(BAYESTUNE_SOURCE_DIR) + "/" + example});
    INFO(example << ": " << good.out << good.err);
    CHECK(good.exit_code == 0);
    CHECK(good.out.find(": ok: ") != std::string::npos);
    CHECK(good.err.empty());
  }
  const auto all_types = RunBayestune(
      dir.path(),
      {"validate", std::string(BAYESTUNE_SOURCE_DIR) + "/examples/all_types/tuning.yaml"});
  // The algorithm as status says it, not the enum's name (ALGORITHM_UNSPECIFIED for a file that
  // left it out).
  CHECK(all_types.out.find(": ok: 5 parameters, MAXIMIZE 'accuracy', 12 trials, 2 in parallel, "
                           "Bayesian optimization (GP bandit)\n") != std::string::npos);

  WriteTextFile(dir.File("bad.yaml"),
                "trainingInput:\n"
                "  hyperparameters:\n"
                "    goal: MAXIMISE\n"
                "    params:\n"
                "      - parameterName: batch\n"
                "        type: DISCRETE\n"
                "        discreteValues: [64, 32]\n");
  const auto bad = RunBayestune(dir.path(), {"validate", "bad.yaml"});
  INFO(bad.err);
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("bad.yaml:3:11: error: trainingInput.hyperparameters.goal: ") !=
        std::string::npos);
  CHECK(bad.err.find("bad.yaml:7:") != std::string::npos);
  // What run would say too: it has no trainer.
  CHECK(bad.err.find("bad.yaml: error: runner.command: missing: run needs the trainer") !=
        std::string::npos);
  CHECK(bad.err.find("bad.yaml: 3 errors\n") != std::string::npos);

  const auto missing = RunBayestune(dir.path(), {"validate", "missing.yaml"});
  CHECK(missing.exit_code == 1);
}

}  // namespace bayestune::testing
