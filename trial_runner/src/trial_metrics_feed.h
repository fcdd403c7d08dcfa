#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/trial_runner/trial_paths.h"

namespace bayestune {

// The runner's view of one running attempt's metrics: its event files (under its job dir) and its
// hypertune file, read incrementally with the metric readers. Internal to the runner.
class TrialMetricsFeed {
 public:
  TrialMetricsFeed(const TrialPaths& paths, const StudySpec& spec);
  ~TrialMetricsFeed();
  TrialMetricsFeed(const TrialMetricsFeed&) = delete;
  TrialMetricsFeed& operator=(const TrialMetricsFeed&) = delete;

  struct Update {
    std::vector<Measurement> measurements;  // new since the last poll, every tag, NaN included
    std::vector<std::string> warnings;      // bad records, unreadable files...
  };
  Update Poll();

  // The trial's objective from everything read so far, by the spec's tag and LAST/BEST.
  struct Objective {
    std::optional<Measurement> measurement;  // may hold NaN or infinity
    std::string missing_reason;     // when there is none: the tag, the tags seen, a suggestion
    bool nothing_reported = false;  // no scalar at all was read, of any tag
  };
  Objective SelectObjective() const;
  // A multi-objective study's other objectives (StudySpec::metrics[1], ...), the same way; empty
  // for a study of one objective.
  std::vector<Objective> SelectOtherObjectives() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bayestune
