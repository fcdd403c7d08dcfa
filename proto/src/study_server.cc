#include "bayestune/proto/study_server.h"

#include <grpc/grpc.h>
#include <grpc/support/time.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "call_status_interceptor.h"
#include "small_file.h"
#include "study_service.h"

namespace bayestune::proto {
namespace {

constexpr const char* kServiceName = "bayestune.v1.StudyService";

// A PEM chain is a few KB; a CA bundle a few hundred.
constexpr std::size_t kMaxPemBytes = 16u << 20;

std::string ReadPemFile(const std::string& flag, const std::string& path) {
  std::string text = ReadSmallFile(flag + ": '" + path + "'", path, kMaxPemBytes);
  if (text.find("-----BEGIN ") == std::string::npos) {
    throw InvalidArgument(flag + ": '" + path + "' is not a PEM file (no '-----BEGIN' line)");
  }
  return text;
}

std::shared_ptr<grpc::ServerCredentials> MakeCredentials(const StudyServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    throw InvalidArgument(
        "--tls-cert and --tls-key: give both (the certificate and its private key) or neither");
  }
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({ReadPemFile("--tls-key", options.tls_key_file),
                                    ReadPemFile("--tls-cert", options.tls_cert_file)});
  return grpc::SslServerCredentials(ssl);
}

// Why `address` (host:port, [v6]:port) cannot be listened on, asked of the system after gRPC
// failed to: a bind of each of its addresses, the socket closed at once. gRPC says only that no
// port was bound (and logs its own lines); a user needs to know whether the port is taken, or the
// host is not this machine's, or cannot be resolved. Empty when the bind works or the address is
// not host:port (e.g. gRPC's unix:PATH), leaving the general message.
std::string ListenFailureReason(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.compare(0, 5, "unix:") == 0) return "";
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int resolved =
      ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (resolved != 0) {
    return "'" + host + "' is not an address or a host name this machine can resolve (" +
           ::gai_strerror(resolved) + ")";
  }
  std::string reason;
  for (addrinfo* a = found; a != nullptr && reason.empty(); a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // as gRPC binds
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      const int error = errno;
      if (error == EADDRINUSE) {
        reason = "port " + port + " is in use by another program (`ss -ltnp 'sport = :" + port +
                 "'` shows which); give --listen another port, or :0 for a free one";
      } else if (error == EADDRNOTAVAIL) {
        reason = "'" + host +
                 "' is not an address of this machine (`ip -brief address` lists them); " +
                 "listen on 127.0.0.1, or 0.0.0.0 for every address";
      } else if (error == EACCES) {
        reason =
            "port " + port + " is below 1024 and needs root; give --listen a port of 1024 or above";
      } else {
        reason = std::string("bind: ") + std::strerror(error);
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return reason;
}

}  // namespace

StudyServer::StudyServer(std::shared_ptr<StudyRepository> repository, StudyServerOptions options)
    : repository_(std::move(repository)), options_(std::move(options)) {}

StudyServer::~StudyServer() {
  Shutdown(std::chrono::milliseconds(0));
  Wait();
}

int StudyServer::Start() {
  if (options_.max_receive_message_bytes < 1024) {
    throw InvalidArgument("the largest request must be at least 1024 bytes, got " +
                          std::to_string(options_.max_receive_message_bytes));
  }
  if (options_.max_calls < 8) {
    throw InvalidArgument("the most calls served at once (--max-calls) must be at least 8, got " +
                          std::to_string(options_.max_calls));
  }
  auto credentials = MakeCredentials(options_);
  service_ = std::make_unique<StudyServiceImpl>(repository_, options_.token, options_.max_calls);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options_.listen_address, credentials, &port);
  // Without this, a second server could bind the same port and silently take half the calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  grpc::ResourceQuota quota("bayestune-serve");
  // The calls in slots, as many answered without one (StudyServerOptions::max_calls), and a few
  // for gRPC's polling threads, which it starts and ends as calls come and go.
  quota.SetMaxThreads(2 * options_.max_calls + 8);
  builder.SetResourceQuota(quota);
  builder.RegisterService(service_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallStatusInterceptorFactory>(
      options_.log, options_.log_every_call, &calls_in_flight_));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  shutdown_queue_ = builder.AddCompletionQueue();
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    server_.reset();
    const std::string reason = ListenFailureReason(options_.listen_address);
    std::string message =
        "cannot listen on '" + options_.listen_address + "': " +
        (reason.empty() ? "the port is in use, or the address is not host:port of this machine"
                        : reason);
    if (!options_.tls_cert_file.empty()) {
      message += ", or --tls-cert and --tls-key are not one certificate and its private key";
    }
    throw Unavailable(message);
  }
  if (auto* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(kServiceName, true);
  }
  return port;
}

void StudyServer::Shutdown(std::chrono::milliseconds grace) {
  if (!server_ || shut_down_) return;
  shut_down_ = true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  // Stop taking calls at once, and let those in flight finish within the grace period.
  int shutdown_tag = 0;
  grpc_completion_queue* queue = shutdown_queue_->cq();
  grpc_server_shutdown_and_notify(server_->c_server(), queue, &shutdown_tag);
  // gRPC's shutdown is complete once the calls are done and every client has closed its
  // connection, which an idle client only does when it next polls (up to 5 s later). So once no
  // call has been running for a while, close those connections instead of waiting for them; when
  // grace is over, cancel the calls still running as well.
  constexpr auto kQuietPeriod = std::chrono::milliseconds(200);
  std::optional<std::chrono::steady_clock::time_point> quiet_since;
  bool complete = false;
  while (!complete && std::chrono::steady_clock::now() < deadline) {
    const gpr_timespec poll_until =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(10, GPR_TIMESPAN));
    complete = grpc_completion_queue_next(queue, poll_until, nullptr).type == GRPC_OP_COMPLETE;
    const auto now = std::chrono::steady_clock::now();
    if (calls_in_flight_.load() > 0) {
      quiet_since.reset();
    } else if (!quiet_since) {
      quiet_since = now;
    } else if (now - *quiet_since >= kQuietPeriod) {
      break;
    }
  }
  if (!complete) grpc_server_cancel_all_calls(server_->c_server());
  server_->Shutdown(std::chrono::system_clock::now());
  // Drained through the C API: its one event carries a tag that is not a C++ completion tag.
  shutdown_queue_->Shutdown();
  while (grpc_completion_queue_next(queue, gpr_inf_future(GPR_CLOCK_REALTIME), nullptr).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
}

void StudyServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace bayestune::proto
