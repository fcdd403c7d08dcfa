// Multi-fidelity bench (issue 20): the best *fully trained* value found as a function of the total
// training steps consumed, on synthetic learning curves with a known final value and slow starters
// (learning_curve_trainer), run through the real runner with real trainer processes and event
// files. Methods: GP without stopping, GP + median rule, random + ASHA, GP + ASHA, GP + ASHA with
// Hyperband brackets, gp+asha-rank (GP + ASHA without model-based promotion: ranks only), and
// gp+asha-fidelity, gp+hyperband-fidelity (the GP with the training step as an input), and the
// designer variants of the early budget, as suffixes of gp+asha / gp+hyperband: -earlyK (the
// step as an input while fewer than K trials are trained to the end; -earlyKp: with stopped
// trials pending at the final step too; -early0: the default), -sobolK (the Sobol design goes on
// while fewer than K are trained to the end), -trustR (a rung stops no trial while its ranks have
// not foretold the final ones: AshaStoppingRule's min_rank_agreement R), -repeat (a trial the
// designer proposed again near one a rung stopped goes on: spare_repeats). Each
// run goes on until `--budget` steps were consumed (then it is interrupted: nothing new starts); a
// trial counts when it was trained to the last step within the budget, with its true (noise-free)
// final value. Prints one JSON line per (method, seed) and a table of medians over seeds. Prints
// figures; never passes or fails.
//
//   multi_fidelity_bench [--seeds=10] [--first-seed=0] [--budget=270] [--steps=27]
//                        [--sleep-ms=2] [--parallel=2]
//                        [--landscape=quadratic3|hartmann6] (the final values: learning_curve.h)
//                        [--slow=a|c|mild|instant] (a: the optimum starts slowly; c: slow starters
//                        anywhere; mild: the early ranking mostly right, a fifth slow starters;
//                        instant: every step reports the final value)
//                        [--max-trials=2000] (the study's maxTrials, which the designer's
//                        schedule goes by; the run also ends there) [--min-step=1]
//                        [--reduction-factor=3] (ASHA's first rung and reduction)
//                        [--methods=gp,gp+median,random+asha,gp+asha,gp+hyperband,gp+asha-rank,
//                                   gp+asha-fidelity,gp+hyperband-fidelity,gp+asha-early0,...]
//                        [--trace] (also one "trace" JSON line per trial, in finishing order: how
//                        it got past each rung, the trials trained to the end when it started,
//                        steps spent after it, its parameters; the default output is unchanged
//                        without it)
// Each JSON line also gives mean_a and mean_a_full, the mean of the first parameter (a, x1) over
// all trials and over those trained to the end: where the method looked (quadratic3's optimum is at
// a = 0.75, the slowest starters with --slow=a).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "bench_flags.h"
#include "learning_curve.h"
#include "step_budget.h"

using namespace bayestune;
using bayestune::bench::FlagValue;

