// ASHA's model-based promotion (model_promotion.h): a trial its rung would stop goes on when a GP
// of the trials trained to the end before it predicts, at its parameters, a final value no worse
// than the best of them.
#include "model_promotion.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "asha_test_study.h"
#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/stopping_rule.h"
#include "finished_trials_gp.h"
#include "rung_gain_model.h"
#include "rung_rank_agreement.h"

using namespace bayestune;
using bayestune::testing::AshaSpec;
using bayestune::testing::At;
using bayestune::testing::Parabola;

namespace {

// The trial judged: it reached rung 0 (step 1) at `wall` with 0.1, last of 8 (keep 2).
Trial Judged(double x, double wall = 100, double sign = 1) {
  return At(9, x, {{1, sign * 0.1, wall}});
}

StopDecision Decide(const AshaStoppingRule& rule, const Trial& trial, std::vector<Trial> others,
                    const StudySpec& spec) {
  others.push_back(trial);
  return rule.Decide(trial, others, spec);
}

}  // namespace

TEST_CASE("ASHA lets a slow starter go on when the model predicts it finishes best",
          "[asha][model]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule model(spec.early_stopping, AshaPromotion::kRankOrModel);
  const AshaStoppingRule rank(spec.early_stopping, AshaPromotion::kRankOnly);
  // At x = 0.6, between the two best (0.72 each), a GP of the parabola predicts more than 0.72
  // (the truth is 0.8), though 0.1 at step 1 ranks 8th of 8 where only the top 2 go on.
  const StopDecision spared = Decide(model, Judged(0.6), Parabola(), spec);
  CHECK_FALSE(spared.stop);
  REQUIRE(spared.promotions.size() == 1);
  CHECK(spared.promotions[0].rung == 0);
  const std::string& why = spared.promotions[0].reason;
  CHECK(why.find("ASHA rung 0 (step 1): m 0.1 at step 1 ranks 8th of 8 trials that reached the "
                 "rung; goes on by the model: it predicts 0.") == 0);
  CHECK(why.find(" at the end, no worse than the best 0.72 of 7 trials trained to the end") !=
        std::string::npos);
  // The rank alone stops it (ASHA without the model, and random search's ASHA).
  const StopDecision ranked = Decide(rank, Judged(0.6), Parabola(), spec);
  CHECK(ranked.stop);
  CHECK(ranked.reason ==
        "ASHA rung 0 (step 1): m 0.1 at step 1 ranks 8th of 8 trials that reached the rung; only "
        "the top 2 (1/3) go on, the last of them at 0.55");
  // Where the model expects less than the best (x = 0.1, between 0.08 and 0.48), the rank decides.
  const StopDecision low = Decide(model, Judged(0.1), Parabola(), spec);
  CHECK(low.stop);
  CHECK(low.reason == ranked.reason);
  // The prediction itself: above the best, below the parabola's top plus a margin.
  const std::optional<ModelPromotion> promotion =
      ModelPromoter().Promote(Judged(0.6), Parabola(), spec, 100);
  REQUIRE(promotion);
  CHECK(promotion->predicted >= 0.72);
  CHECK(promotion->predicted < 0.9);
  CHECK(promotion->best == Approx(0.72));
  CHECK(promotion->trained == 7);
  // Minimised, the same study mirrored: the same decision.
  const StudySpec minimise = AshaSpec(Goal::kMinimize);
  const StopDecision mirrored =
      Decide(AshaStoppingRule(minimise.early_stopping, AshaPromotion::kRankOrModel),
             Judged(0.6, 100, -1), Parabola(-1), minimise);
  CHECK_FALSE(mirrored.stop);
  REQUIRE(mirrored.promotions.size() == 1);
  CHECK(mirrored.promotions[0].reason.find("no worse than the best -0.72 of 7") !=
        std::string::npos);
}

TEST_CASE(
    "ASHA's model learns only from trials trained to the end before the rung, and enough "
    "of them",
    "[asha][model]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule rule(spec.early_stopping, AshaPromotion::kRankOrModel);
  // Reached rung 0 at wall time 31.5: trials 3 to 7 finished later (32 to 36), so only 2 trials
  // trained to the end count, fewer than max(3, 1 + 1): the rank decides (8th of 8).
  CHECK(Decide(rule, Judged(0.6, 31.5), Parabola(), spec).stop);
  CHECK_FALSE(ModelPromoter().Promote(Judged(0.6, 31.5), Parabola(), spec, 31.5));
  // After all seven finished: promoted (the first test case).
  CHECK_FALSE(Decide(rule, Judged(0.6, 36.5), Parabola(), spec).stop);
  // A trial stopped early is not trained to the end: with five of the seven stopped, 2 count.
  std::vector<Trial> some_stopped = Parabola();
  for (int i : {0, 2, 3, 4, 6})
    some_stopped[static_cast<std::size_t>(i)].stopped_early = true;
  CHECK(Decide(rule, Judged(0.6), some_stopped, spec).stop);
  // Nor is a running trial or a failed one.
  std::vector<Trial> unfinished = Parabola();
  for (int i : {0, 2, 3})
    unfinished[static_cast<std::size_t>(i)].state = TrialState::kActive;
  for (int i : {4, 6})
    unfinished[static_cast<std::size_t>(i)].state = TrialState::kFailed;
  CHECK(Decide(rule, Judged(0.6), unfinished, spec).stop);
}

