#include "closest_match.h"

#include <algorithm>
#include <cctype>

namespace bayestune {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::size_t EditDistance(std::string_view a_in, std::string_view b_in) {
  const std::string a = Lower(a_in);
  const std::string b = Lower(b_in);
  // Optimal string alignment: a swap of two neighbouring letters ("gaol") is one edit.
  const std::size_t width = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * width);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * width + j]; };
  for (std::size_t i = 0; i <= a.size(); ++i)
    at(i, 0) = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    at(0, j) = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  const std::string lower_word = Lower(word);
  for (const auto& candidate : candidates) {
    const std::string lower_candidate = Lower(candidate);
    std::size_t distance = EditDistance(word, candidate);
    const std::size_t longest = std::max(word.size(), candidate.size());
    const bool contains = !lower_word.empty() && !lower_candidate.empty() &&
                          (lower_candidate.find(lower_word) != std::string::npos ||
                           lower_word.find(lower_candidate) != std::string::npos);
    if (distance * 3 > longest && !contains) continue;
    if (contains) distance = std::min(distance, longest / 3);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace bayestune
