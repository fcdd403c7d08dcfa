#pragma once

// The multi-fidelity bench's synthetic learning curves, shared by its trainer and the bench: a
// configuration's true final value (the ground truth the bench scores by) and how fast its curve
// rises. Parameters are all in [0, 1]; the optimum's final value is 0.9 on every landscape.
#include <map>
#include <string>
#include <vector>

namespace bayestune::bench {

// quadratic3: three parameters a, b, c; f = 0.9 - 0.8 ((a - 0.75)^2 + (b - 0.35)^2)
// - 0.2 (c - 0.5)^2, smooth: a GP is within 0.002 of the optimum after 20 trials.
// hartmann6: six parameters x1..x6; f = 0.5 + 0.4 H(x) / 3.32237 with H the Hartmann 6-d function
// (bench/optimizer, negated: maximised), multimodal: most configurations end between 0.5 and 0.6,
// a GP's 20 trials typically reach about 0.72.
enum class Landscape { kQuadratic3, kHartmann6 };

// "quadratic3" or "hartmann6"; throws std::invalid_argument naming the valid ones.
Landscape ParseLandscape(const std::string& name);
std::vector<std::string> LandscapeParameters(Landscape landscape);
// `parameters` holds every name of LandscapeParameters (std::out_of_range otherwise).
double FinalValue(Landscape landscape, const std::map<std::string, double>& parameters);

// The time constant of the curve v(s) = f (1 - exp(-s / tau)) + noise. `slow`: "a" (the optimum
// starts slowest: quadratic3 tau = 1 + 12 a^2; hartmann6 tau = 1 + 6.75 q^2 with q = (f - 0.5) /
// 0.4 the configuration's quality, the same 7.75 at the optimum), "c" (slow starters anywhere,
// tau = 1 + 12 s^2, s = c or x6), "mild" (the early ranking mostly right: tau = 1 + 2 s^2, and
// 1 + 12 s^2 for the fifth with s > 0.8), "instant" (every step reports the final value).
// Throws std::invalid_argument naming the valid ones for another `slow`.
double CurveTau(Landscape landscape, const std::string& slow,
                const std::map<std::string, double>& parameters);

}  // namespace bayestune::bench
