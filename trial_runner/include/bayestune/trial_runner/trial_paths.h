#pragma once

#include <cstdint>
#include <filesystem>

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

}  // namespace bayestune
