#include "bayestune/trial_runner/trial_command.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"
#include "script_interpreter.h"
#include "test_support.h"

using namespace bayestune;

namespace {

Trial SampleTrial() {
  Trial trial;
  trial.id = 7;
  trial.parameters = {{"lr", 0.001}, {"layers", 3}, {"note", "it's a \"test\" $(rm -rf /) | *"}};
  return trial;
}

}  // namespace

TEST_CASE("argv: command, args, one --name=value per parameter, then --job-dir", "[command]") {
  RunnerSpec runner;
  runner.command = {"python3", "train.py"};
  runner.args = {"--data", "a b;c"};
  const TrialPaths paths = TrialPathsFor("/jobs/s", 7, 1);
  const auto command = BuildTrialCommand(runner, "/usr/bin/python3", SampleTrial(), {1, 3}, paths,
                                         {"HOME=/root", "PATH=/bin"});
  CHECK(command.executable == "/usr/bin/python3");
  CHECK(command.argv == std::vector<std::string>{
                            "python3", "train.py", "--data", "a b;c", "--layers=3", "--lr=0.001",
                            "--note=it's a \"test\" $(rm -rf /) | *", "--job-dir=/jobs/s/trial-7"});
}

TEST_CASE("the trial's environment", "[command]") {
  RunnerSpec runner;
  runner.command = {"train"};
  runner.env = {{"HOME", "/elsewhere"}, {"EXTRA", "x y 'z'"}, {"CUDA_VISIBLE_DEVICES", "9"}};
  const TrialPaths paths = TrialPathsFor("/jobs/s", 7, 2);
  const std::vector<std::string> base = {"HOME=/root", "CUDA_VISIBLE_DEVICES=0,1,2",
                                         "TF_CONFIG=old"};
  const auto command = BuildTrialCommand(runner, "/bin/train", SampleTrial(), {1, 3}, paths, base);
  const auto& env = command.environment;
  CHECK(EnvironmentValue(env, "HOME") == "/elsewhere");
  CHECK(EnvironmentValue(env, "EXTRA") == "x y 'z'");
  CHECK(EnvironmentValue(env, "CUDA_DEVICE_ORDER") == "PCI_BUS_ID");
  CHECK(EnvironmentValue(env, "CUDA_VISIBLE_DEVICES") == "1,3");
  CHECK(EnvironmentValue(env, "CLOUD_ML_TRIAL_ID") == "7");
  CHECK(EnvironmentValue(env, "CLOUD_ML_HP_METRIC_FILE") ==
        "/jobs/s/trial-7/attempt-2/hypertune.jsonl");
  const auto tf_config = nlohmann::json::parse(*EnvironmentValue(env, "TF_CONFIG"));
  CHECK(tf_config["task"]["trial"] == "7");
  CHECK(tf_config["task"]["type"] == "worker");
  CHECK(tf_config["cluster"].empty());
  int home_entries = 0;
  for (const auto& entry : env)
    home_entries += entry.rfind("HOME=", 0) == 0;
  CHECK(home_entries == 1);

  const auto cpu = BuildTrialCommand(runner, "/bin/train", SampleTrial(), {}, paths, base);
  CHECK(EnvironmentValue(cpu.environment, "CUDA_VISIBLE_DEVICES") == "");
}

TEST_CASE("trial folders: one per trial, a subfolder per rerun", "[command]") {
  CHECK(TrialPathsFor("/j", 3, 1).dir == "/j/trial-3");
  CHECK(TrialPathsFor("/j", 3, 1).stdout_log == "/j/trial-3/stdout.log");
  CHECK(TrialPathsFor("/j", 3, 1).stderr_log == "/j/trial-3/stderr.log");
  CHECK(TrialPathsFor("/j", 3, 2).dir == "/j/trial-3/attempt-2");
}

TEST_CASE("without PATH a program is looked for where execvp looks, not nowhere", "[command]") {
  // `env -i bayestune run ...` said "the trainer 'python3' was not found in PATH ()".
  const std::string fallback = SearchPath({"HOME=/root"});
  CHECK(fallback.find("/usr/bin") != std::string::npos);
  CHECK(ResolveExecutable("sh", fallback).ends_with("/sh"));
  CHECK(SearchPath({"PATH=/opt/x:/usr/bin"}) == "/opt/x:/usr/bin");
  CHECK(SearchPath({"PATH=/a", "PATH=/b"}) == "/b");
  CHECK(SearchPath({"PATH="}).empty());  // set, but empty: as given
}