TEST_CASE("ASHA's model learns from at most 500 of thousands of trials trained to the end",
          "[asha][model]") {
  // 3,000 finished trials on the parabola 0.78 - 2 (x - 0.6)^2 outside [0.55, 0.65] (an exact GP
  // of all of them, O(n^3) per fit, stalled the stop checks); the best of them (0.775 at the
  // gap's edges) is among those learnt from, and the count names them all.
  const StudySpec spec = AshaSpec();
  std::vector<Trial> trials;
  for (int i = 0; i < 3000; ++i) {
    const double x = i < 1500 ? 0.55 * i / 1499.0 : 0.65 + 0.35 * (i - 1500) / 1499.0;
    const double f = 0.78 - 2 * (x - 0.6) * (x - 0.6);
    trials.push_back(At(i + 1, x, {{1, 0.5, 1.0 + i * 1e-3}, {9, f, 10.0 + i * 1e-3}}, f));
  }
  REQUIRE(trials[1499].parameters.at("x").AsDouble() == Approx(0.55));
  REQUIRE(trials[1500].parameters.at("x").AsDouble() == Approx(0.65));
  Trial judged = At(5000, 0.6, {{1, 0.1, 100}});
  const std::optional<ModelPromotion> promotion =
      ModelPromoter().Promote(judged, trials, spec, 100);
  REQUIRE(promotion);
  CHECK(promotion->trained == 3000);
  CHECK(promotion->best == Approx(0.775));
  CHECK(promotion->predicted > 0.775);
  // Where the parabola is low, no promotion.
  CHECK_FALSE(ModelPromoter().Promote(At(5001, 0.05, {{1, 0.1, 100}}), trials, spec, 100));
}

TEST_CASE("ASHA's model promotion is stateless: any rule object, asked again, says the same",
          "[asha][model]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule first(spec.early_stopping, AshaPromotion::kRankOrModel);
  const StopDecision before = Decide(first, Judged(0.6), Parabola(), spec);
  // Another process after a crash (a new rule), and the same rule asked again at a later read:
  // the same decision and reason, and the promotion stays listed once the trial is further on.
  const AshaStoppingRule after_crash(spec.early_stopping, AshaPromotion::kRankOrModel);
  const StopDecision again = Decide(after_crash, Judged(0.6), Parabola(), spec);
  CHECK(again.stop == before.stop);
  REQUIRE(before.promotions.size() == 1);
  REQUIRE(again.promotions.size() == 1);
  CHECK(again.promotions[0].reason == before.promotions[0].reason);
  Trial further = Judged(0.6);
  further.measurements.push_back({.metric = "m", .step = 2, .value = 0.2, .wall_time = 101});
  const StopDecision later = Decide(first, further, Parabola(), spec);
  CHECK_FALSE(later.stop);
  REQUIRE(later.promotions.size() == 1);
  CHECK(later.promotions[0].reason == before.promotions[0].reason);
  // A trial finished after the rung decision does not undo it: trial 5 at x = 0.6 with 0.3.
  std::vector<Trial> more = Parabola();
  more.push_back(At(5, 0.6, {{1, 0.6, 5}, {9, 0.3, 150}}, 0.3));
  const StopDecision unchanged = Decide(first, further, more, spec);
  CHECK_FALSE(unchanged.stop);
}

TEST_CASE("MakeStoppingRule gives ASHA the model for the GP designer of one objective only",
          "[asha][model]") {
  StudySpec spec = AshaSpec();
  const auto gp = std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec));
  REQUIRE(gp);
  CHECK(gp->promotion() == AshaPromotion::kRankOrModel);
  spec.algorithm = Algorithm::kRandomSearch;
  const auto random = std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec));
  REQUIRE(random);
  CHECK(random->promotion() == AshaPromotion::kRankOnly);
  spec.algorithm = Algorithm::kUnspecified;
  spec.metrics = {{.metric_id = "m", .goal = Goal::kMaximize},
                  {.metric_id = "cost", .goal = Goal::kMinimize}};
  CHECK(std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec))->promotion() ==
        AshaPromotion::kRankOnly);  // several objectives: no one best to beat
  spec.metrics.clear();
  spec.algorithm = Algorithm::kGridSearch;
  CHECK(std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec))->promotion() ==
        AshaPromotion::kRankOnly);
}

