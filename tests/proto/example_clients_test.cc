// The example clients (examples/python_client, examples/cpp_client) against a real server.
#include <catch2/catch.hpp>
#include <csignal>

#include "grpc_test_support.h"
#include "test_study_yaml.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// Checks the trials a client ran: SUCCEEDED, under its client id, with `steps` measurements
// whose last is the objective.
void CheckClientTrials(proto::StudyClient& client, const std::string& study,
                       const std::string& client_id, std::size_t count) {
  const auto trials = client.ListTrials(study);
  REQUIRE(trials.size() == count);
  for (const Trial& t : trials) {
    CHECK(t.state == TrialState::kSucceeded);
    CHECK(t.client_id == client_id);
    REQUIRE(t.measurements.size() == 3);
    CHECK(t.measurements.back().step == 3);
    CHECK(t.final_value == t.measurements.back().value);
  }
}

std::vector<std::string> ClientCommand(const std::string& which, const ServeProcess& server,
                                       const std::string& study) {
  std::vector<std::string> command;
  if (which == "python") {
    command = {BAYESTUNE_PYTHON3,
               std::string(BAYESTUNE_SOURCE_DIR) + "/examples/python_client/bayestune_client.py"};
  } else {
    command = {std::string(BAYESTUNE_BINARY_DIR) + "/examples/cpp_client/bayestune_cpp_client"};
  }
  command.insert(command.end(),
                 {"--server", server.address(), "--study", study, "--client-id", which + "-test"});
  return command;
}

}  // namespace

TEST_CASE("the example clients suggest, measure and complete trials", "[grpc][examples]") {
  const std::string which = GENERATE(as<std::string>{}, "python", "cpp");
  INFO("the " << which << " client");
  TempFolder dir("grpc-example-" + which);
  WriteFile(dir.File("tuning.yaml"), TestTuningYaml(6));
  WriteFile(dir.File("token"), "example-client-token\n");
  REQUIRE(RunProcess({BAYESTUNE_OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                      "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                      dir.File("server.key"), "-out", dir.File("server.crt")},
                     std::chrono::seconds(60))
              .exit_code == 0);
  auto server = StartServer(dir, {"--tls-cert", dir.File("server.crt"), "--tls-key",
                                  dir.File("server.key"), "--token-file", dir.File("token")});
  auto options = PlainClientOptions(*server);
  options.tls_ca_file = dir.File("server.crt");
  options.token = proto::BearerToken("example-client-token");
  proto::StudyClient client(options);

  auto command = ClientCommand(which, *server, "demo");
  command.insert(command.end(), {"--token-file", dir.File("token"), "--tls-ca",
                                 dir.File("server.crt"), "--create", dir.File("tuning.yaml")});
  auto four = command;
  four.insert(four.end(), {"--trials", "4"});
  auto result = RunProcess(four, std::chrono::seconds(120));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("trial 4:") && Catch::Contains("best: trial"));
  CheckClientTrials(client, "demo", which + "-test", 4);

  // Again, until the study is done: the same spec opens the existing study.
  result = RunProcess(command, std::chrono::seconds(120));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("the study is done"));
  CheckClientTrials(client, "demo", which + "-test", 6);

  // An unknown study: exit 1 with the server's code and message.
  auto unknown = ClientCommand(which, *server, "no-such-study");
  unknown.insert(unknown.end(),
                 {"--token-file", dir.File("token"), "--tls-ca", dir.File("server.crt")});
  result = RunProcess(unknown, std::chrono::seconds(120));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains("no study named 'no-such-study'"));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("the Python client says each ASHA promotion once, and each stop",
          "[grpc][examples][asha]") {
  TempFolder dir("grpc-example-python-asha");
  // Rungs at steps 1 and 3; one trial at a time, so trial 1 is the first at each rung.
  WriteFile(dir.File("asha.yaml"),
            RandomSearchStudyYaml(
                4, 1, "  earlyStopping:\n    rule: ASHA\n    minStep: 1\n    maxStep: 9\n",
                "    enableTrialEarlyStopping: true\n"));
  auto server = StartServer(dir);
  auto command = ClientCommand("python", *server, "asha");
  command.insert(command.end(), {"--create", dir.File("asha.yaml"), "--steps", "9"});
  const auto result = RunProcess(command, std::chrono::seconds(120));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (std::size_t at = result.output.find(text); at != std::string::npos;
         at = result.output.find(text, at + 1)) {
      ++n;
    }
    return n;
  };
  // Asked at every step, the server lists every rung passed; the client says each once.
  CHECK(count("trial 1 promoted past ASHA rung 0 (step 1): accuracy ") == 1);
  CHECK(count("trial 1 promoted past ASHA rung 1 (step 3): accuracy ") == 1);
  proto::StudyClient client(PlainClientOptions(*server));
  for (const Trial& t : client.ListTrials("asha")) {
    INFO("trial " << t.id);
    CHECK(count("trial " + std::to_string(t.id) + " stopping: ASHA rung ") ==
          (t.stopped_early ? 1u : 0u));
  }
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("the C++ example client: --help is no error and a bad number names its flag",
          "[grpc][examples]") {
  // --help exited 2 (usage on stderr), and '--trials abc' ended the client with an uncaught
  // std::invalid_argument from std::stoi (SIGABRT, exit 134). No server is needed for either.
  const std::string client =
      std::string(BAYESTUNE_BINARY_DIR) + "/examples/cpp_client/bayestune_cpp_client";
  const auto help = RunProcess({client, "--help"}, std::chrono::seconds(30));
  INFO(help.output);
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Catch::StartsWith("usage: bayestune_cpp_client --server HOST:PORT"));
  for (const std::string bad : {"abc", "-1", "3x"}) {
    const auto result =
        RunProcess({client, "--server", "127.0.0.1:1", "--study", "s", "--trials", bad},
                   std::chrono::seconds(30));
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::StartsWith("bayestune_cpp_client: --trials: '" + bad +
                                                "' is not a whole number of 0 or more\nusage: "));
  }
  const auto no_value =
      RunProcess({client, "--server", "127.0.0.1:1", "--study"}, std::chrono::seconds(30));
  CHECK(no_value.exit_code == 2);
  CHECK_THAT(no_value.output, Catch::StartsWith("bayestune_cpp_client: --study needs a value\n"));
}

