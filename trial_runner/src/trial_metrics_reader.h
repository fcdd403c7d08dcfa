#pragma once

#include <optional>
#include <string>

#include "event_dir_reader.h"
#include "hypertune_reader.h"
#include "metric_record.h"

namespace bayestune {

// Everything a trial reports: the event files under its job dir and, when it has one, the
// hypertune file (CLOUD_ML_HP_METRIC_FILE). One per trial; poll it while the trial runs and once
// more after it exited, and keep every record: SelectTrialValue (metric_selection.h) turns them
// into the trial's value. Like every reader here, it is used from one thread at a time.
class TrialMetricsReader {
 public:
  explicit TrialMetricsReader(std::string job_dir,
                              std::optional<std::string> hypertune_file = std::nullopt);

  // What is new since the last poll: event files first, then hypertune reports. Never blocks and
  // never throws for what is in the files; problems come back as warnings.
  MetricPoll Poll();

  const EventDirReader& events() const { return events_; }

 private:
  EventDirReader events_;
  std::optional<HypertuneReader> hypertune_;
};

}  // namespace bayestune
