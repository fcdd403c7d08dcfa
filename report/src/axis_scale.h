#pragma once

#include <string>
#include <vector>

#include "bayestune/optimizer/parameter.h"

namespace bayestune {

// A tick of an axis: where it sits (0 at the axis' start, 1 at its end) and its label.
struct AxisTick {
  double unit = 0;
  std::string label;  // plain text; escape it for HTML
};

// How a chart axis maps values to its length, and where its ticks go. Numeric parameters use the
// same transform as the optimizer (scale_transform.h): a parameter with UNIT_LOG_SCALE gets a log
// axis, UNIT_REVERSE_LOG_SCALE a reverse-log one; categorical ones an axis of evenly spaced
// categories in the spec's order.
class AxisScale {
 public:
  enum class Kind { kLinear, kLog, kReverseLog, kCategory };

  // Throws InvalidArgument unless lower < upper (and lower > 0 for the log kinds).
  static AxisScale Linear(double lower, double upper, bool integer_ticks = false);
  static AxisScale Log(double lower, double upper);
  static AxisScale ReverseLog(double lower, double upper);
  static AxisScale Category(std::vector<std::string> categories);
  // A parameter's axis over its whole feasible range, on its own scale. DISCRETE parameters with
  // few values get a tick at each.
  static AxisScale ForParameter(const ParameterSpec& spec);
  // A linear axis over [lower, upper] widened to round bounds with ~`target_ticks` ticks. An empty
  // or single-value range is widened around its value; non-finite bounds give [0, 1].
  static AxisScale NiceLinear(double lower, double upper, int target_ticks = 6);

  Kind kind() const { return kind_; }
  bool is_category() const { return kind_ == Kind::kCategory; }
  double lower() const { return lower_; }
  double upper() const { return upper_; }
  const std::vector<std::string>& categories() const { return categories_; }

  // Where a numeric value sits: 0 at lower, 1 at upper; values outside map outside [0, 1] (the log
  // kinds clamp them to the range first).
  double Unit(double value) const;
  // Where the category with this index sits: the middle of its band, (index + 0.5) / count.
  double CategoryUnit(std::size_t index) const;
  // The width of one category's band, 1 / count.
  double CategoryBand() const;

  // About `target_count` ticks (fewer when the range allows no more round values).
  std::vector<AxisTick> Ticks(int target_count = 6) const;

 private:
  AxisScale(Kind kind, double lower, double upper) : kind_(kind), lower_(lower), upper_(upper) {}
  std::vector<AxisTick> LinearTicks(int target_count) const;
  std::vector<AxisTick> LogTicks(int target_count) const;
  std::vector<AxisTick> RoundedEvenTicks(int target_count) const;

  Kind kind_;
  double lower_;
  double upper_;
  bool integer_ticks_ = false;
  std::vector<std::string> categories_;
  std::vector<double> tick_values_;  // DISCRETE values to tick, when given
};

// A round step of about `raw_step`: 1, 2 or 5 times a power of ten.
double NiceStep(double raw_step);

}  // namespace bayestune
