// Bearer-token auth and TLS of `bayestune serve`, with a self-signed certificate made here.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "grpc_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

const std::string kToken = "s3cret-token-6f1d2c";
const std::string kWrongToken = "not-the-token-9a8b7c";

// A self-signed certificate for localhost and 127.0.0.1 with its key, by the openssl command.
void MakeSelfSignedCertificate(const TempFolder& dir, const std::string& name) {
  const auto result =
      RunProcess({BAYESTUNE_OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                  "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                  dir.File(name + ".key"), "-out", dir.File(name + ".crt")},
                 std::chrono::seconds(60));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
}

proto::StudyClientOptions ClientOptions(const ServeProcess& server,
                                        std::optional<std::string> token,
                                        const std::string& ca_file = "") {
  proto::StudyClientOptions options = PlainClientOptions(server);
  if (token) options.token = proto::BearerToken(*token);
  options.tls_ca_file = ca_file;
  options.call_timeout = std::chrono::seconds(10);
  return options;
}

std::string ListStudiesStatus(const proto::StudyClientOptions& options) {
  proto::StudyClient client(options);
  return StatusCodeOf([&] { client.ListStudies(); });
}

}  // namespace

TEST_CASE("without --token-file no token is needed", "[grpc][auth]") {
  TempFolder dir("grpc-noauth");
  auto server = StartServer(dir);
  CHECK(ListStudiesStatus(ClientOptions(*server, std::nullopt)) == "OK");
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken)) == "OK");
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("with --token-file a call needs the right bearer token", "[grpc][auth]") {
  TempFolder dir("grpc-auth");
  WriteFile(dir.File("token"), kToken + "\n");
  auto server = StartServer(dir, {"--token-file", dir.File("token"), "--log-requests"});

  proto::StudyClient anonymous(ClientOptions(*server, std::nullopt));
  CHECK(StatusCodeOf([&] { anonymous.ListStudies(); }) == "UNAUTHENTICATED");
  CHECK(StatusCodeOf([&] { anonymous.CreateStudyFromYaml("s", TestTuningYaml(3)); }) ==
        "UNAUTHENTICATED");
  proto::StudyClient wrong(ClientOptions(*server, kWrongToken));
  CHECK(StatusCodeOf([&] { wrong.SuggestTrials("s", 1, "c"); }) == "UNAUTHENTICATED");
  CHECK(StatusCodeOf([&] { wrong.CreateStudyFromYaml("s", TestTuningYaml(3)); }) ==
        "UNAUTHENTICATED");
  // A token that only starts like the right one, and one without the Bearer scheme.
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken + "x")) == "UNAUTHENTICATED");
  // The comparison does not stop at the token's length: its prefix, the token twice over and one
  // of its length that differs in the last character are all refused.
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken.substr(0, kToken.size() - 1))) ==
        "UNAUTHENTICATED");
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken + kToken)) == "UNAUTHENTICATED");
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken.substr(0, kToken.size() - 1) + "d")) ==
        "UNAUTHENTICATED");
  {
    proto::StudyClient client(ClientOptions(*server, std::nullopt));
    grpc::ClientContext context;
    client.PrepareContext(context);
    context.AddMetadata("authorization", kToken);
    v1::ListStudiesResponse response;
    CHECK(client.stub().ListStudies(&context, v1::ListStudiesRequest(), &response).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
  }

  proto::StudyClient client(ClientOptions(*server, kToken));
  client.CreateStudyFromYaml("s", TestTuningYaml(3));
  const auto trial = client.SuggestTrials("s", 1, "c").at(0);
  client.AddMeasurement("s", trial.id, 1, 0.5);
  CHECK(client.CompleteTrial("s", trial.id).state == TrialState::kSucceeded);
  // Nothing the unauthenticated clients sent reached the study.
  CHECK(client.ListTrials("s").size() == 1);

  CHECK(server->Stop(SIGTERM) == 0);
  const std::string log = server->Log();
  CHECK_THAT(log, Catch::Contains("UNAUTHENTICATED"));
  CHECK_THAT(log, Catch::Contains("CompleteTrial"));  // --log-requests logs every call
  CHECK(log.find(kToken) == std::string::npos);
  CHECK(log.find(kWrongToken) == std::string::npos);
}

