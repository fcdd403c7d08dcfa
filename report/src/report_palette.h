#pragma once

#include <string>

#include "bayestune/optimizer/trial.h"

namespace bayestune::report_internal {

// The colours of the report. Trial states have one colour each, everywhere (history, learning
// curves, GPU timeline, legends): the CSS classes below, defined in the page's style sheet.
//   ok    SUCCEEDED           blue
//   stop  stopped early       orange (a SUCCEEDED trial that was stopped early)
//   fail  FAILED              red
//   inf   INFEASIBLE          brown-grey
//   run   ACTIVE or STOPPING  green
//   req   REQUESTED           light grey
inline constexpr const char* kSucceededColor = "#4e79a7";
inline constexpr const char* kStoppedColor = "#f28e2b";
inline constexpr const char* kFailedColor = "#e15759";
inline constexpr const char* kInfeasibleColor = "#8c7b6b";
inline constexpr const char* kRunningColor = "#59a14f";
inline constexpr const char* kRequestedColor = "#bab0ac";
inline constexpr const char* kBestColor = "#1d1d1f";

// The CSS class of a trial's state, as above.
const char* StateClass(const Trial& trial);
// What the state class means, for tooltips and legends: "succeeded", "stopped early", ...
const char* StateWord(const Trial& trial);

// Sequential ramps, t in [0, 1] (clamped), as "#rrggbb".
// Objective quality (parallel coordinates): light grey-blue (worse) to dark blue (better).
std::string QualityColor(double t);
// Trial order (slice plots): light lilac (first trials) to deep purple (last trials).
std::string OrderColor(double t);

}  // namespace bayestune::report_internal
