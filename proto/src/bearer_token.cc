#include "bayestune/proto/bearer_token.h"

#include <sys/stat.h>

#include <cstdio>
#include <string_view>

#include "bayestune/optimizer/errors.h"
#include "small_file.h"

namespace bayestune::proto {
namespace {

constexpr std::size_t kMaxTokenLength = 4096;
constexpr std::string_view kScheme = "bearer ";

// Compares in time that depends only on the length of `given` (which the caller knows anyway):
// neither where it differs from the token nor the token's own length shows, so that a caller
// cannot guess the token a character at a time, nor learn its length. `token` is not empty.
bool ConstantTimeEquals(std::string_view given, std::string_view token) {
  std::size_t difference = given.size() ^ token.size();
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ token[i % token.size()]);
  }
  return difference == 0;
}

bool StartsWithScheme(std::string_view value) {
  if (value.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

BearerToken::BearerToken(std::string token) : token_(std::move(token)) {
  if (token_.empty()) throw InvalidArgument("the bearer token is empty");
  if (token_.size() > kMaxTokenLength) {
    throw InvalidArgument("the bearer token is longer than " + std::to_string(kMaxTokenLength) +
                          " characters");
  }
  for (char c : token_) {
    if (c <= ' ' || c > '~') {
      throw InvalidArgument(
          "the bearer token holds a space, a control character or a non-ASCII byte; use "
          "printable ASCII only (for example the output of `openssl rand -hex 32`)");
    }
  }
}

BearerToken BearerToken::FromFile(const std::string& path) {
  // Opened without waiting, and read to its first line only, at most a little past the longest
  // token: `--token-file /dev/zero` read for ever, growing; a named pipe (FIFO) that no program
  // writes to blocked the open for ever; a folder was "empty". A pipe with a writer (bash's
  // <(pass show token)) is read.
  const std::string what = "the token file '" + path + "'";
  FlagFile file(what, path, "give the file whose first line is the token");
  const std::string line = file.Read(kMaxTokenLength + 2, /*first_line=*/true);
  if (line.size() > kMaxTokenLength + 2) {
    throw InvalidArgument(what + ": its first line is longer than " +
                          std::to_string(kMaxTokenLength) +
                          " characters, the longest token; put the token alone on its first line");
  }
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    if (line.empty() && file.fifo()) {
      throw InvalidArgument(what +
                            " is a named pipe (FIFO) that no program writes to; give the file "
                            "whose first line is the token");
    }
    throw InvalidArgument(what + " is empty; put the token on its first line");
  }
  try {
    return BearerToken(line.substr(first, last - first + 1));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(what + ": " + e.what());
  }
}

std::string BearerToken::ExposureWarning(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0 || (status.st_mode & (S_IRGRP | S_IROTH)) == 0) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
  return "the token file '" + path + "' may be read by other users (mode " + mode +
         "), and whoever reads it can call the server; make it private: chmod 600 '" + path + "'";
}

grpc::Status BearerToken::Check(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find(kMetadataKey);
  if (found == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this server needs the metadata 'authorization: Bearer <token>'");
  }
  const std::string_view value(found->second.data(), found->second.size());
  if (!StartsWithScheme(value) ||
      !ConstantTimeEquals(value.substr(kScheme.size()), std::string_view(token_))) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token in 'authorization' is not the server's token");
  }
  return grpc::Status::OK;
}

}  // namespace bayestune::proto
