#include "bayestune/optimizer/search_space.h"

#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"
#include "model_encoding.h"

using namespace bayestune;

namespace {

SearchSpace MixedSpace() {
  return SearchSpace({
      ParameterSpec::Double("learning_rate", 1e-4, 1e-1, ScaleType::kLog),
      ParameterSpec::Integer("n_layers", 1, 10),
      ParameterSpec::Categorical("activation", {"relu", "tanh", "gelu"}),
      ParameterSpec::Discrete("batch_size", {16, 32, 64, 128, 256}, ScaleType::kLog),
      ParameterSpec::Discrete("dropout", {0.0, 0.1, 0.5}),
  });
}

Eigen::VectorXd Point(std::initializer_list<double> values) {
  Eigen::VectorXd x(values.size());
  int i = 0;
  for (double v : values)
    x[i++] = v;
  return x;
}

}  // namespace

TEST_CASE("the model encoding gives categoricals one coordinate per value", "[space]") {
  const SearchSpace space = MixedSpace();
  CHECK(space.ModelDimensions() == 1 + 1 + 3 + 1 + 1);
  CHECK(space.ModelSlice(2).offset == 2);
  CHECK(space.ModelSlice(2).width == 3);
  CHECK(space.ModelSlice(3).offset == 5);
  const ParameterValues values = {{"learning_rate", 1e-2},
                                  {"n_layers", 4},
                                  {"activation", "tanh"},
                                  {"batch_size", 64.0},
                                  {"dropout", 0.5}};
  const Eigen::VectorXd x = EncodeForModel(space, values);
  CHECK(x[0] == Approx(2.0 / 3.0));
  CHECK(x[1] == Approx(3.0 / 9.0));
  CHECK(x[2] == 0.0);
  CHECK(x[3] == 1.0);
  CHECK(x[4] == 0.0);
  CHECK(x[5] == Approx(0.5));  // 64 is the middle of 16..256 on a log scale
  CHECK(x[6] == 1.0);
  ParameterValues decoded = DecodeFromModel(space, x);
  CHECK(decoded["learning_rate"].AsDouble() == Approx(1e-2).epsilon(1e-12));
  decoded["learning_rate"] = 1e-2;
  CHECK(decoded == values);
}

TEST_CASE("integers round to the nearest integer on the way out", "[space]") {
  const SearchSpace space({ParameterSpec::Integer("n", 10, 100)});
  CHECK(DecodeFromModel(space, Point({0.0}))["n"] == ParameterValue(10));
  CHECK(DecodeFromModel(space, Point({1.0}))["n"] == ParameterValue(100));
  // u = 0.5 is 55 exactly; u just above gives 55.0..55.5 -> 55, then 56.
  CHECK(DecodeFromModel(space, Point({0.5}))["n"] == ParameterValue(55));
  CHECK(DecodeFromModel(space, Point({0.5 + 0.4 / 90}))["n"] == ParameterValue(55));
  CHECK(DecodeFromModel(space, Point({0.5 + 0.6 / 90}))["n"] == ParameterValue(56));
  CHECK(DecodeFromModel(space, Point({-3.0}))["n"] == ParameterValue(10));
  CHECK(DecodeFromModel(space, Point({7.0}))["n"] == ParameterValue(100));
  CHECK(DecodeFromModel(space, Point({0.37}))["n"].IsInteger());
}

TEST_CASE("log-scaled integers stay feasible and integral", "[space]") {
  const SearchSpace space({ParameterSpec::Integer("units", 8, 1024, ScaleType::kLog)});
  for (int i = 0; i <= 100; ++i) {
    const ParameterValue v = DecodeFromModel(space, Point({i / 100.0}))["units"];
    REQUIRE(v.IsInteger());
    REQUIRE(v.AsInteger() >= 8);
    REQUIRE(v.AsInteger() <= 1024);
  }
}

