// The GP with the training step as an input (issue 20, multi-fidelity): the curve observations a
// trial gives, the GP searched at the final step, and a suggestion that moves with what stopped
// trials' early values say.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "gaussian_process.h"
#include "stopped_trial_values.h"

using namespace bayestune;

namespace {

StudySpec AshaSpec() {
  StudySpec spec;
  spec.metric_tag = "m";
  spec.goal = Goal::kMaximize;
  spec.max_trials = 1000;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha,
                         .min_step = 1,
                         .max_step = 27,
                         .reduction_factor = 3,
                         .brackets = 1};
  return spec;
}

// A trial at x whose curve is final * (1 - exp(-step / tau)) at every step up to `last_step`:
// trained to the end when last_step is 27, else stopped early there.
Trial CurveTrial(std::int64_t id, double x, double final, double tau, std::int64_t last_step) {
  Trial t;
  t.id = id;
  t.state = TrialState::kSucceeded;
  t.parameters = {{"x", ParameterValue(x)}};
  t.stopped_early = last_step < 27;
  double wall = 1000.0 * static_cast<double>(id);
  for (std::int64_t s = 1; s <= last_step; ++s) {
    const double v = final * (1 - std::exp(-static_cast<double>(s) / tau));
    t.measurements.push_back({.metric = "m", .step = s, .value = v, .wall_time = ++wall});
  }
  t.final_value = t.measurements.back().value;
  t.final_step = last_step;
  t.end_time = wall;
  return t;
}

double TrueFinal(double x) {
  return 0.9 - 1.6 * (x - 0.5) * (x - 0.5);
}

// Four trials trained to the end near the edges (finals 0.58 to 0.64) and eight stopped at rung 1
// or 3 in the middle, where the final value peaks (0.9 at x = 0.5); every curve learns at the
// same pace (tau 3). Ids 1 to 12.
std::vector<Trial> EdgesTrainedMiddleStopped() {
  std::vector<Trial> trials;
  std::int64_t id = 0;
  for (double x : {0.05, 0.1, 0.9, 0.95})
    trials.push_back(CurveTrial(++id, x, TrueFinal(x), 3, 27));
  int k = 0;
  for (double x : {0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7})
    trials.push_back(CurveTrial(++id, x, TrueFinal(x), 3, ++k % 2 == 0 ? 3 : 1));
  return trials;
}

// Options whose suggestion is the posterior mean's maximiser (UCB with beta 0).
GpBanditOptions MeanMaximiser() {
  GpBanditOptions options;
  options.acquisition_mix = AcquisitionMix::kSingle;
  options.acquisition = AcquisitionKind::kUpperConfidenceBound;
  options.ucb_beta = 0.0;
  return options;
}

// The one point a fresh designer with `options` suggests for `study`, its stopped trials made
// pending as a study does (TrialsForModel).
double SuggestedX(const GpBanditOptions& options, const StudySpec& spec,
                  const std::vector<Trial>& study) {
  const SearchSpace space(spec.parameters);
  GpBanditDesigner designer(options);
  const std::vector<ParameterValues> points =
      designer.Suggest(DesignerInput{space, spec, TrialsForModel(study, spec), 1, 7});
  REQUIRE(points.size() == 1);
  return points[0].at("x").AsDouble();
}

}  // namespace

