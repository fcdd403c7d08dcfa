#include "trial_metrics_reader.h"

namespace bayestune {

TrialMetricsReader::TrialMetricsReader(std::string job_dir,
                                       std::optional<std::string> hypertune_file)
    : events_(std::move(job_dir)) {
  if (hypertune_file && !hypertune_file->empty()) hypertune_.emplace(std::move(*hypertune_file));
}

MetricPoll TrialMetricsReader::Poll() {
  MetricPoll out = events_.Poll();
  if (hypertune_) hypertune_->Poll(out);
  return out;
}

}  // namespace bayestune
