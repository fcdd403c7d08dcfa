#pragma once

#include <stdexcept>
#include <string>

namespace bayestune {

// The exit codes of bayestune-mlp (docs/gpu_models.md lists them for users).
enum class TrainerExitCode : int {
  kSuccess = 0,
  kFailure = 1,      // anything else: the job dir or event file cannot be written, a bug
  kBadFlags = 2,     // an unknown, malformed or out-of-range flag
  kDataError = 3,    // the dataset is missing or malformed
  kDeviceError = 4,  // --device=gpu without a usable GPU, or a CUDA / cuBLAS error
  kDiverged = 5,     // the training loss became NaN or infinite
};

// An error that ends the trainer with its exit code. gpu_models stands apart from the optimizer
// library (it shares only the event-file writer), so the exit code travels with the error rather
// than being derived from optimizer's error types.
class TrainerError : public std::runtime_error {
 public:
  TrainerError(TrainerExitCode exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  TrainerExitCode exit_code() const { return exit_code_; }

 private:
  TrainerExitCode exit_code_;
};

}  // namespace bayestune