namespace {

// Six trials trained to the end at x = 0, 0.2, ..., 1: each had 0.5 at step 1 (wall time 1 to 6)
// and finished at 0.5 + 0.4 x (wall time 31 to 36): the higher x, the more a trial gains after
// its first rung.
std::vector<Trial> SlowGainers(double sign = 1) {
  std::vector<Trial> trials;
  for (int i = 0; i < 6; ++i) {
    const double x = 0.2 * i;
    const double f = sign * (0.5 + 0.4 * x);
    trials.push_back(At(i + 1, x, {{1, sign * 0.5, 1.0 + i}, {9, f, 31.0 + i}}, f));
  }
  return trials;
}

}  // namespace

TEST_CASE("ASHA ranked by predicted final values: a slow gainer goes on past fast starters",
          "[asha][model]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule by_value(spec.early_stopping, AshaPromotion::kRankOnly);
  const AshaStoppingRule by_final(spec.early_stopping, AshaPromotion::kRankOnly,
                                  AshaRanking::kPredictedFinal);
  // 0.49 at step 1 is last of 7 (keep 2) by value; with the gain of x = 0.9 (about 0.36) it is
  // about 0.85 at the end, 2nd after x = 1 (0.9), ahead of x = 0.8 (0.82).
  const Trial judged = At(9, 0.9, {{1, 0.49, 100}});
  const StopDecision valued = Decide(by_value, judged, SlowGainers(), spec);
  CHECK(valued.stop);
  CHECK(valued.reason.find("ranks 7th of 7") != std::string::npos);
  const StopDecision predicted = Decide(by_final, judged, SlowGainers(), spec);
  CHECK_FALSE(predicted.stop);
  REQUIRE(predicted.promotions.size() == 1);
  const std::string& why = predicted.promotions[0].reason;
  CHECK(why.find("ASHA rung 0 (step 1): m 0.49 at step 1 (0.8") == 0);
  CHECK(why.find(" predicted at the end by the gains of 6 trials trained to the end) ranks 2nd of "
                 "7 trials that reached the rung, in the top 2 (1/3) that go on") !=
        std::string::npos);
  // A fast starter at x = 0.1 with a better value than every rival gains little: stopped, and the
  // reason says the predicted cut-off.
  const StopDecision fast = Decide(by_final, At(9, 0.1, {{1, 0.52, 100}}), SlowGainers(), spec);
  CHECK(fast.stop);
  CHECK(fast.reason.find("ranks 6th of 7 trials that reached the rung; only the top 2 (1/3) go "
                         "on, the last of them at 0.8") != std::string::npos);
  CHECK(fast.reason.find(" predicted") != std::string::npos);
  // Minimised, the same study mirrored: the same decision.
  const StudySpec minimise = AshaSpec(Goal::kMinimize);
  const StopDecision mirrored =
      Decide(AshaStoppingRule(minimise.early_stopping, AshaPromotion::kRankOnly,
                              AshaRanking::kPredictedFinal),
             At(9, 0.9, {{1, -0.49, 100}}), SlowGainers(-1), minimise);
  CHECK_FALSE(mirrored.stop);
}

TEST_CASE("ASHA's predicted finals need enough trials trained to the end before the rung",
          "[asha][model]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule by_final(spec.early_stopping, AshaPromotion::kRankOnly,
                                  AshaRanking::kPredictedFinal);
  // Reached the rung at wall time 33.5: only trials 1 to 3 had finished (31 to 33), 3 = max(3,
  // parameters + 1) are enough; at 32.5 only 2 had, and the value alone ranks it (7th of 7).
  const StopDecision enough = Decide(by_final, At(9, 0.9, {{1, 0.49, 33.5}}), SlowGainers(), spec);
  CHECK(enough.promotions.size() + (enough.stop ? 1 : 0) == 1);
  const std::string& text = enough.stop ? enough.reason : enough.promotions[0].reason;
  CHECK(text.find("by the gains of 3 trials trained to the end") != std::string::npos);
  const StopDecision few = Decide(by_final, At(9, 0.9, {{1, 0.49, 32.5}}), SlowGainers(), spec);
  CHECK(few.stop);
  CHECK(few.reason ==
        "ASHA rung 0 (step 1): m 0.49 at step 1 ranks 7th of 7 trials that reached the rung; only "
        "the top 2 (1/3) go on, the last of them at 0.5");
  // The model's gains themselves: about 0.4 x.
  const std::vector<Trial> trials = SlowGainers();
  const Trial probe = At(9, 0.5, {});
  const auto gains = RungGainModel().Gains({&probe, &trials[0], &trials[5]}, trials, spec, 1, 100);
  REQUIRE(gains);
  CHECK(gains->trained == 6);
  CHECK(gains->gains[0] == Approx(0.2).margin(0.03));
  CHECK(gains->gains[1] == Approx(0.0).margin(0.03));
  CHECK(gains->gains[2] == Approx(0.4).margin(0.03));
}

