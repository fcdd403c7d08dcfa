#include "metric_selection.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "bayestune/optimizer/study_spec.h"
#include "closest_match.h"

namespace bayestune {
namespace {

// Whether record.FullTag() == full_tag, without building the string.
bool HasFullTag(const MetricRecord& record, std::string_view full_tag) {
  if (record.run.empty() || record.run == ".") return record.tag == full_tag;
  return full_tag.size() == record.run.size() + 1 + record.tag.size() &&
         full_tag.starts_with(record.run.view()) && full_tag[record.run.size()] == '/' &&
         full_tag.ends_with(record.tag.view());
}

std::string Quote(std::string_view text) {
  return "'" + std::string(text) + "'";
}

std::string JoinQuoted(const std::vector<std::string>& items, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < most; ++i)
    out += (i ? ", " : "") + Quote(items[i]);
  if (items.size() > most) out += ", and " + std::to_string(items.size() - most) + " more";
  return out;
}

constexpr std::size_t kMostTagsListed = 40;

bool IsRunNamed(std::string_view run, std::string_view name) {
  return run == name || (run.ends_with(name) && run.size() > name.size() &&
                         run[run.size() - name.size() - 1] == '/');
}

// Keras names a metric two ways: its History (and a hypertune callback) says `val_accuracy` and
// `accuracy`, its TensorBoard callback writes `epoch_accuracy` in the subfolders `validation/` and
// `train/`. For a tag given the History's way when the event files have the TensorBoard
// callback's: the full tags meant, and why.
std::string KerasSuggestion(std::string_view metric_tag, std::span<const MetricRecord> records) {
  const bool validation = metric_tag.starts_with("val_");
  const std::string metric(validation ? metric_tag.substr(4) : metric_tag);
  if (metric.empty() || metric.find('/') != std::string::npos) return "";
  const std::string keras_tag = "epoch_" + metric;
  std::optional<std::string> train;
  std::optional<std::string> val;
  for (const auto& record : records) {
    if (record.tag != keras_tag) continue;
    if (!val && IsRunNamed(record.run.view(), "validation")) val = record.FullTag();
    if (!train && IsRunNamed(record.run.view(), "train")) train = record.FullTag();
  }
  if (validation) {
    if (!val) return "";
    return "; did you mean " + Quote(*val) + "? Keras' TensorBoard callback writes " +
           std::string(metric_tag) + " (its name in Keras' History) as " + Quote(*val);
  }
  if (!train && !val) return "";
  std::string text = "; did you mean ";
  if (val) text += Quote(*val) + " (val_" + metric + " in Keras' History)";
  if (train) text += std::string(val ? " or " : "") + Quote(*train) + " (" + metric + ")";
  text += "? Keras' TensorBoard callback writes its History's metrics so";
  if (val && train) text += "; a tuning objective is usually the validation one";
  return text;
}

// The "did you mean" part of a not-found error: the closest full tag, else the full tag of the
// closest bare tag. A user who named no subfolder gets every subfolder that has that tag.
std::string Suggestion(std::string_view metric_tag, std::span<const MetricRecord> records,
                       const std::vector<std::string>& full_tags) {
  if (std::string keras = KerasSuggestion(metric_tag, records); !keras.empty()) return keras;
  std::optional<std::string> closest = ClosestMatch(metric_tag, full_tags);
  std::optional<std::string> tag;  // its bare tag
  if (closest) {
    for (const auto& record : records) {
      if (HasFullTag(record, *closest)) {
        tag = record.tag;
        break;
      }
    }
  } else {
    std::set<std::string> bare_tags;
    for (const auto& record : records)
      bare_tags.insert(record.tag);
    tag = ClosestMatch(metric_tag, {bare_tags.begin(), bare_tags.end()});
  }
  if (!tag) return "";
  std::set<std::string> choices;
  if (closest && metric_tag.find('/') != std::string_view::npos) {
    choices.insert(*closest);
  } else {
    for (const auto& record : records) {
      if (record.tag == *tag) choices.insert(record.FullTag());
    }
  }
  if (choices.size() == 1) return "; did you mean " + Quote(*choices.begin()) + "?";
  return "; did you mean one of " + JoinQuoted({choices.begin(), choices.end()}, 10) + "?";
}

}  // namespace

