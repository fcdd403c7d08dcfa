#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace bayestune {

// Where one attempt of a trial keeps its files. The first attempt of trial n uses
// <jobDir>/trial-<n>/; a rerun (attempt k >= 2, after a crash or a second Ctrl-C) uses
// <jobDir>/trial-<n>/attempt-<k>/, so that it never reads or overwrites an earlier attempt's files.
struct TrialPaths {
  std::filesystem::path dir;          // the trainer's --job-dir
  std::filesystem::path stdout_log;   // <dir>/stdout.log
  std::filesystem::path stderr_log;   // <dir>/stderr.log
  std::filesystem::path metric_file;  // <dir>/hypertune.jsonl: CLOUD_ML_HP_METRIC_FILE
};

TrialPaths TrialPathsFor(const std::filesystem::path& job_dir, std::int64_t trial_id, int attempt);

// An attempt's folder starts empty: no attempt is launched twice, so files already there belong to
// no trial of this study (a study of the same name in another database, or in one deleted since),
// and reading them would report their values as this trial's. Renames such a folder to
// <dir>.old-<k> (the first k free) and returns that path; nullopt when `dir` is missing or empty.
// Throws LaunchError when it cannot be moved.
std::optional<std::filesystem::path> MoveAsideLeftovers(const std::filesystem::path& dir);

}  // namespace bayestune