TEST_CASE("the trainer program is found as execvp would, or a clear error", "[command]") {
  const auto dir = test::MakeTempDir("resolve");
  test::WriteFile(dir / "train", "#!/bin/sh\n", true);
  test::WriteFile(dir / "data.txt", "not a program");
  const std::string path = "/nonexistent:" + dir.string();
  CHECK(ResolveExecutable("train", path) == (dir / "train").string());
  CHECK(ResolveExecutable((dir / "train").string(), "") == (dir / "train").string());
  CHECK_THROWS_WITH(ResolveExecutable("no-such-trainer", path),
                    Catch::Contains("runner.command[0]") &&
                        Catch::Contains("'no-such-trainer' was not found in PATH"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "missing").string(), path),
                    Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "data.txt").string(), path),
                    Catch::Contains("not an executable file") && Catch::Contains("chmod +x"));
  CHECK_THROWS_WITH(ResolveExecutable(dir.string(), path),
                    Catch::Contains("not an executable file"));
  CHECK_THROWS_AS(ResolveExecutable("", path), InvalidArgument);
  // A whole command line in one item ([python3 train.py]): said so, with the list it means (it
  // said "give its path, such as ./python3 train.py").
  CHECK_THROWS_WITH(ResolveExecutable("train --data=/x", path),
                    Catch::Contains("'train --data=/x' is one argument holding spaces, and no "
                                    "program has that name; give the program and each of its "
                                    "arguments as items of their own (no shell splits them), such "
                                    "as [train, --data=/x]"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "train").string() + " --fast", path),
                    Catch::Contains("such as [" + (dir / "train").string() + ", --fast]"));
  CHECK_THROWS_WITH(ResolveExecutable("nothing here", path),
                    Catch::Contains("'nothing here' was not found in PATH"));
  // A shell's ~ or $HOME, made absolute beside the YAML file: nothing expands them.
  const char* home = std::getenv("HOME");
  CHECK_THROWS_WITH(
      ResolveExecutable("/work/cfg/~/bin/train.sh", path),
      Catch::Contains("'/work/cfg/~/bin/train.sh' does not exist") &&
          Catch::Contains("('~' and $VARIABLES are not expanded: no shell runs the "
                          "trainer; write the path out") &&
          Catch::Contains(home ? ", such as " + std::string(home) + "/bin/train.sh)" : ")"));
  CHECK_THROWS_WITH(ResolveExecutable("/work/cfg/$HOME/train.sh", path),
                    Catch::Contains("('~' and $VARIABLES are not expanded"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "missing").string(), path),
                    !Catch::Contains("not expanded"));
}

TEST_CASE("a script whose #! interpreter is missing is refused before anything runs", "[command]") {
  const auto dir = test::MakeTempDir("interpreter");
  test::WriteFile(dir / "python9.py", "#!/usr/bin/python9\nprint('hi')\n", true);
  test::WriteFile(dir / "env9.py", "#!/usr/bin/env python9\n", true);
  test::WriteFile(dir / "env-sh.py", "#! /usr/bin/env  sh\n", true);
  test::WriteFile(dir / "data.txt", "not a program\n");
  test::WriteFile(dir / "data-interpreter.py", "#!" + (dir / "data.txt").string() + "\n", true);
  test::WriteFile(dir / "sh.py", "#!/bin/sh -e\n", true);
  const std::string path = "/usr/local/bin:/usr/bin:/bin";
  CHECK_THROWS_WITH(ResolveExecutable((dir / "python9.py").string(), path),
                    Catch::Contains("runner.command[0]") && Catch::Contains("#!/usr/bin/python9") &&
                        Catch::Contains("the interpreter '/usr/bin/python9' does not exist") &&
                        Catch::Contains("[python3, " + (dir / "python9.py").string() + "]"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "env9.py").string(), path),
                    Catch::Contains("'python9' is not found in the trainer's PATH (" + path + ")"));
  CHECK_THROWS_WITH(ResolveExecutable((dir / "data-interpreter.py").string(), path),
                    Catch::Contains("is not an executable file"));
  // Found on PATH, the same check.
  CHECK_THROWS_WITH(ResolveExecutable("python9.py", dir.string()),
                    Catch::Contains("'/usr/bin/python9' does not exist"));
  CHECK(ResolveExecutable((dir / "sh.py").string(), path) == (dir / "sh.py").string());
  CHECK(ResolveExecutable((dir / "env-sh.py").string(), path) == (dir / "env-sh.py").string());
  CHECK(ReadScriptInterpreter((dir / "sh.py").string())->argument == "-e");
  CHECK_FALSE(ReadScriptInterpreter(test::FakeTrainer()));  // a binary
  // What a launch says when execve fails for it.
  CHECK_THAT(DescribeExecFailure((dir / "python9.py").string(), ENOENT, path),
             Catch::Contains("cannot run '" + (dir / "python9.py").string() + "': '") &&
                 Catch::Contains("'/usr/bin/python9' does not exist"));
  CHECK(DescribeExecFailure((dir / "missing").string(), ENOENT, path) ==
        "cannot run '" + (dir / "missing").string() + "': No such file or directory");
}