TEST_CASE("MakeStoppingRule ranks by predicted finals with the GP's Hyperband brackets only",
          "[asha][model]") {
  StudySpec spec = AshaSpec();
  const Trial judged = At(9, 0.9, {{1, 0.49, 100}});
  const auto text = [&](const StudySpec& s) {
    const StopDecision d = MakeStoppingRule(s)->Decide(
        judged,
        [&] {
          std::vector<Trial> all = SlowGainers();
          all.push_back(judged);
          return all;
        }(),
        s);
    return d.stop ? d.reason : d.promotions.at(0).reason;
  };
  // One bracket: by the value at the rung (the measured default), with model-based promotion.
  CHECK(AshaRankingFor(spec) == AshaRanking::kValueAtRung);
  CHECK(text(spec).find("predicted at the end by the gains") == std::string::npos);
  // Hyperband brackets: trial 9 is in bracket 0 with trials 1, 3 and 5 (x = 0, 0.4, 0.8); ranked
  // by predicted finals it is first of 4 and goes on.
  spec.early_stopping.brackets = 2;
  CHECK(AshaRankingFor(spec) == AshaRanking::kPredictedFinal);
  CHECK(text(spec).find("ASHA rung 0 (step 1, bracket 0): m 0.49 at step 1 (0.8") == 0);
  CHECK(text(spec).find("by the gains of 6 trials trained to the end) ranks 1st of 4") !=
        std::string::npos);
  // Random search has no model, nor several objectives: by the value.
  spec.algorithm = Algorithm::kRandomSearch;
  CHECK(AshaRankingFor(spec) == AshaRanking::kValueAtRung);
  CHECK(text(spec).find("predicted") == std::string::npos);
}

TEST_CASE("ASHA's gain model: the same stored trials give the same gains, in any order",
          "[asha][model]") {
  const StudySpec spec = AshaSpec();
  // 30 trials trained to the end (beyond the 20 fitted afresh: the hyperparameters are those of
  // the first 25 to finish), gain 0.4 x plus a wiggle.
  std::vector<Trial> trials;
  for (int i = 0; i < 30; ++i) {
    const double x = std::fmod(0.37 * i, 1.0);
    const double f = 0.5 + 0.4 * x + 0.01 * std::sin(7.0 * i);
    trials.push_back(At(i + 1, x, {{1, 0.5, 1.0 + i}, {9, f, 40.0 + i}}, f));
  }
  const Trial probe = At(99, 0.55, {});
  const auto first = RungGainModel().Gains({&probe}, trials, spec, 1, 1000);
  REQUIRE(first);
  CHECK(first->trained == 30);
  CHECK(first->gains[0] == Approx(0.22).margin(0.03));
  std::vector<Trial> shuffled(trials.rbegin(), trials.rend());
  const auto again = RungGainModel().Gains({&probe}, shuffled, spec, 1, 1000);
  REQUIRE(again);
  CHECK(again->gains[0] == first->gains[0]);
}

TEST_CASE("ASHA's GPs of the finished trials refit at 25% growth beyond 20 trials",
          "[asha][model]") {
  std::vector<LearntTrial> learnt;
  for (int i = 0; i < 30; ++i) {
    Eigen::VectorXd x(2);
    x << std::fmod(0.37 * i, 1.0), std::fmod(0.61 * i, 1.0);
    learnt.push_back({10.0 + i, i + 1, x, std::sin(3 * x(0)) + x(1) * x(1)});
  }
  const FinishedTrialsGp gps;
  const auto first = [&](std::size_t n) {
    return std::vector<LearntTrial>(learnt.begin(), learnt.begin() + static_cast<long>(n));
  };
  // Refit points 20, 25, 32, ...: 30 trials are modelled with the fit of the first 25 to finish,
  // 25 with their own, 24 with the first 20's.
  const StandardisedGp of30 = gps.Fit(learnt, 0);
  const StandardisedGp of25 = gps.Fit(first(25), 0);
  const StandardisedGp of24 = gps.Fit(first(24), 0);
  const StandardisedGp of20 = gps.Fit(first(20), 0);
  REQUIRE((of30.gp && of25.gp && of24.gp && of20.gp));
  CHECK(of30.gp->size() == 30);
  CHECK(of30.gp->hyperparameters().length_scales == of25.gp->hyperparameters().length_scales);
  CHECK(of24.gp->hyperparameters().length_scales == of20.gp->hyperparameters().length_scales);
  CHECK(of25.gp->hyperparameters().length_scales != of20.gp->hyperparameters().length_scales);
  // In any order, and in a fresh memo: the same GP.
  std::vector<LearntTrial> reversed(learnt.rbegin(), learnt.rend());
  const StandardisedGp again = FinishedTrialsGp().Fit(reversed, 0);
  CHECK(again.gp->hyperparameters().length_scales == of30.gp->hyperparameters().length_scales);
  CHECK(again.mean == of30.mean);
  CHECK(again.best == of30.best);
}

