// A worker runs only what its own operator chose: the `runner:` block a study carries on the
// server (which anyone who may create studies there wrote) decides neither the program a worker
// runs, nor its environment, nor where its trial folders go, unless the worker is started with
// --trust-server-command.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"
#include "grpc_test_support.h"
#include "test_study_yaml.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

namespace fs = std::filesystem;

// A one-trial study whose runner block was written by someone else: `runner` is its YAML body.
std::string StudyYaml(const std::string& runner) {
  return RandomSearchStudyYaml(1, 1, runner);
}

// `bayestune worker <args>` started in `folder` (so that its default job dir lands there), to its
// end; stdout and stderr together.
ProcessResult RunWorker(const std::string& folder, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh",          "-c",    "cd \"$0\" && exec \"$@\"", folder,
                                   BayestuneProgram(), "worker"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, std::chrono::seconds(90));
}

// `bayestune worker` on `study` of the server at `address`, no GPUs, its trials under
// <dir>/jobs, running the fake trainer with `trainer_args`.
ProcessResult RunFakeTrainerWorker(const TempFolder& dir, const std::string& address,
                                   const std::string& study,
                                   const std::vector<std::string>& trainer_args = {}) {
  std::vector<std::string> args = {
      "--server", address,     "--study",        study, "--gpus",
      "none",     "--job-dir", dir.File("jobs"), "--",  BAYESTUNE_FAKE_TRAINER};
  args.insert(args.end(), trainer_args.begin(), trainer_args.end());
  return RunWorker(dir.path(), args);
}

nlohmann::json TrialRecord(const std::string& trial_dir) {
  return nlohmann::json::parse(ReadFile(trial_dir + "/record.json"));
}

}  // namespace