TEST_CASE("serve warns when it listens beyond loopback without a token or without TLS",
          "[grpc][auth]") {
  TempFolder dir("grpc-warnings");
  WriteFile(dir.File("token"), kToken + "\n");
  // The warnings come before it listens: 192.0.2.1 (TEST-NET-1) is no address of this machine,
  // so serve stops with exit code 1 after them, and nothing is ever exposed.
  const auto serve = [&](const std::string& listen, bool token) {
    std::vector<std::string> argv = {BayestuneProgram(), "serve",    "--db",
                                     dir.File("s.db"),   "--listen", listen};
    if (token) argv.insert(argv.end(), {"--token-file", dir.File("token")});
    return RunProcess(argv, std::chrono::seconds(30));
  };
  const std::string no_token =
      "without --token-file: anyone who reaches this port can read, "
      "create and delete every study";
  const std::string no_tls = "without --tls-cert/--tls-key: the calls";
  ProcessResult result = serve("192.0.2.1:0", false);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains(no_token) && Catch::Contains(no_tls));
  result = serve("192.0.2.1:0", true);
  CHECK_THAT(result.output, !Catch::Contains(no_token) &&
                                Catch::Contains(no_tls + ", the bearer token with them,"));
  // Loopback needs neither.
  auto server = StartServer(dir, {}, "127.0.0.1:0");
  CHECK(server->Stop(SIGTERM) == 0);
  CHECK_THAT(server->Log(), !Catch::Contains("warning"));
}

TEST_CASE("serve that cannot listen says whether the port is taken or the address is not ours",
          "[grpc]") {
  // Both said "the port is in use, or the address is not host:port of this machine".
  TempFolder dir("grpc-listen");
  WriteFile(dir.File("token"), kToken + "\n");
  auto server = StartServer(dir, {}, "127.0.0.1:0");
  const auto serve = [&](const std::string& listen) {
    return RunProcess({BayestuneProgram(), "serve", "--db", dir.File("other.db"), "--listen",
                       listen, "--token-file", dir.File("token")},
                      std::chrono::seconds(30));
  };
  ProcessResult result = serve(server->address());
  INFO(result.output);
  CHECK(result.exit_code == 1);
  const std::string port = server->address().substr(server->address().rfind(':') + 1);
  CHECK_THAT(result.output, Catch::Contains("port " + port + " is in use by another program") &&
                                Catch::Contains("or :0 for a free one"));
  result = serve("192.0.2.1:0");  // TEST-NET-1: no address of this machine
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains("'192.0.2.1' is not an address of this machine"));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("serve and worker warn about a token file that other users may read", "[grpc][auth]") {
  TempFolder dir("grpc-token-mode");
  const std::string token = dir.File("token");
  WriteFile(token, kToken + "\n");
  const std::string warning = "the token file '" + token + "' may be read by other users";
  chmod(token.c_str(), 0644);
  auto server = StartServer(dir, {"--token-file", token});
  CHECK_THAT(server->Log(), Catch::Contains(warning + " (mode 0644)") &&
                                Catch::Contains("chmod 600 '" + token + "'"));
  // The worker finds no study there, after the warning.
  const ProcessResult worker =
      RunProcess({BayestuneProgram(), "worker", "--server", server->address(), "--study", "none",
                  "--token-file", token, "--", "true"},
                 std::chrono::seconds(60));
  CHECK(worker.exit_code == 3);
  CHECK_THAT(worker.output, Catch::Contains("warning: " + warning + " (mode 0644)"));
  CHECK(server->Stop(SIGTERM) == 0);

  chmod(token.c_str(), 0600);
  TempFolder private_dir("grpc-token-private");
  server = StartServer(private_dir, {"--token-file", token});
  CHECK_THAT(server->Log(), !Catch::Contains("may be read by other users"));
  CHECK(server->Stop(SIGTERM) == 0);
}

