#include "bayestune/optimizer/conditional_parameters.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/grid_designer.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/study.h"
#include "feasible_rounding.h"
#include "model_encoding.h"
#include "study_spec_json.h"

using namespace bayestune;

namespace {

ParameterSpec Under(ParameterSpec spec, std::string parent, std::vector<ParameterValue> values) {
  spec.condition = ParentCondition{std::move(parent), std::move(values)};
  return spec;
}

// optimizer {sgd, adam, none}
//   sgd:  momentum DOUBLE, nesterov CATEGORICAL
//   adam: beta1 DOUBLE, beta2 DISCRETE {0.99, 0.999}
//           beta2 0.999: eps_exponent INTEGER [6, 8]
// lr DOUBLE (log)
// layers INTEGER [1, 3]
//   layers 2 or 3: width2 INTEGER [8, 64]
std::vector<ParameterSpec> TreeParameters() {
  return {
      ParameterSpec::Categorical("optimizer", {"sgd", "adam", "none"}),
      Under(ParameterSpec::Double("momentum", 0.0, 0.99), "optimizer", {"sgd"}),
      Under(ParameterSpec::Categorical("nesterov", {"true", "false"}), "optimizer", {"sgd"}),
      Under(ParameterSpec::Double("beta1", 0.8, 0.99), "optimizer", {"adam"}),
      Under(ParameterSpec::Discrete("beta2", {0.99, 0.999}), "optimizer", {"adam"}),
      Under(ParameterSpec::Integer("eps_exponent", 6, 8), "beta2", {0.999}),
      ParameterSpec::Double("lr", 1e-4, 1.0, ScaleType::kLog),
      ParameterSpec::Integer("layers", 1, 3),
      Under(ParameterSpec::Integer("width2", 8, 64), "layers",
            {ParameterValue(std::int64_t{2}), ParameterValue(std::int64_t{3})}),
  };
}

StudySpec TreeSpec(Algorithm algorithm, int max_trials) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = max_trials;
  spec.algorithm = algorithm;
  spec.parameters = TreeParameters();
  spec.seed = 7;
  return spec;
}

std::set<std::string> Names(const ParameterValues& values) {
  std::set<std::string> names;
  for (const auto& [name, value] : values)
    names.insert(name);
  return names;
}

// The names a valid tree must hold, worked out by hand from the tree above.
std::set<std::string> ExpectedNames(const ParameterValues& values) {
  std::set<std::string> names = {"optimizer", "lr", "layers"};
  const std::string optimizer = values.at("optimizer").AsString();
  if (optimizer == "sgd") names.insert({"momentum", "nesterov"});
  if (optimizer == "adam") {
    names.insert({"beta1", "beta2"});
    if (values.at("beta2").AsDouble() == 0.999) names.insert("eps_exponent");
  }
  if (values.at("layers").AsInteger() >= 2) names.insert("width2");
  return names;
}

std::string Key(const ParameterValues& values) {
  std::string key;
  for (const auto& [name, value] : values)
    key += name + "=" + value.ToString() + ";";
  return key;
}

// A loss with its optimum in the adam branch (beta2 0.999, eps_exponent 7) with one layer.
double TreeLoss(const ParameterValues& v) {
  double loss = std::abs(std::log10(v.at("lr").AsDouble()) + 2.0);
  const std::string optimizer = v.at("optimizer").AsString();
  if (optimizer == "sgd") loss += 1.0 + std::abs(v.at("momentum").AsDouble() - 0.9);
  if (optimizer == "none") loss += 2.0;
  if (optimizer == "adam") {
    loss += std::abs(v.at("beta1").AsDouble() - 0.9);
    if (v.at("beta2").AsDouble() == 0.999) {
      loss += 0.1 * std::abs(static_cast<double>(v.at("eps_exponent").AsInteger()) - 7.0);
    } else {
      loss += 0.5;
    }
  }
  if (v.at("layers").AsInteger() >= 2)
    loss += 0.01 * static_cast<double>(v.at("width2").AsInteger());
  return loss;
}

}  // namespace

