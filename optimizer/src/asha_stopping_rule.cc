#include "bayestune/optimizer/asha_stopping_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/parameter_value.h"
#include "model_encoding.h"
#include "model_promotion.h"
#include "rung_gain_model.h"
#include "rung_rank_agreement.h"

namespace bayestune {
namespace {

std::string Ordinal(std::size_t n) {
  const std::size_t tens = n % 100;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                       : n % 10 == 1              ? "st"
                       : n % 10 == 2              ? "nd"
                       : n % 10 == 3              ? "rd"
                                                  : "th";
  return std::to_string(n) + suffix;
}

// ValueAtStep over the measurements for which `of` holds, copying none: the rule asks it of every
// rival at every rung of every decision, and the readers decide again for every stopped trial, so
// that copying each rival's measurements (MeasurementsOf) made `bayestune trials` of an ASHA study
// of 2,000 trials take minutes.
template <typename Of>
std::optional<StepValue> ValueAtStepOf(const std::vector<Measurement>& measurements, const Of& of,
                                       std::int64_t step, const StudySpec& spec) {
  // The report that reached `step`: the lowest step at or after it (the earliest such report).
  const Measurement* reached = nullptr;
  for (const Measurement& m : measurements) {
    if (!std::isfinite(m.value) || !of(m)) continue;
    if (m.step >= step && (!reached || m.step < reached->step)) reached = &m;
  }
  if (!reached) return std::nullopt;
  StepValue out{reached->value, reached->step, reached->wall_time};
  if (spec.measurement_selection == MeasurementSelection::kBest) {
    for (const Measurement& m : measurements) {
      if (!std::isfinite(m.value) || !of(m)) continue;
      if (m.step <= reached->step && spec.IsBetter(m.value, out.value)) out.value = m.value;
    }
  }
  return out;
}

// A rival's value at `step`: its current attempt's, else its latest earlier attempt's that
// reached the step.
std::optional<StepValue> RivalValueAtStep(const Trial& rival, std::int64_t step,
                                          const StudySpec& spec) {
  for (int attempt = rival.attempt; attempt >= 1; --attempt) {
    const auto of_attempt = [&](const Measurement& m) {
      const int a = m.attempt == 0 ? rival.attempt : m.attempt;
      return a == attempt && m.metric == spec.metric_tag;
    };
    if (auto value = ValueAtStepOf(rival.measurements, of_attempt, step, spec)) return value;
  }
  return std::nullopt;
}

// A prediction, to 4 significant digits ("0.7962"): its last digits say nothing.
std::string FourDigits(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

// Whether `a` and `b` have the same parameters active (conditional parameters): an inactive
// parameter has no value, and in the model's coordinates it sits mid-range, so that a trial with
// another structure may lie as near as a repeat.
bool SameParametersActive(const ParameterValues& a, const ParameterValues& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](const auto& x, const auto& y) { return x.first == y.first; });
}

// A trial stopped early at a rung of step `step` or below (of its own bracket's rungs: with
// brackets, rung 0 of bracket 1 is a later step than rung 0 of bracket 0), recorded as ended
// before `trial` started, at nearly the same parameters (AshaStoppingRule::kRepeatDistance, the
// same parameters active): the designer proposed `trial` again after that stop. The lowest such id
// and where it was stopped.
struct StoppedTwin {
  std::int64_t id = 0;
  int rung = 0;
  std::int64_t step = 0;
  int bracket = 0;
};

std::optional<StoppedTwin> StoppedRepeat(const Trial& trial, const std::vector<Trial>& trials,
                                         const StudySpec& spec, std::int64_t step,
                                         const AshaStoppingRule& rule) {
  if (!trial.start_time) return std::nullopt;
  const SearchSpace space(spec.parameters);
  Eigen::VectorXd x;
  try {
    x = EncodeForModel(space, trial.parameters);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
  std::optional<StoppedTwin> repeated;
  for (const Trial& other : trials) {
    if (other.id == trial.id || !other.stopped_early || !other.end_time ||
        *other.end_time >= *trial.start_time || (repeated && other.id > repeated->id) ||
        !SameParametersActive(trial.parameters, other.parameters)) {
      continue;
    }
    try {
      const Eigen::VectorXd y = EncodeForModel(space, other.parameters);
      if ((y - x).cwiseAbs().maxCoeff() > AshaStoppingRule::kRepeatDistance) continue;
    } catch (const InvalidArgument&) {
      continue;  // parameters of another space
    }
    // The rung it was stopped at: the highest it reached, unless it reported past a rung before
    // the stop took effect (reports read late): then the rule decides again where it lost, as
    // the readers do (TrialRungText). Its own twins ended before it started (none without a
    // start), and it started no later than it ended (Study keeps the end so; a row edited
    // otherwise is not decided again), so this goes back in time and ends.
    const TrialRung reached = rule.RungOf(other, spec);
    if (reached.rung < 0) continue;  // stopped by a client below the first rung
    const std::vector<std::int64_t> rungs = rule.RungSteps(reached.bracket);
    int stopped_at = reached.rung;
    if (rungs[stopped_at] > step && (!other.start_time || *other.start_time <= *other.end_time)) {
      const StopDecision lost = rule.Decide(other, trials, spec);
      if (lost.stop) stopped_at = static_cast<int>(lost.promotions.size());
    }
    if (rungs[stopped_at] <= step) {
      repeated = StoppedTwin{other.id, stopped_at, rungs[stopped_at], reached.bracket};
    }
  }
  return repeated;
}

}  // namespace

std::optional<StepValue> ValueAtStep(const std::vector<Measurement>& measurements,
                                     std::int64_t step, const StudySpec& spec) {
  return ValueAtStepOf(
      measurements, [](const Measurement&) { return true; }, step, spec);
}

AshaPromotion AshaPromotionFor(const StudySpec& spec) {
  // Model-based promotion needs the GP's model of one objective ("the best" of several objectives
  // is a front): not for random or grid search, nor several objectives.
  return spec.algorithm == Algorithm::kUnspecified && !IsMultiObjective(spec)
             ? AshaPromotion::kRankOrModel
             : AshaPromotion::kRankOnly;
}

AshaRanking AshaRankingFor(const StudySpec& spec) {
  return AshaPromotionFor(spec) == AshaPromotion::kRankOrModel && spec.early_stopping.brackets > 1
             ? AshaRanking::kPredictedFinal
             : AshaRanking::kValueAtRung;
}

std::optional<double> AshaRankAgreementFor(const StudySpec& spec) {
  if (AshaPromotionFor(spec) != AshaPromotion::kRankOrModel || spec.early_stopping.brackets > 1) {
    return std::nullopt;
  }
  return 0.5;
}

AshaStoppingRule::AshaStoppingRule(const EarlyStoppingSpec& options, AshaPromotion promotion,
                                   AshaRanking ranking, std::optional<double> min_rank_agreement,
                                   bool spare_repeats)
    : options_(options),
      promotion_(promotion),
      model_(promotion == AshaPromotion::kRankOrModel ? std::make_shared<ModelPromoter>()
                                                      : nullptr),
      gains_(ranking == AshaRanking::kPredictedFinal ? std::make_shared<RungGainModel>() : nullptr),
      min_rank_agreement_(min_rank_agreement),
      spare_repeats_(spare_repeats) {
  StudySpec spec;
  spec.enable_early_stopping = true;
  spec.early_stopping = options_;
  spec.early_stopping.rule = EarlyStoppingRule::kAsha;
  if (auto problem = EarlyStoppingProblem(spec)) {
    throw InvalidArgument("runner.earlyStopping." + problem->field + " " + problem->message);
  }
}

int AshaStoppingRule::BracketOf(std::int64_t trial_id) const {
  const std::int64_t id = trial_id < 0 ? -trial_id : trial_id;
  return static_cast<int>((std::max<std::int64_t>(id, 1) - 1) % options_.brackets);
}

std::vector<std::int64_t> AshaStoppingRule::RungSteps(int bracket) const {
  std::vector<std::int64_t> steps;
  long double step = static_cast<long double>(options_.min_step);
  for (int b = 0; b < bracket; ++b)
    step *= options_.reduction_factor;
  for (; step < static_cast<long double>(options_.max_step); step *= options_.reduction_factor)
    steps.push_back(static_cast<std::int64_t>(step));
  return steps;
}

TrialRung AshaStoppingRule::RungOf(const Trial& trial, const StudySpec& spec) const {
  TrialRung out;
  out.bracket = BracketOf(trial.id);
  bool any = false;
  for (const Measurement& m : trial.measurements) {
    if (m.metric != spec.metric_tag || !trial.IsCurrentAttempt(m) || !std::isfinite(m.value))
      continue;
    any = true;
    out.last_step = std::max(out.last_step, m.step);
  }
  const std::vector<std::int64_t> steps = RungSteps(out.bracket);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (!any || out.last_step < steps[k]) break;
    out.rung = static_cast<int>(k);
    out.step = steps[k];
  }
  return out;
}

