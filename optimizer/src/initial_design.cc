#include "initial_design.h"

#include "acquisition_optimizer.h"
#include "scrambled_sobol.h"
#include "split_mix.h"

namespace bayestune {
namespace {

// Sobol points tried for one suggestion before the design gives way to the GP (all of them taken
// already: a small finite space).
constexpr int kMaxSobolTries = 256;

}  // namespace

void AppendColumn(Eigen::MatrixXd& m, const Eigen::VectorXd& x) {
  m.conservativeResize(x.size(), m.cols() + 1);
  m.col(m.cols() - 1) = x;
}

Eigen::MatrixXd Join(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd joined(a.rows(), a.cols() + b.cols());
  joined << a, b;
  return joined;
}

void AppendInitialDesign(const InitialDesignInput& input, const FeasibleRounding& rounding,
                         const std::function<Eigen::MatrixXd()>& excluded,
                         Eigen::MatrixXd& chosen) {
  const ScrambledSobol sobol(static_cast<int>(chosen.rows()),
                             SplitMix64(input.study_seed ^ 0x50B0'1D5E'ED00'0000ULL));
  std::uint64_t sobol_index = static_cast<std::uint64_t>(input.own_trials);
  while (static_cast<int>(chosen.cols()) < input.count &&
         (input.trials_seen + chosen.cols() < input.points || input.finished == 0)) {
    const Eigen::MatrixXd avoid = excluded();
    bool found = false;
    for (int attempt = 0; attempt < kMaxSobolTries && !found; ++attempt) {
      // Each INTEGER and DISCRETE value its share of the design, the end values too (RoundUniform).
      Eigen::VectorXd x = sobol.Point(sobol_index++);
      rounding.RoundUniform(x);
      if (IsNearAnyColumn(x, avoid)) continue;
      AppendColumn(chosen, x);
      found = true;
    }
    if (!found) break;
  }
}

}  // namespace bayestune
