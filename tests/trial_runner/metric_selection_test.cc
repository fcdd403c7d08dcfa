#include "metric_selection.h"

#include <catch2/catch.hpp>
#include <cmath>

using namespace bayestune;
using Catch::Matchers::Contains;

namespace {

MetricRecord Record(std::string run, std::string tag, std::int64_t step, double value) {
  return {std::move(run), std::move(tag), step, 1000.0 + step, value};
}

// What the Keras TensorBoard callback writes, plus a root scalar.
std::vector<MetricRecord> KerasRecords() {
  return {
      Record("train", "epoch_loss", 0, 0.9),
      Record("train", "epoch_accuracy", 0, 0.6),
      Record("validation", "epoch_loss", 0, 1.0),
      Record("validation", "epoch_accuracy", 0, 0.5),
      Record("train", "epoch_loss", 1, 0.7),
      Record("train", "epoch_accuracy", 1, 0.7),
      Record("validation", "epoch_loss", 1, 0.8),
      Record("validation", "epoch_accuracy", 1, 0.65),
      Record(".", "training/hptuning/metric", 1, 0.65),
  };
}

}  // namespace

TEST_CASE("a tag in the job dir matches exactly", "[metric_selection]") {
  const auto records = KerasRecords();
  const TrialValue value = SelectTrialValue(records, "training/hptuning/metric",
                                            MeasurementSelection::kLast, Goal::kMaximize);
  REQUIRE(value.found());
  CHECK(value.full_tag == "training/hptuning/metric");
  CHECK(value.measurement->value == 0.65);
}

TEST_CASE("a tag in a subfolder matches as <subfolder>/<tag>", "[metric_selection]") {
  const auto records = KerasRecords();
  const TrialValue value = SelectTrialValue(records, "validation/epoch_accuracy",
                                            MeasurementSelection::kLast, Goal::kMaximize);
  REQUIRE(value.found());
  CHECK(value.full_tag == "validation/epoch_accuracy");
  CHECK(value.measurement->run == "validation");
  CHECK(value.measurement->step == 1);
  CHECK(value.measurement->value == 0.65);
  const MetricMatch match = MatchMetric(records, "validation/epoch_accuracy");
  CHECK(match.records.size() == 2);
}

TEST_CASE("a bare tag found in exactly one subfolder matches it", "[metric_selection]") {
  std::vector<MetricRecord> records = {Record("eval", "bleu", 1, 20),
                                       Record("eval", "bleu", 2, 25)};
  const TrialValue value =
      SelectTrialValue(records, "bleu", MeasurementSelection::kLast, Goal::kMaximize);
  REQUIRE(value.found());
  CHECK(value.full_tag == "eval/bleu");
  CHECK(value.measurement->value == 25);
}

TEST_CASE("a bare tag in several subfolders is ambiguous, and says how to name one",
          "[metric_selection]") {
  const auto records = KerasRecords();
  const TrialValue value =
      SelectTrialValue(records, "epoch_accuracy", MeasurementSelection::kLast, Goal::kMaximize);
  CHECK_FALSE(value.found());
  CHECK_THAT(value.error, Contains("ambiguous") && Contains("'train/epoch_accuracy'") &&
                              Contains("'validation/epoch_accuracy'"));
}

