#pragma once

#include <cstdint>

#include "bayestune/optimizer/basin_escape_options.h"

namespace bayestune {

// Whether the study's trial `trial_index` (from 0) is one of BasinEscapeOptions' escape trials:
// in the last options.share of max_trials, every options.every-th from the phase's first trial,
// and the options change something (a keep-out radius or a UCB beta). False when max_trials is 0.
bool IsBasinEscapeTrial(const BasinEscapeOptions& options, std::uint64_t trial_index,
                        int max_trials);

}  // namespace bayestune
