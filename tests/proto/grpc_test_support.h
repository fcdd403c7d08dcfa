#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "bayestune/proto/study_client.h"
#include "serve_process.h"
#include "temp_folder.h"
#include "test_files.h"

namespace bayestune::testing {

// A tuning.yaml for the service tests: RANDOM_SEARCH (fast), metric "accuracy", three parameters
// of three types.
std::string TestTuningYaml(int max_trials, bool early_stopping = false);

// A plaintext client of `server` without a token, whose calls fail after 30 s at most.
proto::StudyClientOptions PlainClientOptions(const ServeProcess& server);

// A fresh server with its own database and log in `dir`; `extra` flags go after --db.
std::unique_ptr<ServeProcess> StartServer(const TempFolder& dir,
                                          const std::vector<std::string>& extra = {},
                                          const std::string& listen = "127.0.0.1:0");

// The gRPC status of a call that threw a bayestune error through StudyClient, found from the
// code name in its message ("... NOT_FOUND: ..."); OK when it did not throw.
template <typename Call>
std::string StatusCodeOf(Call&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    const std::string message = e.what();
    for (const char* code :
         {"INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "FAILED_PRECONDITION",
          "RESOURCE_EXHAUSTED", "UNAVAILABLE", "UNAUTHENTICATED", "INTERNAL", "DEADLINE_EXCEEDED",
          "CANCELLED", "DATA_LOSS", "UNKNOWN"}) {
      if (message.find(std::string(": ") + code + ":") != std::string::npos) return code;
    }
    return "unrecognized error: " + message;
  }
  return "OK";
}

}  // namespace bayestune::testing
