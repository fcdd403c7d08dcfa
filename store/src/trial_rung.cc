#include "bayestune/store/trial_rung.h"

#include "bayestune/optimizer/asha_stopping_rule.h"

namespace bayestune {

std::string TrialRungText(const Trial& trial, const std::vector<Trial>& trials,
                          const StudySpec& spec) {
  const std::string reached = RungText(trial, spec);  // "": not ASHA (or no rung reached)
  if (reached.empty() || !trial.stopped_early) return reached;
  // Recorded with the stop (Study::ShouldStop): what the runner's line named. Stops stored before
  // schema version 9, or made without the rule's decision, are decided again below.
  if (!trial.stop_rung.empty()) return trial.stop_rung;
  // Stopped at or after the first rung and short of the second: stopped at the first, with no
  // need to decide again (most of a study's stops; each decision may fit a GP).
  if (AshaStoppingRule(spec.early_stopping).RungOf(trial, spec).rung == 0) return reached;
  // By rank first: the model (AshaPromotionFor) and the rank agreement (AshaRankAgreementFor) only
  // ever let a trial go on, so they matter only for a trial that reached the next rung's step, and
  // their work is skipped for the others.
  // Ranked by predicted finals (AshaRankingFor), the study's own rule decides throughout (its
  // models' fits are shared by every rule of the process: FinishedTrialsGp::Shared).
  const AshaStoppingRule by_rank(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRankingFor(spec));
  StopDecision decision = by_rank.Decide(trial, trials, spec);
  // A trial stopped by a client (StopTrial), not at a rung: where it got to.
  if (!decision.stop) return reached;
  const int bracket = by_rank.BracketOf(trial.id);
  const std::vector<std::int64_t> steps = by_rank.RungSteps(bracket);
  const std::size_t lost = decision.promotions.size();
  if ((AshaPromotionFor(spec) == AshaPromotion::kRankOrModel || AshaRankAgreementFor(spec)) &&
      lost + 1 < steps.size() && by_rank.RungOf(trial, spec).last_step >= steps[lost + 1]) {
    decision = AshaStoppingRule(spec.early_stopping, AshaPromotionFor(spec), AshaRankingFor(spec),
                                AshaRankAgreementFor(spec))
                   .Decide(trial, trials, spec);
    if (!decision.stop) return reached;
  }
  // It lost the first rung it was not let past.
  const std::size_t rung = decision.promotions.size();
  if (rung >= steps.size()) return reached;
  std::string text = "rung " + std::to_string(rung) + " (step " + std::to_string(steps[rung]);
  if (spec.early_stopping.brackets > 1) text += ", bracket " + std::to_string(bracket);
  return text + ")";
}

}  // namespace bayestune