namespace {

// Five trials trained to the end that reached rung 0 (step 1) at wall time i with 0.5 + 0.01 i and
// finished at 30 + i with `finals[i - 1]`.
std::vector<Trial> TrainedWithFinals(const std::vector<double>& finals) {
  std::vector<Trial> trials;
  for (std::size_t i = 1; i <= finals.size(); ++i) {
    const double at = static_cast<double>(i);
    trials.push_back(At(static_cast<std::int64_t>(i), 0.1 * at,
                        {{1, 0.5 + 0.01 * at, at}, {9, finals[i - 1], 30 + at}}, finals[i - 1]));
  }
  return trials;
}

}  // namespace

TEST_CASE("Spearman's rank correlation, with ties and constants", "[asha][agreement]") {
  CHECK(RankCorrelation({1, 2, 3, 4}, {10, 20, 30, 40}) == Approx(1));
  CHECK(RankCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}) == Approx(-1));
  CHECK(RankCorrelation({1, 2, 3, 4}, {1, 3, 2, 4}) == Approx(0.8));
  CHECK(RankCorrelation({1, 1, 2, 3}, {1, 2, 3, 4}) == Approx(std::sqrt(0.9)));
  CHECK(RankCorrelation({1, 1, 1}, {1, 2, 3}) == 0);
}

TEST_CASE("ASHA spares a trial at a rung whose ranks have not foretold the final ones",
          "[asha][agreement]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule plain(spec.early_stopping);
  const AshaStoppingRule guarded(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, 0.3);
  // The later a trial reached step 1 with more, the worse it finished: ranks reversed.
  const std::vector<Trial> reversed = TrainedWithFinals({0.8, 0.7, 0.6, 0.5, 0.4});
  // The judged trial reached step 1 at wall time 100 with 0.1: 6th of 6, only the top 2 go on.
  CHECK(Decide(plain, Judged(0.5), reversed, spec).stop);
  const StopDecision spared = Decide(guarded, Judged(0.5), reversed, spec);
  CHECK_FALSE(spared.stop);
  REQUIRE(spared.promotions.size() == 1);
  CHECK(spared.promotions[0].reason ==
        "ASHA rung 0 (step 1): m 0.1 at step 1 ranks 6th of 6 trials that reached the rung; goes "
        "on: this rung's ranks have not foretold the final ones (rank correlation -1 over 5 "
        "trials trained to the end, below 0.3)");
  const std::optional<RungRankAgreement> agreement =
      RankAgreementAtStep(reversed, spec, 1, AshaStoppingRule::kMinTrainedForAgreement);
  REQUIRE(agreement);
  CHECK(agreement->correlation == Approx(-1));
  CHECK(agreement->trained == 5);
  // Ranks that held: the rung stops it as without the guard.
  const std::vector<Trial> held = TrainedWithFinals({0.4, 0.5, 0.6, 0.7, 0.8});
  const StopDecision stopped = Decide(guarded, Judged(0.5), held, spec);
  CHECK(stopped.stop);
  CHECK(stopped.reason == Decide(plain, Judged(0.5), held, spec).reason);
  // Too few trained to the end to judge the rung (3 of the 4 needed): the rank decides.
  CHECK(Decide(guarded, Judged(0.5), TrainedWithFinals({0.8, 0.7, 0.6}), spec).stop);
  // Only the trials that finished before the judged trial reached the rung count (stateless: the
  // same stored trials give the same decision whenever it is asked): reached at wall time 34, it
  // sees three of the five (four at 35).
  CHECK(Decide(guarded, Judged(0.5, 34), reversed, spec).stop);
  CHECK_FALSE(Decide(guarded, Judged(0.5, 35), reversed, spec).stop);
  // Stopped trials and trials still running do not count, however their ranks went.
  std::vector<Trial> with_stopped = TrainedWithFinals({0.8, 0.7, 0.6});
  with_stopped.push_back(At(4, 0.4, {{1, 0.54, 4}, {3, 0.2, 34}}, 0.2, /*stopped=*/true));
  with_stopped.push_back(At(5, 0.45, {{1, 0.55, 5}, {3, 0.1, 35}}));
  CHECK(Decide(guarded, Judged(0.5), with_stopped, spec).stop);
}