TEST_CASE("a trial's curve observations are its values at the rungs it reached", "[fidelity]") {
  const StudySpec spec = AshaSpec();
  REQUIRE(HasRungFidelity(spec));
  CHECK(StepFidelity(1, spec) == 0.0);
  CHECK(StepFidelity(3, spec) == Approx(1.0 / 3));
  CHECK(StepFidelity(9, spec) == Approx(2.0 / 3));
  CHECK(StepFidelity(27, spec) == 1.0);

  // Trained to the end: rungs 1, 3 and 9 (its final value is the designer's, at fidelity 1).
  const Trial full = CurveTrial(1, 0.2, 0.8, 3, 27);
  const std::vector<CurveObservation> seen = CurveObservations(full, spec);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].fidelity == 0.0);
  CHECK(seen[0].value == full.measurements[0].value);
  CHECK(seen[1].fidelity == Approx(1.0 / 3));
  CHECK(seen[1].value == full.measurements[2].value);
  CHECK(seen[2].fidelity == Approx(2.0 / 3));
  CHECK(seen[2].value == full.measurements[8].value);
  CHECK(seen[2].wall_time == full.measurements[8].wall_time);

  // Stopped at step 5, past rung 3: rungs 1 and 3, and where it was cut off.
  const Trial stopped = CurveTrial(2, 0.7, 0.9, 8, 5);
  const std::vector<CurveObservation> cut = CurveObservations(stopped, spec);
  REQUIRE(cut.size() == 3);
  CHECK(cut[2].fidelity == Approx(std::log(5.0) / std::log(27.0)));
  CHECK(cut[2].value == stopped.measurements[4].value);
  // TrialsForModel keeps its curve (pending, stopped_early still set).
  const std::vector<Trial> model = TrialsForModel({stopped}, spec);
  CHECK(model[0].state == TrialState::kActive);
  CHECK(model[0].stopped_early);
  CHECK(CurveObservations(model[0], spec).size() == 3);

  // An earlier attempt's measurements are not the current attempt's curve.
  Trial rerun = stopped;
  rerun.attempt = 2;
  for (Measurement& m : rerun.measurements)
    m.attempt = 1;
  CHECK(CurveObservations(rerun, spec).empty());

  // No fidelity without ASHA (the median rule has no rungs) or with several objectives.
  StudySpec median = spec;
  median.early_stopping.rule = EarlyStoppingRule::kMedian;
  CHECK_FALSE(HasRungFidelity(median));
  CHECK(CurveObservations(full, median).empty());
  StudySpec off = spec;
  off.enable_early_stopping = false;
  CHECK_FALSE(HasRungFidelity(off));
  StudySpec two = spec;
  two.metrics = {{.metric_id = "m", .goal = Goal::kMaximize},
                 {.metric_id = "n", .goal = Goal::kMinimize}};
  CHECK_FALSE(HasRungFidelity(two));
}

// Found by the fault campaign fieldtest11: a spec whose next rung lies past the largest int64
// (minStep 5e18, reductionFactor 3) made CurveObservations multiply past it; the step wrapped to a
// negative one, which every measurement "reaches", and the loop went on taking observations: a
// served study of minStep 2^62 grew its server by gigabytes in a minute at its second
// SuggestTrials, never answering.
TEST_CASE("a trial's curve observations stop at the last rung below maxStep near int64's limit",
          "[fidelity]") {
  StudySpec spec = AshaSpec();
  spec.early_stopping.min_step = 5'000'000'000'000'000'000;
  spec.early_stopping.max_step = std::numeric_limits<std::int64_t>::max();
  REQUIRE(HasRungFidelity(spec));
  Trial t;
  t.id = 1;
  t.state = TrialState::kActive;
  t.parameters = {{"x", ParameterValue(0.5)}};
  t.measurements.push_back(
      {.metric = "m", .step = spec.early_stopping.min_step, .value = 0.5, .wall_time = 1});
  const std::vector<CurveObservation> seen = CurveObservations(t, spec);
  REQUIRE(seen.size() == 1);  // rung 0 only: 3 * 5e18 is past maxStep
  CHECK(seen[0].value == 0.5);
  CHECK(seen[0].fidelity == Approx(StepFidelity(spec.early_stopping.min_step, spec)));
}