TEST_CASE("a tag that is not there: the tags seen and the closest one", "[metric_selection]") {
  const auto records = KerasRecords();
  SECTION("a typo") {
    const TrialValue value = SelectTrialValue(records, "validation/epoch_acuracy",
                                              MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_FALSE(value.found());
    CHECK_THAT(value.error, Contains("'validation/epoch_acuracy' not found") &&
                                Contains("5 tags seen") && Contains("'train/epoch_loss'") &&
                                Contains("'training/hptuning/metric'") &&
                                Contains("did you mean 'validation/epoch_accuracy'?"));
  }
  SECTION("AI Platform's name for what Keras calls epoch_accuracy") {
    const TrialValue value =
        SelectTrialValue(records, "accuracy", MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error,
               Contains("did you mean 'validation/epoch_accuracy' (val_accuracy in Keras' "
                        "History) or 'train/epoch_accuracy' (accuracy)? Keras' TensorBoard "
                        "callback writes its History's metrics so; a tuning objective is usually "
                        "the validation one"));
  }
  SECTION("Keras' History name of the validation metric") {
    // val_accuracy (Keras' History, what a hypertune callback reports) got no suggestion at all:
    // nothing is close to it by spelling (newuser10).
    const TrialValue value =
        SelectTrialValue(records, "val_accuracy", MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error, Contains("did you mean 'validation/epoch_accuracy'? Keras' "
                                     "TensorBoard callback writes val_accuracy (its name in "
                                     "Keras' History) as 'validation/epoch_accuracy'"));
    const TrialValue loss =
        SelectTrialValue(records, "val_loss", MeasurementSelection::kLast, Goal::kMinimize);
    CHECK_THAT(loss.error, Contains("did you mean 'validation/epoch_loss'?"));
    // In a folder of its own (TensorBoard(log_dir=job_dir + '/logs')).
    const std::vector<MetricRecord> nested = {Record("logs/validation", "epoch_accuracy", 1, 0.5),
                                              Record("logs/train", "epoch_accuracy", 1, 0.6)};
    CHECK_THAT(
        SelectTrialValue(nested, "val_accuracy", MeasurementSelection::kLast, Goal::kMaximize)
            .error,
        Contains("did you mean 'logs/validation/epoch_accuracy'?"));
  }
  SECTION("a typo of the bare tag") {
    const TrialValue value =
        SelectTrialValue(records, "epoch_acuracy", MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error, Contains("did you mean one of"));
  }
  SECTION("nothing close") {
    const TrialValue value =
        SelectTrialValue(records, "zzz", MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error, Contains("5 tags seen"));
    CHECK_THAT(value.error, !Contains("did you mean"));
  }
  SECTION("AI Platform's default tag, of a study without hyperparameterMetricTag") {
    // The failure listed the tags seen ('accuracy', ...) with no suggestion and nothing that tied
    // it to the tag left out of the spec (newuser10).
    const std::vector<MetricRecord> mine = {Record(".", "accuracy", 1, 0.5),
                                            Record(".", "loss", 1, 0.9)};
    const TrialValue value = SelectTrialValue(mine, "training/hptuning/metric",
                                              MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error,
               Contains("2 tags seen: 'accuracy', 'loss'; 'training/hptuning/metric' is AI "
                        "Platform's default, the objective of a study without "
                        "hyperparameterMetricTag: set hyperparameterMetricTag to the tag of your "
                        "objective"));
  }
  SECTION("no scalar at all") {
    const TrialValue value =
        SelectTrialValue({}, "accuracy", MeasurementSelection::kLast, Goal::kMaximize);
    CHECK_THAT(value.error, Contains("no scalar was reported at all"));
  }
}

TEST_CASE("LAST: the highest step, and of equal steps the later record", "[metric_selection]") {
  const std::vector<MetricRecord> series = {Record(".", "m", 5, 1.0), Record(".", "m", 9, 2.0),
                                            Record(".", "m", 3, 3.0), Record(".", "m", 9, 4.0),
                                            Record(".", "m", 7, 5.0)};
  CHECK(SelectMeasurement(series, MeasurementSelection::kLast, Goal::kMaximize) == 3u);
  CHECK(SelectMeasurement({}, MeasurementSelection::kLast, Goal::kMaximize) == std::nullopt);
}

TEST_CASE("BEST: the best value for the goal, NaN never best", "[metric_selection]") {
  const std::vector<MetricRecord> series = {Record(".", "m", 1, 0.5), Record(".", "m", 2, NAN),
                                            Record(".", "m", 3, 0.9), Record(".", "m", 4, 0.2),
                                            Record(".", "m", 5, 0.9)};
  CHECK(SelectMeasurement(series, MeasurementSelection::kBest, Goal::kMaximize) == 2u);
  CHECK(SelectMeasurement(series, MeasurementSelection::kBest, Goal::kMinimize) == 3u);
  const std::vector<MetricRecord> all_nan = {Record(".", "m", 1, NAN), Record(".", "m", 2, NAN)};
  CHECK(SelectMeasurement(all_nan, MeasurementSelection::kBest, Goal::kMaximize) == 1u);
  const TrialValue value =
      SelectTrialValue(series, "m", MeasurementSelection::kBest, Goal::kMinimize);
  CHECK(value.measurement->value == 0.2);
}

TEST_CASE("a record as the optimizer stores it", "[metric_selection]") {
  const Measurement measurement = ToMeasurement(Record("validation", "epoch_loss", 3, 0.25));
  CHECK(measurement.metric == "validation/epoch_loss");
  CHECK(measurement.step == 3);
  CHECK(measurement.wall_time == 1003.0);
  CHECK(measurement.value == 0.25);
}
