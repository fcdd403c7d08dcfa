#include "trial_metrics_feed.h"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "event_dir_reader.h"
#include "hypertune_reader.h"
#include "metric_selection.h"

namespace bayestune {

class TrialMetricsFeed::Impl {
 public:
  Impl(const TrialPaths& paths, const StudySpec& spec)
      : events(paths.dir.string(), EventDirReader::RootLink::kRefuse),
        hypertune(paths.metric_file.string()),
        metric_tag(spec.metric_tag),
        selection(spec.measurement_selection),
        goal(spec.goal),
        objectives(Objectives(spec)) {}

  enum Source { kEvents = 0, kHypertune = 1 };

  // Takes the new records of one file. Keeps them unless the other source already reported the
  // same tag at the same step: a trainer that writes both event files and the hypertune file
  // (gpu_models does) reports each value twice, and the curve should have it once. Repeats within
  // one source (a restarted trainer) are kept, as TensorBoard keeps them. A file read afresh
  // (a trainer that started it over) takes its earlier records out of the trial's value: they
  // stay recorded, but the value comes from what the file holds now. A record at a negative step
  // (an event file's int64 step; -1 is how a uint64 step 2^64 - 1 reads) is no step the study
  // keeps: it is left out of the measurements and of the trial's value, with one warning per
  // tag in `warnings`. Returns how many it kept.
  std::size_t Accept(const std::string& file, std::uint64_t generation, Source source,
                     std::span<MetricRecord> new_records, std::vector<std::string>& warnings) {
    const auto [it, first_seen] = files.try_emplace(file, FileState{files.size(), generation});
    FileState& state = it->second;
    if (!first_seen && state.generation != generation) {
      state.generation = generation;
      std::size_t kept = 0;
      for (std::size_t i = 0; i < records.size(); ++i) {
        if (origin[i] == state.index) continue;
        records[kept] = std::move(records[i]);
        origin[kept++] = origin[i];
      }
      records.resize(kept);
      origin.resize(kept);
    }
    std::size_t taken = 0;
    for (MetricRecord& record : new_records) {
      if (record.step < 0) {
        if (negative_step_warned.insert(record.FullTag()).second) {
          warnings.push_back(file + ": reported '" + record.FullTag() + "' at step " +
                             std::to_string(record.step) +
                             "; a step is a whole number from 0 to 9223372036854775807, so "
                             "scalars at a negative step are not recorded and do not count for "
                             "the trial's value");
        }
        continue;
      }
      const auto [seen, first] =
          reported_by.emplace(std::pair{record.FullTag(), record.step}, source);
      if (!first && seen->second != source) continue;
      records.push_back(std::move(record));
      origin.push_back(state.index);
      ++taken;
    }
    return taken;
  }

  struct FileState {
    std::size_t index;         // what `origin` holds for its records
    std::uint64_t generation;  // its reader's generation when last read
  };

  EventDirReader events;
  HypertuneReader hypertune;
  std::string metric_tag;
  MeasurementSelection selection;
  Goal goal;
  std::vector<MetricSpec> objectives;  // every objective, the first being metric_tag and goal
  std::vector<MetricRecord> records;   // what this attempt's files hold, as far as read
  std::vector<std::size_t> origin;     // per record: its file's FileState::index
  std::map<std::string, FileState> files;
  std::map<std::pair<std::string, std::int64_t>, int> reported_by;  // (tag, step): which source
  std::set<std::string> negative_step_warned;                       // full tags said once
  std::vector<UnreadValue> unread;  // per tag, its first value that was not a number
};

TrialMetricsFeed::TrialMetricsFeed(const TrialPaths& paths, const StudySpec& spec)
    : impl_(std::make_unique<Impl>(paths, spec)) {}

TrialMetricsFeed::~TrialMetricsFeed() = default;

TrialMetricsFeed::Update TrialMetricsFeed::Poll() {
  Update update;
  Impl& impl = *impl_;
  struct FileSpan {
    std::string file;
    std::uint64_t generation;
    std::size_t first, end;
  };
  std::vector<FileSpan> spans;
  MetricPoll from_events;
  impl.events.Poll(from_events,
                   [&](const EventFileReader& reader, std::size_t first, std::size_t end) {
                     spans.push_back({reader.path(), reader.generation(), first, end});
                   });
  MetricPoll from_hypertune = impl.hypertune.Poll();
  for (MetricPoll* poll : {&from_events, &from_hypertune}) {
    for (const MetricWarning& warning : poll->warnings)
      update.warnings.push_back(warning.ToString());
  }
  // New records go at the end (a file read afresh only takes out records of earlier polls).
  std::size_t taken = 0;
  for (const FileSpan& span : spans) {
    taken += impl.Accept(span.file, span.generation, Impl::kEvents,
                         std::span(from_events.records).subspan(span.first, span.end - span.first),
                         update.warnings);
  }
  taken += impl.Accept(impl.hypertune.path(), impl.hypertune.generation(), Impl::kHypertune,
                       from_hypertune.records, update.warnings);
  // The first value of each tag that was not a number, for the reason of a trial without its
  // metric (one a tag: a trainer may write millions).
  for (UnreadValue& value : from_hypertune.unread) {
    if (std::none_of(impl.unread.begin(), impl.unread.end(),
                     [&](const UnreadValue& kept) { return kept.tag == value.tag; })) {
      impl.unread.push_back(std::move(value));
    }
  }
  if (taken == 0) return update;
  // The objective is recorded under hyperparameterMetricTag even when the trainer wrote it in a
  // subfolder (Keras: validation/epoch_accuracy), so that early stopping and the report find it.
  // So is each objective of a multi-objective study, under its metricId.
  std::vector<std::pair<std::string, std::string>> renames;  // full tag -> objective's tag
  for (const MetricSpec& objective : impl.objectives) {
    const MetricMatch match = MatchMetric(impl.records, objective.metric_id);
    if (match.found()) renames.emplace_back(match.full_tag, objective.metric_id);
  }
  for (std::size_t i = impl.records.size() - taken; i < impl.records.size(); ++i) {
    Measurement m = ToMeasurement(impl.records[i]);
    for (const auto& [full_tag, tag] : renames) {
      if (m.metric == full_tag) {
        m.metric = tag;
        break;
      }
    }
    update.measurements.push_back(std::move(m));
  }
  return update;
}

std::vector<TrialMetricsFeed::Objective> TrialMetricsFeed::SelectOtherObjectives() const {
  std::vector<Objective> others;
  for (std::size_t k = 1; k < impl_->objectives.size(); ++k) {
    const MetricSpec& metric = impl_->objectives[k];
    const TrialValue value = SelectTrialValue(impl_->records, metric.metric_id, impl_->selection,
                                              metric.goal, impl_->unread);
    Objective objective;
    if (value.found()) {
      objective.measurement = ToMeasurement(*value.measurement);
      objective.measurement->metric = metric.metric_id;
    } else {
      objective.missing_reason = value.error;
    }
    others.push_back(std::move(objective));
  }
  return others;
}

TrialMetricsFeed::Objective TrialMetricsFeed::SelectObjective() const {
  const TrialValue value = SelectTrialValue(impl_->records, impl_->metric_tag, impl_->selection,
                                            impl_->goal, impl_->unread);
  Objective objective;
  if (value.found()) {
    objective.measurement = ToMeasurement(*value.measurement);
    objective.measurement->metric = impl_->metric_tag;
  } else {
    objective.missing_reason = value.error;
    objective.nothing_reported = impl_->records.empty() && impl_->unread.empty();
  }
  return objective;
}

}  // namespace bayestune
