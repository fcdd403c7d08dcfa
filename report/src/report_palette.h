#pragma once

#include <string>

#include "bayestune/optimizer/trial.h"

namespace bayestune::report_internal {

// The colours of the report. Trial states have one colour each, everywhere (history, learning
// curves, GPU timeline, legends): the CSS classes below, whose colours the page's style sheet
// (page_assets.cc) defines once.
//   ok    SUCCEEDED           blue        #4e79a7
//   stop  stopped early       orange      #f28e2b (a SUCCEEDED trial that was stopped early)
//   fail  FAILED              red         #e15759
//   inf   INFEASIBLE          brown-grey  #8c7b6b
//   run   ACTIVE or STOPPING  green       #59a14f
//   req   REQUESTED           light grey  #bab0ac
// The best so far and the best trial are near-black, #1d1d1f.

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
