// What one ASHA decision costs in a large study: the runner asks the rule about every running
// trial at every read, the gRPC server at every ShouldStopTrial, and `trials` and the exports
// decide again for every stopped trial. Builds a study of synthetic curves (3 DOUBLE parameters,
// rungs at steps 1, 3, 9 of 27, reductionFactor 3): `--trials` trials reached rung 0, a third of
// them rung 1, a ninth rung 2, `--finished` trained to the end (all before the judged ones), and
// times Decide on `--judged` trials that have just reached rung 0: the very first decision (GP fits
// included), each judged trial's first (fits shared with the trials judged before it where the
// rule's memo allows) and the same decision again (memoised), for each of the rule's variants.
// Prints figures; never passes or fails.
//
//   asha_decision_bench [--trials=2000] [--finished=300] [--judged=50] [--brackets=3]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bench_flags.h"

using namespace bayestune;
using bayestune::bench::FlagValue;

namespace {

double Curve(double a, double b, double c, std::int64_t step) {
  const double f =
      0.9 - 0.8 * ((a - 0.75) * (a - 0.75) + (b - 0.35) * (b - 0.35)) - 0.2 * (c - 0.5) * (c - 0.5);
  return f * (1 - std::exp(-static_cast<double>(step) / (1 + 12 * a * a)));
}

Trial Synthetic(std::int64_t id, std::mt19937_64& rng, std::int64_t last_step, bool finished,
                double start) {
  std::uniform_real_distribution<double> unit(0, 1);
  Trial t;
  t.id = id;
  const double a = unit(rng), b = unit(rng), c = unit(rng);
  t.parameters = {{"a", ParameterValue(a)}, {"b", ParameterValue(b)}, {"c", ParameterValue(c)}};
  for (std::int64_t s = 1; s <= last_step; ++s) {
    t.measurements.push_back({.metric = "accuracy",
                              .step = s,
                              .value = Curve(a, b, c, s),
                              .wall_time = start + static_cast<double>(s),
                              .attempt = 1});
  }
  t.state = finished || last_step < 27 ? TrialState::kSucceeded : TrialState::kActive;
  if (!finished && last_step < 27) t.stopped_early = true;
  t.final_value = t.measurements.back().value;
  // Started at `start`, ended (for the stopped and the finished) just after its last report: what
  // the repeats spared (AshaStoppingRule's spare_repeats) read.
  t.start_time = start;
  if (t.state == TrialState::kSucceeded) t.end_time = start + static_cast<double>(last_step) + 0.5;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 2000, finished = 300, judged = 50, brackets = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (auto v = FlagValue(arg, "--trials=")) count = std::stoi(*v);
    if (auto v = FlagValue(arg, "--finished=")) finished = std::stoi(*v);
    if (auto v = FlagValue(arg, "--judged=")) judged = std::stoi(*v);
    if (auto v = FlagValue(arg, "--brackets=")) brackets = std::stoi(*v);
  }
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.parameters = {ParameterSpec::Double("a", 0, 1), ParameterSpec::Double("b", 0, 1),
                     ParameterSpec::Double("c", 0, 1)};
  spec.enable_early_stopping = true;
  spec.early_stopping = {.rule = EarlyStoppingRule::kAsha,
                         .min_step = 1,
                         .max_step = 27,
                         .reduction_factor = 3,
                         .brackets = brackets};
  std::mt19937_64 rng(7);
  std::vector<Trial> trials;
  std::int64_t id = 1;
  for (int i = 0; i < finished; ++i)
    trials.push_back(Synthetic(id++, rng, 27, true, 10.0 * i));
  for (int i = finished; i < count; ++i) {
    const std::int64_t last = i % 9 == 0 ? 9 : i % 3 == 0 ? 3 : 1;
    trials.push_back(Synthetic(id++, rng, last, false, 10.0 * finished + 10.0 * i));
  }
  const double now = 10.0 * finished + 10.0 * count + 100;
  std::vector<std::size_t> judged_at;
  for (int i = 0; i < judged; ++i) {
    while ((id - 1) % brackets != 0)
      ++id;  // in bracket 0, whose first rung is step 1
    Trial t = Synthetic(id++, rng, 1, false, now + i);
    t.state = TrialState::kActive;
    t.stopped_early = false;
    t.final_value.reset();
    t.end_time.reset();
    judged_at.push_back(trials.size());
    trials.push_back(std::move(t));
  }
  std::printf(
      "# %d trials at rung 0 or above, %d trained to the end, %d judged at rung 0, %d "
      "bracket(s)\n",
      count, finished, judged, brackets);
  std::printf(
      "| rule | the first decision, ms | each judged trial's first, ms (median) | the same "
      "again, ms (median) | stopped |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  struct Variant {
    const char* name;
    AshaPromotion promotion;
    AshaRanking ranking;
    std::optional<double> min_rank_agreement = std::nullopt;
    bool spare_repeats = false;
  };
  for (const Variant& v :
       {Variant{"by value (random search's)", AshaPromotion::kRankOnly, AshaRanking::kValueAtRung},
        Variant{"by value, model promotion (GP, one bracket)", AshaPromotion::kRankOrModel,
                AshaRanking::kValueAtRung},
        Variant{"predicted finals, model promotion (GP, brackets)", AshaPromotion::kRankOrModel,
                AshaRanking::kPredictedFinal},
        Variant{"by value, model promotion, repeats spared", AshaPromotion::kRankOrModel,
                AshaRanking::kValueAtRung, std::nullopt, true},
        Variant{"by value, model promotion, rank agreement, repeats spared (GP, one bracket)",
                AshaPromotion::kRankOrModel, AshaRanking::kValueAtRung, 0.5, true}}) {
    const AshaStoppingRule rule(spec.early_stopping, v.promotion, v.ranking, v.min_rank_agreement,
                                v.spare_repeats);
    std::vector<double> first, again;
    int stopped = 0;
    for (const std::size_t at : judged_at) {
      for (std::vector<double>* times : {&first, &again}) {
        const auto start = std::chrono::steady_clock::now();
        const StopDecision d = rule.Decide(trials[at], trials, spec);
        times->push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
        if (times == &first && d.stop) ++stopped;
      }
    }
    const auto median = [](std::vector<double> x) {
      std::sort(x.begin(), x.end());
      return x[x.size() / 2];
    };
    std::printf("| %s | %.2f | %.2f | %.2f | %d of %d |\n", v.name, first.front(), median(first),
                median(again), stopped, judged);
  }
  return 0;
}
