#include "status_conversion.h"

#include <cinttypes>
#include <cstdio>
#include <new>
#include <string>

namespace bayestune::proto {
const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

grpc::StatusCode ToStatusCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kInternal:
      return grpc::StatusCode::INTERNAL;
    case ErrorCode::kDataLoss:
      return grpc::StatusCode::DATA_LOSS;
  }
  return grpc::StatusCode::INTERNAL;
}

ErrorCode ToErrorCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return ErrorCode::kInvalidArgument;
    case grpc::StatusCode::NOT_FOUND:
      return ErrorCode::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
      return ErrorCode::kAlreadyExists;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return ErrorCode::kFailedPrecondition;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return ErrorCode::kResourceExhausted;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::ABORTED:
      return ErrorCode::kUnavailable;
    case grpc::StatusCode::DATA_LOSS:
      return ErrorCode::kDataLoss;
    default:
      return ErrorCode::kInternal;
  }
}

grpc::Status ToStatus(const std::exception& error) {
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    return grpc::Status(ToStatusCode(e->code()), e->what());
  }
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "the server ran out of memory");
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + error.what());
}

void ThrowIfError(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return;
  std::string message =
      what + ": " + StatusCodeName(status.error_code()) + ": " + status.error_message();
  switch (ToErrorCode(status.error_code())) {
    case ErrorCode::kInvalidArgument:
      throw InvalidArgument(message);
    case ErrorCode::kNotFound:
      throw NotFound(message);
    case ErrorCode::kAlreadyExists:
      throw AlreadyExists(message);
    case ErrorCode::kFailedPrecondition:
      throw FailedPrecondition(message);
    case ErrorCode::kResourceExhausted:
      throw ResourceExhausted(message);
    case ErrorCode::kUnavailable:
      throw Unavailable(message);
    case ErrorCode::kDataLoss:
      throw DataLoss(message);
    case ErrorCode::kInternal:
      break;
  }
  throw Error(ErrorCode::kInternal, message);
}

std::optional<std::size_t> RequestSizeRefusal(
    const grpc::Status& status, const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
    std::size_t request_bytes) {
  if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) return std::nullopt;
  if (trailers.count(kServiceErrorKey) != 0) return std::nullopt;
  // gRPC's "Received message larger than max (%u vs. %d)", and nothing else.
  std::uintmax_t size = 0;
  std::uintmax_t limit = 0;
  int end = -1;
  if (std::sscanf(status.error_message().c_str(),
                  "Received message larger than max (%" SCNuMAX " vs. %" SCNuMAX ")%n", &size,
                  &limit, &end) != 2 ||
      end < 0 || static_cast<std::size_t>(end) != status.error_message().size()) {
    return std::nullopt;
  }
  if (size != request_bytes) return std::nullopt;
  return static_cast<std::size_t>(limit);
}

}  // namespace bayestune::proto
