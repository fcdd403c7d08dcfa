#include "trial_metrics_feed.h"

#include <map>
#include <utility>

#include "bayestune/trial_runner/event_dir_reader.h"
#include "bayestune/trial_runner/hypertune_reader.h"
#include "bayestune/trial_runner/metric_selection.h"

namespace bayestune {

class TrialMetricsFeed::Impl {
 public:
  Impl(const TrialPaths& paths, const StudySpec& spec)
      : events(paths.dir.string()),
        hypertune(paths.metric_file.string()),
        metric_tag(spec.metric_tag),
        selection(spec.measurement_selection),
        goal(spec.goal) {}

  // Keeps `poll`'s records unless the other source already reported the same tag at the same
  // step: a trainer that writes both event files and the hypertune file (gpu_models does)
  // reports each value twice, and the curve should have it once. Repeats within one source (a
  // restarted trainer) are kept, as TensorBoard keeps them.
  void Accept(MetricPoll& poll, int source, Update& update) {
    for (const MetricWarning& warning : poll.warnings)
      update.warnings.push_back(warning.ToString());
    for (MetricRecord& record : poll.records) {
      const auto [it, first] =
          reported_by.emplace(std::pair{record.FullTag(), record.step}, source);
      if (!first && it->second != source) continue;
      records.push_back(std::move(record));
    }
  }

  EventDirReader events;
  HypertuneReader hypertune;
  std::string metric_tag;
  MeasurementSelection selection;
  Goal goal;
  std::vector<MetricRecord> records;  // everything this attempt reported
  std::map<std::pair<std::string, std::int64_t>, int> reported_by;  // (tag, step): which source
};

TrialMetricsFeed::TrialMetricsFeed(const TrialPaths& paths, const StudySpec& spec)
    : impl_(std::make_unique<Impl>(paths, spec)) {}

TrialMetricsFeed::~TrialMetricsFeed() = default;

TrialMetricsFeed::Update TrialMetricsFeed::Poll() {
  Update update;
  const std::size_t first_new = impl_->records.size();
  MetricPoll from_events = impl_->events.Poll();
  impl_->Accept(from_events, 0, update);
  MetricPoll from_hypertune = impl_->hypertune.Poll();
  impl_->Accept(from_hypertune, 1, update);
  if (impl_->records.size() == first_new) return update;
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
