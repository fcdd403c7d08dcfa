// examples/two_objective (accuracy against param_count with the real trainer on the CPU), with
// fewer and shorter trials, through `bayestune run`; then `best` lists the Pareto front, as the
// JSON export and a brute-force check of the trials' values agree.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli_test_support.h"

namespace bayestune::testing {

namespace {

void ReplaceOnce(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("examples/two_objective runs end to end and best lists the Pareto front",
          "[cli][run][multi-objective]") {
  TempFolder dir;
  std::string yaml = ReadTextFile(BAYESTUNE_SOURCE_DIR "/examples/two_objective/tuning.yaml");
  ReplaceOnce(yaml, "maxTrials: 12", "maxTrials: 5");
  ReplaceOnce(yaml, "../../build/gpu_models/bayestune-mlp, --epochs=3",
              TrainerPath() + ", --epochs=1");
  WriteTextFile(dir.File("two.yaml"), yaml);
  const auto run = RunBayestune(dir.path(), {"run", "two.yaml"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("on the Pareto front") != std::string::npos);

  const auto json = RunBayestune(dir.path(), {"export", "--format=json", "--out", "two.json"});
  REQUIRE(json.exit_code == 0);
  const auto document = nlohmann::json::parse(ReadTextFile(dir.File("two.json")));
  CHECK(document["trainingInput"]["hyperparameters"]["metrics"][1]["metricId"] == "param_count");
  // (id, accuracy, param_count) of every trial, and the front by brute force.
  std::vector<std::tuple<std::string, double, double>> values;
  std::set<std::string> marked;
  for (const auto& trial : document["trainingOutput"]["trials"]) {
    REQUIRE(trial["state"] == "SUCCEEDED");
    const auto& metrics = trial["bayestune"]["finalMetrics"];
    REQUIRE(metrics.size() == 2);
    CHECK(metrics[0]["metricTag"] == "accuracy");
    values.emplace_back(trial["trialId"].get<std::string>(), metrics[0]["value"].get<double>(),
                        metrics[1]["value"].get<double>());
    if (trial["bayestune"]["paretoOptimal"].get<bool>()) marked.insert(trial["trialId"]);
  }
  REQUIRE(values.size() == 5);
  std::set<std::string> front;
  for (const auto& [id, accuracy, size] : values) {
    bool dominated = false;
    for (const auto& [other, other_accuracy, other_size] : values) {
      dominated |= other_accuracy >= accuracy && other_size <= size &&
                   (other_accuracy > accuracy || other_size < size);
    }
    if (!dominated) front.insert(id);
  }
  CHECK(marked == front);

  const auto best = RunBayestune(dir.path(), {"best", "--db", "bayestune.db"});
  INFO(best.out << best.err);
  REQUIRE(best.exit_code == 0);
  CHECK(best.out.find("5 succeeded trials, " + std::to_string(front.size()) +
                      " on the Pareto front (accuracy MAXIMIZE, param_count MINIMIZE)") !=
        std::string::npos);
  std::set<std::string> listed;
  const std::regex line(R"(  trial (\d+): --)");
  for (std::sregex_iterator it(best.out.begin(), best.out.end(), line), end; it != end; ++it)
    listed.insert((*it)[1]);
  CHECK(listed == front);

  const auto status = RunBayestune(dir.path(), {"status"});
  CHECK(status.out.find("front      " + std::to_string(front.size()) + " trial") !=
        std::string::npos);
  // `trials`: a column per objective, and every trial of the front marked (no one "best").
  const auto trials = RunBayestune(dir.path(), {"trials"});
  INFO(trials.out << trials.err);
  REQUIRE(trials.exit_code == 0);
  CHECK(trials.out.find(" accuracy ") != std::string::npos);
  CHECK(trials.out.find(" param_count ") != std::string::npos);
  std::set<std::string> front_rows;
  const std::regex trial_row(R"((?:^|\n)(\d+) +SUCCEEDED[^\n]*Pareto front)");
  for (std::sregex_iterator it(trials.out.begin(), trials.out.end(), trial_row), end; it != end;
       ++it)
    front_rows.insert((*it)[1]);
  CHECK(front_rows == front);
  CHECK(trials.out.find(" best") == std::string::npos);

  const auto csv = RunBayestune(dir.path(), {"export", "--format", "csv"});
  CHECK(csv.out.find("objective,objective.accuracy,objective.param_count,pareto_optimal,step") !=
        std::string::npos);
}

}  // namespace bayestune::testing
