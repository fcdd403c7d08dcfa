#pragma once

#include <stdexcept>
#include <string>

namespace bayestune {

// The kinds of error a caller can cause. They map one to one onto gRPC status codes and onto the
// CLI's exit codes, so that every layer reports the same failure the same way.
enum class ErrorCode {
  kInvalidArgument,     // a bad value from the user: the message names the field and what is valid
  kNotFound,            // an unknown study or trial
  kAlreadyExists,       // a study of that name exists with another spec
  kFailedPrecondition,  // the operation does not fit the current state (completing a finished
                        // trial)
  kResourceExhausted,   // nothing left to give (an exhausted grid), or a full disk
  kUnavailable,         // a resource that may come back (a locked or unreachable database)
  kInternal,            // a broken invariant: a bug
  kDataLoss,            // stored data that cannot be read back: a damaged or hand-edited database
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

class InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& m) : Error(ErrorCode::kInvalidArgument, m) {}
};
class NotFound : public Error {
 public:
  explicit NotFound(const std::string& m) : Error(ErrorCode::kNotFound, m) {}
};
class AlreadyExists : public Error {
 public:
  explicit AlreadyExists(const std::string& m) : Error(ErrorCode::kAlreadyExists, m) {}
};
class FailedPrecondition : public Error {
 public:
  explicit FailedPrecondition(const std::string& m) : Error(ErrorCode::kFailedPrecondition, m) {}
};
class ResourceExhausted : public Error {
 public:
  explicit ResourceExhausted(const std::string& m) : Error(ErrorCode::kResourceExhausted, m) {}
};
// A write refused because the disk under the storage (or the user's disk quota) is full: the write
// was rolled back whole, and the same call succeeds once space is freed (a size limit that waiting
// cannot raise, such as ulimit -f, is a plain ResourceExhausted).
class StorageFull : public ResourceExhausted {
 public:
  explicit StorageFull(const std::string& m) : ResourceExhausted(m) {}
};
class Unavailable : public Error {
 public:
  explicit Unavailable(const std::string& m) : Error(ErrorCode::kUnavailable, m) {}
};
// The storage is damaged: not the caller's fault, and retrying does not help (gRPC DATA_LOSS).
class DataLoss : public Error {
 public:
  explicit DataLoss(const std::string& m) : Error(ErrorCode::kDataLoss, m) {}
};

}  // namespace bayestune
