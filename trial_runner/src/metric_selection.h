#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "metric_record.h"

namespace bayestune {

// The records of the metric that hyperparameterMetricTag names.
struct MetricMatch {
  std::string full_tag;               // the series found: "accuracy", "validation/epoch_accuracy"
  std::vector<MetricRecord> records;  // its records, in the order given
  std::string error;                  // why none was found; empty when found

  bool found() const { return error.empty(); }
};

// Finds the metric `metric_tag` among a trial's records: first the series whose full tag
// (MetricRecord::FullTag: the tag, or <run>/<tag> in a subfolder) is `metric_tag`; else the tag
// `metric_tag` in a subfolder, when exactly one subfolder has it. Otherwise `error` says what was
// looked for, lists the tags seen (full tags, sorted) and suggests the closest one, or says that
// several subfolders have the tag and how to name one; when `unread` holds the tag (reported only
// with values that are not numbers), `error` says that instead, with the value.
MetricMatch MatchMetric(std::span<const MetricRecord> records, std::string_view metric_tag,
                        std::span<const UnreadValue> unread = {});

// The index in `series` (one metric's records, in the order reported) of the trial's measurement:
// kLast: the highest step, and of equal steps the later record; kBest: the best value under
// `goal` (NaN never best unless all are NaN), and of equal values the earlier record. nullopt when
// `series` is empty.
std::optional<std::size_t> SelectMeasurement(std::span<const MetricRecord> series,
                                             MeasurementSelection selection, Goal goal);

// The trial's value of a metric, or why there is none.
struct TrialValue {
  std::optional<MetricRecord> measurement;  // the record chosen
  std::string full_tag;                     // the series it comes from
  std::string error;                        // MatchMetric's error when there is no value

  bool found() const { return measurement.has_value(); }
};

// MatchMetric, then SelectMeasurement.
TrialValue SelectTrialValue(std::span<const MetricRecord> records, std::string_view metric_tag,
                            MeasurementSelection selection, Goal goal,
                            std::span<const UnreadValue> unread = {});

// A record as the optimizer stores it: the metric is its full tag.
Measurement ToMeasurement(const MetricRecord& record);

}  // namespace bayestune
