#include "drawing_sample.h"

#include <algorithm>
#include <unordered_set>

#include "split_mix.h"

namespace bayestune {

std::uint64_t DrawingPriority(std::int64_t trial_id) {
  return SplitMix64(static_cast<std::uint64_t>(trial_id));
}

DrawingSample SelectDrawnTrials(const std::vector<std::int64_t>& eligible, std::size_t limit,
                                const std::vector<std::int64_t>& always) {
  DrawingSample sample;
  sample.total = eligible.size();
  if (eligible.size() <= limit) {
    sample.ids = eligible;
  } else {
    const std::unordered_set<std::int64_t> is_eligible(eligible.begin(), eligible.end());
    std::unordered_set<std::int64_t> chosen;
    for (std::int64_t id : always) {
      if (chosen.size() == limit) break;
      if (is_eligible.count(id) != 0 && chosen.insert(id).second) sample.ids.push_back(id);
    }
    std::vector<std::int64_t> rest;
    for (std::int64_t id : eligible) {
      if (chosen.count(id) == 0) rest.push_back(id);
    }
    const std::size_t wanted = std::min(limit - sample.ids.size(), rest.size());
    const auto by_priority = [](std::int64_t a, std::int64_t b) {
      const auto pa = DrawingPriority(a);
      const auto pb = DrawingPriority(b);
      return pa != pb ? pa < pb : a < b;
    };
    std::partial_sort(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(wanted), rest.end(),
                      by_priority);
    sample.ids.insert(sample.ids.end(), rest.begin(),
                      rest.begin() + static_cast<std::ptrdiff_t>(wanted));
  }
  std::sort(sample.ids.begin(), sample.ids.end());
  return sample;
}

}  // namespace bayestune
