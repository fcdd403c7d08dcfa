#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>

namespace bayestune::proto {

// The shared secret of `bayestune serve --token-file`: every call to the study service must carry
// the metadata `authorization: Bearer <token>`. The token never appears in a message or a log.
class BearerToken {
 public:
  // Throws InvalidArgument unless the token is 1 to 4096 printable ASCII characters without
  // spaces (what an HTTP/2 header can carry).
  explicit BearerToken(std::string token);

  // Reads the token from the first line of a file (surrounding whitespace removed). Throws
  // NotFound when the file cannot be read and InvalidArgument when it holds no valid token, both
  // naming the file.
  static BearerToken FromFile(const std::string& path);

  // A warning when the token file at `path` may be read by users other than its owner (its mode
  // gives the group or others read access): any of them could then call the server as its
  // clients do. Empty when it may not, or when its mode cannot be known.
  static std::string ExposureWarning(const std::string& path);

  // OK when the call carries this token; otherwise UNAUTHENTICATED saying what is missing.
  grpc::Status Check(const grpc::ServerContext& context) const;

  // The metadata a client sends: key "authorization", value "Bearer <token>".
  static constexpr const char* kMetadataKey = "authorization";
  std::string MetadataValue() const { return "Bearer " + token_; }

 private:
  std::string token_;
};

}  // namespace bayestune::proto
