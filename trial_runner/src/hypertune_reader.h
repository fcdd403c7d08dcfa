#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "metric_record.h"

namespace bayestune {

// Reads the file at CLOUD_ML_HP_METRIC_FILE while a trainer writes it with Google's
// `cloudml-hypertune` (or HypertuneWriter): at every report the writer rewrites the whole file in
// place with its last 100 reports, one JSON object a line,
//   {"accuracy": "0.91", "global_step": "12", "timestamp": 1700000000.5, "trial": "3"}
// Each Poll returns the reports that were not in the file at any earlier poll, each once: the
// lines of the file are aligned with those already read (the file is a sliding window over the
// writer's reports), so a rewrite never counts a report twice, and none is lost as long as the
// reader polls at least once every 100 reports. A half-written file (the writer truncates, then
// writes) shows a prefix of the new window; a line without its newline is left for a later poll.
// A read that races a rewrite (the file changes while read) is retried, and failing that left for
// the next poll. A file that holds fewer than 100 reports, none of which follows those read before,
// was started over (a trainer restarted from scratch): it is read afresh, with a warning, and
// generation() goes up. A file that is not a regular file, or is larger than kMaxFileSize, is
// not read, with a warning said once.
//
// Every key other than global_step, timestamp, trial and checkpoint_path is a metric: its tag is
// the key, its value a number or a string holding one ("0.91", "nan", "inf"). Records have run ".".
class HypertuneReader {
 public:
  explicit HypertuneReader(std::string path);

  MetricPoll Poll();
  void Poll(MetricPoll& out);

  const std::string& path() const { return path_; }

  // The largest file read: cloudml-hypertune keeps its last 100 reports, a few KB. A larger one
  // (or one that is not a regular file: a FIFO, a link to /dev/zero) is not read, with a warning.
  static constexpr std::uint64_t kMaxFileSize = 16u << 20;
  // How many times the file was read afresh: the reports of an earlier generation are gone.
  std::uint64_t generation() const { return generation_; }

 private:
  enum class ReadStatus { kRead, kAbsent, kRaced, kRefused };
  struct ReadResult {
    ReadStatus status;
    std::string why;  // kRefused: why the file is not read
  };
  ReadResult ReadStable(std::string& content) const;
  void ReadLine(std::string_view line, std::size_t line_number, std::uint64_t offset,
                MetricPoll& out);

  std::string path_;
  std::string last_content_;       // the file as the last poll read it
  std::deque<std::string> seen_;   // the writer's last reports read, oldest first (at most 100)
  bool overflow_warned_ = false;   // the lost-reports warning comes once per file
  bool wall_time_warned_ = false;  // so does that of a timestamp no clock gave
  bool step_key_warned_ = false;   // and that of a step given as 'step', not global_step
  std::string refused_why_;        // why the last poll did not read the file, said once
  std::uint64_t generation_ = 0;
};

}  // namespace bayestune
