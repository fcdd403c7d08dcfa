#include "tree_problem.h"

#include <cmath>
#include <string>

namespace bayestune::bench {
namespace {

ParameterSpec Under(ParameterSpec spec, std::string parent, std::vector<ParameterValue> values) {
  spec.condition = ParentCondition{std::move(parent), std::move(values)};
  return spec;
}

double Square(double x) {
  return x * x;
}

}  // namespace

std::vector<ParameterSpec> TreeParameters() {
  using V = std::vector<ParameterValue>;
  const auto ints = [](std::initializer_list<std::int64_t> list) {
    V values;
    for (std::int64_t v : list)
      values.emplace_back(v);
    return values;
  };
  return {
      ParameterSpec::Categorical("model", {"linear", "rbf", "poly", "mlp"}),
      Under(ParameterSpec::Double("slope", -5, 5), "model", V{"linear"}),
      Under(ParameterSpec::Double("gamma", 1e-4, 1, ScaleType::kLog), "model", V{"rbf"}),
      Under(ParameterSpec::Double("c", 1e-2, 1e2, ScaleType::kLog), "model", V{"rbf"}),
      Under(ParameterSpec::Integer("degree", 1, 5), "model", V{"poly"}),
      Under(ParameterSpec::Double("shift", -1, 1), "degree", ints({3, 4, 5})),
      Under(ParameterSpec::Double("coef", 0, 10), "model", V{"poly"}),
      Under(ParameterSpec::Integer("layers", 1, 4), "model", V{"mlp"}),
      Under(ParameterSpec::Double("units2", 0, 1), "layers", ints({2, 3, 4})),
      Under(ParameterSpec::Double("units3", 0, 1), "layers", ints({3, 4})),
      Under(ParameterSpec::Double("lr", 1e-5, 1e-1, ScaleType::kLog), "model", V{"mlp"}),
      Under(ParameterSpec::Double("units1", 0, 1), "model", V{"mlp"}),
  };
}

double TreeObjective(const ParameterValues& v) {
  const std::string model = v.at("model").AsString();
  const auto x = [&](const char* name) { return v.at(name).AsDouble(); };
  if (model == "linear") return 0.5 + 0.05 * Square(x("slope") - 2.0);
  if (model == "rbf") {
    return 0.1 + 0.3 * Square(std::log10(x("gamma")) + 2.0) +
           0.2 * Square(std::log10(x("c")) - 1.0);
  }
  if (model == "poly") {
    const double degree = x("degree");
    double f = 0.3 + 0.1 * Square(degree - 4.0) + 0.02 * Square(x("coef") - 7.0);
    f += degree >= 3 ? Square(x("shift") - 0.5) : 0.5;
    return f;
  }
  // mlp
  const double layers = x("layers");
  double f = 0.1 * Square(layers - 3.0) + 0.2 * Square(std::log10(x("lr")) + 3.0) +
             2.0 * Square(x("units1") - 0.3);
  f += layers >= 2 ? 2.0 * Square(x("units2") - 0.7) : 0.6;
  f += layers >= 3 ? 2.0 * Square(x("units3") - 0.2) : 0.3;
  return f;
}

}  // namespace bayestune::bench