namespace {

struct Options {
  int seeds = 10;
  int first_seed = 0;
  std::int64_t budget = 270;
  int steps = 27;
  int sleep_ms = 2;
  int parallel = 2;
  std::string slow = "a";
  bench::Landscape landscape = bench::Landscape::kQuadratic3;
  std::string landscape_name = "quadratic3";
  std::int64_t min_step = 1;  // ASHA's first rung
  int reduction_factor = 3;
  int max_trials = 2000;  // the study's maxTrials: the designer's schedule goes by it
  std::vector<std::string> methods = {"gp", "gp+median", "random+asha", "gp+asha", "gp+hyperband"};
  bool trace = false;
};

// Interrupts the run once the trials reported `budget` steps in all.
class BudgetEvents : public RunnerEvents {
 public:
  BudgetEvents(std::int64_t budget, const std::string& metric) : budget_(budget), metric_(metric) {}
  void OnMeasurements(std::int64_t trial_id,
                      const std::vector<Measurement>& measurements) override {
    for (const Measurement& m : measurements) {
      if (m.metric != metric_) continue;
      std::int64_t& last = last_[trial_id];
      spent_ += std::max<std::int64_t>(0, m.step - last);
      last = std::max(last, m.step);
    }
    if (spent_ >= budget_ && runner && !interrupted_) {
      interrupted_ = true;
      runner->RequestInterrupt();
    }
  }
  void OnTrialFinished(const TrialFinishedEvent& e) override {
    finished_order.push_back(e.trial.id);
    if (e.trial.state == TrialState::kSucceeded && !e.trial.stopped_early) ++trained_to_end;
  }
  void OnTrialStarted(const TrialStartedEvent& e) override {
    full_when_started[e.trial.id] = trained_to_end;
  }
  // For --trace: how the trial got past each rung (F: among the first at the rung, R: by rank,
  // M: by the model).
  void OnTrialPromoted(const TrialPromotedEvent& e) override {
    const char how = e.reason.find("by the model") != std::string::npos      ? 'M'
                     : e.reason.find("among the first") != std::string::npos ? 'F'
                     : e.reason.find("ranks 1st of 1 ") != std::string::npos ? 'F'
                                                                             : 'R';
    promotions[e.trial_id] += how;
  }
  TrialRunner* runner = nullptr;
  std::vector<std::int64_t> finished_order;
  int trained_to_end = 0;
  std::map<std::int64_t, int> full_when_started;
  std::map<std::int64_t, std::string> promotions;

 private:
  std::int64_t budget_;
  std::string metric_;
  std::int64_t spent_ = 0;
  bool interrupted_ = false;
  std::map<std::int64_t, std::int64_t> last_;
};

StudySpec MethodSpec(const std::string& method, const Options& o, std::uint64_t seed) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = o.max_trials;  // the step budget ends the run (or this many trials)
  spec.max_parallel_trials = o.parallel;
  spec.max_failed_trials = 2000;
  spec.seed = seed;
  for (const std::string& name : bench::LandscapeParameters(o.landscape))
    spec.parameters.push_back(ParameterSpec::Double(name, 0, 1));
  if (method.starts_with("random")) spec.algorithm = Algorithm::kRandomSearch;
  if (method.ends_with("median")) spec.enable_early_stopping = true;
  if (method.find("asha") != std::string::npos || method.find("hyperband") != std::string::npos) {
    spec.enable_early_stopping = true;
    spec.early_stopping = {.rule = EarlyStoppingRule::kAsha,
                           .min_step = o.min_step,
                           .max_step = o.steps,
                           .reduction_factor = o.reduction_factor,
                           .brackets = method.find("hyperband") != std::string::npos ? 3 : 1};
  }
  return spec;
}

std::map<std::string, double> ParameterValues(const Trial& trial) {
  std::map<std::string, double> values;
  for (const auto& [name, value] : trial.parameters)
    values[name] = value.AsDouble();
  return values;
}

struct Outcome {
  std::vector<double> best_at;  // at 1/4, 1/2, 3/4 and all of the budget
  double best_at_third = NAN;   // at 1/3: issue 20's target compares GP + ASHA there with GP at 1
  int trials = 0;
  int full = 0;
  int stopped = 0;
  std::int64_t past_rung = 0;  // steps stopped trials ran past the last rung they reached
  double seconds = 0;
  double mean_a = 0, mean_a_full = 0;
};

// The number after a method's suffix ("0.6" of -agree0.6), up to the next '-' that does not
// start it; "off" gives nullopt (the option off).
std::optional<double> SuffixNumber(const std::string& method, std::size_t from) {
  const std::size_t end = method.find('-', from + 1);
  const std::string text = method.substr(from, end == std::string::npos ? end : end - from);
  if (text == "off") return std::nullopt;
  return std::stod(text);
}

