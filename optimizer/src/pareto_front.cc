#include "bayestune/optimizer/pareto_front.h"

#include <algorithm>
#include <cmath>

namespace bayestune {
namespace {

bool Usable(const std::vector<double>& point, const std::vector<Goal>& goals) {
  if (point.size() != goals.size()) return false;
  return std::none_of(point.begin(), point.end(), [](double v) { return std::isnan(v); });
}

}  // namespace

bool Dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<Goal>& goals) {
  if (!Usable(a, goals) || !Usable(b, goals)) return false;
  bool better_somewhere = false;
  for (std::size_t k = 0; k < goals.size(); ++k) {
    if (IsBetterUnder(goals[k], b[k], a[k])) return false;
    if (IsBetterUnder(goals[k], a[k], b[k])) better_somewhere = true;
  }
  return better_somewhere;
}

std::vector<int> ParetoRanks(const std::vector<std::vector<double>>& points,
                             const std::vector<Goal>& goals) {
  // Deb's non-dominated sorting: for each point, how many points dominate it and which it
  // dominates; peel off the fronts one by one.
  const std::size_t n = points.size();
  std::vector<int> rank(n, -1);
  std::vector<int> dominated_by(n, 0);
  std::vector<std::vector<std::size_t>> dominates(n);
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < n; ++i) {
    if (!Usable(points[i], goals)) continue;
    for (std::size_t j = i + 1; j < n; ++j) {
      if (!Usable(points[j], goals)) continue;
      if (Dominates(points[i], points[j], goals)) {
        dominates[i].push_back(j);
        ++dominated_by[j];
      } else if (Dominates(points[j], points[i], goals)) {
        dominates[j].push_back(i);
        ++dominated_by[i];
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (Usable(points[i], goals) && dominated_by[i] == 0) front.push_back(i);
  }
  int level = 0;
  while (!front.empty()) {
    std::vector<std::size_t> next;
    for (std::size_t i : front) {
      rank[i] = level;
      for (std::size_t j : dominates[i]) {
        if (--dominated_by[j] == 0) next.push_back(j);
      }
    }
    front = std::move(next);
    ++level;
  }
  for (int& r : rank) {
    if (r < 0) r = level;
  }
  return rank;
}

std::vector<bool> ParetoOptimal(const std::vector<std::vector<double>>& points,
                                const std::vector<Goal>& goals) {
  std::vector<bool> optimal(points.size(), false);
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!Usable(points[i], goals)) continue;
    optimal[i] = std::none_of(points.begin(), points.end(), [&](const std::vector<double>& other) {
      return Dominates(other, points[i], goals);
    });
  }
  return optimal;
}

std::vector<double> ObjectiveValues(const Trial& trial, const StudySpec& spec) {
  if (IsMultiObjective(spec)) return trial.final_values;
  if (trial.final_value) return {*trial.final_value};
  return {};
}

std::vector<Goal> ObjectiveGoals(const StudySpec& spec) {
  std::vector<Goal> goals;
  for (const MetricSpec& m : Objectives(spec))
    goals.push_back(m.goal);
  return goals;
}

std::vector<Trial> ParetoOptimalTrials(const std::vector<Trial>& trials, const StudySpec& spec) {
  const std::vector<Goal> goals = ObjectiveGoals(spec);
  std::vector<Trial> candidates;
  for (bool stopped : {false, true}) {
    for (const Trial& t : trials) {
      if (t.state == TrialState::kSucceeded && t.stopped_early == stopped &&
          ObjectiveValues(t, spec).size() == goals.size()) {
        candidates.push_back(t);
      }
    }
    if (!candidates.empty()) break;
  }
  std::vector<std::vector<double>> points;
  for (const Trial& t : candidates)
    points.push_back(ObjectiveValues(t, spec));
  const std::vector<bool> optimal = ParetoOptimal(points, goals);
  std::vector<Trial> front;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (optimal[i]) front.push_back(std::move(candidates[i]));
  }
  std::sort(front.begin(), front.end(), [&](const Trial& a, const Trial& b) {
    const double va = ObjectiveValues(a, spec)[0];
    const double vb = ObjectiveValues(b, spec)[0];
    if (va != vb) return IsBetterUnder(goals[0], va, vb);
    return a.id < b.id;
  });
  return front;
}

}  // namespace bayestune