TEST_CASE("a worker does not run the trainer a study names on the server unless told to trust it",
          "[grpc][worker][security]") {
  TempFolder dir("grpc-worker-hostile");
  auto server = StartServer(dir);  // no token: any local user may create studies
  proto::StudyClient attacker(PlainClientOptions(*server));
  // The study's runner.command leaves a mark, then runs the real trainer (so that the trial
  // succeeds when it is allowed to run).
  const std::string mark = dir.File("pwned-" + std::to_string(::getpid()));
  attacker.CreateStudyFromYaml(
      "hostile", StudyYaml("  command: [/bin/sh, -c, 'touch " + mark + "; exec \"$0\" \"$@\"', " +
                           BAYESTUNE_FAKE_TRAINER + "]\n  gpusPerTrial: 0\n"));

  const std::vector<std::string> base = {"--server", server->address(), "--study",
                                         "hostile",  "--gpus",          "none"};
  const ProcessResult refused = RunWorker(dir.path(), base);
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output,
             Catch::Contains("study 'hostile' names its trainer on the server") &&
                 Catch::Contains("touch " + mark) && Catch::Contains("give it after --") &&
                 Catch::Contains("--create FILE") && Catch::Contains("--trust-server-command"));
  CHECK_FALSE(fs::exists(mark));
  CHECK(attacker.GetStudy("hostile").progress().active() == 0);  // no trial was taken either

  // The operator who accepts it says so, and sees what runs.
  auto trusting = base;
  trusting.push_back("--trust-server-command");
  const ProcessResult trusted = RunWorker(dir.path(), trusting);
  INFO(trusted.output);
  CHECK(trusted.exit_code == 0);
  CHECK_THAT(trusted.output,
             Catch::Contains("--trust-server-command: study 'hostile' on the server chooses the "
                             "trainer: /bin/sh -c 'touch " +
                             mark));
  CHECK(fs::exists(mark));
  CHECK(attacker.GetTrial("hostile", 1).state == TrialState::kSucceeded);

  // --create reads the runner block from this worker's own file: trusting the server then means
  // nothing, and is refused.
  WriteFile(dir.File("own.yaml"), StudyYaml("  command: [" BAYESTUNE_FAKE_TRAINER "]\n"));
  auto both = trusting;
  both.insert(both.end(), {"--create", dir.File("own.yaml")});
  const ProcessResult conflict = RunWorker(dir.path(), both);
  INFO(conflict.output);
  CHECK(conflict.exit_code == 2);
  CHECK_THAT(conflict.output, Catch::Contains("--create excludes --trust-server-command"));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("the server's runner.env and runner.jobDir never override a worker's own",
          "[grpc][worker][security]") {
  TempFolder dir("grpc-worker-env");
  auto server = StartServer(dir);
  proto::StudyClient attacker(PlainClientOptions(*server));
  const std::string their_jobs = dir.File("their-jobs");
  const std::string runner =
      "  env:\n    FAKE_EXTRA: from-the-server\n  jobDir: " + their_jobs + "\n  gpusPerTrial: 0\n";
  attacker.CreateStudyFromYaml("env", StudyYaml(runner));
  attacker.CreateStudyFromYaml("env-trusted", StudyYaml(runner));

  // With its own trainer: the trainer runs without the server's environment, and its folder is
  // the worker's default (bayestune-jobs/<study> where it runs), not the server's jobDir.
  const ProcessResult own =
      RunWorker(dir.path(), {"--server", server->address(), "--study", "env", "--gpus", "none",
                             "--", BAYESTUNE_FAKE_TRAINER, "--steps=1"});
  INFO(own.output);
  CHECK(own.exit_code == 0);
  CHECK_THAT(own.output, Catch::Contains("study 'env' on the server sets runner.env and "
                                         "runner.jobDir; this worker does not use them"));
  CHECK_FALSE(fs::exists(their_jobs));
  const std::string trial_dir = dir.File("bayestune-jobs/env/trial-1");
  REQUIRE(fs::is_regular_file(trial_dir + "/record.json"));
  CHECK(TrialRecord(trial_dir)["env"]["FAKE_EXTRA"].is_null());
  CHECK(attacker.GetTrial("env", 1).state == TrialState::kSucceeded);

  // With --trust-server-command they apply (the operator accepted the study's runner block),
  // printed at start; the worker's own flags still win.
  const ProcessResult trusted = RunWorker(
      dir.path(), {"--server", server->address(), "--study", "env-trusted", "--gpus", "none",
                   "--trust-server-command", "--", BAYESTUNE_FAKE_TRAINER, "--steps=1"});
  INFO(trusted.output);
  CHECK(trusted.exit_code == 0);
  CHECK_THAT(trusted.output,
             Catch::Contains("study 'env-trusted' on the server chooses its environment: "
                             "FAKE_EXTRA=from-the-server; the job dir: " +
                             their_jobs));
  REQUIRE(fs::is_regular_file(their_jobs + "/trial-1/record.json"));
  CHECK(TrialRecord(their_jobs + "/trial-1")["env"]["FAKE_EXTRA"] == "from-the-server");
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("text from the server reaches a worker's terminal with its control characters escaped",
          "[grpc][worker][security]") {
  TempFolder dir("grpc-worker-escape");
  auto server = StartServer(dir);
  proto::StudyClient attacker(PlainClientOptions(*server));
  // A categorical value that would set the terminal's title and clear its screen.
  const std::string hostile = "x\x1b]0;owned\x07\x1b[2J";
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 1;
  spec.algorithm = Algorithm::kGridSearch;
  spec.parameters = {ParameterSpec::Categorical("c", {hostile})};
  try {
    attacker.CreateStudy("escape", spec);
  } catch (const InvalidArgument&) {
    SUCCEED("the server refuses the value itself");  // as safe: nothing reaches a worker
    return;
  }
  const ProcessResult worker = RunFakeTrainerWorker(dir, server->address(), "escape");
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  CHECK_THAT(worker.output, Catch::Contains("c=x\\x1b]0;owned\\x07\\x1b[2J"));
  CHECK(worker.output.find('\x1b') == std::string::npos);
  CHECK(worker.output.find('\x07') == std::string::npos);
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker shows a study's UTF-8 as it is and escapes what reorders it, as run does",
          "[grpc][worker][security]") {
  // The worker had an escaper of its own that wrote each byte outside ASCII as \xHH
  // ("na\xc3\xafve"); it prints with ShownText now, as run does.
  TempFolder dir("grpc-worker-utf8");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 1;
  spec.algorithm = Algorithm::kGridSearch;
  spec.parameters = {ParameterSpec::Categorical("c", {"na\u00efve\u202Egpj.sh"})};
  client.CreateStudy("utf8", spec);
  const ProcessResult worker = RunFakeTrainerWorker(dir, server->address(), "utf8");
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  CHECK_THAT(worker.output, Catch::Contains("c=na\u00efve\\xe2\\x80\\xaegpj.sh"));
  CHECK(worker.output.find("\u202E") == std::string::npos);
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker reports a long objective tag, and leaves out a trainer's tag no study can have",
          "[grpc][worker]") {
  // The server took measurement metrics of at most 256 bytes while a study's tag may be 1,024:
  // a worker stopped at its first report (INVALID_ARGUMENT), as it did for any scalar of the
  // trainer's with a longer tag.
  TempFolder dir("grpc-worker-tags");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  const std::string objective(300, 'a');
  const std::string unusable(2000, 'b');
  StudySpec spec;
  spec.metric_tag = objective;
  spec.max_trials = 1;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  client.CreateStudy("tags", spec);
  const ProcessResult worker = RunFakeTrainerWorker(
      dir, server->address(), "tags", {"--tag=" + objective, "--extra-tag=" + unusable});
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  CHECK_THAT(worker.output,
             Catch::Contains("warning: trial 1: reported a scalar whose tag 'bbbb") &&
                 Catch::Contains("' is 2000 bytes long; a metric tag is at most "
                                 "1024 bytes; it is not recorded"));
  const Trial trial = client.GetTrial("tags", 1);
  CHECK(trial.state == TrialState::kSucceeded);
  REQUIRE_FALSE(trial.measurements.empty());
  for (const Measurement& m : trial.measurements)
    CHECK(m.metric == objective);
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a worker's finished line gives every objective of a study of several metrics",
          "[grpc][worker]") {
  // It gave the first metric only ("trial 1 SUCCEEDED: m 0.5 at step 3"), where run gives all.
  TempFolder dir("grpc-worker-metrics");
  auto server = StartServer(dir);
  proto::StudyClient client(PlainClientOptions(*server));
  StudySpec spec;
  spec.metrics = {{.metric_id = "m", .goal = Goal::kMaximize},
                  {.metric_id = "n", .goal = Goal::kMinimize}};
  spec.metric_tag = "m";
  spec.max_trials = 1;
  spec.parameters = {ParameterSpec::Double("p", 0, 1)};  // not x: --x sets the value
  client.CreateStudy("two", spec);
  const ProcessResult worker = RunFakeTrainerWorker(dir, server->address(), "two",
                                                    {"--tag=m", "--extra-tag=n", "--value=0.25"});
  INFO(worker.output);
  CHECK(worker.exit_code == 0);
  CHECK_THAT(worker.output,
             Catch::Contains("trial 1 SUCCEEDED: m 0.25, n 0.75 at step 3 (best so far)\n"));
  // The study's best as run says it: the front's size, and its best by the first objective.
  CHECK_THAT(worker.output, Catch::Contains(" best: 1 trial on the Pareto front; by m: trial 1, m "
                                            "0.25, n 0.75 at step 3\n"));
  CHECK(server->Stop(SIGTERM) == 0);
}