TEST_CASE("a GP with fixed trailing inputs predicts on that slice of its inputs",
          "[fidelity][gp]") {
  Eigen::MatrixXd points(2, 5);
  points << 0.1, 0.4, 0.7, 0.9, 0.3,  //
      0.0, 0.5, 1.0, 1.0, 0.0;
  Eigen::VectorXd values(5);
  values << 0.2, 0.5, 0.9, 0.7, 0.1;
  GpHyperparameters h;
  h.length_scales = Eigen::Vector2d(0.3, 0.6);
  h.signal_variance = 1.2;
  h.noise_variance = 1e-4;
  h.mean = 0.3;
  const GaussianProcess full(points, values, h);
  GaussianProcess slice(points, values, h);
  slice.FixTrailingInputs(Eigen::VectorXd::Ones(1));
  CHECK(full.dimensions() == 2);
  CHECK(slice.dimensions() == 1);

  Eigen::MatrixXd at(1, 3);
  at << 0.05, 0.5, 0.8;
  Eigen::MatrixXd at_full(2, 3);
  at_full << 0.05, 0.5, 0.8,  //
      1.0, 1.0, 1.0;
  Eigen::VectorXd m1, v1, m2, v2;
  slice.Predict(at, &m1, &v1);
  full.Predict(at_full, &m2, &v2);
  CHECK((m1 - m2).norm() < 1e-12);
  CHECK((v1 - v2).norm() < 1e-12);

  double mean = 0, variance = 0, full_mean = 0, full_variance = 0;
  Eigen::VectorXd dm, dv, full_dm, full_dv;
  slice.PredictWithGradient(Eigen::VectorXd::Constant(1, 0.6), &mean, &variance, &dm, &dv);
  full.PredictWithGradient(Eigen::Vector2d(0.6, 1.0), &full_mean, &full_variance, &full_dm,
                           &full_dv);
  CHECK(mean == Approx(full_mean));
  CHECK(variance == Approx(full_variance));
  REQUIRE(dm.size() == 1);
  CHECK(dm[0] == Approx(full_dm[0]));
  CHECK(dv[0] == Approx(full_dv[0]));

  // A fantasy is added on the slice.
  slice.AddObservation(Eigen::VectorXd::Constant(1, 0.6), 0.8);
  CHECK(slice.points().col(5) == Eigen::Vector2d(0.6, 1.0));
}

TEST_CASE("stopped trials' early values move the GP's suggestion through the fidelity input",
          "[fidelity]") {
  // Every curve learns at the same pace (tau 3), so a value at a rung is the final value times a
  // factor of the step. Trained to the end: four trials near the edges (finals 0.58 to 0.64);
  // stopped at rung 1 or 3: eight in the middle, where the final value peaks (0.9 at x = 0.5).
  const StudySpec spec = AshaSpec();
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials = EdgesTrainedMiddleStopped();
  auto id = static_cast<std::int64_t>(trials.size());
  const std::vector<Trial> model = TrialsForModel(trials, spec);

  // The posterior mean's maximiser (UCB with beta 0), at the final step; the fidelity input by
  // fidelity_input alone (the four trained trials rank at step 1 as at the end, which would keep
  // it on by the rank correlation).
  GpBanditOptions options = MeanMaximiser();
  options.fidelity_input_rank_correlation.reset();
  auto suggest = [&](bool fidelity_input) {
    options.fidelity_input = fidelity_input;
    GpBanditDesigner designer(options);
    const std::vector<ParameterValues> points =
        designer.Suggest(DesignerInput{space, spec, model, 1, 7});
    REQUIRE(points.size() == 1);
    return points[0].at("x").AsDouble();
  };
  // With the step as an input, the stopped trials' early values say where the end is best.
  const double with_fidelity = suggest(true);
  CHECK(with_fidelity > 0.4);
  CHECK(with_fidelity < 0.6);
  // Without it they are pending points, and the model knows only the edges: its best is there.
  const double pending_only = suggest(false);
  CHECK((pending_only < 0.3 || pending_only > 0.7));

  // Pending trials and batches: a running trial's rungs are observations and its point pending at
  // the final step; a batch of three gives three different feasible points.
  std::vector<Trial> running = model;
  Trial active = CurveTrial(++id, 0.2, TrueFinal(0.2), 3, 3);
  active.state = TrialState::kActive;
  active.stopped_early = false;
  active.final_value.reset();
  running.push_back(active);
  options.fidelity_input = true;
  GpBanditDesigner designer(options);
  const std::vector<ParameterValues> batch =
      designer.Suggest(DesignerInput{space, spec, running, 3, 11});
  REQUIRE(batch.size() == 3);
  for (const ParameterValues& p : batch)
    CHECK_NOTHROW(space.Validate(p));
  CHECK(batch[0].at("x").AsDouble() != batch[1].at("x").AsDouble());
  CHECK(batch[1].at("x").AsDouble() != batch[2].at("x").AsDouble());
  CHECK(batch[0].at("x").AsDouble() != batch[2].at("x").AsDouble());
}