TEST_CASE("the example clients refuse a file that is not there and no steps", "[grpc][examples]") {
  // The Python client ended with a FileNotFoundError traceback for a missing --create file, and
  // both completed each trial without a measurement for --steps 0 (it failed) and printed
  // "-> 0" as its value.
  TempFolder dir("grpc-example-flags");
  for (const std::string which : {"python", "cpp"}) {
    INFO("the " << which << " client");
    std::vector<std::string> command;
    if (which == "python") {
      command = {BAYESTUNE_PYTHON3,
                 std::string(BAYESTUNE_SOURCE_DIR) + "/examples/python_client/bayestune_client.py"};
    } else {
      command = {std::string(BAYESTUNE_BINARY_DIR) + "/examples/cpp_client/bayestune_cpp_client"};
    }
    command.insert(command.end(), {"--server", "127.0.0.1:1", "--study", "s"});
    auto steps = command;
    steps.insert(steps.end(), {"--steps", "0"});
    auto result = RunProcess(steps, std::chrono::seconds(60));
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::Contains("'0' is not a whole number of 1 or more"));
    // An empty CA file was "trust the system's CAs" to gRPC (grpcfield3).
    WriteFile(dir.File("empty.pem"), "");
    auto empty_ca = command;
    empty_ca.insert(empty_ca.end(), {"--tls-ca", dir.File("empty.pem")});
    result = RunProcess(empty_ca, std::chrono::seconds(60));
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output,
               Catch::Contains("--tls-ca " + dir.File("empty.pem") + " holds no certificate"));
    if (which == "python") {
      for (const std::string flag : {"--create", "--token-file", "--tls-ca"}) {
        auto missing = command;
        missing.insert(missing.end(), {flag, dir.File("nosuch")});
        result = RunProcess(missing, std::chrono::seconds(60));
        INFO(result.output);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.output,
                   Catch::EndsWith("bayestune_client.py: error: " + flag + " " +
                                   dir.File("nosuch") + ": No such file or directory\n") &&
                       !Catch::Contains("Traceback"));
      }
    }
  }
}

TEST_CASE("the C++ example client says a trial that failed rather than a value of 0",
          "[grpc][examples]") {
  // It measures the study's first metric only: each trial of a study of two metrics fails for
  // want of the second, and was printed as "-> 0".
  TempFolder dir("grpc-example-cpp-failed");
  auto server = StartServer(dir);
  const auto result = RunProcess(
      {std::string(BAYESTUNE_BINARY_DIR) + "/examples/cpp_client/bayestune_cpp_client", "--server",
       server->address(), "--study", "two", "--create",
       std::string(BAYESTUNE_SOURCE_DIR) + "/examples/two_objective/tuning.yaml", "--trials", "1"},
      std::chrono::seconds(120));
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.output, Catch::Contains("-> FAILED: no measurement of the metric "
                                            "'param_count' was reported") &&
                                !Catch::Contains("-> 0\n"));
  CHECK(server->Stop(SIGTERM) == 0);
}
