#include "bayestune/trial_runner/trial_paths.h"

#include <string>

#include "bayestune/trial_runner/trial_process.h"

namespace bayestune {

TrialPaths TrialPathsFor(const std::filesystem::path& job_dir, std::int64_t trial_id, int attempt) {
  TrialPaths paths;
  paths.dir = job_dir / ("trial-" + std::to_string(trial_id));
  if (attempt > 1) paths.dir /= "attempt-" + std::to_string(attempt);
  paths.stdout_log = paths.dir / "stdout.log";
  paths.stderr_log = paths.dir / "stderr.log";
  paths.metric_file = paths.dir / "hypertune.jsonl";
  return paths;
}

std::optional<std::filesystem::path> MoveAsideLeftovers(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(dir, error) || (fs::is_directory(dir, error) && fs::is_empty(dir, error))) {
    return std::nullopt;
  }
  for (int k = 1;; ++k) {
    fs::path aside = dir;
    aside += ".old-" + std::to_string(k);
    if (fs::exists(aside, error)) continue;
    fs::rename(dir, aside, error);
    if (error) {
      throw LaunchError("the trial folder '" + dir.string() +
                        "' holds files from before this study, and moving them aside failed (" +
                        error.message() + "); move or delete them");
    }
    return aside;
  }
}

}  // namespace bayestune