TEST_CASE("a batch's local model takes final values only, not a rung's value as if it were final",
          "[fidelity]") {
  // Late in a parallel study (42 of 60 trials): thirty trials trained to the end, their final
  // values peaking at x = 0.5 (0.9), and six stopped at rung 1 or 3 near x = 0.64 whose early
  // values (1.4 to 3.2) are above every final value.
  StudySpec spec = AshaSpec();
  spec.max_trials = 60;
  const SearchSpace space(spec.parameters);
  std::vector<Trial> trials;
  std::int64_t id = 0;
  for (int i = 0; i < 30; ++i) {
    const double x = static_cast<double>(i) / 29.0;
    trials.push_back(CurveTrial(++id, x, TrueFinal(x), 3, 27));
  }
  int k = 0;
  for (double x : {0.61, 0.62, 0.63, 0.64, 0.65, 0.66})
    trials.push_back(CurveTrial(++id, x, 5.0, 3, ++k % 2 == 0 ? 3 : 1));
  const std::vector<Trial> model = TrialsForModel(trials, spec);

  GpBanditOptions options;
  options.fidelity_input = true;
  options.local_refinement.radius = 0.2;
  options.local_refinement.final_radius = 0.2;
  options.local_refinement.free_every = 0;
  options.local_refinement.parallel_local_model_points = 10;
  GpBanditDesigner designer(options);
  const std::vector<ParameterValues> batch =
      designer.Suggest(DesignerInput{space, spec, model, 4, 3});
  REQUIRE(batch.size() == 4);
  // The round's first point is the local model's mean maximiser: at the final values' peak;
  // every point is in the box around the incumbent (x = 14/29 or 15/29).
  CHECK(batch[0].at("x").AsDouble() == Approx(0.5).margin(0.06));
  for (const ParameterValues& p : batch)
    CHECK(std::abs(p.at("x").AsDouble() - 0.5) <= 0.2 + 1.0 / 58 + 1e-9);
}

TEST_CASE(
    "with fidelity_input_below_trained the GP learns from stopped trials' rungs early, "
    "from pending points after",
    "[fidelity]") {
  // As above: four trials trained to the end near the edges (finals 0.58 to 0.64), eight stopped
  // at rung 1 or 3 in the middle, where the final value peaks (0.9 at x = 0.5).
  const StudySpec spec = AshaSpec();
  std::vector<Trial> trials = EdgesTrainedMiddleStopped();
  auto id = static_cast<std::int64_t>(trials.size());

  // The posterior mean's maximiser; the fidelity input while fewer than 8 trials are trained to
  // the end (fidelity_input itself off), stopped trials pending at the final step under it.
  GpBanditOptions options = MeanMaximiser();
  options.fidelity_input_below_trained = 8;
  options.fidelity_stopped_pending = true;
  options.fidelity_input_rank_correlation.reset();  // by the count of trained trials alone
  auto suggest = [&](const std::vector<Trial>& study) { return SuggestedX(options, spec, study); };
  // Four trained to the end: the step is an input, and the stopped trials' early values say
  // where the end is best.
  const double early = suggest(trials);
  CHECK(early > 0.4);
  CHECK(early < 0.6);

  // Eight trained to the end (four more near the edges): the stopped trials are pending points
  // again and the GP of the finished trials knows only the edges.
  for (double x : {0.02, 0.07, 0.93, 0.98})
    trials.push_back(CurveTrial(++id, x, TrueFinal(x), 3, 27));
  const double later = suggest(trials);
  CHECK((later < 0.3 || later > 0.7));

  // Off (the default): pending points from the start.
  trials.resize(12);
  options.fidelity_input_below_trained = 0;
  const double off = suggest(trials);
  CHECK((off < 0.3 || off > 0.7));
}

