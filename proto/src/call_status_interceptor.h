#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <functional>
#include <string>

#include "bayestune/proto/study_server.h"

namespace bayestune::proto {

// Sees the final status of every call the server answers:
// - a request the server could not parse (bytes that are not the method's message, or a string
//   field that is not valid UTF-8) gets INVALID_ARGUMENT naming the method, where gRPC itself
//   would answer INTERNAL, a code that blames the server;
// - every failed call is logged as "<method> from <peer>: <CODE>: <message>", and with
//   `log_every_call` every successful one too. Metadata, and so the bearer token, is never logged;
//   control characters and bytes outside ASCII in a message are escaped;
// - `calls_in_flight` counts the calls from their start until their status is sent, so that a
//   graceful shutdown knows when they are done.
class CallStatusInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallStatusInterceptorFactory(LogSink log, bool log_every_call, std::atomic<int>* calls_in_flight)
      : log_(std::move(log)), log_every_call_(log_every_call), calls_in_flight_(calls_in_flight) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  LogSink log_;
  bool log_every_call_;
  std::atomic<int>* calls_in_flight_;
};

// `text` with control characters and bytes outside ASCII written as \xNN, at most `limit` bytes
// of it, so that a log line stays one readable line whatever a client sent.
std::string EscapeForLog(const std::string& text, std::size_t limit = 512);

}  // namespace bayestune::proto