Outcome RunOne(const std::string& method, const Options& o, int seed,
               const std::filesystem::path& dir) {
  std::vector<std::string> trace;
  const StudySpec spec = MethodSpec(method, o, 1000 + seed);
  // gp+asha-rank: the GP with ASHA's ranking alone (no model-based promotion), for comparison.
  std::shared_ptr<const StoppingRule> rule;
  if (method.ends_with("asha-rank")) {
    rule = std::make_shared<AshaStoppingRule>(spec.early_stopping, AshaPromotion::kRankOnly);
  }
  // The rule's parts, the method's defaults (MakeStoppingRule's) unless a suffix says otherwise:
  // ...-gain: the rungs rank by value + the gain to the end a GP of the trials trained to the end
  // predicts (AshaRanking::kPredictedFinal; gp+hyperband's default), ...-value by the value at the
  // rung alone (gp+asha's default).
  // ...-trustR: a rung spares the trials it would stop while the trials trained to the end ranked
  // at its step against their finals with rank correlation below R (AshaStoppingRule's
  // min_rank_agreement; gp+asha's default is 0.5, AshaRankAgreementFor); -trustoff: no such guard.
  // ...-repeat: a trial the designer proposed again near one a rung stopped goes on
  // (AshaStoppingRule's spare_repeats, an option: off by default).
  if (spec.early_stopping.rule == EarlyStoppingRule::kAsha && !method.ends_with("asha-rank")) {
    AshaRanking ranking = AshaRankingFor(spec);
    std::optional<double> agreement = AshaRankAgreementFor(spec);
    const bool repeats = method.find("-repeat") != std::string::npos;
    if (method.ends_with("-gain")) ranking = AshaRanking::kPredictedFinal;
    if (method.ends_with("-value")) ranking = AshaRanking::kValueAtRung;
    if (const std::size_t at = method.find("-trust"); at != std::string::npos) {
      agreement = SuffixNumber(method, at + 6);
    }
    rule = std::make_shared<AshaStoppingRule>(spec.early_stopping, AshaPromotionFor(spec), ranking,
                                              agreement, repeats);
  }
  // ...-fidelity: the GP with the training step as an input (GpBanditOptions::fidelity_input:
  // every trial's rung values are observations), against the default (trials stopped early are
  // pending points, the GP learns from the trials trained to the end), as measured: without the
  // early-budget defaults (fidelity_stopped_pending).
  std::shared_ptr<Designer> designer;
  if (method.ends_with("-fidelity")) {
    designer = std::make_shared<GpBanditDesigner>(
        GpBanditOptions{.fidelity_input = true,
                        .fidelity_input_below_trained = 0,
                        .fidelity_stopped_pending = false,
                        .fidelity_input_rank_correlation = std::nullopt});
  }
  // ...-earlyK: the fidelity input while fewer than K trials are trained to the end
  // (GpBanditOptions::fidelity_input_below_trained), pending points after.
  // ...-earlyKp: and stopped trials pending at the final step too
  // (GpBanditOptions::fidelity_stopped_pending); -early0: pending points throughout (the default
  // before -early4p became it: gp+asha and gp+hyperband are -early4p).
  // ...-sobolK: the Sobol design goes on while fewer than K trials are trained to the end
  // (GpBanditOptions::initial_design_until_trained), on -early0, as screened.
  // These variants were measured before fidelity_input_rank_correlation, and keep it off.
  if (const std::size_t at = method.rfind("-sobol"); at != std::string::npos) {
    designer = std::make_shared<GpBanditDesigner>(
        GpBanditOptions{.initial_design_until_trained = std::stoi(method.substr(at + 6)),
                        .fidelity_input_below_trained = 0,
                        .fidelity_stopped_pending = false,
                        .fidelity_input_rank_correlation = std::nullopt});
  }
  // ...-agreeR: the step as an input also beyond 4 trials trained to the end while their values at
  // the first rung rank as their finals do, rank correlation at least R
  // (GpBanditOptions::fidelity_input_rank_correlation; the default is 0.6); -agreeoff: off.
  if (const std::size_t at = method.rfind("-agree"); at != std::string::npos) {
    designer = std::make_shared<GpBanditDesigner>(
        GpBanditOptions{.fidelity_input_rank_correlation = SuffixNumber(method, at + 6)});
  }
  if (const std::size_t at = method.rfind("-early"); at != std::string::npos) {
    designer = std::make_shared<GpBanditDesigner>(
        GpBanditOptions{.fidelity_input_below_trained = std::stoi(method.substr(at + 6)),
                        .fidelity_stopped_pending = method.ends_with("p"),
                        .fidelity_input_rank_correlation = std::nullopt});
  }
  auto study = Study::Open(
      std::make_shared<InMemoryStudyRepository>(), "mf",
      {.create_if_missing = true, .spec = spec, .designer = designer, .stopping_rule = rule});
  auto events = std::make_shared<BudgetEvents>(o.budget, spec.metric_tag);
  TrialRunnerOptions options;
  options.runner.command = {BAYESTUNE_LEARNING_CURVE_TRAINER};
  options.runner.args = {"--steps=" + std::to_string(o.steps),
                         "--sleep-ms=" + std::to_string(o.sleep_ms), "--slow=" + o.slow,
                         "--landscape=" + o.landscape_name};
  options.runner.job_dir = (dir / (method + "-" + std::to_string(seed))).string();
  options.runner.gpus = std::vector<int>{};
  options.runner.cpu_trials = o.parallel;
  options.runner.stop_grace_period_seconds = 5;
  const auto start = std::chrono::steady_clock::now();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  events->runner = &runner;
  runner.Run();
  Outcome out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Replay in finishing order: steps consumed so far, best true final value of trials trained to
  // the last step.
  std::map<std::int64_t, Trial> by_id;
  for (Trial& t : study->Trials())
    by_id[t.id] = std::move(t);
  std::vector<double> fractions = {0.25, 0.5, 0.75, 1.0};
  out.best_at.assign(fractions.size(), NAN);
  std::int64_t spent = 0;
  double best = NAN;
  for (std::int64_t id : events->finished_order) {
    const Trial& t = by_id.at(id);
    std::int64_t last = 0;
    for (const Measurement& m : t.MeasurementsOf(spec.metric_tag))
      last = std::max(last, m.step);
    spent += last;
    ++out.trials;
    const std::map<std::string, double> values = ParameterValues(t);
    const double first = values.at(spec.parameters.front().name);
    const double final_value = bench::FinalValue(o.landscape, values);
    out.mean_a += first;
    if (t.stopped_early) {
      ++out.stopped;
      if (spec.early_stopping.rule == EarlyStoppingRule::kAsha) {
        out.past_rung += last - AshaStoppingRule(spec.early_stopping).RungOf(t, spec).step;
      }
    }
    if (last >= o.steps && t.state == TrialState::kSucceeded) {
      ++out.full;
      out.mean_a_full += first;
      if (std::isnan(best) || final_value > best) best = final_value;
    }
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      if (spent <= static_cast<std::int64_t>(fractions[k] * static_cast<double>(o.budget))) {
        out.best_at[k] = best;
      }
    }
    if (3 * spent <= o.budget) out.best_at_third = best;
    if (o.trace) {
      char line[512];
      std::snprintf(line, sizeof line,
                    "{\"trace\": \"%s\", \"seed\": %d, \"id\": %lld, \"first\": %.2f, "
                    "\"final\": %.4f, \"last_step\": %lld, \"stopped\": "
                    "%d, \"promotions\": \"%s\", \"full_when_started\": %d, \"spent\": "
                    "%lld, \"best\": %.4f}",
                    method.c_str(), seed, static_cast<long long>(id), first, final_value,
                    static_cast<long long>(last), t.stopped_early ? 1 : 0,
                    events->promotions[id].c_str(), events->full_when_started[id],
                    static_cast<long long>(spent), best);
      std::string x = "[";
      for (const ParameterSpec& parameter : spec.parameters) {
        char number[32];
        std::snprintf(number, sizeof number, "%s%.3f", x.size() > 1 ? ", " : "",
                      values.at(parameter.name));
        x += number;
      }
      std::string text = line;
      text.insert(text.size() - 1, ", \"x\": " + x + "]");
      trace.push_back(text);
    }
  }
  for (const std::string& line : trace)
    std::printf("%s\n", line.c_str());
  out.mean_a /= std::max(1, out.trials);
  out.mean_a_full /= std::max(1, out.full);
  return out;
}

