#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/stopping_rule.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// The value a trial had at a step: what ASHA judges it by at a rung, and what the GP model learns
// from a stopped trial (ValueAtStep).
struct StepValue {
  double value = 0;
  std::int64_t step = 0;  // the step reported that reached the asked step (>= it)
  double wall_time = 0;   // when that measurement was made: when the trial reached the step
};

// The value of `measurements` (one metric, one attempt) at `step`: judged at the first reported
// step at or after `step` (the one that reached it), so that a trial read late is still judged at
// the step asked, not at its latest; under BEST measurement selection the best value up to that
// report. Non-finite values never count. nullopt when no report reached `step`.
std::optional<StepValue> ValueAtStep(const std::vector<Measurement>& measurements,
                                     std::int64_t step, const StudySpec& spec);

// Where a trial stands in ASHA's rungs: the highest rung its current attempt reached.
struct TrialRung {
  int bracket = 0;
  int rung = -1;               // 0, 1, ...; -1: below the first rung
  std::int64_t step = 0;       // that rung's step (0 below the first)
  std::int64_t last_step = 0;  // the highest step reported
};

// Whether ASHA may let a trial go on that its rung would stop, because the model expects it to
// finish best (ModelPromoter, optimizer/src/model_promotion.h). MakeStoppingRule gives
// kRankOrModel to a study of one objective whose designer is the GP (ALGORITHM_UNSPECIFIED),
// kRankOnly to random and grid search (which have no model) and to several objectives.
enum class AshaPromotion { kRankOnly, kRankOrModel };

// The promotion MakeStoppingRule gives a study's ASHA rule; whoever decides again from the stored
// trials (the rung a stopped trial is shown at) must use the same.
AshaPromotion AshaPromotionFor(const StudySpec& spec);

// What ASHA ranks the trials at a rung by: their values at the rung's step (kValueAtRung, the
// paper's rule), or those plus the gain a GP of the trials trained to the end predicts at their
// parameters from the rung's step to the end (kPredictedFinal, RungGainModel in
// optimizer/src/rung_gain_model.h; the value alone while fewer than max(3, parameters + 1) trials
// were trained to the end before the judged one reached the rung).
// MakeStoppingRule gives kPredictedFinal to a study of Hyperband brackets (brackets > 1) that
// AshaPromotionFor gives kRankOrModel (the GP, one objective), kValueAtRung to every other:
// measured, docs/optimizer.md "Multi-fidelity figures", the round of predicted finals.
enum class AshaRanking { kValueAtRung, kPredictedFinal };

// The ranking MakeStoppingRule gives a study's ASHA rule (as AshaPromotionFor).
AshaRanking AshaRankingFor(const StudySpec& spec);

// The rank agreement below which MakeStoppingRule's ASHA rule spares the trials a rung would stop
// (AshaStoppingRule's min_rank_agreement): 0.5 for one bracket with the GP's model-based promotion
// (AshaPromotionFor gives kRankOrModel), nullopt (no guard) for every other, as measured:
// docs/optimizer.md, "Multi-fidelity figures", the round of early ranks that mislead.
std::optional<double> AshaRankAgreementFor(const StudySpec& spec);

class ModelPromoter;
class RungGainModel;

// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
// Tuning", MLSys 2020) in its stopping form, for trials that cannot be paused: bracket b has rungs
// at minStep * reductionFactor^(b + k) below maxStep. A trial that reaches a rung goes on only
// while it is in the top 1/reductionFactor of the trials of its bracket that reached that rung
// before it, itself included: with n such trials it must rank among the best max(1, floor(n /
// reductionFactor)). So the first trial at a rung always goes on, the second only when it beats
// the first (with reductionFactor >= 2), and no trial waits for a rung to fill. With several
// brackets, the first reductionFactor - 1 trials of a bracket at a rung all go on (measured:
// Hyperband reaches good fully trained values sooner so; one bracket: not so). Ties go to the
// lower trial id (RanksBefore).
//
// Stateless like every rule: "before it" is decided by the wall time of the measurement that
// reached the rung, so the same stored trials give the same decisions after a crash and in any
// process. A rival's value at a rung comes from its current attempt, or else from its latest
// earlier attempt that reached the rung (a requeued trial's evidence still counts); the judged
// trial's own earlier attempts never count. Trials are spread over brackets by id: bracket
// (id - 1) mod brackets.
//
// With AshaPromotion::kRankOrModel, a trial that ranks out at a rung still goes on when a GP of the
// final values of the trials trained to the end before it reached the rung predicts, at its
// parameters, at least the best of them (model-based promotion; at least max(3, parameters + 1)
// such trials needed). Slow starters that the model expects to finish best are then trained to
// the end instead of being judged by their early values; docs/optimizer.md has the figures.
//
// With `min_rank_agreement` R, a rung stops no trial while its ranks have not foretold the final
// ones: when the trials trained to the end before the judged trial reached the rung (at least
// kMinTrainedForAgreement of them) rank at the rung's step against their final values with
// Spearman's correlation below R, a trial the rung would stop goes on (the reason says so). Where
// early values mislead (slow starters that finish best), ASHA then trains trials to the end as a
// study without stopping would, instead of stopping the best ones.
//
// With `spare_repeats` (an option, off in MakeStoppingRule's rules: measured, docs/optimizer.md
// "Multi-fidelity figures", the round of repeated proposals), a trial a rung would stop goes on
// when the designer proposed it again near a trial stopped early at this rung's step or an
// earlier one (with brackets, at a rung of its own bracket, compared by step): the same
// parameters active (conditional parameters) and within kRepeatDistance of every
// parameter's range in the model's coordinates, that trial recorded as ended before this one
// started (its current attempt's start: the designer knew of the stop, except for a requeued
// attempt, whose start is its latest). The rung it was stopped at is where the rule stopped it,
// also when it reported past the next rung's step before the stop took effect (decided again, as
// TrialRungText does). A model that
// proposes a stopped configuration again expects it to finish well; stopping it again would teach
// the model nothing and spend the rung's steps again, so the repeat is trained on and its end
// settles the question (the model then learns the final value there). Stateless too: the stored
// parameters, the stop and the times decide it.
class AshaStoppingRule : public StoppingRule {
 public:
  // Throws InvalidArgument for an unusable spec (EarlyStoppingProblem), naming the field.
  explicit AshaStoppingRule(const EarlyStoppingSpec& options,
                            AshaPromotion promotion = AshaPromotion::kRankOnly,
                            AshaRanking ranking = AshaRanking::kValueAtRung,
                            std::optional<double> min_rank_agreement = std::nullopt,
                            bool spare_repeats = false);

  // The trials trained to the end a rung's agreement needs before it can spare a trial.
  static constexpr int kMinTrainedForAgreement = 4;
  // How near (the largest difference over the parameters, in the model's coordinates: each
  // parameter's range is 1) a trial must be to one stopped early to count as its repeat.
  static constexpr double kRepeatDistance = 0.05;

  StopDecision Decide(const Trial& trial, const std::vector<Trial>& trials,
                      const StudySpec& spec) const override;

  const EarlyStoppingSpec& options() const { return options_; }
  AshaPromotion promotion() const { return promotion_; }
  std::optional<double> min_rank_agreement() const { return min_rank_agreement_; }
  bool spare_repeats() const { return spare_repeats_; }
  int BracketOf(std::int64_t trial_id) const;
  // The rung steps of a bracket, lowest first.
  std::vector<std::int64_t> RungSteps(int bracket) const;
  // The rung the current attempt of `trial` reached.
  TrialRung RungOf(const Trial& trial, const StudySpec& spec) const;

 private:
  EarlyStoppingSpec options_;
  AshaPromotion promotion_;
  std::shared_ptr<const ModelPromoter> model_;  // with kRankOrModel
  std::shared_ptr<const RungGainModel> gains_;  // with kPredictedFinal
  std::optional<double> min_rank_agreement_;
  bool spare_repeats_;
};

// The rung of a trial of an ASHA study, in words for `trials`, the export and the report: "rung 1
// (step 3)" (", bracket 1" with several); "" when the study does not use ASHA or the trial has
// reached no rung.
std::string RungText(const Trial& trial, const StudySpec& spec);

}  // namespace bayestune
