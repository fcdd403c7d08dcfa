// How well the fitted GP models the benchmark functions, with and without HEBO's input warping
// (GpFitOptions::input_warping; docs/optimizer.md, "Exploration: HEBO's input warping"):
//   gp_model_bench [--functions levy4,styblinski4,hartmann6] [--points 16,30,60] [--repeats 20]
// For each function and number of points n, `repeats` times: n uniform random points of the unit
// cube, their values (higher is better) through the designer's output warp (WarpObjectiveValues),
// the hyperparameters fitted as the designer fits them (the default GpFitOptions, every
// coordinate warped or none), then the GP's posterior mean at 2,000 other uniform points against
// the function there. Prints, per function and n, the medians over the repeats of: Spearman's rank
// correlation of mean and function (what the acquisition needs: which points are better), the
// regret of the test point of the highest mean among the 2,000 (in the function's units), and the
// log marginal likelihood per point of the fit. Figures only; never passes or fails.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "benchmark_functions.h"
#include "gaussian_process.h"
#include "gp_hyperparameter_fit.h"
#include "output_warper.h"

namespace {

using bayestune::bench::BenchmarkFunction;

constexpr int kTestPoints = 2000;

Eigen::MatrixXd UniformPoints(int d, int n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Eigen::MatrixXd x(d, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < d; ++i)
      x(i, j) = u(rng);
  return x;
}

// f at a point of the unit cube (mapped to the function's box).
double Evaluate(const BenchmarkFunction& f, const Eigen::VectorXd& u) {
  std::vector<double> x(static_cast<std::size_t>(u.size()));
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    const auto k = static_cast<std::size_t>(j);
    x[k] = f.lower[k] + (f.upper[k] - f.lower[k]) * u[j];
  }
  return f.evaluate(x);
}

std::vector<double> Ranks(const Eigen::VectorXd& v) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return v[a] < v[b]; });
  std::vector<double> ranks(order.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    ranks[static_cast<std::size_t>(order[r])] = static_cast<double>(r);
  return ranks;
}

double Spearman(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const std::vector<double> ra = Ranks(a);
  const std::vector<double> rb = Ranks(b);
  const double n = static_cast<double>(ra.size());
  const double mean = (n - 1) / 2;
  double cov = 0, va = 0, vb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  return cov / std::sqrt(va * vb);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Figures {
  std::vector<double> spearman;
  std::vector<double> regret;
  std::vector<double> likelihood;
  std::vector<double> warp;  // the largest |log a|, |log b| of a fit
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bayestune GP model quality with and without input warping (figures only)"};
  std::vector<std::string> functions = {"levy4", "styblinski4", "hartmann6"};
  std::vector<int> point_counts = {16, 30, 60};
  int repeats = 20;
  double warp_std = bayestune::GpPriors{}.log_warp_std;
  app.add_option("--functions", functions, "benchmark functions")->delimiter(',');
  app.add_option("--points", point_counts, "numbers of training points")->delimiter(',');
  app.add_option("--repeats", repeats, "random training sets per case")->check(CLI::PositiveNumber);
  app.add_option("--warp-std", warp_std, "GpPriors::log_warp_std")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::cout << "| function | n | Spearman: plain / warped | regret of the best mean: plain / "
               "warped | log ML per point: plain / warped | largest fitted abs(log a or b) |\n"
               "| --- | --- | --- | --- | --- | --- |\n";
  try {
    for (const std::string& name : functions) {
      const BenchmarkFunction& f = bayestune::bench::FindBenchmarkFunction(name);
      const int d = f.dimensions();
      std::vector<int> all(static_cast<std::size_t>(d));
      std::iota(all.begin(), all.end(), 0);
      for (const int n : point_counts) {
        Figures plain, warped;
        for (int r = 0; r < repeats; ++r) {
          std::mt19937_64 rng(static_cast<std::uint64_t>(1000 * n + r));
          const Eigen::MatrixXd x = UniformPoints(d, n, rng);
          std::vector<std::optional<double>> values;
          for (int j = 0; j < n; ++j)
            values.push_back(-Evaluate(f, x.col(j)));
          const Eigen::VectorXd targets = bayestune::WarpObjectiveValues(values);
          const Eigen::MatrixXd test = UniformPoints(d, kTestPoints, rng);
          Eigen::VectorXd truth(kTestPoints);
          for (int j = 0; j < kTestPoints; ++j)
            truth[j] = -Evaluate(f, test.col(j));
          for (const bool warping : {false, true}) {
            bayestune::GpFitOptions options;
            options.seed = static_cast<std::uint64_t>(r);
            options.input_warping = warping;
            options.priors.log_warp_std = warp_std;
            const bayestune::GpHyperparameters h =
                bayestune::FitGpHyperparameters(x, targets, options, all);
            const bayestune::GaussianProcess gp(x, targets, h);
            Eigen::VectorXd mean, variance;
            gp.Predict(test, &mean, &variance);
            Eigen::Index best = 0;
            mean.maxCoeff(&best);
            Figures& figures = warping ? warped : plain;
            figures.spearman.push_back(Spearman(mean, truth));
            figures.regret.push_back(-truth[best] - f.optimum);
            figures.likelihood.push_back(gp.LogMarginalLikelihood() / n);
            double largest = 0.0;
            for (Eigen::Index j = 0; j < h.warp_a.size(); ++j) {
              largest = std::max(
                  {largest, std::abs(std::log(h.warp_a[j])), std::abs(std::log(h.warp_b[j]))});
            }
            figures.warp.push_back(largest);
          }
        }
        std::cout << std::setprecision(3) << "| " << name << " | " << n << " | "
                  << Median(plain.spearman) << " / " << Median(warped.spearman) << " | "
                  << Median(plain.regret) << " / " << Median(warped.regret) << " | "
                  << Median(plain.likelihood) << " / " << Median(warped.likelihood) << " | "
                  << Median(warped.warp) << " |" << std::endl;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "gp_model_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
