#pragma once

#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <cstddef>
#include <exception>
#include <map>
#include <optional>

#include "bayestune/optimizer/errors.h"

namespace bayestune::proto {

// The gRPC status code of each error kind (INVALID_ARGUMENT, NOT_FOUND, ...), and back.
grpc::StatusCode ToStatusCode(ErrorCode code);
ErrorCode ToErrorCode(grpc::StatusCode code);

// "INVALID_ARGUMENT", "NOT_FOUND", ...
const char* StatusCodeName(grpc::StatusCode code);

// A status for an exception thrown while serving a call: bayestune's errors keep their kind and
// message; std::bad_alloc is RESOURCE_EXHAUSTED; anything else is INTERNAL.
grpc::Status ToStatus(const std::exception& error);

// Throws the bayestune error of a failed call's status (its message prefixed with `what`, such as
// "SuggestTrials"), so that code written against `Study` reports remote failures the same way.
// Codes with no error kind of their own (UNAUTHENTICATED, DEADLINE_EXCEEDED, ...) become
// Unavailable or InvalidArgument with the gRPC code named in the message.
void ThrowIfError(const grpc::Status& status, const std::string& what);

// The trailing metadata the service (StudyServiceImpl) sets on every error it answers itself, so
// that a client tells its errors (a full disk, --max-calls: RESOURCE_EXHAUSTED too) from those
// gRPC makes without it (a request over the server's --max-message-mb).
inline constexpr char kServiceErrorKey[] = "bayestune-service-error";

// The server's limit (M bytes) when `status`, of a call whose request was `request_bytes` long,
// is gRPC's refusal of that very request for its size at the server: RESOURCE_EXHAUSTED; not the
// service's answer (no kServiceErrorKey in `trailers`); gRPC's own message, exactly "Received
// message larger than max (N vs. M)", naming this request's size as N (an answer this client
// refused for its size, which gRPC names the same way, names the answer's). nullopt otherwise:
// whatever the words of the message, the error is the server's and may pass.
std::optional<std::size_t> RequestSizeRefusal(
    const grpc::Status& status, const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
    std::size_t request_bytes);

}  // namespace bayestune::proto
