#pragma once

#include <grpcpp/support/status.h>

#include <exception>

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

}  // namespace bayestune::proto
