#include "bayestune/store/trial_rung.h"

#include "bayestune/optimizer/asha_stopping_rule.h"

namespace bayestune {

std::string TrialRungText(const Trial& trial, const std::vector<Trial>& trials,
                          const StudySpec& spec) {
  const std::string reached = RungText(trial, spec);  // "": not ASHA (or no rung reached)
  if (reached.empty() || !trial.stopped_early) return reached;
  const AshaStoppingRule rule(spec.early_stopping);
  const StopDecision decision = rule.Decide(trial, trials, spec);
  // A trial stopped by a client (StopTrial), not at a rung: where it got to.
  if (!decision.stop) return reached;
  // It lost the first rung it was not let past.
  const int bracket = rule.BracketOf(trial.id);
  const std::vector<std::int64_t> steps = rule.RungSteps(bracket);
  const std::size_t rung = decision.promotions.size();
  if (rung >= steps.size()) return reached;
  std::string text = "rung " + std::to_string(rung) + " (step " + std::to_string(steps[rung]);
  if (spec.early_stopping.brackets > 1) text += ", bracket " + std::to_string(bracket);
  return text + ")";
}

}  // namespace bayestune