TEST_CASE("a token file that cannot be used stops serve with a message naming it", "[grpc][auth]") {
  TempFolder dir("grpc-badtoken");
  WriteFile(dir.File("empty"), "\n");
  auto result = RunProcess({BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--listen",
                            "127.0.0.1:0", "--token-file", dir.File("empty")},
                           std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains(dir.File("empty")) && Catch::Contains("is empty"));
  result = RunProcess({BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--listen",
                       "127.0.0.1:0", "--token-file", dir.File("missing")},
                      std::chrono::seconds(30));
  CHECK(result.exit_code == 3);
  CHECK_THAT(result.output, Catch::Contains(dir.File("missing")));
  // As their --help says: serve's said only "1 could not serve (a bad flag file, ...)", and
  // worker's "3 no such study or --create file", though a missing token, TLS or CA file is 3.
  result = RunProcess({BayestuneProgram(), "serve", "--help"}, std::chrono::seconds(30));
  CHECK_THAT(result.output,
             Catch::Contains("3 no such --token-file, --tls-cert or --tls-key file"));
  result =
      RunProcess({BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--listen", "127.0.0.1:0",
                  "--tls-cert", dir.File("missing.crt"), "--tls-key", dir.File("missing.key")},
                 std::chrono::seconds(30));
  CHECK(result.exit_code == 3);
  result = RunProcess({BayestuneProgram(), "worker", "--help"}, std::chrono::seconds(30));
  CHECK_THAT(
      result.output,
      Catch::Contains("3 no such study, or no such --create, --token-file or --tls-ca file"));
  for (const std::string flag : {"--token-file", "--tls-ca"}) {
    result = RunProcess({BayestuneProgram(), "worker", "--server", "127.0.0.1:1", "--study", "s",
                         flag, dir.File("missing"), "--", "true"},
                        std::chrono::seconds(30));
    INFO(flag << ": " << result.output);
    CHECK(result.exit_code == 3);
  }
  // /dev/zero was read for ever (one endless line, growing), a named pipe that no program
  // writes to was waited for for ever, and a folder was "empty".
  ::mkfifo(dir.File("fifo").c_str(), 0600);
  for (const auto& [file, said] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "its first line is longer than 4096 characters"},
           {dir.File("fifo"), "is a named pipe (FIFO) that no program writes to"},
           {dir.path(), "is a folder; give the file whose first line is the token"}}) {
    for (const std::string command : {"serve", "worker"}) {
      const std::vector<std::string> args =
          command == "serve"
              ? std::vector<std::string>{BayestuneProgram(), "serve",    "--db",
                                         dir.File("s.db"),   "--listen", "127.0.0.1:0",
                                         "--token-file",     file}
              : std::vector<std::string>{
                    BayestuneProgram(), "worker", "--server", "127.0.0.1:1", "--study", "s",
                    "--token-file",     file,     "--",       "true"};
      // Under a 2 GB address-space limit: a reader without its limit fails here rather than
      // taking the machine's memory.
      std::string limited = "ulimit -v 2000000; exec";
      for (const auto& arg : args)
        limited += " '" + arg + "'";
      result = RunProcess({"/bin/sh", "-c", limited}, std::chrono::seconds(20));
      INFO(command << " --token-file " << file << ": " << result.output);
      CHECK(result.exit_code == 1);
      CHECK_THAT(result.output,
                 Catch::Contains("the token file '" + file + "'") && Catch::Contains(said));
    }
  }
}

TEST_CASE("TLS with a self-signed certificate, together with the token", "[grpc][tls]") {
  TempFolder dir("grpc-tls");
  MakeSelfSignedCertificate(dir, "server");
  MakeSelfSignedCertificate(dir, "other");
  WriteFile(dir.File("token"), kToken);
  auto server = StartServer(dir, {"--tls-cert", dir.File("server.crt"), "--tls-key",
                                  dir.File("server.key"), "--token-file", dir.File("token")});

  CHECK(ListStudiesStatus(ClientOptions(*server, kToken, dir.File("server.crt"))) == "OK");
  CHECK(ListStudiesStatus(ClientOptions(*server, std::nullopt, dir.File("server.crt"))) ==
        "UNAUTHENTICATED");
  CHECK(ListStudiesStatus(ClientOptions(*server, kWrongToken, dir.File("server.crt"))) ==
        "UNAUTHENTICATED");
  // A plaintext client, and a client that trusts another certificate, never get through.
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken)) == "UNAVAILABLE");
  CHECK(ListStudiesStatus(ClientOptions(*server, kToken, dir.File("other.crt"))) == "UNAVAILABLE");

  proto::StudyClient client(ClientOptions(*server, kToken, dir.File("server.crt")));
  client.CreateStudyFromYaml("tls", TestTuningYaml(2));
  const auto trial = client.SuggestTrials("tls", 1, "c").at(0);
  CHECK(client.CompleteTrial("tls", trial.id, 0.75).final_value == 0.75);
  CHECK(server->Stop(SIGTERM) == 0);
  CHECK(server->Log().find(kToken) == std::string::npos);
}

