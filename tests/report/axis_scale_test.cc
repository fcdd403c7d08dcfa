// Axis scales and ticks, the robust value range, and the deterministic choice of trials to draw.
#include "axis_scale.h"

#include <catch2/catch.hpp>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "drawing_sample.h"
#include "scale_transform.h"
#include "value_range.h"

using namespace bayestune;

namespace {

std::vector<std::string> Labels(const std::vector<AxisTick>& ticks) {
  std::vector<std::string> labels;
  for (const auto& t : ticks)
    labels.push_back(t.label);
  return labels;
}

void CheckIncreasingInside(const std::vector<AxisTick>& ticks) {
  REQUIRE(ticks.size() >= 2);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CHECK(ticks[i].unit >= -1e-9);
    CHECK(ticks[i].unit <= 1 + 1e-9);
    if (i > 0) CHECK(ticks[i].unit > ticks[i - 1].unit);
  }
}

}  // namespace

TEST_CASE("Linear axes get round ticks") {
  const auto scale = AxisScale::Linear(0, 1);
  CHECK(Labels(scale.Ticks(6)) == std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1.0"});
  CHECK(scale.Unit(0.25) == Approx(0.25));
  const auto nice = AxisScale::NiceLinear(0.53, 0.97, 6);
  CHECK(nice.lower() == Approx(0.5));
  CHECK(nice.upper() == Approx(1.0));
  const auto single = AxisScale::NiceLinear(3, 3);
  CHECK(single.lower() < 3);
  CHECK(single.upper() > 3);
  CHECK(AxisScale::NiceLinear(std::nan(""), 1).lower() == 0);
}

TEST_CASE("Integer parameters get integer ticks only") {
  const auto scale = AxisScale::ForParameter(ParameterSpec::Integer("layers", 1, 3));
  for (const auto& label : Labels(scale.Ticks(8)))
    CHECK(label.find('.') == std::string::npos);
}

TEST_CASE("Log-scaled parameters get a log axis with a tick per decade") {
  const auto spec = ParameterSpec::Double("learning_rate", 1e-5, 1e-1, ScaleType::kLog);
  const auto scale = AxisScale::ForParameter(spec);
  CHECK(scale.kind() == AxisScale::Kind::kLog);
  const auto ticks = scale.Ticks(6);
  CHECK(Labels(ticks) == std::vector<std::string>{"1e-5", "0.0001", "0.001", "0.01", "0.1"});
  CHECK(ticks[2].unit == Approx(0.5));
  CHECK(scale.Unit(1e-3) == Approx(ToUnit(1e-3, 1e-5, 1e-1, ScaleType::kLog)));
  // Within one decade the ticks are still inside and increasing.
  CheckIncreasingInside(AxisScale::Log(2, 8).Ticks(6));
}

TEST_CASE("Reverse-log parameters get rounded ticks spread along the axis") {
  const auto spec = ParameterSpec::Double("momentum", 0.5, 0.999, ScaleType::kReverseLog);
  const auto scale = AxisScale::ForParameter(spec);
  CHECK(scale.kind() == AxisScale::Kind::kReverseLog);
  const auto ticks = scale.Ticks(6);
  CheckIncreasingInside(ticks);
  CHECK(ticks.front().label == "0.5");
  CHECK(ticks.back().label == "0.999");
  CHECK(scale.Unit(0.9) == Approx(ToUnit(0.9, 0.5, 0.999, ScaleType::kReverseLog)));
}

TEST_CASE("Categorical parameters get one band per category, in the spec's order") {
  const auto scale =
      AxisScale::ForParameter(ParameterSpec::Categorical("optimizer", {"adam", "sgd", "rmsprop"}));
  CHECK(scale.is_category());
  CHECK(Labels(scale.Ticks()) == std::vector<std::string>{"adam", "sgd", "rmsprop"});
  CHECK(scale.CategoryUnit(0) == Approx(1.0 / 6));
  CHECK(scale.CategoryUnit(2) == Approx(5.0 / 6));
  CHECK(scale.CategoryBand() == Approx(1.0 / 3));
}

TEST_CASE("Discrete parameters get a tick at each value") {
  const auto scale = AxisScale::ForParameter(ParameterSpec::Discrete("dropout", {0.1, 0.25, 0.5}));
  CHECK(Labels(scale.Ticks()) == std::vector<std::string>{"0.1", "0.25", "0.5"});
}

TEST_CASE("Axes refuse empty and non-positive log ranges") {
  CHECK_THROWS_AS(AxisScale::Linear(1, 1), InvalidArgument);
  CHECK_THROWS_AS(AxisScale::Log(0, 1), InvalidArgument);
  CHECK_THROWS_AS(AxisScale::ReverseLog(-1, 1), InvalidArgument);
}

TEST_CASE("RobustRange leaves far-out values out of the range") {
  std::vector<double> values;
  for (int i = 0; i < 40; ++i)
    values.push_back(0.5 + 0.01 * i);
  ValueRange plain = RobustRange(values);
  CHECK(plain.lower == Approx(0.5));
  CHECK(plain.upper == Approx(0.89));
  CHECK(plain.below + plain.above == 0);
  values.push_back(1e6);           // a diverged trial
  values.push_back(-50);           // and one the other way
  values.push_back(std::nan(""));  // ignored
  const ValueRange robust = RobustRange(values);
  CHECK(robust.upper == Approx(0.89));
  CHECK(robust.lower == Approx(0.5));
  CHECK(robust.above == 1);
  CHECK(robust.below == 1);
  CHECK(RobustRange({}).empty);
}

TEST_CASE("SelectDrawnTrials is deterministic, keeps the given trials, and nests") {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 1; id <= 5000; ++id)
    ids.push_back(id);
  CHECK(SelectDrawnTrials({3, 1, 2}, 10).ids == std::vector<std::int64_t>{1, 2, 3});
  const std::vector<std::int64_t> always = {4999, 17, 123456};  // 123456 is not eligible
  const DrawingSample small = SelectDrawnTrials(ids, 100, always);
  const DrawingSample large = SelectDrawnTrials(ids, 400, always);
  CHECK(small.ids.size() == 100);
  CHECK(small.total == 5000);
  CHECK(small.subsampled());
  CHECK(std::is_sorted(small.ids.begin(), small.ids.end()));
  const std::set<std::int64_t> in_large(large.ids.begin(), large.ids.end());
  for (std::int64_t id : small.ids)
    CHECK(in_large.count(id) == 1);  // a trial drawn in a small chart is drawn in a larger one
  CHECK(std::count(small.ids.begin(), small.ids.end(), 4999) == 1);
  CHECK(std::count(small.ids.begin(), small.ids.end(), 17) == 1);
  CHECK(SelectDrawnTrials(ids, 100, always).ids == small.ids);
  // Spread over the whole study, not the first trials.
  CHECK(small.ids.back() > 4000);
  CHECK(small.ids[50] > 1000);
}
