#pragma once

#include <vector>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Pareto optimality of points under one goal per objective: points[i][k] is point i's value of
// objective k, goals[k] whether higher or lower is better. Point a dominates point b when a is at
// least as good in every objective and better in at least one. So exact duplicates (and points
// equal in one objective, tied in the rest) do not dominate each other: both stay optimal. A
// point with a NaN, or with another number of values than goals, is dominated by every other
// point and dominates none: it is never optimal.
//
// The non-domination rank of each point: 0 for the points no point dominates (the Pareto front),
// 1 for the front of the rest, and so on; a point with a NaN or a missing value gets the rank
// after the last front.
std::vector<int> ParetoRanks(const std::vector<std::vector<double>>& points,
                             const std::vector<Goal>& goals);
// Whether each point is Pareto-optimal (rank 0, and free of NaN).
std::vector<bool> ParetoOptimal(const std::vector<std::vector<double>>& points,
                                const std::vector<Goal>& goals);
// Whether `a` dominates `b` (see above); false when either has a NaN or a missing value.
bool Dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<Goal>& goals);

// A trial's objective values, one per objective of the spec (Objectives): final_values for a
// multi-objective study, {final_value} for one objective; empty when it has none.
std::vector<double> ObjectiveValues(const Trial& trial, const StudySpec& spec);
// The goal of each objective of the spec.
std::vector<Goal> ObjectiveGoals(const StudySpec& spec);

// The Pareto-optimal trials among the SUCCEEDED ones trained to the end (those stopped early
// count only when no trial was trained to the end), ordered by the first objective, best first,
// then by id. For a study of one objective: the trials of the best value (several only on a tie).
std::vector<Trial> ParetoOptimalTrials(const std::vector<Trial>& trials, const StudySpec& spec);

}  // namespace bayestune
