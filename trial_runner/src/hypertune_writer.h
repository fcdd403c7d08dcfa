#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace bayestune {

// Writes metrics exactly as Google's `cloudml-hypertune` library does: at every report it rewrites
// the whole file at CLOUD_ML_HP_METRIC_FILE with its last 100 entries, one JSON object a line, keys
// sorted, values as strings except the timestamp:
//   {"accuracy": "0.91", "global_step": "12", "timestamp": 1700000000.5, "trial": "3"}
class HypertuneWriter {
 public:
  static constexpr std::size_t kMaxEntries = 100;
  static constexpr std::string_view kDefaultTag = "training/hptuning/metric";

  HypertuneWriter(std::string path, std::string trial_id);
  // A writer for CLOUD_ML_HP_METRIC_FILE and CLOUD_ML_TRIAL_ID, or nullopt when the former is
  // unset.
  static std::optional<HypertuneWriter> FromEnvironment();

  // An empty tag means the default tag. timestamp < 0: now. Throws std::runtime_error naming the
  // file when it cannot be written.
  void Report(std::string_view tag, double value, std::int64_t global_step, double timestamp = -1);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string trial_id_;
  std::deque<std::string> lines_;
};

// One line of the file, as the library writes it (without the newline).
std::string HypertuneLine(std::string_view tag, double value, std::int64_t global_step,
                          double timestamp, std::string_view trial_id);

// A double as Python's repr() writes it: the shortest digits that read back, "1.0", "0.0001",
// "1e-05", "1e+16", "nan", "inf".
std::string FormatPythonFloat(double value);

// A string as Python's json.dumps writes it (ensure_ascii): quoted, with \" \\ \n ... and \uXXXX.
std::string PythonJsonString(std::string_view text);

}  // namespace bayestune
