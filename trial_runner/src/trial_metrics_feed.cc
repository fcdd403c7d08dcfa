#include "trial_metrics_feed.h"

#include "bayestune/trial_runner/metric_selection.h"
#include "bayestune/trial_runner/trial_metrics_reader.h"

namespace bayestune {

class TrialMetricsFeed::Impl {
 public:
  Impl(const TrialPaths& paths, const StudySpec& spec)
      : reader(paths.dir.string(), paths.metric_file.string()),
        metric_tag(spec.metric_tag),
        selection(spec.measurement_selection),
        goal(spec.goal) {}

  TrialMetricsReader reader;
  std::string metric_tag;
  MeasurementSelection selection;
  Goal goal;
  std::vector<MetricRecord> records;  // everything this attempt reported
};

TrialMetricsFeed::TrialMetricsFeed(const TrialPaths& paths, const StudySpec& spec)
    : impl_(std::make_unique<Impl>(paths, spec)) {}

TrialMetricsFeed::~TrialMetricsFeed() = default;

TrialMetricsFeed::Update TrialMetricsFeed::Poll() {
  MetricPoll poll = impl_->reader.Poll();
  Update update;
  for (const MetricWarning& warning : poll.warnings)
    update.warnings.push_back(warning.ToString());
  if (poll.records.empty()) return update;
  const std::size_t first_new = impl_->records.size();
  impl_->records.insert(impl_->records.end(), poll.records.begin(), poll.records.end());
  // The objective is recorded under hyperparameterMetricTag even when the trainer wrote it in a
  // subfolder (Keras: validation/epoch_accuracy), so that early stopping and the report find it.
  const MetricMatch match = MatchMetric(impl_->records, impl_->metric_tag);
  for (std::size_t i = first_new; i < impl_->records.size(); ++i) {
    Measurement m = ToMeasurement(impl_->records[i]);
    if (match.found() && m.metric == match.full_tag) m.metric = impl_->metric_tag;
    update.measurements.push_back(std::move(m));
  }
  return update;
}

TrialMetricsFeed::Objective TrialMetricsFeed::SelectObjective() const {
  const TrialValue value =
      SelectTrialValue(impl_->records, impl_->metric_tag, impl_->selection, impl_->goal);
  Objective objective;
  if (value.found()) {
    objective.measurement = ToMeasurement(*value.measurement);
    objective.measurement->metric = impl_->metric_tag;
  } else {
    objective.missing_reason = value.error;
  }
  return objective;
}

}  // namespace bayestune
