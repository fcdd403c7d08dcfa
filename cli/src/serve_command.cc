// `bayestune serve`: the gRPC study service over a database, until SIGTERM or Ctrl-C.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>

#include <charconv>
#include <csignal>
#include <ctime>
#include <iostream>
#include <mutex>

#include "bayestune/optimizer/errors.h"
#include "bayestune/proto/study_server.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "cli_errors.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "time_format.h"

namespace bayestune::cli {
namespace {

struct ServeFlags {
  std::string db;
  std::string listen = "127.0.0.1:50051";
  std::string tls_cert;
  std::string tls_key;
  std::string token_file;
  int max_message_mb = 4;
  int max_calls = 1024;
  double lock_wait_seconds = 20;
  double shutdown_grace_seconds = 10;
  bool log_requests = false;
};

// The host part of host:port ("[::1]:80" -> "::1").
std::string HostOf(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    return address.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  const auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

// Only an address of the loopback network, or "localhost": a host name such as "127.example.org"
// may resolve to anywhere.
bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// --listen must be HOST:PORT with a port from 0 to 65535: gRPC took the port modulo 65536, so
// `--listen 127.0.0.1:99999` listened on 34463 and 65536 on a free port, saying so only in the
// line it printed.
void CheckListenAddress(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  int port = -1;
  bool valid = colon != std::string::npos && colon > 0 && colon + 1 < address.size();
  if (valid) {
    const char* begin = address.data() + colon + 1;
    const char* end = address.data() + address.size();
    const auto parsed = std::from_chars(begin, end, port);
    valid = parsed.ec == std::errc() && parsed.ptr == end && port >= 0 && port <= 65535;
  }
  if (!valid) {
    throw UsageError("--listen '" + address +
                     "': give HOST:PORT with a port from 0 to 65535 (0: a free port, printed at "
                     "start), such as 127.0.0.1:50051, 0.0.0.0:50051 or [::1]:50051");
  }
}

void Log(const std::string& line) {
  static std::mutex mutex;
  const std::string stamp = FormatLocalTime(static_cast<double>(std::time(nullptr)));
  std::lock_guard lock(mutex);
  std::cerr << stamp << " bayestune serve: " << line << std::endl;
}

// Reads every study and its trials once, as `run` reads its study before it starts, so that a
// damaged database is refused at start (exit code 1) rather than served to clients as errors.
void CheckReadable(SqliteStudyRepository& repository) {
  try {
    for (const StudyRecord& study : repository.ListStudies())
      repository.ListTrials(study.id);
  } catch (const DataLoss& e) {
    throw DataLoss(std::string(e.what()) +
                   "; bayestune serve does not start on a damaged database");
  }
}

int Serve(const ServeFlags& flags) {
  CheckListenAddress(flags.listen);
  proto::StudyServerOptions options;
  options.listen_address = flags.listen;
  options.tls_cert_file = flags.tls_cert;
  options.tls_key_file = flags.tls_key;
  if (!flags.token_file.empty()) {
    options.token = proto::BearerToken::FromFile(flags.token_file);
    if (const std::string warning = proto::BearerToken::ExposureWarning(flags.token_file);
        !warning.empty()) {
      Log("warning: " + warning);
    }
  }
  options.max_receive_message_bytes = flags.max_message_mb * 1024 * 1024;
  options.max_calls = flags.max_calls;
  options.log = Log;
  options.log_every_call = flags.log_requests;

  const std::string host = HostOf(flags.listen);
  const bool tls = !flags.tls_cert.empty();
  if (!IsLoopback(host)) {
    if (!options.token) {
      Log("warning: listening on " + host +
          " without --token-file: anyone who reaches this port can read, create and delete "
          "every study and choose the trials that workers run");
    }
    if (!tls) {
      Log("warning: listening on " + host + " without --tls-cert/--tls-key: the calls" +
          (options.token ? ", the bearer token with them," : "") +
          " cross the network in clear text, where anyone on the way can read and change them");
    }
  }

  // Block the stop signals before gRPC starts its threads, so that they all inherit the mask and
  // only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A call waits for another process's lock on the database for less than a client waits for
  // its answer (60 s for bayestune's clients), so that the client learns why (UNAVAILABLE: the
  // database is locked) instead of DEADLINE_EXCEEDED.
  SqliteOpenOptions open_options;
  open_options.busy_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.lock_wait_seconds * 1000));
  auto repository = SqliteStudyRepository::Open(flags.db, open_options);
  CheckReadable(*repository);
  proto::StudyServer server(repository, std::move(options));
  const int port = server.Start();
  std::cout << "bayestune serve: listening on "
            << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":" << port
            << " (" << (tls ? "TLS" : "plaintext") << ", "
            << (flags.token_file.empty() ? "no auth" : "bearer token") << "), database " << flags.db
            << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  Log(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
      ": finishing the calls in flight");
  server.Shutdown(
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.shutdown_grace_seconds * 1000)));
  server.Wait();
  Log("stopped");
  return signal == SIGINT ? kExitInterrupted : kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "serve", "Serve a database's studies over gRPC to workers and clients",
      "Serves bayestune.v1.StudyService (proto/bayestune/v1/study_service.proto) with health "
      "checking and reflection, until SIGTERM or Ctrl-C, which let the calls in flight finish. "
      "Loopback only unless --listen says otherwise; give --token-file (and --tls-cert/--tls-key) "
      "before listening on a network. docs/grpc.md describes the API.\n\n"
      "Examples:\n  bayestune serve --db studies.db\n"
      "  bayestune serve --db studies.db --listen 0.0.0.0:50051 --token-file token "
      "--tls-cert server.pem --tls-key server.key",
      "0 stopped by SIGTERM, 1 could not serve (an unusable flag file, the port taken), 2 bad "
      "usage, 3 no such --token-file, --tls-cert or --tls-key file, 130 stopped by Ctrl-C");
  auto flags = std::make_shared<ServeFlags>();
  command->add_option("--db", flags->db, "the SQLite database of the studies (created if new)")
      ->check(NotEmpty())
      ->required();
  command
      ->add_option("--listen", flags->listen,
                   "host:port to listen on; port 0 picks a free port (printed at start)")
      ->check(NotEmpty())
      ->capture_default_str();
  auto* cert = command
                   ->add_option("--tls-cert", flags->tls_cert,
                                "PEM certificate (chain) of the server: serve TLS only")
                   ->check(NotEmpty());
  auto* key = command->add_option("--tls-key", flags->tls_key, "PEM private key of --tls-cert")
                  ->check(NotEmpty());
  cert->needs(key);
  key->needs(cert);
  command
      ->add_option("--token-file", flags->token_file,
                   "file whose first line is the token every call must carry as "
                   "'authorization: Bearer <token>'")
      ->check(NotEmpty());
  command
      ->add_option("--max-message-mb", flags->max_message_mb,
                   "largest request in MiB; a larger one gets RESOURCE_EXHAUSTED")
      ->check(NumberIn(1, 1024, /*whole=*/true))
      ->capture_default_str();
  command
      ->add_option("--max-calls", flags->max_calls,
                   "calls served at once (with --token-file, counted once the token is checked); "
                   "a call beyond gets RESOURCE_EXHAUSTED at once (workers retry it)")
      ->check(NumberIn(8, 100000, /*whole=*/true))
      ->capture_default_str();
  command
      ->add_option("--lock-wait", flags->lock_wait_seconds,
                   "seconds a call waits while another process holds the database's write lock "
                   "(a bayestune run on the same file, an sqlite3 shell); then UNAVAILABLE, which "
                   "names it (workers retry it)")
      ->check(NumberIn(0.1, 3600))
      ->capture_default_str();
  command
      ->add_option("--shutdown-grace", flags->shutdown_grace_seconds,
                   "seconds that calls in flight get to finish after SIGTERM")
      ->check(NumberIn(0, 3600))
      ->capture_default_str();
  command->add_flag("--log-requests", flags->log_requests,
                    "log every call (failed calls are always logged), never the token");
  command->callback([flags, &exit_code] { exit_code = Serve(*flags); });
}

}  // namespace bayestune::cli