TEST_CASE("MakeStoppingRule guards the GP's one-bracket ASHA by the rungs' rank agreement only",
          "[asha][agreement]") {
  StudySpec spec = AshaSpec();
  CHECK(AshaRankAgreementFor(spec) == 0.5);
  const auto gp = std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec));
  REQUIRE(gp);
  CHECK(gp->min_rank_agreement() == 0.5);
  // The study's rule spares the trial whose rung ranked the trained trials in reverse (the model
  // predicts little at x = 0.5, so the guard decides), as does the rung shown for it later.
  const std::vector<Trial> reversed = TrainedWithFinals({0.8, 0.7, 0.6, 0.5, 0.4});
  const StopDecision spared = Decide(*gp, Judged(0.5), reversed, spec);
  CHECK_FALSE(spared.stop);
  REQUIRE(spared.promotions.size() == 1);
  CHECK(spared.promotions[0].reason.find("this rung's ranks have not foretold the final ones") !=
        std::string::npos);
  // Random and grid search, several objectives and Hyperband brackets: no guard (not measured).
  spec.algorithm = Algorithm::kRandomSearch;
  CHECK_FALSE(AshaRankAgreementFor(spec));
  CHECK(Decide(*std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec)),
               Judged(0.5), reversed, spec)
            .stop);
  spec.algorithm = Algorithm::kGridSearch;
  CHECK_FALSE(AshaRankAgreementFor(spec));
  spec.algorithm = Algorithm::kUnspecified;
  spec.early_stopping.brackets = 2;
  CHECK_FALSE(AshaRankAgreementFor(spec));
  spec.early_stopping.brackets = 1;
  spec.metrics = {{.metric_id = "m", .goal = Goal::kMaximize},
                  {.metric_id = "cost", .goal = Goal::kMinimize}};
  CHECK_FALSE(AshaRankAgreementFor(spec));
}

TEST_CASE(
    "ASHA's decisions count a trial trained to the end only once it was recorded as ended "
    "before the judged trial reached the rung",
    "[asha][agreement][model]") {
  // A runner records a trial as ended (its end_time) after reading its last report: a trial it
  // records after a decision must count neither then nor for a reader deciding again later.
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule guarded(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, 0.3);
  std::vector<Trial> reversed = TrainedWithFinals({0.8, 0.7, 0.6, 0.5, 0.4});
  for (Trial& t : reversed)
    t.end_time = 50;  // ended before the judged trial reached step 1 (wall time 100)
  CHECK_FALSE(Decide(guarded, Judged(0.5), reversed, spec).stop);
  for (Trial& t : reversed)
    t.end_time = 150;  // recorded as ended after it: the rank alone decides
  CHECK(Decide(guarded, Judged(0.5), reversed, spec).stop);
  CHECK_FALSE(
      RankAgreementAtStep(reversed, spec, 1, AshaStoppingRule::kMinTrainedForAgreement, 100));
  // Model-based promotion and the predicted finals count the same trials.
  std::vector<Trial> parabola = Parabola();
  CHECK(ModelPromoter().Promote(Judged(0.6), parabola, spec, 100));
  for (Trial& t : parabola)
    t.end_time = 150;
  CHECK_FALSE(ModelPromoter().Promote(Judged(0.6), parabola, spec, 100));
  CHECK(FinishedBefore(parabola[0], "m", 151));
  CHECK_FALSE(FinishedBefore(parabola[0], "m", 150));
}