TEST_CASE("serve refuses a TLS file that is not PEM, naming the flag", "[grpc][tls]") {
  TempFolder dir("grpc-badtls");
  WriteFile(dir.File("cert.pem"), "not a certificate");
  WriteFile(dir.File("key.pem"), "not a key");
  const auto result =
      RunProcess({BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--listen", "127.0.0.1:0",
                  "--tls-cert", dir.File("cert.pem"), "--tls-key", dir.File("key.pem")},
                 std::chrono::seconds(30));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Catch::Contains("--tls-") && Catch::Contains("not a PEM file"));
  const auto half = RunProcess(
      {BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--tls-cert", dir.File("cert.pem")},
      std::chrono::seconds(30));
  CHECK(half.exit_code == 2);
  CHECK_THAT(half.output, Catch::Contains("--tls-key"));
}

TEST_CASE("serve and worker read TLS files with a limit, never waiting on a silent pipe",
          "[grpc][tls]") {
  // `serve --tls-cert /dev/zero --tls-key /dev/zero` read until the OOM killer ended it (24 GB), a
  // named pipe that no program writes to was waited for for ever, and so was `worker --tls-ca`'s.
  // The commands run under a 2 GB address-space limit, so that a reader without its limit fails
  // here rather than taking the machine's memory.
  TempFolder dir("grpc-tls-files");
  ::mkfifo(dir.File("fifo").c_str(), 0600);
  {
    std::ofstream big(dir.File("big.pem"));
    big << "-----BEGIN CERTIFICATE-----\n";
  }
  std::filesystem::resize_file(dir.File("big.pem"), (std::uintmax_t{16} << 20) + 1);
  const auto limited = [](std::vector<std::string> args) {
    std::string command = "ulimit -v 2000000; exec";
    for (const auto& arg : args)
      command += " '" + arg + "'";
    return RunProcess({"/bin/sh", "-c", command}, std::chrono::seconds(20));
  };
  for (const auto& [file, said] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "is larger than 16 MiB"},
           {dir.File("big.pem"), "is larger than 16 MiB"},
           {dir.File("fifo"), "is a named pipe (FIFO) that no program writes to"},
           {dir.path(), "is a folder; give the path of a file"}}) {
    const auto serve = limited({BayestuneProgram(), "serve", "--db", dir.File("s.db"), "--listen",
                                "127.0.0.1:0", "--tls-cert", file, "--tls-key", file});
    INFO("serve " << file << ": " << serve.output);
    CHECK(serve.exit_code == 1);
    CHECK_THAT(serve.output, Catch::Contains("--tls-key: '" + file + "'") && Catch::Contains(said));
    const auto worker = limited({BayestuneProgram(), "worker", "--server", "127.0.0.1:1", "--study",
                                 "s", "--tls-ca", file, "--", "true"});
    INFO("worker " << file << ": " << worker.output);
    CHECK(worker.exit_code == 1);
    CHECK_THAT(worker.output,
               Catch::Contains("the TLS CA file '" + file + "'") && Catch::Contains(said));
  }
}

TEST_CASE("a worker refuses a --tls-ca file that holds no certificate", "[grpc][tls]") {
  // An empty CA file was taken by gRPC as "the system's CAs" (every public CA trusted), and the
  // worker said the running server did not answer ("empty address list") (grpcfield3).
  TempFolder dir("grpc-tls-ca");
  MakeSelfSignedCertificate(dir, "server");
  WriteFile(dir.File("empty.pem"), "");
  WriteFile(dir.File("text.pem"), "my certificate is on the other machine\n");
  for (const auto& [file, said] : std::vector<std::pair<std::string, std::string>>{
           {dir.File("empty.pem"), "it is empty"},
           {dir.File("text.pem"), "no '-----BEGIN CERTIFICATE-----' line"},
           {dir.File("server.key"), "no '-----BEGIN CERTIFICATE-----' line"}}) {
    const auto worker = RunProcess({BayestuneProgram(), "worker", "--server", "127.0.0.1:1",
                                    "--study", "s", "--tls-ca", file, "--", "true"},
                                   std::chrono::seconds(30));
    INFO("worker " << file << ": " << worker.output);
    CHECK(worker.exit_code == 1);
    CHECK_THAT(worker.output, Catch::Contains("the TLS CA file '" + file +
                                              "' holds no certificate (" + said + ")"));
  }
}