TEST_CASE("discrete values snap to the nearest listed value", "[space]") {
  const SearchSpace linear({ParameterSpec::Discrete("d", {0.0, 0.1, 0.5})});
  CHECK(DecodeFromModel(linear, Point({0.0}))["d"] == ParameterValue(0.0));
  CHECK(DecodeFromModel(linear, Point({0.12}))["d"] == ParameterValue(0.1));  // x = 0.06
  CHECK(DecodeFromModel(linear, Point({0.58}))["d"] == ParameterValue(0.1));  // x = 0.29
  CHECK(DecodeFromModel(linear, Point({0.62}))["d"] == ParameterValue(0.5));  // x = 0.31
  CHECK(DecodeFromModel(linear, Point({1.0}))["d"] == ParameterValue(0.5));
  // On a log scale "nearest" is measured on that scale: 16, 32, 64 are evenly spaced.
  const SearchSpace log({ParameterSpec::Discrete("b", {16, 32, 64}, ScaleType::kLog)});
  CHECK(DecodeFromModel(log, Point({0.24}))["b"] == ParameterValue(16.0));
  CHECK(DecodeFromModel(log, Point({0.26}))["b"] == ParameterValue(32.0));
  CHECK(DecodeFromModel(log, Point({0.74}))["b"] == ParameterValue(32.0));
  CHECK(DecodeFromModel(log, Point({0.76}))["b"] == ParameterValue(64.0));
}

TEST_CASE("categoricals decode to the largest coordinate", "[space]") {
  const SearchSpace space({ParameterSpec::Categorical("a", {"x", "y", "z"})});
  CHECK(DecodeFromModel(space, Point({0.1, 0.9, 0.3}))["a"] == ParameterValue("y"));
  CHECK(DecodeFromModel(space, Point({0.1, 0.2, 0.3}))["a"] == ParameterValue("z"));
  const SearchSpace single({ParameterSpec::Categorical("only", {"one"})});
  CHECK(single.ModelDimensions() == 0);
  CHECK(DecodeFromModel(single, Eigen::VectorXd(0))["only"] == ParameterValue("one"));
}

TEST_CASE("infeasible and incomplete values are rejected with the parameter named", "[space]") {
  const SearchSpace space = MixedSpace();
  ParameterValues values = {{"learning_rate", 1e-2},
                            {"n_layers", 4},
                            {"activation", "tanh"},
                            {"batch_size", 64.0},
                            {"dropout", 0.5}};
  REQUIRE_NOTHROW(space.Validate(values));
  auto with = [&](const std::string& name, ParameterValue v) {
    ParameterValues copy = values;
    copy[name] = std::move(v);
    return copy;
  };
  CHECK_THROWS_WITH(space.Validate(with("learning_rate", 0.5)),
                    Catch::Contains("learning_rate") && Catch::Contains("[1e-04, 0.1]"));
  CHECK_THROWS_WITH(space.Validate(with("n_layers", 2.5)), Catch::Contains("an integer"));
  CHECK_THROWS_WITH(space.Validate(with("activation", "sigmoid")),
                    Catch::Contains("'relu', 'tanh', 'gelu'"));
  CHECK_THROWS_WITH(space.Validate(with("batch_size", 100.0)), Catch::Contains("one of 16, 32"));
  CHECK_THROWS_WITH(space.Validate(with("extra", 1.0)),
                    Catch::Contains("unknown parameter 'extra'"));
  values.erase("dropout");
  CHECK_THROWS_WITH(space.Validate(values), Catch::Contains("'dropout' has no value"));
}

TEST_CASE("a value of the wrong kind is said to be of that kind", "[space]") {
  // An embedder's RequestTrial with the double 2.0 for an INTEGER was told "parameter 'n_layers'
  // = 2 is not feasible: expected an integer in [1, 10]", and with the string "0.01" for a DOUBLE
  // "= 0.01 is not feasible: expected a number in [1e-04, 0.1]": values that look feasible.
  const SearchSpace space = MixedSpace();
  ParameterValues values = {{"learning_rate", 1e-2},
                            {"n_layers", 4},
                            {"activation", "tanh"},
                            {"batch_size", 64.0},
                            {"dropout", 0.5}};
  auto with = [&](const std::string& name, ParameterValue v) {
    ParameterValues copy = values;
    copy[name] = std::move(v);
    return copy;
  };
  CHECK_THROWS_WITH(space.Validate(with("n_layers", 2.0)),
                    "parameter 'n_layers' = 2 (a double) is not feasible: expected an integer in "
                    "[1, 10]");
  CHECK_THROWS_WITH(space.Validate(with("learning_rate", "0.01")),
                    "parameter 'learning_rate' = '0.01' (a string) is not feasible: expected a "
                    "number in [1e-04, 0.1]");
  CHECK_THROWS_WITH(space.Validate(with("activation", 1)),
                    "parameter 'activation' = 1 (an integer) is not feasible: expected one of "
                    "'relu', 'tanh', 'gelu'");
  // The right kind out of range: no kind said.
  CHECK_THROWS_WITH(space.Validate(with("n_layers", 11)),
                    "parameter 'n_layers' = 11 is not feasible: expected an integer in [1, 10]");
  CHECK_THROWS_WITH(space.Validate(with("activation", "selu")),
                    "parameter 'activation' = 'selu' is not feasible: expected one of 'relu', "
                    "'tanh', 'gelu'");
}

