#include "axis_scale.h"

#include <algorithm>
#include <cmath>

#include "bayestune/optimizer/errors.h"
#include "number_format.h"
#include "scale_transform.h"

namespace bayestune {

namespace {

void CheckRange(double lower, double upper, bool positive) {
  if (!(std::isfinite(lower) && std::isfinite(upper) && lower < upper)) {
    throw InvalidArgument("an axis needs finite bounds with lower < upper, got [" +
                          FormatSignificant(lower) + ", " + FormatSignificant(upper) + "]");
  }
  if (positive && lower <= 0) {
    throw InvalidArgument("a log axis needs a lower bound > 0, got " + FormatSignificant(lower));
  }
}

}  // namespace

double NiceStep(double raw_step) {
  if (!(raw_step > 0) || !std::isfinite(raw_step)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  const double normalized = raw_step / magnitude;
  const double nice = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10;
  return nice * magnitude;
}

AxisScale AxisScale::Linear(double lower, double upper, bool integer_ticks) {
  CheckRange(lower, upper, false);
  AxisScale scale(Kind::kLinear, lower, upper);
  scale.integer_ticks_ = integer_ticks;
  return scale;
}

AxisScale AxisScale::Log(double lower, double upper) {
  CheckRange(lower, upper, true);
  return AxisScale(Kind::kLog, lower, upper);
}

AxisScale AxisScale::ReverseLog(double lower, double upper) {
  CheckRange(lower, upper, true);
  return AxisScale(Kind::kReverseLog, lower, upper);
}

AxisScale AxisScale::Category(std::vector<std::string> categories) {
  AxisScale scale(Kind::kCategory, 0, 1);
  scale.categories_ = std::move(categories);
  return scale;
}

AxisScale AxisScale::ForParameter(const ParameterSpec& spec) {
  if (spec.type == ParameterType::kCategorical) return Category(spec.categorical_values);
  double lower = spec.Lower();
  double upper = spec.Upper();
  if (!(lower < upper)) {  // a DISCRETE parameter of one value
    const double pad = lower == 0 ? 1 : std::abs(lower) * 0.1;
    if (spec.scale == ScaleType::kLog || spec.scale == ScaleType::kReverseLog) {
      upper = lower + pad;
    } else {
      lower -= pad;
      upper += pad;
    }
  }
  AxisScale scale = spec.scale == ScaleType::kLog          ? Log(lower, upper)
                    : spec.scale == ScaleType::kReverseLog ? ReverseLog(lower, upper)
                                                           : Linear(lower, upper);
  scale.integer_ticks_ = spec.type == ParameterType::kInteger;
  if (spec.type == ParameterType::kDiscrete && spec.discrete_values.size() <= 10) {
    scale.tick_values_ = spec.discrete_values;
  }
  return scale;
}

AxisScale AxisScale::NiceLinear(double lower, double upper, int target_ticks) {
  if (!std::isfinite(lower) || !std::isfinite(upper) || lower > upper) return Linear(0, 1);
  if (lower == upper) {
    const double pad = lower == 0 ? 1 : std::abs(lower) * 0.1;
    lower -= pad;
    upper += pad;
  }
  const double step = NiceStep((upper - lower) / std::max(1, target_ticks - 1));
  const double nice_lower = std::floor(lower / step + 1e-9) * step;
  const double nice_upper = std::ceil(upper / step - 1e-9) * step;
  return Linear(nice_lower, nice_upper > nice_lower ? nice_upper : nice_lower + step);
}

double AxisScale::Unit(double value) const {
  switch (kind_) {
    case Kind::kLinear:
      // In halves, so that a range wider than the largest double still maps.
      return (0.5 * value - 0.5 * lower_) / (0.5 * upper_ - 0.5 * lower_);
    case Kind::kLog:
      return ToUnit(value, lower_, upper_, ScaleType::kLog);
    case Kind::kReverseLog:
      return ToUnit(value, lower_, upper_, ScaleType::kReverseLog);
    case Kind::kCategory:
      break;
  }
  return 0.5;
}

double AxisScale::CategoryUnit(std::size_t index) const {
  if (categories_.empty()) return 0.5;
  return (static_cast<double>(index) + 0.5) / static_cast<double>(categories_.size());
}

double AxisScale::CategoryBand() const {
  return categories_.empty() ? 1.0 : 1.0 / static_cast<double>(categories_.size());
}

std::vector<AxisTick> AxisScale::Ticks(int target_count) const {
  target_count = std::max(2, target_count);
  if (kind_ == Kind::kCategory) {
    std::vector<AxisTick> ticks;
    const std::size_t stride =
        std::max<std::size_t>(1, (categories_.size() + 2 * target_count - 1) / (2 * target_count));
    for (std::size_t i = 0; i < categories_.size(); i += stride) {
      ticks.push_back({CategoryUnit(i), categories_[i]});
    }
    return ticks;
  }
  if (!tick_values_.empty()) {
    std::vector<AxisTick> ticks;
    for (double v : tick_values_)
      ticks.push_back({Unit(v), FormatSignificant(v, 4)});
    return ticks;
  }
  switch (kind_) {
    case Kind::kLinear:
      return LinearTicks(target_count);
    case Kind::kLog:
      return LogTicks(target_count);
    default:
      return RoundedEvenTicks(target_count);
  }
}

std::vector<AxisTick> AxisScale::LinearTicks(int target_count) const {
  double step = NiceStep((upper_ - lower_) / (target_count - 1));
  if (integer_ticks_) step = std::max(1.0, std::round(step));
  std::vector<AxisTick> ticks;
  // A range too wide for its step to be a number (near the limits of double): just its ends.
  if (!std::isfinite(upper_ - lower_) || (upper_ - lower_) / step > 4.0 * target_count) {
    return {{0.0, FormatSignificant(lower_, 3)}, {1.0, FormatSignificant(upper_, 3)}};
  }
  const double first = std::ceil(lower_ / step - 1e-9);
  for (int i = 0;; ++i) {
    double value = (first + i) * step;
    if (value > upper_ + step * 1e-9) break;
    if (std::abs(value) < step * 1e-9) value = 0;
    ticks.push_back({Unit(value), FormatTick(value, step)});
  }
  return ticks;
}

std::vector<AxisTick> AxisScale::LogTicks(int target_count) const {
  const double a = std::log10(lower_);
  const double b = std::log10(upper_);
  const auto in_range = [&](double v) {
    return v >= lower_ * (1 - 1e-9) && v <= upper_ * (1 + 1e-9);
  };
  std::vector<double> values;
  const int first_decade = static_cast<int>(std::floor(a));
  const int last_decade = static_cast<int>(std::floor(b));
  const int decades =
      static_cast<int>(std::ceil(b - 1e-9)) - static_cast<int>(std::floor(a + 1e-9));
  const int stride = std::max(1, (decades + target_count - 1) / target_count);
  for (int k = first_decade; k <= last_decade; ++k) {
    const double v = std::pow(10.0, k);
    if (in_range(v) && (k % stride == 0)) values.push_back(v);
  }
  if (values.size() < 3) {  // few decades: add 2 and 5 times each
    std::vector<double> finer;
    for (int k = first_decade; k <= last_decade; ++k) {
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, k);
        if (in_range(v)) finer.push_back(v);
      }
    }
    if (finer.size() <= static_cast<std::size_t>(target_count) + 2) values = finer;
  }
  if (values.size() < 2) return RoundedEvenTicks(target_count);
  std::vector<AxisTick> ticks;
  for (double v : values)
    ticks.push_back({Unit(v), FormatSignificant(v, 3)});
  return ticks;
}