MetricMatch MatchMetric(std::span<const MetricRecord> records, std::string_view metric_tag,
                        std::span<const UnreadValue> unread) {
  MetricMatch match;
  for (const auto& record : records) {
    if (HasFullTag(record, metric_tag)) match.records.push_back(record);
  }
  if (!match.records.empty()) {
    match.full_tag = metric_tag;
    return match;
  }
  std::set<std::string> runs;  // the subfolders that have the tag
  for (const auto& record : records) {
    if (record.tag == metric_tag) runs.insert(record.run);
  }
  if (runs.size() == 1) {
    for (const auto& record : records) {
      if (record.tag == metric_tag) match.records.push_back(record);
    }
    match.full_tag = match.records.front().FullTag();
    return match;
  }
  if (runs.size() > 1) {
    std::vector<std::string> choices;
    for (const auto& run : runs)
      choices.push_back(run + "/" + std::string(metric_tag));
    match.error = "metric " + Quote(metric_tag) + " is ambiguous: " + std::to_string(runs.size()) +
                  " subfolders have that tag; set hyperparameterMetricTag to one of " +
                  JoinQuoted(choices, kMostTagsListed);
    return match;
  }
  // Reported, but never as a number: "no scalar was reported at all" sent the user to look for
  // a file that was there.
  for (const UnreadValue& value : unread) {
    if (value.tag != metric_tag) continue;
    match.error = "metric " + Quote(metric_tag) + " not found" +
                  (value.problem.empty() ? " as a number" : "") + ": " + value.file +
                  " reports it, but " +
                  (value.problem.empty() ? "with values that are not numbers (" + value.shown + ")"
                                         : value.problem) +
                  value.note;
    return match;
  }
  if (records.empty()) {
    match.error = "metric " + Quote(metric_tag) +
                  " not found: no scalar was reported at all (no event file with a scalar, no "
                  "hypertune report)";
    return match;
  }
  std::set<std::string> seen;
  for (const auto& record : records)
    seen.insert(record.FullTag());
  const std::vector<std::string> full_tags(seen.begin(), seen.end());
  match.error = "metric " + Quote(metric_tag) + " not found: no scalar has that tag, in the job " +
                "dir or as <subfolder>/<tag>; " + std::to_string(full_tags.size()) +
                (full_tags.size() == 1 ? " tag" : " tags") +
                " seen: " + JoinQuoted(full_tags, kMostTagsListed) +
                Suggestion(metric_tag, records, full_tags);
  if (metric_tag == kDefaultMetricTag) {
    // The study left hyperparameterMetricTag out (or named AI Platform's default): the trainer's
    // tags are not that, and no spelling is close to it.
    match.error += std::string(match.error.ends_with('?') ? " " : "; ") +
                   "'training/hptuning/metric' is AI Platform's default, the objective of a "
                   "study without hyperparameterMetricTag: set hyperparameterMetricTag to the "
                   "tag of your objective";
  }
  return match;
}

std::optional<std::size_t> SelectMeasurement(std::span<const MetricRecord> series,
                                             MeasurementSelection selection, Goal goal) {
  std::optional<std::size_t> last;
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (!last || series[i].step >= series[*last].step) last = i;
  }
  if (selection == MeasurementSelection::kLast) return last;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double value = series[i].value;
    if (std::isnan(value)) continue;
    if (!best ||
        (goal == Goal::kMaximize ? value > series[*best].value : value < series[*best].value)) {
      best = i;
    }
  }
  return best ? best : last;  // all NaN: the last one
}

TrialValue SelectTrialValue(std::span<const MetricRecord> records, std::string_view metric_tag,
                            MeasurementSelection selection, Goal goal,
                            std::span<const UnreadValue> unread) {
  TrialValue result;
  MetricMatch match = MatchMetric(records, metric_tag, unread);
  if (!match.found()) {
    result.error = std::move(match.error);
    return result;
  }
  result.full_tag = std::move(match.full_tag);
  if (const auto index = SelectMeasurement(match.records, selection, goal)) {
    result.measurement = match.records[*index];
  }
  return result;
}

Measurement ToMeasurement(const MetricRecord& record) {
  return {.metric = record.FullTag(),
          .step = record.step,
          .value = record.value,
          .wall_time = record.wall_time};
}

}  // namespace bayestune
