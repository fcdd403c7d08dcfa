#pragma once

#include <optional>

#include "axis_scale.h"
#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::report_internal {

// Where a trial's value of `parameter` sits on the parameter's axis (AxisScale::ForParameter of
// it), from 0 to 1: the value's place on its scale, or the middle of its category's band. nullopt
// when the trial lacks the parameter or holds a value of the wrong kind or an unknown category.
std::optional<double> ParameterPosition(const ParameterSpec& parameter, const AxisScale& scale,
                                        const Trial& trial);

}  // namespace bayestune::report_internal
