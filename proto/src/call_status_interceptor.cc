#include "call_status_interceptor.h"

#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdio>

#include "status_conversion.h"

namespace bayestune::proto {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallStatusInterceptor : public grpc::experimental::Interceptor {
 public:
  CallStatusInterceptor(grpc::experimental::ServerRpcInfo* info, const LogSink& log,
                        bool log_every_call, std::atomic<int>* calls_in_flight)
      : info_(info),
        log_(log),
        log_every_call_(log_every_call),
        calls_in_flight_(calls_in_flight),
        start_(std::chrono::steady_clock::now()) {
    ++*calls_in_flight_;
  }
  ~CallStatusInterceptor() override { --*calls_in_flight_; }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // A request that failed to parse reaches the interceptors as no message at all.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      request_unparsed_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (request_unparsed_ && status.error_code() == grpc::StatusCode::INTERNAL) {
        status =
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         std::string("the request is not a valid message for ") + info_->method() +
                             ": a string field holds bytes that are not UTF-8, or the bytes "
                             "are not that message");
        methods->ModifySendStatus(status);
      }
      if (log_ && (!status.ok() || log_every_call_)) Log(status);
    }
    methods->Proceed();
  }

 private:
  void Log(const grpc::Status& status) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
            .count();
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1f ms", ms);
    std::string line = std::string(info_->method()) + " from " +
                       EscapeForLog(info_->server_context()->peer(), 128) + ": " +
                       StatusCodeName(status.error_code());
    if (!status.ok()) line += ": " + EscapeForLog(status.error_message());
    line += std::string(" (") + elapsed + ")";
    log_(line);
  }

  grpc::experimental::ServerRpcInfo* info_;
  const LogSink& log_;
  bool log_every_call_;
  std::atomic<int>* calls_in_flight_;
  std::chrono::steady_clock::time_point start_;
  bool request_unparsed_ = false;
};

}  // namespace

grpc::experimental::Interceptor* CallStatusInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallStatusInterceptor(info, log_, log_every_call_, calls_in_flight_);
}

std::string EscapeForLog(const std::string& text, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace bayestune::proto