TEST_CASE("conditional: the active parameters follow the parents' values", "[conditional]") {
  const auto parameters = TreeParameters();
  REQUIRE(HasConditions(parameters));
  const ParameterValues adam = {{"optimizer", "adam"}, {"beta1", 0.9}, {"beta2", 0.999},
                                {"eps_exponent", 7},   {"lr", 0.01},   {"layers", 1},
                                {"momentum", 0.5}};
  const std::vector<bool> active = ActiveParameters(parameters, adam);
  CHECK(active == std::vector<bool>{true, false, false, true, true, true, true, true, false});
  // beta2 0.99 drops eps_exponent; another optimizer drops the whole adam branch with it.
  ParameterValues low = adam;
  low["beta2"] = 0.99;
  CHECK_FALSE(ActiveParameters(parameters, low)[5]);
  ParameterValues none = adam;
  none["optimizer"] = "none";
  CHECK(ActiveParameters(parameters, none) ==
        std::vector<bool>{true, false, false, false, false, false, true, true, false});
  // A child of an absent parent is inactive.
  CHECK_FALSE(ActiveParameters(parameters, {{"lr", 0.1}})[1]);
  CHECK(DescribeCondition(parameters[8]) == "layers is 2 or 3");
  CHECK(DescribeCondition(parameters[1]) == "optimizer is 'sgd'");
}

TEST_CASE("conditional: a trial holds exactly its active parameters", "[conditional]") {
  const SearchSpace space(TreeParameters());
  const ParameterValues sgd = {{"optimizer", "sgd"}, {"momentum", 0.9}, {"nesterov", "true"},
                               {"lr", 0.01},         {"layers", 2},     {"width2", 16}};
  CHECK_NOTHROW(space.Validate(sgd));

  ParameterValues extra = sgd;
  extra["beta1"] = 0.9;
  CHECK_THROWS_WITH(space.Validate(extra), Catch::Contains("'beta1' is not active") &&
                                               Catch::Contains("only when optimizer is 'adam'") &&
                                               Catch::Contains("optimizer is sgd") &&
                                               Catch::Contains("leave it out"));
  ParameterValues missing = sgd;
  missing.erase("width2");
  CHECK_THROWS_WITH(space.Validate(missing), Catch::Contains("'width2' has no value") &&
                                                 Catch::Contains("layers is 2 or 3"));
  ParameterValues one_layer = sgd;
  one_layer["layers"] = 1;
  CHECK_THROWS_WITH(space.Validate(one_layer), Catch::Contains("'width2' is not active"));
  one_layer.erase("width2");
  CHECK_NOTHROW(space.Validate(one_layer));
}

TEST_CASE("conditional: a flat spec whose conditions are not a tree is refused", "[conditional]") {
  auto with = [](std::size_t index, ParentCondition condition) {
    auto parameters = TreeParameters();
    parameters[index].condition = std::move(condition);
    return parameters;
  };
  auto problem = [](const std::vector<ParameterSpec>& parameters) {
    return ConditionsProblem(parameters);
  };
  CHECK(problem(TreeParameters()).empty());
  CHECK_THAT(problem(with(1, {"optimiser", {"sgd"}})),
             Catch::Contains("names parent 'optimiser', which is no parameter") &&
                 Catch::Contains("optimizer"));
  CHECK_THAT(problem(with(1, {"momentum", {"sgd"}})), Catch::Contains("names itself"));
  // A parent listed after its child.
  CHECK_THAT(problem(with(6, {"layers", {ParameterValue(std::int64_t{1})}})),
             Catch::Contains("'lr' comes before its parent 'layers'"));
  // optimizer under width2 under layers under optimizer: a cycle.
  {
    auto parameters = with(0, {"width2", {ParameterValue(std::int64_t{8})}});
    parameters[7].condition = ParentCondition{"optimizer", {"sgd"}};
    CHECK_THAT(problem(parameters), Catch::Contains("form a cycle") &&
                                        Catch::Contains("optimizer -> width2 -> layers -> "
                                                        "optimizer"));
  }
  CHECK_THAT(problem(with(7, {"lr", {0.1}})), Catch::Contains("'lr' is DOUBLE"));
  CHECK_THAT(problem(with(1, {"optimizer", {}})),
             Catch::Contains("parentCategoricalValues of parent 'optimizer' is empty"));
  CHECK_THAT(problem(with(1, {"optimizer", {"adamw"}})),
             Catch::Contains("'adamw' is not a value parent 'optimizer' can take") &&
                 Catch::Contains("'sgd', 'adam', 'none'"));
  CHECK_THAT(problem(with(1, {"optimizer", {ParameterValue(std::int64_t{1})}})),
             Catch::Contains("not a value of CATEGORICAL parent 'optimizer'"));
  CHECK_THAT(problem(with(8, {"layers", {ParameterValue(std::int64_t{4})}})),
             Catch::Contains("4 is not a value parent 'layers' can take") &&
                 Catch::Contains("an integer in [1, 3]"));
  CHECK_THAT(problem(with(5, {"beta2", {0.9}})),
             Catch::Contains("0.9 is not a value parent 'beta2' can take"));

  // ValidateStudySpec (every way in: Study::Open, the gRPC server) says the same.
  StudySpec spec = TreeSpec(Algorithm::kRandomSearch, 5);
  spec.parameters = with(1, {"optimiser", {"sgd"}});
  CHECK_THROWS_AS(ValidateStudySpec(spec), InvalidArgument);
  CHECK_THROWS_WITH(Study::Open(std::make_shared<InMemoryStudyRepository>(), "bad",
                                {.create_if_missing = true, .spec = spec}),
                    Catch::Contains("optimiser"));
  // Names stay unique across branches, and flags that would collide still collide.
  spec.parameters = TreeParameters();
  spec.parameters.push_back(
      Under(ParameterSpec::Double("eps-exponent", 0, 1), "optimizer", {"none"}));
  CHECK_THROWS_WITH(ValidateStudySpec(spec), Catch::Contains("one flag"));
}

