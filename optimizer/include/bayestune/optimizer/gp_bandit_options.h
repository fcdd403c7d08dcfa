#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "bayestune/optimizer/local_refinement_options.h"

namespace bayestune {

// The options of the GP bandit designer (gp_bandit_designer.h), every default tuned on the
// benchmark of docs/benchmarks.md. An embedder sets them in GpBanditOptions and passes the designer
// in StudyOptions::designer.

enum class AcquisitionKind {
  // log E[max(f(x) - best, 0)]: expected improvement in log space (Ament et al. 2023), finite and
  // with a useful gradient even where plain EI underflows to 0.
  kLogExpectedImprovement,
  // mean + beta * standard deviation.
  kUpperConfidenceBound,
  // log P(f(x) > best): probability of improvement in log space (one of MACE's three).
  kLogProbabilityOfImprovement,
};

// How the acquisition of a GP suggestion is chosen (docs/optimizer.md, "Exploration: what was
// tried").
enum class AcquisitionMix {
  // `GpBanditOptions::acquisition` on every suggestion.
  kSingle,
  // Log EI and UCB in turn, by the study's trial count (UCB on odd trials), as OSS Vizier mixes
  // UCB into its GP bandit.
  kAlternate,
  // After HEBO's MACE: log EI, log PI and UCB are each maximised, the maximisers that no other
  // one beats on all three acquisitions form the Pareto set, and one of them is drawn at random.
  kEnsemble,
  // UCB for the first `ucb_share` of the study's maxTrials, `acquisition` after: explore for the
  // basin, then refine in it (the default, with log EI after the first 75%).
  kUcbFirst,
};

// What the GP is fitted on (output_power_transform.h).
enum class OutputTransform {
  // WarpObjectiveValues (output_warper.h): half-rank, log warp, standardisation (after Vizier).
  kRankAndLogWarp,
  // HEBO's: standardise, a Yeo-Johnson power transform whose lambda maximises the Gaussian
  // likelihood of the result, standardise again.
  kYeoJohnson,
};

// The GP's kernel (docs/optimizer.md, "Exploration: the kernel's structure").
enum class KernelStructure {
  // Matern-5/2 with one length scale per dimension (ARD).
  kArd,
  // s2 * [(1 - w) * ARD + w * the mean of one-dimensional Matern-5/2 terms of the same length
  // scales], w fitted with the other hyperparameters (additive_matern52.h): what is learnt along
  // one axis carries over to the others where the function is (nearly) additive.
  kArdPlusAdditive,
  // The same with length scales of its own for the additive part (d more hyperparameters).
  kArdPlusAdditiveSeparateScales,
};

struct AcquisitionOptimizerOptions {
  // Candidates: scrambled Sobol points over the whole cube, and points around the best
  // observations (Gaussian steps of a few sizes).
  int sobol_candidates = 1024;
  int local_candidates = 512;
  int local_centers = 5;
  // The share of the local candidates that, instead of Gaussian steps, draw one coordinate of
  // the centre afresh (uniform on the unit interval) and keep the others: a jump into another
  // basin along one axis, which Gaussian steps of at most 0.15 never reach (styblinski4's wells
  // are 0.56 apart on each axis).
  double coordinate_jump_share = 0.0;
  // The best few distinct candidates are refined by L-BFGS (NLopt) on the DOUBLE, INTEGER and
  // DISCRETE coordinates of the parameters active at the candidate, each categorical and each
  // inactive parameter held at the candidate's value; then rounded.
  int refine_starts = 5;
  int refine_evaluations = 40;
  // A finite space with at most this many points is searched exhaustively instead.
  std::size_t max_enumerated_points = 4096;
  // With a GP of more observations than this, the candidate counts and refinement starts shrink
  // as (full_budget_observations / n)^2 (to at least 128 Sobol and 64 local candidates and 2
  // starts): a candidate's variance costs O(n^2), so that the cost stays about flat in n.
  int full_budget_observations = 300;
  // OSS Vizier's trust region (trust_region.h): a candidate farther (max norm, on the unit cube)
  // than the radius from every point of the GP loses against every candidate within it. The
  // radius is trust_region_radius + trust_region_growth * n / (d + 1) for n points in d model
  // dimensions; from 0.5 on there is no trust region.
  bool trust_region = false;
  double trust_region_radius = 0.2;
  double trust_region_growth = 0.1;
};

// Log-normal priors on the kernel's scales and a normal prior on the constant mean, for outputs
// that are standardised (mean 0, variance 1) and inputs on the unit cube.
struct GpPriors {
  // log l ~ N(mean, std^2) for every length scale; the mean grows with the dimension (as in
  // Hvarfner et al. 2024), since in more dimensions each one explains less.
  double log_length_scale_mean = -0.7;
  double log_length_scale_dimension_slope = 0.25;  // added: slope * ln(dimensions)
  double log_length_scale_std = 1.0;
  double log_signal_variance_mean = 0.0;
  double log_signal_variance_std = 1.0;
  // Wide: about 6e-6 for a deterministic objective, and the data can pull it up by orders of
  // magnitude for a noisy one. A tighter, lower prior did better on the deterministic benchmark
  // functions but overfitted noisy ones.
  double log_noise_variance_mean = -12.0;
  double log_noise_variance_std = 4.0;
  double mean_std = 1.0;
  // For KernelStructure::kArdPlusAdditive: logit(w) ~ N(mean, std^2) for the additive weight w.
  double additive_logit_mean = 0.0;
  double additive_logit_std = 2.0;
  // For GpFitOptions::input_warping: log a, log b ~ N(0, std^2) for each warped coordinate's
  // Kumaraswamy parameters (a = b = 1: no warp).
  double log_warp_std = 0.75;

