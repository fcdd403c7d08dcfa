#include "step_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace bayestune {

StepBudget CountSteps(const std::vector<Trial>& trials, const StudySpec& spec) {
  StepBudget budget;
  const bool asha =
      spec.enable_early_stopping && spec.early_stopping.rule == EarlyStoppingRule::kAsha;
  if (asha) budget.full_length = spec.early_stopping.max_step;
  // Each trial's highest step of the objective per attempt, and of its current attempt.
  std::vector<std::map<int, std::int64_t>> lasts;
  std::vector<std::pair<const Trial*, std::int64_t>> stopped;  // trial, its highest step
  for (const Trial& t : trials) {
    std::map<int, std::int64_t>& last_by_attempt = lasts.emplace_back();
    for (const Measurement& m : t.measurements) {
      if (m.metric != spec.metric_tag || !std::isfinite(m.value)) continue;
      const int attempt = m.attempt == 0 ? t.attempt : m.attempt;
      auto [it, added] = last_by_attempt.emplace(attempt, m.step);
      if (!added) it->second = std::max(it->second, m.step);
    }
    const auto current = last_by_attempt.find(t.attempt);
    const std::int64_t last = current == last_by_attempt.end() ? 0 : current->second;
    if (t.stopped_early && t.IsFinished()) {
      stopped.emplace_back(&t, last);
    } else if (t.state == TrialState::kSucceeded && !asha) {
      budget.full_length = std::max(budget.full_length, last);
    }
  }
  // Compared with every trial run to full_length: the steps an attempt reported past it (a
  // trainer that goes on past ASHA's maxStep) are not counted, so that "N of M steps" is of what
  // running every trial to that step would take.
  for (const auto& last_by_attempt : lasts) {
    for (const auto& [attempt, last] : last_by_attempt) {
      budget.spent += static_cast<long double>(
          budget.full_length > 0 ? std::min(last, budget.full_length) : last);
    }
  }
  // A trial stopped at or past full_length saved nothing: it is not among those stopped early.
  for (const auto& [trial, last] : stopped) {
    if (last >= budget.full_length) continue;
    budget.saved += static_cast<long double>(budget.full_length - last);
    ++budget.stopped;
  }
  return budget;
}

namespace {

// A whole number of steps, all its digits (a sum of int64 steps may pass int64).
std::string StepCount(long double steps) {
  char text[64];
  std::snprintf(text, sizeof text, "%.0Lf", steps);
  return text;
}

}  // namespace

std::string DescribeStepsSaved(const StepBudget& budget) {
  if (budget.stopped == 0 || budget.full_length == 0) return "";
  const long double all = budget.spent + budget.saved;
  const long long percent = all == 0 ? 0 : std::llround(100.0L * budget.saved / all);
  return "GPU time saved: " + StepCount(budget.saved) + " of " + StepCount(all) + " steps (" +
         std::to_string(percent) + "%) not run by stopping " + std::to_string(budget.stopped) +
         " trial" + (budget.stopped == 1 ? "" : "s") +
         " early, compared with running every trial to step " + std::to_string(budget.full_length);
}

}  // namespace bayestune