TEST_CASE("conditional: inactive coordinates never change a point's tree or validity",
          "[conditional]") {
  const SearchSpace space(TreeParameters());
  const FeasibleRounding rounding(space);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::set<std::string> optimizers;
  for (int i = 0; i < 300; ++i) {
    Eigen::VectorXd x(space.ModelDimensions());
    for (Eigen::Index j = 0; j < x.size(); ++j)
      x[j] = uniform(rng);
    rounding.Round(x);
    const ParameterValues tree = DecodeFromModel(space, x);
    REQUIRE_NOTHROW(space.Validate(tree));
    CHECK(Names(tree) == ExpectedNames(tree));
    optimizers.insert(tree.at("optimizer").AsString());
    // The rounded point is the tree's encoding, whatever the inactive coordinates held.
    CHECK((EncodeForModel(space, tree) - x).cwiseAbs().maxCoeff() < 1e-12);
    const std::vector<bool> active = ActiveParameters(space.parameters(), tree);
    Eigen::VectorXd moved = x;
    for (std::size_t p = 0; p < space.size(); ++p) {
      if (active[p]) continue;
      const auto slice = space.ModelSlice(p);
      for (int k = 0; k < slice.width; ++k)
        moved[slice.offset + k] = uniform(rng);
    }
    rounding.Round(moved);
    CHECK(moved == x);
    CHECK(DecodeFromModel(space, moved) == tree);
  }
  CHECK(optimizers.size() == 3);
}

TEST_CASE("conditional: a finite tree counts and enumerates each branch once", "[conditional]") {
  // optimizer {sgd, adam}: sgd brings nesterov {true, false}; adam brings beta2 {0.99, 0.999},
  // and beta2 0.999 brings eps_exponent [6, 8]. Trees: sgd 2 + adam (1 + 3) = 6.
  const std::vector<ParameterSpec> parameters = {
      ParameterSpec::Categorical("optimizer", {"sgd", "adam"}),
      Under(ParameterSpec::Categorical("nesterov", {"true", "false"}), "optimizer", {"sgd"}),
      Under(ParameterSpec::Discrete("beta2", {0.99, 0.999}), "optimizer", {"adam"}),
      Under(ParameterSpec::Integer("eps_exponent", 6, 8), "beta2", {0.999}),
      ParameterSpec::Integer("layers", 1, 2),
  };
  const SearchSpace space(parameters);
  const FeasibleRounding rounding(space);
  REQUIRE(rounding.FeasiblePointCount() == std::size_t{12});  // 6 trees x 2 layers
  std::set<std::string> trees;
  for (std::size_t i = 0; i < 12; ++i) {
    const ParameterValues tree = DecodeFromModel(space, rounding.FeasiblePoint(i));
    REQUIRE_NOTHROW(space.Validate(tree));
    trees.insert(Key(tree));
  }
  CHECK(trees.size() == 12);

  StudySpec spec = TreeSpec(Algorithm::kGridSearch, 100);
  spec.parameters = parameters;
  CHECK(GridDesigner().Capacity(space) == std::size_t{12});
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "grid",
                           {.create_if_missing = true, .spec = spec});
  std::vector<std::string> order;
  while (!study->IsDone()) {
    auto suggested = study->Suggest(5);
    if (suggested.empty()) break;
    for (const Trial& t : suggested) {
      REQUIRE_NOTHROW(space.Validate(t.parameters));
      order.push_back(Key(t.parameters));
      study->Complete(t.id, 1.0);
    }
  }
  CHECK(order.size() == 12);
  CHECK(std::set<std::string>(order.begin(), order.end()) == trees);
  CHECK(order.front() == "layers=1;nesterov=true;optimizer=sgd;");
}