TEST_CASE("ASHA spares a trial the designer proposed again near one a rung stopped",
          "[asha][repeat]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule plain(spec.early_stopping);
  const AshaStoppingRule repeats(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, std::nullopt, /*spare_repeats=*/true);
  // Three fast starters reached steps 1 and 3 early; trial 4, at x = 0.52, reached step 1 with
  // 0.12 (wall time 10) and was stopped there, recorded as ended at 11.
  std::vector<Trial> trials = {At(1, 0.1, {{1, 0.9, 1}, {3, 0.95, 4}}),
                               At(2, 0.2, {{1, 0.8, 2}, {3, 0.85, 5}}),
                               At(3, 0.3, {{1, 0.7, 3}, {3, 0.75, 6}})};
  Trial stopped = At(4, 0.52, {{1, 0.12, 10}}, 0.12, /*stopped=*/true);
  stopped.end_time = 11;
  trials.push_back(stopped);
  // Trial 9 at x = 0.5, suggested at 50 (after the stop): 0.1 at step 1 (wall 100) ranks 5th of 5
  // where only the top 1 goes on, and 0.2 at step 3 ranks 4th of 4.
  Trial nine = At(9, 0.5, {{1, 0.1, 100}, {3, 0.2, 110}});
  nine.start_time = 50;
  CHECK(Decide(plain, nine, trials, spec).reason ==
        "ASHA rung 0 (step 1): m 0.1 at step 1 ranks 5th of 5 trials that reached the rung; only "
        "the top 1 (1/3) go on, the last of them at 0.9");
  const StopDecision spared = Decide(repeats, nine, trials, spec);
  CHECK_FALSE(spared.stop);
  REQUIRE(spared.promotions.size() == 2);  // past rung 1 too: the repeat is trained on
  CHECK(spared.promotions[0].reason ==
        "ASHA rung 0 (step 1): m 0.1 at step 1 ranks 5th of 5 trials that reached the rung; goes "
        "on: trial 4, at nearly the same parameters, was stopped at rung 0 before this one "
        "started: stopping it again would teach the model nothing");
  CHECK(spared.promotions[1].rung == 1);
  // Not a repeat: 0.06 of the range away (more than kRepeatDistance, 0.05) ...
  Trial far = nine;
  far.parameters = {{"x", ParameterValue(0.58)}};
  CHECK(Decide(repeats, far, trials, spec).stop);
  // ... suggested before the stop was recorded (the designer did not know of it) ...
  Trial before = nine;
  before.start_time = 11;
  CHECK(Decide(repeats, before, trials, spec).stop);
  Trial unknown = nine;  // no start recorded
  unknown.start_time.reset();
  CHECK(Decide(repeats, unknown, trials, spec).stop);
  // ... near a trial that is still running or was trained to the end, not stopped ...
  std::vector<Trial> not_stopped = trials;
  not_stopped[3].stopped_early = false;
  CHECK(Decide(repeats, nine, not_stopped, spec).stop);
  // ... or near one stopped at a later rung than the one judged: rung 0 stops it.
  std::vector<Trial> later = trials;
  later[3] = At(4, 0.52, {{1, 0.95, 7}, {3, 0.12, 10}}, 0.12, /*stopped=*/true);
  later[3].end_time = 11;
  const StopDecision at_rung_0 = Decide(repeats, nine, later, spec);
  CHECK(at_rung_0.stop);
  CHECK(at_rung_0.reason.find("ASHA rung 0 (step 1)") == 0);
  // An option: MakeStoppingRule's rules judge repeats as any trial (measured, not adopted).
  const auto gp = std::dynamic_pointer_cast<const AshaStoppingRule>(MakeStoppingRule(spec));
  REQUIRE(gp);
  CHECK_FALSE(gp->spare_repeats());
  CHECK(Decide(*gp, nine, trials, spec).stop);
}

TEST_CASE(
    "ASHA's repeat is judged against the rung its twin was stopped at, not the one it reached",
    "[asha][repeat]") {
  const StudySpec spec = AshaSpec();
  const AshaStoppingRule repeats(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, std::nullopt, /*spare_repeats=*/true);
  // Trial 4 at x = 0.52 reported steps 1 and 3 at once (read late): rung 0 stopped it at step 1
  // (0.12 ranks 4th of 4), though its reports reached rung 1's step.
  std::vector<Trial> trials = {At(1, 0.1, {{1, 0.9, 1}, {3, 0.95, 4}}),
                               At(2, 0.2, {{1, 0.8, 2}, {3, 0.85, 5}}),
                               At(3, 0.3, {{1, 0.7, 3}, {3, 0.75, 6}})};
  Trial stopped = At(4, 0.52, {{1, 0.12, 10}, {3, 0.13, 10}}, 0.13, /*stopped=*/true);
  stopped.end_time = 11;
  trials.push_back(stopped);
  REQUIRE(Decide(repeats, stopped, trials, spec).stop);
  REQUIRE(Decide(repeats, stopped, trials, spec).promotions.empty());  // stopped at rung 0
  // Its repeat, judged at rung 0, is spared: its twin was stopped at rung 0 (it was stopped as
  // one stopped at rung 1, a later rung).
  Trial nine = At(9, 0.5, {{1, 0.1, 100}});
  nine.start_time = 50;
  const StopDecision spared = Decide(repeats, nine, trials, spec);
  CHECK_FALSE(spared.stop);
  REQUIRE(spared.promotions.size() == 1);
  CHECK(spared.promotions[0].reason ==
        "ASHA rung 0 (step 1): m 0.1 at step 1 ranks 5th of 5 trials that reached the rung; goes "
        "on: trial 4, at nearly the same parameters, was stopped at rung 0 before this one "
        "started: stopping it again would teach the model nothing");
  // Stored as starting after it ended (a row edited by hand; Study keeps the end at or after the
  // start): not decided again, so that twins of twins cannot go round; judged by the rung reached.
  trials[3].start_time = 20;
  CHECK(Decide(repeats, nine, trials, spec).stop);
}

