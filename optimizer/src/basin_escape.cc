#include "basin_escape.h"

#include <algorithm>
#include <cmath>

namespace bayestune {

bool IsBasinEscapeTrial(const BasinEscapeOptions& options, std::uint64_t trial_index,
                        int max_trials) {
  if (options.keep_out_radius <= 0.0 && options.ucb_beta < 0.0) return false;
  if (options.share <= 0.0 || options.every <= 0 || max_trials <= 0) return false;
  const double first = std::ceil((1.0 - std::min(options.share, 1.0)) * max_trials - 1e-9);
  const double index = static_cast<double>(trial_index);
  if (index < first) return false;
  return static_cast<std::int64_t>(index - first) % options.every == options.every - 1;
}

}  // namespace bayestune