TEST_CASE("conditional: random and GP suggestions are valid trees", "[conditional]") {
  for (Algorithm algorithm : {Algorithm::kRandomSearch, Algorithm::kUnspecified}) {
    INFO(AlgorithmName(algorithm));
    const StudySpec spec = TreeSpec(algorithm, 30);
    auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "tree",
                             {.create_if_missing = true, .spec = spec});
    std::map<std::string, int> branches;
    std::set<std::string> seen;
    double best = 1e9;
    while (!study->IsDone()) {
      auto suggested = study->Suggest(2);
      REQUIRE_FALSE(suggested.empty());
      for (const Trial& t : suggested) {
        REQUIRE_NOTHROW(study->space().Validate(t.parameters));
        CHECK(Names(t.parameters) == ExpectedNames(t.parameters));
        CHECK(seen.insert(Key(t.parameters)).second);
        ++branches[t.parameters.at("optimizer").AsString()];
        best = std::min(best, TreeLoss(t.parameters));
        study->Complete(t.id, TreeLoss(t.parameters));
      }
    }
    CHECK(branches.size() == 3);
    if (algorithm == Algorithm::kUnspecified) {
      // The GP finds its way into the adam branch, where the optimum is.
      CHECK(branches["adam"] > branches["none"]);
      CHECK(best < 0.5);
    }
  }
}

TEST_CASE(
    "conditional: a parent value within round-off, or an INTEGER parent of a wide range, "
    "decides activity the same way for the model and for the trial",
    "[conditional]") {
  // A DISCRETE parent's condition value within round-off of a listed value (validation accepts
  // it), and an INTEGER parent whose neighbouring values lie closer than 1e-9 in the model's unit
  // coordinates: the rounding of the model's points must not read activity differently from
  // ActiveParameters (before, a finite space counted 7 trees, enumerated 3 and the GP's candidate
  // lookup threw std::out_of_range; a wide INTEGER parent made the child active for values near
  // the condition's).
  const std::vector<ParameterSpec> discrete = {
      ParameterSpec::Discrete("rate", {0.1, 0.2, 0.3}),
      Under(ParameterSpec::Integer("steps", 1, 5), "rate", {0.2000000004}),
  };
  const SearchSpace space(discrete);
  const FeasibleRounding rounding(space);
  REQUIRE(rounding.FeasiblePointCount() == std::size_t{7});  // 0.1, 0.3 and 0.2 x 5 steps
  std::set<std::string> trees;
  for (std::size_t i = 0; i < 7; ++i) {
    const ParameterValues tree = DecodeFromModel(space, rounding.FeasiblePoint(i));
    REQUIRE_NOTHROW(space.Validate(tree));
    trees.insert(Key(tree));
  }
  CHECK(trees.size() == 7);

  const std::vector<ParameterSpec> wide = {
      ParameterSpec::Integer("width", 0, 1'000'000'000'000),
      Under(ParameterSpec::Double("x", 0.0, 1.0), "width", {ParameterValue(std::int64_t{1})}),
  };
  for (const std::vector<ParameterSpec>& parameters : {discrete, wide}) {
    for (Algorithm algorithm : {Algorithm::kRandomSearch, Algorithm::kUnspecified}) {
      StudySpec spec = TreeSpec(algorithm, 12);
      spec.parameters = parameters;
      auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "round-off",
                               {.create_if_missing = true, .spec = spec});
      while (!study->IsDone()) {
        std::vector<Trial> suggested;
        REQUIRE_NOTHROW(suggested = study->Suggest(3));
        REQUIRE_FALSE(suggested.empty());
        for (const Trial& t : suggested) {
          REQUIRE_NOTHROW(study->space().Validate(t.parameters));
          study->Complete(t.id, static_cast<double>(t.parameters.size()));
        }
      }
    }
  }
  // Encoding a wide-range parent's value 2 and rounding keeps the child inactive.
  const SearchSpace wide_space(wide);
  Eigen::VectorXd x = EncodeForModel(wide_space, {{"width", std::int64_t{2}}});
  FeasibleRounding(wide_space).Round(x);
  CHECK(Names(DecodeFromModel(wide_space, x)) == std::set<std::string>{"width"});
}