double Median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (auto v = FlagValue(arg, "--seeds=")) o.seeds = std::stoi(*v);
    if (auto v = FlagValue(arg, "--first-seed=")) o.first_seed = std::stoi(*v);
    if (auto v = FlagValue(arg, "--budget=")) o.budget = std::stoll(*v);
    if (auto v = FlagValue(arg, "--steps=")) o.steps = std::stoi(*v);
    if (auto v = FlagValue(arg, "--sleep-ms=")) o.sleep_ms = std::stoi(*v);
    if (auto v = FlagValue(arg, "--parallel=")) o.parallel = std::stoi(*v);
    if (auto v = FlagValue(arg, "--slow=")) o.slow = *v;
    if (auto v = FlagValue(arg, "--landscape=")) {
      o.landscape_name = *v;
      o.landscape = bench::ParseLandscape(*v);
    }
    if (auto v = FlagValue(arg, "--max-trials=")) o.max_trials = std::stoi(*v);
    if (auto v = FlagValue(arg, "--min-step=")) o.min_step = std::stoll(*v);
    if (auto v = FlagValue(arg, "--reduction-factor=")) o.reduction_factor = std::stoi(*v);
    if (arg == "--trace") o.trace = true;
    if (auto v = FlagValue(arg, "--methods=")) {
      o.methods.clear();
      std::stringstream list(*v);
      for (std::string m; std::getline(list, m, ',');)
        o.methods.push_back(m);
    }
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bayestune-mf-bench-" + std::to_string(getpid()));
  std::printf("# the optimum's final value is 0.9; budget %lld steps (%lld full trials of %d)\n",
              static_cast<long long>(o.budget), static_cast<long long>(o.budget / o.steps),
              o.steps);
  std::map<std::string, std::vector<Outcome>> all;
  for (int seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
    for (const std::string& method : o.methods) {
      const Outcome out = RunOne(method, o, seed, dir);
      std::printf("{\"method\": \"%s\", \"seed\": %d, \"best_at_quarter_budgets\": [",
                  method.c_str(), seed);
      for (std::size_t k = 0; k < out.best_at.size(); ++k)
        std::printf("%s%.4f", k ? ", " : "", out.best_at[k]);
      std::printf("], \"best_at_third_of_budget\": %.4f", out.best_at_third);
      std::printf(
          ", \"trials\": %d, \"trained_to_end\": %d, \"stopped\": %d, "
          "\"steps_past_rung_of_stopped\": %lld, \"seconds\": %.1f, \"mean_a\": %.2f, "
          "\"mean_a_full\": %.2f}\n",
          out.trials, out.full, out.stopped, static_cast<long long>(out.past_rung), out.seconds,
          out.mean_a, out.mean_a_full);
      std::fflush(stdout);
      all[method].push_back(out);
    }
    std::filesystem::remove_all(dir);
  }
  std::printf(
      "\n| method | best final value, median over %d seeds, at 25%% | 50%% | 75%% | 100%% of "
      "the budget | trials | trained to the end | at 1/3 of the budget |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
      o.seeds);
  for (const std::string& method : o.methods) {
    std::printf("| %s", method.c_str());
    for (std::size_t k = 0; k < 4; ++k) {
      std::vector<double> v;
      for (const Outcome& out : all[method])
        v.push_back(out.best_at[k]);
      std::printf(" | %.4f", Median(v));
    }
    std::vector<double> trials, full, third;
    for (const Outcome& out : all[method]) {
      trials.push_back(out.trials);
      full.push_back(out.full);
      third.push_back(out.best_at_third);
    }
    std::printf(" | %.0f | %.0f | %.4f |\n", Median(trials), Median(full), Median(third));
  }
  return 0;
}