TEST_CASE(
    "by default an ASHA study's GP takes the step as an input while fewer than 4 trials are "
    "trained to the end, with stopped trials pending at the final step, then while their early "
    "ranks agree with their finals, and pending points when they do not",
    "[fidelity]") {
  const StudySpec spec = AshaSpec();
  REQUIRE(GpBanditOptions{}.fidelity_input_below_trained == 4);
  REQUIRE(GpBanditOptions{}.fidelity_stopped_pending);
  REQUIRE(GpBanditOptions{}.fidelity_input_rank_correlation == 0.6);

  // The default options, but the suggestion the posterior mean's maximiser.
  auto suggest = [&](const GpBanditOptions& options, const std::vector<Trial>& study) {
    return SuggestedX(options, spec, study);
  };

  // Three trials trained to the end near the edges (finals 0.58 to 0.64), eight stopped at rung
  // 1 or 3 in the middle, where the final value peaks: the stopped trials' early values say
  // where the end is best.
  std::vector<Trial> trials = EdgesTrainedMiddleStopped();
  trials.erase(trials.begin() + 1);  // the trial at 0.1
  const double three = suggest(MeanMaximiser(), trials);
  CHECK(three > 0.4);
  CHECK(three < 0.6);

  // Four trained to the end, every curve at the same pace: they rank at step 1 as at the end
  // (correlation 1), so the stopped trials' early values are still learnt from.
  trials.push_back(CurveTrial(13, 0.02, TrueFinal(0.02), 3, 27));
  const double four = suggest(MeanMaximiser(), trials);
  CHECK(four > 0.4);
  CHECK(four < 0.6);
  // The best (x = 0.9) and one of the two next (x = 0.05) start slowest (tau 12): at step 1 the
  // four rank against their finals (correlation -0.32, below 0.6), so the stopped trials are
  // pending points, and the GP of the finished trials knows only the edges.
  std::vector<Trial> misleading = trials;
  for (const int i : {0, 1})
    misleading[i] = CurveTrial(misleading[i].id, misleading[i].parameters.at("x").AsDouble(),
                               TrueFinal(misleading[i].parameters.at("x").AsDouble()), 12, 27);
  const double misled = suggest(MeanMaximiser(), misleading);
  CHECK((misled < 0.3 || misled > 0.7));

  // Under the fidelity input, a stopped trial is pending at the final step: UCB (beta 2) does not
  // go back to the point of a trial stopped at step 3, as it does when only its rung values are
  // observed there (the variance of its unobserved final value).
  const std::vector<Trial> one_stopped = {CurveTrial(1, 0.05, TrueFinal(0.05), 3, 27),
                                          CurveTrial(2, 0.95, TrueFinal(0.95), 3, 27),
                                          CurveTrial(3, 0.5, TrueFinal(0.5), 3, 3)};
  GpBanditOptions ucb;
  ucb.acquisition_mix = AcquisitionMix::kSingle;
  ucb.acquisition = AcquisitionKind::kUpperConfidenceBound;
  ucb.ucb_beta = 2.0;
  ucb.initial_points = 3;  // the GP from the fourth trial
  const double pending = suggest(ucb, one_stopped);
  CHECK(std::abs(pending - 0.5) > 0.1);
  ucb.fidelity_stopped_pending = false;
  const double not_pending = suggest(ucb, one_stopped);
  CHECK(std::abs(not_pending - 0.5) < 0.02);
}

