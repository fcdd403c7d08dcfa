#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/proto/bearer_token.h"

namespace grpc {
class Server;
class ServerCompletionQueue;
}  // namespace grpc

namespace bayestune::proto {

// Where the server's log lines go (one line each, no newline); must be thread-safe.
using LogSink = std::function<void(const std::string& line)>;

class StudyServiceImpl;

struct StudyServerOptions {
  // host:port; port 0 picks a free port (Start returns it).
  std::string listen_address = "127.0.0.1:50051";
  // PEM files of the server's certificate (chain) and its private key: both for TLS, or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // When set, every call to the study service needs `authorization: Bearer <token>`.
  std::optional<BearerToken> token;
  // A larger request gets RESOURCE_EXHAUSTED.
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // The most calls of StudyService served at once; one more gets RESOURCE_EXHAUSTED at once.
  // With a token a call takes its slot only once its token is checked: calls without a valid one
  // are answered UNAUTHENTICATED and hold none, so that they cannot keep authenticated ones out.
  // gRPC's synchronous server runs each call on a thread of its own (a few more poll), taken
  // before any of this code sees the call: its threads are bounded at twice max_calls (plus 8 for
  // its polling threads), the other half for the calls answered without a slot (no valid token,
  // health, reflection) while the slots are full. Without a bound, thousands of concurrent calls
  // made thousands of threads (8,000 threads and 400 MB for 10,000 SuggestTrials calls). At
  // least 8.
  int max_calls = 1024;
  LogSink log;  // failed calls, one line each; none when empty
  bool log_every_call = false;
};

// `bayestune.v1.StudyService` over a repository, with the standard health service
// (grpc.health.v1.Health, SERVING while it serves) and server reflection.
class StudyServer {
 public:
  StudyServer(std::shared_ptr<StudyRepository> repository, StudyServerOptions options);
  ~StudyServer();  // shuts down at once when still serving
  StudyServer(const StudyServer&) = delete;
  StudyServer& operator=(const StudyServer&) = delete;

  // Binds and starts serving; returns the port it listens on. Throws InvalidArgument for a bad
  // option (naming it), NotFound for an unreadable TLS file, Unavailable when the address cannot
  // be bound.
  int Start();
  // Stops taking calls, lets the calls in flight finish for up to `grace`, then cancels the rest.
  void Shutdown(std::chrono::milliseconds grace);
  // Blocks until the server has shut down.
  void Wait();

 private:
  std::shared_ptr<StudyRepository> repository_;
  StudyServerOptions options_;
  std::unique_ptr<StudyServiceImpl> service_;
  std::unique_ptr<grpc::ServerCompletionQueue> shutdown_queue_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<int> calls_in_flight_{0};
  bool shut_down_ = false;
};

}  // namespace bayestune::proto