  double LogLengthScaleMean(int dimensions) const;
};

struct GpFitOptions {
  // ARD plus additive: with the late refinement (LocalRefinementOptions) it found styblinski4's
  // global basin in 77% of the benchmark's tuning runs (48% with ARD alone) and kept every other
  // function's median within 10% of the issue-16 baseline (docs/optimizer.md, "The default after
  // the kernel and refinement rounds").
  KernelStructure kernel = KernelStructure::kArdPlusAdditive;
  // HEBO's input warping (Snoek et al. 2014): each DOUBLE parameter's model coordinate x is
  // mapped through the Kumaraswamy CDF 1 - (1 - x^a)^b before the kernel, log a and log b fitted
  // with the other hyperparameters (priors: GpPriors::log_warp_std). Off: measured on the
  // benchmark's tuning seeds (docs/optimizer.md, "Exploration: HEBO's input warping").
  bool input_warping = false;
  GpPriors priors;
  // L-BFGS runs: one from the priors' medians, `random_starts` more from draws of the priors; the
  // best maximum wins.
  int random_starts = 2;
  int max_evaluations = 60;  // per run
  // With more observations than this, the hyperparameters are fitted on a subset (the best quarter
  // and a random rest): the fit costs O(max_points^3) per step whatever n is.
  int max_points = 200;
  std::uint64_t seed = 0;
  // Bounds of the search, on the unit cube and standardised outputs.
  double min_length_scale = 5e-3;
  double max_length_scale = 50.0;
  double min_signal_variance = 0.02;
  double max_signal_variance = 50.0;
  double min_noise_variance = 1e-9;
  double max_noise_variance = 2.0;
  double max_abs_mean = 5.0;
  double max_abs_additive_logit = 8.0;
  double max_abs_log_warp = 2.0;  // a and b in [e^-2, e^2]
};

struct GpBanditOptions {
  // Scrambled Sobol points before the GP takes over; 0: DefaultInitialPoints(space).
  int initial_points = 0;
  // The Sobol design also goes on while fewer than this many trials are trained to the end
  // (SUCCEEDED, not stopped early): in an ASHA study most of the design's trials stop at the
  // first rungs, and a GP of one or two finished trials has nothing to say. 0: off. Screened
  // (docs/optimizer.md, "Multi-fidelity figures", the round of the early budget): behind at a
  // quarter and a third of the budget on the mild curves (fidelity_input_below_trained was ahead).
  int initial_design_until_trained = 0;
  // The acquisition of kSingle, and of kUcbFirst after its UCB share.
  AcquisitionKind acquisition = AcquisitionKind::kLogExpectedImprovement;
  double ucb_beta = 2.0;
  // UCB first found the global basin more often than log EI alone on the benchmark's tuning
  // seeds, and log EI after it keeps rosenbrock4's refinement (docs/optimizer.md, "Exploration:
  // what was tried").
  AcquisitionMix acquisition_mix = AcquisitionMix::kUcbFirst;
  double ucb_share = 0.75;  // for kUcbFirst
  // A study's UCB trials (sequential, and a parallel study's batch points) search only
  // [ucb_margin, 1 - ucb_margin] on the DOUBLE
  // parameters' model coordinates, since UCB's variance term favours the cube's faces
  // (hartmann6's runs that missed the global basin had a coordinate at a bound in most of their
  // UCB trials). A parameter whose best value lies at a bound is reached by the initial design
  // and after the UCB phase (log EI, the refinement box). Seeds 0-59: styblinski4's basin rate
  // 77% to 90%, hartmann6's 55% to 60% (docs/optimizer.md, "Leaving a local basin"); batches of
  // 4, seeds 0-59 and 100-159: levy4's median 0.0025 to 0.00075, styblinski4's 0.0017 to 0.00078
  // ("Batches: the UCB margin"). 0: off.
  double ucb_margin = 0.05;
  // The margin applies to the UCB trials before this share of maxTrials only (1: all of them).
  double ucb_margin_share = 1.0;
  // kUcbFirst's share for a study that runs trials in parallel (a suggestion asked for several
  // points, or made with trials pending); negative: `ucb_share`. A batch of 4 refines less per
  // point than sequential steps do, so it switches to log EI earlier (docs/optimizer.md,
  // "Refinement late in a study, and batches").
  double parallel_ucb_share = 0.5;
  OutputTransform output_transform = OutputTransform::kRankAndLogWarp;
  // When several points are asked at once in the second half of a study (by maxTrials), make the
  // first GP point the maximiser of the posterior mean: batches then converge as sequential
  // suggestions do.
  bool batch_exploitation = true;
  // On, in a study with ASHA early stopping (and one objective): the training step is an input of
  // the GP: every trial's values at the rungs it reached are observations at their step's
  // fidelity (log step / log maxStep), a trial trained to the end is its final value at fidelity
  // 1, and the acquisition is searched at fidelity 1 (the final step). Off (the default): trials
  // stopped early are pending points and the GP learns from the trials trained to the end only.
  // Measured both ways (docs/optimizer.md, "Stopped is not finished"): ahead on curves whose early
  // ranking is mostly right, behind where slow starters finish best. (Only early in a study:
  // fidelity_input_below_trained.)
  bool fidelity_input = false;
  // With fidelity_input off, the fidelity input all the same while the study has fewer than this
  // many trials trained to the end (SUCCEEDED, not stopped early); pending points after. Early in
  // an ASHA study the GP of the finished trials has one or two of them and spends its UCB trials
  // on the corners of the cube; the rung values of the trials stopped early are what there is to
  // learn from. 4: where ASHA's model-based promotion starts. Measured with
  // fidelity_stopped_pending (docs/optimizer.md, "Multi-fidelity figures", the round of the early
  // budget, K = 4): gp+asha on the mild curves ahead at a quarter and a third of the budget and
  // level or ahead after; on the adversarial ones, pooled over three runs of 20 seeds, not behind
  // from half the budget on (8 was behind at the end there, so not that). Studies without ASHA
  // (HasRungFidelity) never take the fidelity input: this changes nothing for them. 0: never.
  int fidelity_input_below_trained = 4;
  // With the fidelity input, a trial stopped early is also a pending point at the final step (the
  // kriging believer gives it the model's mean there), besides its curve's observations: else its
  // point keeps the variance of an unobserved final value and the acquisition suggests it (or a
  // point within 0.01 of it) again, trial after trial. On by default with
  // fidelity_input_below_trained (measured together); fidelity_input alone was measured without it
  // (false gives that).
  bool fidelity_stopped_pending = true;
  // Beyond fidelity_input_below_trained, the fidelity input all the same while the trials trained
  // to the end rank at the first rung's step (minStep) as they do at the end: Spearman's rank
  // correlation of their values there with their final values at least this (and at least 4 such
  // trials). Where early values rank configurations as their finals do, the stopped trials' rung
  // values are learnt from; where they mislead (slow starters that finish best), stopped trials
  // stay pending points. With one ASHA bracket only (Hyperband's brackets rank by predicted
  // finals instead). nullopt: off. 0.6 by default: measured, docs/optimizer.md, "Multi-fidelity
  // figures" (the round of early ranks that mislead).
  std::optional<double> fidelity_input_rank_correlation = 0.6;
  // The GP is conditioned on at most this many finished trials (see ModelPoints), so that memory
  // stays around 100 MB however long the study; memory is O(n^2) below that.
  int max_model_points = 1000;
  // The hyperparameters are fitted again on every suggestion while the study has at most
  // `refit_all_up_to` finished trials; beyond, only at refit points (each `refit_growth` more
  // finished trials than the last, as a share), and the fit of the last refit point is reused in
  // between. A refit point's fit uses the study's first finished trials up to that count and a
  // seed derived from the study's seed and the count, so it is a function of the history alone:
  // a designer that kept it (a long-lived server) and one that computes it afresh suggest the
  // same points.
  int refit_all_up_to = 100;
  double refit_growth = 0.1;
  GpFitOptions fit;
  // fit.kernel applies while the finished trials are fewer than this share of maxTrials; the
  // ARD kernel after (the refinement of a found basin, where interactions matter). Single
  // objective only: the multi-objective GPs use fit.kernel throughout.
  double kernel_share = 1.0;
  AcquisitionOptimizerOptions acquisition_optimizer;
  LocalRefinementOptions local_refinement;
};

}  // namespace bayestune