TEST_CASE("the early fidelity defaults change nothing in a study without ASHA", "[fidelity]") {
  StudySpec spec = AshaSpec();
  spec.enable_early_stopping = false;
  const SearchSpace space(spec.parameters);
  // Two trials trained to the end, one running: below 4 trained to the end, where an ASHA study
  // takes the step as an input.
  std::vector<Trial> trials = {CurveTrial(1, 0.05, TrueFinal(0.05), 3, 27),
                               CurveTrial(2, 0.95, TrueFinal(0.95), 3, 27),
                               CurveTrial(3, 0.5, TrueFinal(0.5), 3, 3)};
  trials[2].state = TrialState::kActive;
  trials[2].stopped_early = false;
  trials[2].final_value.reset();
  GpBanditOptions defaults;
  defaults.initial_points = 2;  // the GP from the third trial
  GpBanditOptions off = defaults;
  off.fidelity_input_below_trained = 0;
  off.fidelity_stopped_pending = false;
  for (int count : {1, 3}) {
    const std::vector<ParameterValues> with_defaults =
        GpBanditDesigner(defaults).Suggest(DesignerInput{space, spec, trials, count, 7});
    const std::vector<ParameterValues> without =
        GpBanditDesigner(off).Suggest(DesignerInput{space, spec, trials, count, 7});
    REQUIRE(with_defaults.size() == static_cast<std::size_t>(count));
    REQUIRE(without.size() == with_defaults.size());
    for (std::size_t i = 0; i < without.size(); ++i)
      CHECK(with_defaults[i].at("x").AsDouble() == without[i].at("x").AsDouble());
  }
}

TEST_CASE(
    "fidelity_input_rank_correlation: the step stays a GP input while the trials trained to the "
    "end rank at the first rung as they do at the end",
    "[fidelity]") {
  const StudySpec spec = AshaSpec();
  GpBanditOptions options = MeanMaximiser();
  options.fidelity_input_rank_correlation = 0.3;
  auto suggest = [&](const std::vector<Trial>& study) { return SuggestedX(options, spec, study); };
  // Four trained to the end near the edges, eight stopped in the middle, where the final value
  // peaks; every curve at the same pace, so the four rank at step 1 as at the end (correlation 1):
  // the stopped trials' early values are learnt from, and say where the end is best.
  const std::vector<Trial> agree = EdgesTrainedMiddleStopped();
  const double learnt = suggest(agree);
  CHECK(learnt > 0.4);
  CHECK(learnt < 0.6);
  // The two that end best (x = 0.1 and 0.9) start slowest (tau 12): at step 1 they rank below the
  // other two (correlation -1), so early values are not trusted: the stopped trials are pending
  // points, and the GP of the finished trials knows only the edges.
  std::vector<Trial> disagree = agree;
  disagree[1] = CurveTrial(2, 0.1, TrueFinal(0.1), 12, 27);
  disagree[2] = CurveTrial(3, 0.9, TrueFinal(0.9), 12, 27);
  const double pending = suggest(disagree);
  CHECK((pending < 0.3 || pending > 0.7));
  // With Hyperband brackets it does nothing (measured with one bracket): pending points.
  StudySpec brackets = spec;
  brackets.early_stopping.brackets = 2;
  const double bracketed = SuggestedX(options, brackets, agree);
  CHECK((bracketed < 0.3 || bracketed > 0.7));
  // Off: pending points once 4 trials are trained to the end, whatever the curves.
  options.fidelity_input_rank_correlation.reset();
  const double off = suggest(agree);
  CHECK((off < 0.3 || off > 0.7));
}
