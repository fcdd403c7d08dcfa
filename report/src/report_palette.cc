#include "report_palette.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace bayestune::report_internal {

namespace {

struct Rgb {
  double r, g, b;
};

// Piecewise-linear interpolation between colour stops, evenly spaced over [0, 1].
template <std::size_t N>
std::string Interpolate(const std::array<Rgb, N>& stops, double t) {
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(N - 1);
  const auto i = std::min(static_cast<std::size_t>(t), N - 2);
  const double f = t - static_cast<double>(i);
  const auto mix = [&](double a, double b) {
    return static_cast<int>(std::lround(a + f * (b - a)));
  };
  char text[8];
  std::snprintf(text, sizeof(text), "#%02x%02x%02x", mix(stops[i].r, stops[i + 1].r),
                mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b));
  return text;
}

}  // namespace

const char* StateClass(const Trial& trial) {
  if (trial.stopped_early && trial.state == TrialState::kSucceeded) return "stop";
  switch (trial.state) {
    case TrialState::kSucceeded:
      return "ok";
    case TrialState::kFailed:
      return "fail";
    case TrialState::kInfeasible:
      return "inf";
    case TrialState::kActive:
    case TrialState::kStopping:
      return "run";
    case TrialState::kRequested:
      break;
  }
  return "req";
}

const char* StateWord(const Trial& trial) {
  const std::string_view css = StateClass(trial);
  if (css == "stop") return "stopped early";
  if (css == "ok") return "succeeded";
  if (css == "fail") return trial.stopped_early ? "failed (stopped early)" : "failed";
  if (css == "inf") return "infeasible";
  if (css == "run") return trial.state == TrialState::kStopping ? "stopping" : "running";
  return "requested";
}

std::string QualityColor(double t) {
  static constexpr std::array<Rgb, 4> kStops = {
      {{0xd5, 0xdd, 0xe8}, {0x9e, 0xc0, 0xdc}, {0x3f, 0x86, 0xbf}, {0x0b, 0x3d, 0x7a}}};
  return Interpolate(kStops, t);
}

std::string OrderColor(double t) {
  static constexpr std::array<Rgb, 3> kStops = {
      {{0xd9, 0xcf, 0xea}, {0x9a, 0x7f, 0xc6}, {0x4a, 0x1a, 0x86}}};
  return Interpolate(kStops, t);
}

}  // namespace bayestune::report_internal
