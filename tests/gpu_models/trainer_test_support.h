#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset.h"
#include "test_files.h"

namespace bayestune::testing {

// A fresh, empty folder of its own for one test (ctest runs tests in parallel).
std::filesystem::path FreshTestDir(const std::string& name);

// What one run of the built bayestune-mlp did.
struct TrainerRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs build/gpu_models/bayestune-mlp with `args` in `dir` (which also keeps its output), with
// `environment` ("NAME=value" each) added and CLOUD_ML_HP_METRIC_FILE, BAYESTUNE_MLP_DATA and
// OMP_NUM_THREADS removed unless given there.
TrainerRun RunTrainer(const std::filesystem::path& dir, const std::vector<std::string>& args,
                      const std::vector<std::string>& environment = {});

// One scalar record of an event file.
struct ScalarRecord {
  double wall_time = 0;
  std::int64_t step = 0;
  std::string tag;
  float value = 0;
};

// The records of a TFRecord file, each length and data CRC checked (REQUIREd).
std::vector<std::string> ReadTfRecords(const std::filesystem::path& path);
// Decodes an Event holding one simple_value summary (REQUIREs that shape).
ScalarRecord DecodeScalarEvent(const std::string& event);

// The files in `dir` whose names start with `prefix`.
std::vector<std::filesystem::path> FilesStartingWith(const std::filesystem::path& dir,
                                                     const std::string& prefix);

// A small random classification problem: `classes` Gaussian blobs in `features` dimensions.
TrainingData SyntheticData(int features, int classes, std::int64_t train, std::int64_t validation,
                           std::uint64_t seed);

}  // namespace bayestune::testing
