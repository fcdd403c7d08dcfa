#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared_string.h"

namespace bayestune {

// One scalar that a trainer reported, as the metric readers find it. `run` and `tag` read as
// strings; the records of one file share them (SharedString), so that a million records cost no
// million allocations.
struct MetricRecord {
  // The folder of the event file relative to the job dir, '/'-separated ("validation",
  // "logs/train"); "." for the job dir itself and for hypertune reports.
  SharedString run;
  SharedString tag;  // as the trainer wrote it (TensorBoard's tag, or the hypertune key)
  std::int64_t step = 0;
  double wall_time = 0;  // seconds since the Unix epoch
  double value = 0;

  // The name a user gives as hyperparameterMetricTag to mean exactly this series: the tag in the
  // job dir itself, `<run>/<tag>` in a subfolder ("validation/epoch_accuracy").
  std::string FullTag() const;

  bool operator==(const MetricRecord&) const = default;
};

// Something a reader met that the user should know about (a corrupt record, a half-written or
// lost hypertune report); the reader has gone on with what it could read.
struct MetricWarning {
  std::string file;
  std::uint64_t offset = 0;  // the byte in `file` where the problem starts
  std::string message;

  // "<file>: offset <offset>: <message>"
  std::string ToString() const;

  bool operator==(const MetricWarning&) const = default;
};

// A metric a report gave a value that is not a number (a decimal comma written in the trainer's
// locale, "0,91"; "n/a"): not a record, but the trial did report the tag, which a trial that
// misses its metric says rather than "no scalar was reported at all".
struct UnreadValue {
  std::string file;
  std::string tag;
  std::string shown;  // the value as written, cut short
  std::string note;   // what to do, such as "; it has a decimal comma: ..."; may be empty
  // Why the value was not read when it is a number: "at global_step 3.7, which is not a step
  // ..."; empty: the value is not a number.
  std::string problem;

  bool operator==(const UnreadValue&) const = default;
};

// What one poll of a reader found since the previous poll.
struct MetricPoll {
  std::vector<MetricRecord> records;  // in the order they were written, file by file
  std::vector<MetricWarning> warnings;
  std::vector<UnreadValue> unread;  // values skipped as not numbers, in the order met

  void Append(MetricPoll&& other);
};

}  // namespace bayestune
