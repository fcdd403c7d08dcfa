#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "gaussian_process.h"

namespace bayestune {

// A value ASHA's models learn from one trial trained to the end: its final value (ModelPromoter)
// or its gain after a rung (RungGainModel), at its point in the model's unit cube.
struct LearntTrial {
  double last_report = 0;  // when it last reported: orders them, the first to finish first
  std::int64_t id = 0;
  Eigen::VectorXd point;
  double value = 0;
};

// A GP of standardised values, and what it predicts in the values' own units.
struct StandardisedGp {
  std::shared_ptr<const GaussianProcess> gp;  // null when every value is the same
  double mean = 0;
  double spread = 1;
  double best = 0;  // the highest value learnt
  // The posterior mean at each column of `points`, in the values' units (`mean` without a GP).
  Eigen::VectorXd Predict(const Eigen::MatrixXd& points) const;
};

// The GPs of ASHA's models of the trials trained to the end (ModelPromoter, RungGainModel), fast
// in a study of hundreds of them: at most 500 trials (the best quarter of the values and a random
// rest), and hyperparameters fitted afresh up to 20 trials, then only at 25% growth
// (GpBanditDesigner::RefitPoint), on the first trials to finish; in between a GP of all of them
// with the last refit point's hyperparameters. Stateless in its answers (the same trials give the
// same GP in every process, seeded by their ids): fits and GPs are memoised by the data they
// learnt from and a `salt` naming the use, so that every rule of a process may share one
// (Shared()).
class FinishedTrialsGp {
 public:
  static std::shared_ptr<const FinishedTrialsGp> Shared();

  // `learnt` in any order (they are ordered by last report, then id); at least one.
  StandardisedGp Fit(std::vector<LearntTrial> learnt, std::int64_t salt) const;

 private:
  using Key = std::vector<double>;  // the salt, then each trial's id, value and point
  mutable std::mutex mutex_;
  mutable std::map<Key, GpHyperparameters> fits_;
  mutable std::map<Key, StandardisedGp> gps_;
};

}  // namespace bayestune
