#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// What early stopping saved, in the metric's steps (epochs or global steps): the report's and
// status's "GPU time saved" line.
struct StepBudget {
  // Steps run: each finished or running attempt's highest reported step of the objective, every
  // attempt counted (a rerun runs its steps again). Epochs run past a rung before the stop count;
  // steps past full_length do not (the comparison is with every trial run to full_length).
  // The sums are long double: a step is any int64 (a trainer may number steps by its clock in
  // nanoseconds), and a few such steps pass int64; long double holds every sum up to 2^64 exactly.
  long double spent = 0;
  // Steps not run: for each trial stopped early, full_length minus its highest step.
  long double saved = 0;
  // A trial trained to the end: ASHA's maxStep, else the highest step a trial not stopped early
  // reached (0 when none did: nothing to compare with).
  std::int64_t full_length = 0;
  int stopped = 0;  // trials stopped early, before full_length
};

StepBudget CountSteps(const std::vector<Trial>& trials, const StudySpec& spec);

// "GPU time saved: 1,234 of 5,000 steps (25%) not run by stopping 12 trials early, compared with
// running every trial to step 81"; empty when no trial was stopped early.
std::string DescribeStepsSaved(const StepBudget& budget);

}  // namespace bayestune
