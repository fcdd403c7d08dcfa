#include "bayestune/optimizer/grid_designer.h"

#include <catch2/catch.hpp>
#include <set>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"

using namespace bayestune;

namespace {

StudySpec GridSpec(std::vector<ParameterSpec> parameters, int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = max_trials;
  spec.algorithm = Algorithm::kGridSearch;
  spec.parameters = std::move(parameters);
  return spec;
}

std::string Key(const ParameterValues& values) {
  std::string key;
  for (const auto& [name, value] : values)
    key += name + "=" + value.ToString() + ";";
  return key;
}

}  // namespace

TEST_CASE("grid values: every listed or integer value, 10 per DOUBLE on its scale", "[grid]") {
  const auto d = ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog);
  REQUIRE(GridDesigner::GridValueCount(d) == 10);
  CHECK(GridDesigner::GridValue(d, 0).AsDouble() == 1e-4);
  CHECK(GridDesigner::GridValue(d, 9).AsDouble() == 1e-1);
  CHECK(GridDesigner::GridValue(d, 3).AsDouble() == Approx(1e-3));  // evenly spaced in log
  const auto n = ParameterSpec::Integer("n", -2, 2);
  CHECK(GridDesigner::GridValueCount(n) == 5);
  CHECK(GridDesigner::GridValue(n, 4) == ParameterValue(2));
  CHECK(GridDesigner::GridIndex(n, ParameterValue(0)) == std::optional<std::size_t>(2));
  CHECK_FALSE(GridDesigner::GridIndex(d, ParameterValue(0.5e-3)).has_value());
  const SearchSpace space({d, n, ParameterSpec::Categorical("c", {"x", "y"})});
  CHECK(GridDesigner().Capacity(space) == std::optional<std::size_t>(100));
}

TEST_CASE(
    "DOUBLE grid values are the decimals meant, and a trial of the value as computed is the same "
    "point",
    "[grid]") {
  // The trainer got --lr=0.0010000000000000002 for the point meant as 0.001.
  const auto d = ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog);
  CHECK(GridDesigner::GridValue(d, 3).AsDouble() == 1e-3);
  CHECK(GridDesigner::GridValue(d, 6).AsDouble() == 1e-2);
  CHECK(GridDesigner::GridValue(d, 1).ToString() == "0.000215443469003188");
  const auto linear = ParameterSpec::Double("p", 0.0, 0.9);
  CHECK(GridDesigner::GridValue(linear, 3).AsDouble() == 0.3);  // 0.30000000000000004
  // A study begun before holds 0.0010000000000000002: the same grid point, not run again.
  CHECK(GridDesigner::GridIndex(d, ParameterValue(0.0010000000000000002)) ==
        std::optional<std::size_t>(3));
  CHECK_FALSE(GridDesigner::GridIndex(d, ParameterValue(0.00100001)).has_value());
  // A range narrower than the digits kept: ten distinct values, as computed.
  const auto narrow = ParameterSpec::Double("x", 1.0, 1.0 + 1e-13);
  std::set<double> values;
  for (std::size_t k = 0; k < 10; ++k)
    values.insert(GridDesigner::GridValue(narrow, k).AsDouble());
  CHECK(values.size() == 10);
  for (std::size_t k = 0; k < 10; ++k)
    CHECK(GridDesigner::GridIndex(narrow, GridDesigner::GridValue(narrow, k)) ==
          std::optional<std::size_t>(k));
}

TEST_CASE("the grid is walked in order, without repeats, until exhausted", "[grid]") {
  const StudySpec spec = GridSpec(
      {ParameterSpec::Categorical("c", {"x", "y", "z"}), ParameterSpec::Discrete("d", {1, 2})},
      100);
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  std::vector<std::string> order;
  while (!study->IsDone()) {
    auto trials = study->Suggest(4);
    if (trials.empty()) break;
    for (const Trial& t : trials) {
      order.push_back(Key(t.parameters));
      study->Complete(t.id, 1.0);
    }
  }
  REQUIRE(order.size() == 6);
  CHECK(order[0] == "c=x;d=1;");
  CHECK(order[1] == "c=x;d=2;");
  CHECK(order[2] == "c=y;d=1;");
  CHECK(std::set<std::string>(order.begin(), order.end()).size() == 6);
  // An exhausted grid ends the study although maxTrials is 100.
  CHECK(study->IsDone());
  CHECK(study->Suggest(1).empty());
}

TEST_CASE("more suggestions asked than the grid has left returns what is left", "[grid]") {
  const StudySpec spec = GridSpec({ParameterSpec::Integer("n", 1, 5)}, 50);
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  CHECK(study->Suggest(3).size() == 3);
  const auto rest = study->Suggest(10);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].parameters.at("n") == ParameterValue(4));
  CHECK(rest[1].parameters.at("n") == ParameterValue(5));
  CHECK(study->Suggest(1).empty());
  // The designer alone says the same.
  const SearchSpace space(spec.parameters);
  const auto trials = study->Trials();
  CHECK(GridDesigner().Suggest({space, spec, trials, 4, 0}).empty());
}

TEST_CASE("grid points a trial already has are skipped, requested ones included", "[grid]") {
  const StudySpec spec = GridSpec({ParameterSpec::Integer("n", 1, 4)}, 10);
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  study->RequestTrial({{"n", 2}});
  const auto trials = study->Suggest(4);
  REQUIRE(trials.size() == 4);
  CHECK(trials[0].parameters.at("n") == ParameterValue(2));  // the requested one first
  CHECK(trials[1].parameters.at("n") == ParameterValue(1));
  CHECK(trials[2].parameters.at("n") == ParameterValue(3));
  CHECK(trials[3].parameters.at("n") == ParameterValue(4));
}

TEST_CASE("a huge grid has a saturated capacity and still suggests", "[grid]") {
  std::vector<ParameterSpec> parameters;
  for (int i = 0; i < 30; ++i)
    parameters.push_back(ParameterSpec::Double("x" + std::to_string(i), 0, 1));
  parameters.push_back(ParameterSpec::Integer("big", 0, 2000000000));
  const StudySpec spec = GridSpec(parameters, 3);
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  CHECK(study->Suggest(2).size() == 2);
  CHECK(study->Suggest(5).size() == 1);  // maxTrials
}