StopDecision AshaStoppingRule::Decide(const Trial& trial, const std::vector<Trial>& trials,
                                      const StudySpec& spec) const {
  const int bracket = BracketOf(trial.id);
  const std::vector<Measurement> mine = trial.MeasurementsOf(spec.metric_tag);
  const std::vector<std::int64_t> steps = RungSteps(bracket);
  StopDecision decision;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const std::optional<StepValue> own = ValueAtStep(mine, steps[k], spec);
    if (!own) break;  // not there yet
    // The rivals that reached this rung before this trial did, with their values there.
    std::vector<std::pair<double, std::int64_t>> rivals;  // value ranked by, trial id
    std::vector<const Trial*> ranked_trials{&trial};
    for (const Trial& other : trials) {
      if (other.id == trial.id || BracketOf(other.id) != bracket) continue;
      const std::optional<StepValue> theirs = RivalValueAtStep(other, steps[k], spec);
      if (!theirs) continue;
      const bool earlier = theirs->wall_time < own->wall_time ||
                           (theirs->wall_time == own->wall_time && other.id < trial.id);
      if (earlier) {
        rivals.emplace_back(theirs->value, other.id);
        ranked_trials.push_back(&other);
      }
    }
    // With kPredictedFinal: ranked by value + the gain predicted to the end.
    std::pair<double, std::int64_t> self{own->value, trial.id};
    std::string predicted;
    if (gains_) {
      if (auto gain = gains_->Gains(ranked_trials, trials, spec, steps[k], own->wall_time)) {
        self.first += gain->gains[0];
        for (std::size_t i = 0; i < rivals.size(); ++i)
          rivals[i].first += gain->gains[i + 1];
        predicted = " (" + FourDigits(self.first) + " predicted at the end by the gains of " +
                    std::to_string(gain->trained) + " trials trained to the end)";
      }
    }
    const std::size_t n = rivals.size() + 1;
    const auto eta = static_cast<std::size_t>(options_.reduction_factor);
    // With Hyperband brackets, the first reductionFactor - 1 trials of a bracket at a rung all go
    // on (one bracket: only the first): measured, docs/optimizer.md "Multi-fidelity figures".
    const bool first_ones = options_.brackets > 1 && n < eta;
    const std::size_t keep = first_ones ? n : std::max<std::size_t>(1, n / eta);
    const auto ranks_before = [&](const std::pair<double, std::int64_t>& a,
                                  const std::pair<double, std::int64_t>& b) {
      if (a.first != b.first) return spec.IsBetter(a.first, b.first);
      return a.second < b.second;
    };
    std::sort(rivals.begin(), rivals.end(), ranks_before);
    std::size_t rank = 1;
    for (const auto& rival : rivals) {
      if (ranks_before(rival, self)) ++rank;
    }
    std::string rung_text = "rung " + std::to_string(k) + " (step " + std::to_string(steps[k]);
    if (options_.brackets > 1) rung_text += ", bracket " + std::to_string(bracket);
    rung_text += ")";
    const std::string ranked = "ASHA " + rung_text + ": " + spec.metric_tag + " " +
                               FormatMetricValue(own->value) + " at step " +
                               std::to_string(own->step) + predicted + " ranks " + Ordinal(rank) +
                               " of " + std::to_string(n) + " trials that reached the rung";
    const std::string top =
        std::to_string(keep) + " (1/" + std::to_string(options_.reduction_factor) + ")";
    if (first_ones) {  // promoted past this rung: too few there to rank
      decision.promotions.push_back({static_cast<int>(k), steps[k],
                                     ranked + ", among the first " + std::to_string(eta - 1) +
                                         " of its bracket there, who all go on"});
      continue;
    }
    if (rank <= keep) {  // promoted past this rung
      decision.promotions.push_back(
          {static_cast<int>(k), steps[k], ranked + ", in the top " + top + " that go on"});
      continue;
    }
    // The cut-off: the value of the last trial kept (the keep-th best of the others and itself;
    // this trial ranks below it, so it is the keep-th best rival).
    const double cutoff = rivals[keep - 1].first;
    if (model_) {
      if (auto model = model_->Promote(trial, trials, spec, own->wall_time)) {
        decision.promotions.push_back(
            {static_cast<int>(k), steps[k],
             ranked + "; goes on by the model: it predicts " + FourDigits(model->predicted) +
                 " at the end, no worse than the best " + FormatMetricValue(model->best) + " of " +
                 std::to_string(model->trained) + " trials trained to the end"});
        continue;
      }
    }
    if (min_rank_agreement_) {
      const std::optional<RungRankAgreement> agreement = RankAgreementAtStep(
          trials, spec, steps[k], kMinTrainedForAgreement, own->wall_time, trial.id);
      if (agreement && agreement->correlation < *min_rank_agreement_) {
        decision.promotions.push_back(
            {static_cast<int>(k), steps[k],
             ranked +
                 "; goes on: this rung's ranks have not foretold the final ones (rank "
                 "correlation " +
                 FourDigits(agreement->correlation) + " over " +
                 std::to_string(agreement->trained) + " trials trained to the end, below " +
                 FourDigits(*min_rank_agreement_) + ")"});
        continue;
      }
    }
    if (spare_repeats_) {
      if (auto repeated = StoppedRepeat(trial, trials, spec, steps[k], *this)) {
        const std::string at = options_.brackets > 1
                                   ? " (step " + std::to_string(repeated->step) + ", bracket " +
                                         std::to_string(repeated->bracket) + ")"
                                   : "";
        decision.promotions.push_back(
            {static_cast<int>(k), steps[k],
             ranked + "; goes on: trial " + std::to_string(repeated->id) +
                 ", at nearly the same parameters, was stopped at rung " +
                 std::to_string(repeated->rung) + at +
                 " before this one started: stopping it again would teach the model nothing"});
        continue;
      }
    }
    decision.stop = true;
    decision.rung = rung_text;
    decision.reason =
        ranked + "; only the top " + top + " go on, the last of them at " +
        (predicted.empty() ? FormatMetricValue(cutoff) : FourDigits(cutoff) + " predicted");
    return decision;
  }
  return decision;
}

std::string RungText(const Trial& trial, const StudySpec& spec) {
  if (!spec.enable_early_stopping || spec.early_stopping.rule != EarlyStoppingRule::kAsha ||
      EarlyStoppingProblem(spec)) {
    return "";
  }
  const AshaStoppingRule rule(spec.early_stopping);
  const TrialRung rung = rule.RungOf(trial, spec);
  if (rung.rung < 0) return "";
  std::string text = "rung " + std::to_string(rung.rung) + " (step " + std::to_string(rung.step);
  if (spec.early_stopping.brackets > 1) text += ", bracket " + std::to_string(rung.bracket);
  return text + ")";
}

}  // namespace bayestune
