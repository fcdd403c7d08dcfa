#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bayestune {

// Which trials a chart draws when there are too many to draw them all readably.
//
// The choice is deterministic and consistent across charts: every trial gets a fixed priority, a
// hash of its id (SplitMix64), so that a trial drawn in one chart is drawn in every other chart
// that draws as many trials of the same kind. `always` (the best trials, the improvements of the
// best so far) come first, whatever their hash.
struct DrawingSample {
  std::vector<std::int64_t> ids;  // the trials to draw, in increasing id order
  std::size_t total = 0;          // how many were eligible
  bool subsampled() const { return ids.size() < total; }
};

// At most `limit` of `eligible` (trial ids, any order, no repeats): all of them when there are no
// more than `limit`; else those of `always` that are eligible (up to `limit`), then the others of
// lowest priority hash.
DrawingSample SelectDrawnTrials(const std::vector<std::int64_t>& eligible, std::size_t limit,
                                const std::vector<std::int64_t>& always = {});

// The priority hash of a trial id (SplitMix64's finaliser): lower is drawn first.
std::uint64_t DrawingPriority(std::int64_t trial_id);

}  // namespace bayestune