TEST_CASE("conditional: a condition of more than 4096 parent values is refused", "[conditional]") {
  // A gRPC spec could list 100,000 values of a wide INTEGER parent: every suggestion would match
  // against them.
  std::vector<ParameterValue> values;
  for (std::int64_t v = 0; v < 5000; ++v)
    values.emplace_back(v);
  const std::vector<ParameterSpec> parameters = {
      ParameterSpec::Integer("width", 0, 1'000'000),
      Under(ParameterSpec::Double("x", 0.0, 1.0), "width", values),
  };
  CHECK_THAT(ConditionsProblem(parameters),
             Catch::Contains("lists 5000 values; at most 4096") && Catch::Contains("'width'"));
  values.resize(4096);
  CHECK(ConditionsProblem(
            {parameters[0], Under(ParameterSpec::Double("x", 0.0, 1.0), "width", values)}) == "");
}

TEST_CASE("conditional: user-requested trials are checked against the tree", "[conditional]") {
  auto study =
      Study::Open(std::make_shared<InMemoryStudyRepository>(), "tree",
                  {.create_if_missing = true, .spec = TreeSpec(Algorithm::kRandomSearch, 5)});
  CHECK_NOTHROW(study->RequestTrial({{"optimizer", "none"}, {"lr", 0.1}, {"layers", 1}}));
  CHECK_THROWS_WITH(
      study->RequestTrial({{"optimizer", "none"}, {"lr", 0.1}, {"layers", 1}, {"momentum", 0.5}}),
      Catch::Contains("'momentum' is not active"));
  CHECK_THROWS_WITH(study->RequestTrial({{"optimizer", "sgd"}, {"lr", 0.1}, {"layers", 1}}),
                    Catch::Contains("'momentum' has no value"));
}

TEST_CASE("conditional: the spec JSON keeps the tree, and a spec without conditions still loads",
          "[conditional]") {
  const StudySpec spec = TreeSpec(Algorithm::kUnspecified, 5);
  const std::string json = StudySpecToJson(spec);
  CHECK(json.find("\"parentParameter\":\"optimizer\"") != std::string::npos);
  CHECK(json.find("\"parentIntValues\":[2,3]") != std::string::npos);
  CHECK(json.find("\"parentDiscreteValues\":[0.999]") != std::string::npos);
  const StudySpec back = StudySpecFromJson(json);
  CHECK(back == spec);
  CHECK(back.parameters[8].condition->values[0].IsInteger());
  // A spec stored before conditional parameters: no condition fields at all.
  const std::string old =
      R"({"goal":"MAXIMIZE","hyperparameterMetricTag":"acc","maxTrials":3,"maxParallelTrials":1,)"
      R"("maxFailedTrials":0,"enableTrialEarlyStopping":false,"resumePreviousJobId":"",)"
      R"("algorithm":"ALGORITHM_UNSPECIFIED","measurementSelection":"LAST","seed":null,)"
      R"("params":[{"parameterName":"x","type":"DOUBLE","minValue":0,"maxValue":1,)"
      R"("scaleType":"UNIT_LINEAR_SCALE"}]})";
  const StudySpec loaded = StudySpecFromJson(old);
  REQUIRE(loaded.parameters.size() == 1);
  CHECK_FALSE(loaded.parameters[0].condition.has_value());
}

TEST_CASE("conditional: DescribeSpecChanges names conditional parameters", "[conditional]") {
  const StudySpec before = TreeSpec(Algorithm::kUnspecified, 5);
  StudySpec after = before;
  after.parameters[1].condition->values = {"sgd", "none"};
  CHECK(DescribeSpecChanges(before, after) ==
        "parameter 'momentum' when optimizer is 'sgd' -> when optimizer is 'sgd' or 'none'");
  after = before;
  after.parameters[3].max_value = 0.999;
  CHECK(DescribeSpecChanges(before, after) == "parameter 'beta1': maxValue 0.99 -> 0.999");
  after = before;
  after.parameters.erase(after.parameters.begin() + 5);
  CHECK(DescribeSpecChanges(before, after) == "params: 9 -> 8 parameters; removed 'eps_exponent'");
}