TEST_CASE("ASHA's repeat has the same parameters active as its twin", "[asha][repeat]") {
  // y is active only where n is 1: n = 1 and n = 2 lie 0.01 apart in the model's coordinates, and
  // an inactive y sits at 0.5, where the repeat's y is. Another structure is not a repeat.
  StudySpec spec = AshaSpec();
  ParameterSpec y = ParameterSpec::Double("y", 0, 1);
  y.condition = ParentCondition{"n", {ParameterValue(std::int64_t{1})}};
  spec.parameters = {ParameterSpec::Double("x", 0, 1), ParameterSpec::Integer("n", 1, 100), y};
  const AshaStoppingRule repeats(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, std::nullopt, /*spare_repeats=*/true);
  const auto with = [](Trial t, std::int64_t n, std::optional<double> y_value) {
    t.parameters["n"] = ParameterValue(n);
    if (y_value) t.parameters["y"] = ParameterValue(*y_value);
    return t;
  };
  std::vector<Trial> trials = {with(At(1, 0.1, {{1, 0.9, 1}}), 3, std::nullopt),
                               with(At(2, 0.2, {{1, 0.8, 2}}), 3, std::nullopt),
                               with(At(3, 0.3, {{1, 0.7, 3}}), 3, std::nullopt)};
  Trial stopped = with(At(4, 0.52, {{1, 0.12, 10}}, 0.12, /*stopped=*/true), 2, std::nullopt);
  stopped.end_time = 11;
  trials.push_back(stopped);
  Trial nine = with(At(9, 0.5, {{1, 0.1, 100}}), 1, 0.5);
  nine.start_time = 50;
  CHECK(Decide(repeats, nine, trials, spec).stop);
  // The same structure (n = 3, y inactive, 0.02 of n's range away) is a repeat.
  Trial same = with(At(9, 0.5, {{1, 0.1, 100}}), 3, std::nullopt);
  same.parameters.erase("y");
  same.start_time = 50;
  trials[3].parameters["n"] = ParameterValue(std::int64_t{5});
  CHECK_FALSE(Decide(repeats, same, trials, spec).stop);
}

TEST_CASE("ASHA's repeat in another bracket is judged by the step its twin was stopped at",
          "[asha][repeat]") {
  // Two brackets: odd ids in bracket 0 (rungs at steps 1 and 3), even ids in bracket 1 (a rung at
  // step 3). Trial 4 (bracket 1) was stopped at its rung 0, step 3: past bracket 0's rung 0.
  StudySpec spec = AshaSpec();
  spec.early_stopping.brackets = 2;
  const AshaStoppingRule repeats(spec.early_stopping, AshaPromotion::kRankOnly,
                                 AshaRanking::kValueAtRung, std::nullopt, /*spare_repeats=*/true);
  std::vector<Trial> trials = {At(1, 0.1, {{1, 0.9, 1}, {3, 0.95, 4}}),
                               At(3, 0.2, {{1, 0.8, 2}, {3, 0.85, 5}}),
                               At(5, 0.3, {{1, 0.7, 3}, {3, 0.75, 6}}), At(2, 0.1, {{3, 0.9, 1}}),
                               At(6, 0.2, {{3, 0.8, 2}})};
  Trial stopped = At(4, 0.52, {{3, 0.12, 10}}, 0.12, /*stopped=*/true);
  stopped.end_time = 11;
  trials.push_back(stopped);
  REQUIRE(Decide(repeats, stopped, trials, spec).stop);
  // Trial 9 (bracket 0) at x = 0.5, last at step 1: its twin got further (step 3), so rung 0
  // stops it as any.
  Trial nine = At(9, 0.5, {{1, 0.1, 100}});
  nine.start_time = 50;
  const StopDecision at_step_1 = Decide(repeats, nine, trials, spec);
  CHECK(at_step_1.stop);
  CHECK(at_step_1.reason.find("ASHA rung 0 (step 1, bracket 0)") == 0);
  // Best at step 1 but last at step 3 (bracket 0's rung 1): spared there, its twin stopped at
  // that step.
  Trial eleven = At(11, 0.5, {{1, 0.99, 100}, {3, 0.2, 110}});
  eleven.start_time = 50;
  const StopDecision at_step_3 = Decide(repeats, eleven, trials, spec);
  CHECK_FALSE(at_step_3.stop);
  REQUIRE(at_step_3.promotions.size() == 2);
  CHECK(at_step_3.promotions[1].reason ==
        "ASHA rung 1 (step 3, bracket 0): m 0.2 at step 3 ranks 4th of 4 trials that reached the "
        "rung; goes on: trial 4, at nearly the same parameters, was stopped at rung 0 (step 3, "
        "bracket 1) before this one started: stopping it again would teach the model nothing");
}
