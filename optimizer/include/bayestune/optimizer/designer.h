#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// What a designer sees when asked for new points.
struct DesignerInput {
  const SearchSpace& space;
  const StudySpec& spec;
  // Every trial of the study: finished ones (SUCCEEDED with final_value; FAILED and INFEASIBLE
  // without a usable one) and pending ones (REQUESTED, ACTIVE, STOPPING) that a good designer takes
  // into account so that it does not propose the same point twice.
  const std::vector<Trial>& trials;
  int count = 1;
  // Derived from the study's seed and its trial count: the same study history gives the same
  // suggestions.
  std::uint64_t seed = 0;
};

// Proposes new points. What a designer suggests depends on its input alone, so that several
// processes can share one study; it may keep between calls what it would otherwise compute again
// (the GP bandit keeps its fit and Cholesky factor), never anything that changes the answer.
class Designer {
 public:
  virtual ~Designer() = default;
  // Returns at most input.count feasible points, different from each other and from the study's
  // trials where the space allows it. Fewer than asked only when the designer has no more to give
  // (an exhausted grid).
  virtual std::vector<ParameterValues> Suggest(const DesignerInput& input) = 0;

  // How many distinct points this designer can ever propose in `space` (a grid's size), or nullopt
  // when there is no limit. A study with more trials than this ends when the points run out.
  virtual std::optional<std::size_t> Capacity(const SearchSpace& space) const {
    (void)space;
    return std::nullopt;
  }

  // True for a designer whose Suggest costs microseconds a trial (no model to fit: random and
  // grid search): Study::Suggest then runs it inside its transaction, on the one read of the
  // trials it needs anyway, rather than on a snapshot read outside it and checked against a
  // second read inside (which spares a model's fit the write lock, and costs a cheap designer a
  // second read of every trial).
  virtual bool SuggestsQuickly() const { return false; }

  // False for a designer whose points in `space` do not depend on the study's trials beyond how
  // many there are (DesignerInput::seed): random search in a space with a DOUBLE that has no
  // condition, which cannot repeat a point. Study::Suggest of such a quick designer reads no trial
  // but those it hands out: it plans on the store's counts (StudyRepository::TallyTrials), and
  // DesignerInput::trials is then empty.
  virtual bool UsesTrials(const SearchSpace& space) const {
    (void)space;
    return true;
  }

  // True for a designer that looks at the trials only for their parameters, to avoid repeating a
  // point (random search in a finite space). Study::Suggest of such a quick designer plans on the
  // store's counts as above and gives it trials that hold only their parameters
  // (StudyRepository::ListTrialParameters), not every trial with its measurements; the points are
  // the same.
  virtual bool UsesOnlyTrialParameters() const { return false; }
};

// The designer for spec.algorithm: ALGORITHM_UNSPECIFIED -> GP bandit, RANDOM_SEARCH, GRID_SEARCH.
std::unique_ptr<Designer> MakeDesigner(const StudySpec& spec);

}  // namespace bayestune
