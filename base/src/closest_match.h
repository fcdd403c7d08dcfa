#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bayestune {

// Edit distance (insertions, deletions, substitutions, swaps of neighbours), case-insensitive.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate a user most probably meant by `word` (for "did you mean ...?"), or nullopt when no
// candidate is close: within a third of the longer length in edits, or one contains the other.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace bayestune
