#include "bayestune/trial_runner/trial_paths.h"

#include <string>

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

}  // namespace bayestune