TEST_CASE("reading a value as another kind says its kind and how to read it", "[space]") {
  // An embedder reading a DISCRETE parameter's 32 with AsInteger() was told only "expected an
  // integer, got 32".
  CHECK_THROWS_WITH(ParameterValue(32.0).AsInteger(),
                    "expected an integer, got the double 32 (a DOUBLE or DISCRETE parameter's "
                    "value: read it with AsDouble())");
  CHECK_THROWS_WITH(ParameterValue("adam").AsInteger(),
                    "expected an integer, got the string 'adam' (a CATEGORICAL parameter's "
                    "value: read it with AsString())");
  CHECK_THROWS_WITH(ParameterValue(4).AsString(),
                    "expected a string, got the integer 4 (a DOUBLE, INTEGER or DISCRETE "
                    "parameter's value: read it with AsDouble() or AsInteger())");
  CHECK_THROWS_WITH(ParameterValue(0.5).AsString(),
                    "expected a string, got the double 0.5 (a DOUBLE, INTEGER or DISCRETE "
                    "parameter's value: read it with AsDouble())");
  CHECK_THROWS_WITH(ParameterValue("adam").AsDouble(),
                    "expected a number, got the string 'adam' (a CATEGORICAL parameter's value: "
                    "read it with AsString())");
  CHECK(ParameterValue(4).AsDouble() == 4.0);
}

TEST_CASE("values given as text are parsed for their parameter", "[space]") {
  const SearchSpace space = MixedSpace();
  CHECK(SearchSpace::ParseValue(*space.Find("learning_rate"), "0.001") == ParameterValue(0.001));
  CHECK(SearchSpace::ParseValue(*space.Find("n_layers"), "7") == ParameterValue(7));
  CHECK(SearchSpace::ParseValue(*space.Find("activation"), "gelu") == ParameterValue("gelu"));
  CHECK(SearchSpace::ParseValue(*space.Find("batch_size"), "128") == ParameterValue(128.0));
  CHECK_THROWS_AS(SearchSpace::ParseValue(*space.Find("n_layers"), "7.5"), InvalidArgument);
  CHECK_THROWS_AS(SearchSpace::ParseValue(*space.Find("n_layers"), "11"), InvalidArgument);
  CHECK_THROWS_AS(SearchSpace::ParseValue(*space.Find("learning_rate"), "abc"), InvalidArgument);
  CHECK_THROWS_AS(SearchSpace::ParseValue(*space.Find("batch_size"), "100"), InvalidArgument);
}

TEST_CASE("invalid spaces are rejected", "[space]") {
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Double("x", 1, 1)}),
                    Catch::Contains("must be less than maxValue"));
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Double("x", 0, 1, ScaleType::kLog)}),
                    Catch::Contains("needs minValue > 0"));
  CHECK_THROWS_WITH(
      SearchSpace({ParameterSpec::Double("x", 0, 1), ParameterSpec::Double("x", 0, 2)}),
      Catch::Contains("defined twice"));
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Categorical("c", {"a", "a"})}),
                    Catch::Contains("twice"));
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Discrete("d", {1, 3, 2})}),
                    Catch::Contains("strictly increasing"));
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Double("bad name", 0, 1)}),
                    Catch::Contains("--name=value"));
  // As from gRPC or an embedder: 1,001 categories would make 1,001 model dimensions.
  std::vector<std::string> categories;
  for (int i = 0; i < 1001; ++i)
    categories.push_back("v" + std::to_string(i));
  CHECK_THROWS_WITH(SearchSpace({ParameterSpec::Categorical("c", categories)}),
                    Catch::Contains("categoricalValues holds 1001 values; at most 1000"));
  categories.pop_back();
  CHECK_NOTHROW(SearchSpace({ParameterSpec::Categorical("c", categories)}));
}

TEST_CASE("doubles are formatted so that they read back exactly", "[space]") {
  CHECK(ParameterValue(0.1).ToString() == "0.1");
  CHECK(ParameterValue(1e-5).ToString() == "1e-05");
  CHECK(ParameterValue(3.0).ToString() == "3");
  CHECK(ParameterValue(42).ToString() == "42");
  CHECK(ParameterValue("a b'c").ToString() == "a b'c");
  const double tricky = 0.1 + 0.2;
  CHECK(std::stod(ParameterValue(tricky).ToString()) == tricky);
}