// Evenly spaced along the axis, each value rounded to the roundest number that stays close to its
// place: for scales (reverse log, a log range within one decade) where round steps of the value do
// not fall evenly.
std::vector<AxisTick> AxisScale::RoundedEvenTicks(int target_count) const {
  const ScaleType scale = kind_ == Kind::kLog          ? ScaleType::kLog
                          : kind_ == Kind::kReverseLog ? ScaleType::kReverseLog
                                                       : ScaleType::kLinear;
  std::vector<AxisTick> ticks;
  const int count = std::max(2, target_count - 1);
  // How far a rounded tick may move from where an even spacing put it.
  const double tolerance = 0.4 / (count - 1);
  const int top_power = static_cast<int>(std::floor(std::log10(upper_ - lower_))) + 1;
  double previous = -1e9;
  for (int i = 0; i < count; ++i) {
    const double target = static_cast<double>(i) / (count - 1);
    const double exact = FromUnit(target, lower_, upper_, scale);
    double chosen = exact;
    bool found = false;
    for (int power = top_power; power > top_power - 12 && !found; --power) {
      for (double m : {5.0, 2.0, 1.0}) {
        const double step = m * std::pow(10.0, power);
        const double rounded = std::round(exact / step) * step;
        if (rounded < lower_ || rounded > upper_) continue;
        if (std::abs(Unit(rounded) - target) <= tolerance) {
          chosen = rounded;
          found = true;
          break;
        }
      }
    }
    const double unit = Unit(chosen);
    if (unit - previous < 0.5 / (count - 1)) continue;  // too close to the one before
    previous = unit;
    ticks.push_back({unit, FormatSignificant(chosen, 4)});
  }
  return ticks;
}

}  // namespace bayestune
