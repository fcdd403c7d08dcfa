// A conditional study read back from SQLite: the export leaves inactive parameters empty and
// nests the tree as tuning.yaml does; the report draws every trial (lines break at inactive
// axes) and the importance uses every trial, an inactive parameter being a value of its own.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bayestune/optimizer/study.h"
#include "bayestune/report/study_report.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/store/study_csv_export.h"
#include "bayestune/store/study_json_export.h"
#include "parameter_importance.h"
#include "temp_folder.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

ParameterSpec Under(ParameterSpec spec, std::string parent, std::vector<ParameterValue> values) {
  spec.condition = ParentCondition{std::move(parent), std::move(values)};
  return spec;
}

// optimizer sgd brings momentum, adam brings beta1; 30 random trials whose loss is mostly
// momentum's (an sgd trial) or 0.5 (adam).
std::pair<StudyRecord, std::vector<Trial>> ConditionalStudy(const std::string& database) {
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "loss";
  spec.max_trials = 30;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.seed = 11;
  spec.parameters = {ParameterSpec::Categorical("optimizer", {"sgd", "adam"}),
                     Under(ParameterSpec::Double("momentum", 0, 1), "optimizer", {"sgd"}),
                     Under(ParameterSpec::Double("beta1", 0.8, 0.99), "optimizer", {"adam"}),
                     ParameterSpec::Double("lr", 0.01, 0.1)};
  auto repository = SqliteStudyRepository::Open(database);
  auto study = Study::Open(repository, "tree", {.create_if_missing = true, .spec = spec});
  while (!study->IsDone()) {
    for (const Trial& t : study->Suggest(3)) {
      const bool sgd = t.parameters.at("optimizer").AsString() == "sgd";
      const double loss = sgd ? std::abs(t.parameters.at("momentum").AsDouble() - 0.9) : 0.5;
      study->Complete(t.id, loss + 0.01 * t.parameters.at("lr").AsDouble());
    }
  }
  return {study->Record(), study->Trials()};
}

}  // namespace

TEST_CASE("conditional: the CSV and JSON export leave inactive parameters out",
          "[conditional][export]") {
  TempFolder folder;
  const auto [study, trials] = ConditionalStudy(folder.File("study.db"));
  std::ostringstream csv;
  WriteStudyCsv(csv, study, trials);
  std::istringstream lines(csv.str());
  std::string header;
  std::getline(lines, header);
  CHECK(header.find("optimizer,momentum,beta1,lr") != std::string::npos);
  int rows = 0;
  for (std::string row; std::getline(lines, row);) {
    ++rows;
    // An sgd row has momentum and an empty beta1, an adam row the other way round.
    if (row.find(",sgd,") != std::string::npos) {
      CHECK(row.find(",sgd,,") == std::string::npos);
      CHECK(row.find(",sgd,") != std::string::npos);
    } else {
      REQUIRE(row.find(",adam,,") != std::string::npos);
    }
  }
  CHECK(rows == 30);

  std::ostringstream json_text;
  WriteStudyJson(json_text, study, trials);
  const auto job = nlohmann::json::parse(json_text.str());
  const auto& params = job.at("trainingInput").at("hyperparameters").at("params");
  REQUIRE(params.size() == 2);  // optimizer (with its children) and lr
  const auto& children = params[0].at("conditionalParameterSpecs");
  REQUIRE(children.size() == 2);
  CHECK(children[0].at("parameterSpec").at("parameterName") == "momentum");
  CHECK(children[0].at("parentCategoricalValues").at("values") == nlohmann::json({"sgd"}));
  CHECK(children[1].at("parameterSpec").at("parameterName") == "beta1");
  for (const auto& trial : job.at("trainingOutput").at("trials")) {
    const auto& h = trial.at("hyperparameters");
    CHECK(h.contains("momentum") == (h.at("optimizer") == "sgd"));
    CHECK(h.contains("beta1") == (h.at("optimizer") == "adam"));
  }
}

TEST_CASE("conditional: the report draws every trial and finds what matters",
          "[conditional][report]") {
  TempFolder folder;
  const auto [study, trials] = ConditionalStudy(folder.File("study.db"));
  std::ostringstream out;
  WriteStudyReport(out, study, trials, {});
  const std::string page = out.str();
  // Every trial is a line of the parallel coordinates, inactive parameters or not.
  CHECK(page.find("<section id=\"parallel-coordinates\" data-drawn=\"30\" data-total=\"30\"") !=
        std::string::npos);
  CHECK(page.find("<section id=\"slices\"") != std::string::npos);

  const ImportanceEstimate estimate = EstimateParameterImportance(study.spec, trials, {});
  INFO(estimate.unavailable_reason);
  REQUIRE(estimate.available);
  CHECK(estimate.trials_used == 30);
  REQUIRE(estimate.parameters.size() == 4);
  // momentum (and whether it is active) decides the loss; lr barely matters.
  CHECK(estimate.parameters[1].fraction > estimate.parameters[3].fraction);
}
