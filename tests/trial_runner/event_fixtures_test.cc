// Real event files written by other people's writers read exactly as TensorBoard reads them.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "event_dir_reader.h"

using namespace bayestune;

TEST_CASE("every fixture reads exactly what truth.json says", "[event_fixtures]") {
  const std::string root = std::string(BAYESTUNE_SOURCE_DIR) + "/tests/fixtures/tfevents";
  std::ifstream truth_file(root + "/truth.json");
  REQUIRE(truth_file);
  const auto truth = nlohmann::json::parse(truth_file);
  REQUIRE(truth.size() >= 4);

  EventDirReader reader(root);
  const MetricPoll poll = reader.Poll();
  CHECK(poll.warnings.empty());
  for (const auto& warning : poll.warnings)
    WARN(warning.ToString());
  // run -> tag -> [(step, value)], in the order read.
  std::map<std::string, std::map<std::string, std::vector<std::pair<std::int64_t, double>>>> read;
  for (const auto& record : poll.records)
    read[record.run][record.tag].emplace_back(record.step, record.value);

  CHECK(read.size() == truth.size());
  for (const auto& [run, tags] : truth.items()) {
    INFO("run " << run);
    REQUIRE(read.count(run));
    CHECK(read[run].size() == tags.size());
    for (const auto& [tag, points] : tags.items()) {
      INFO("tag " << tag);
      REQUIRE(read[run].count(tag));
      const auto& got = read[run][tag];
      REQUIRE(got.size() == points.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("point " << i);
        CHECK(got[i].first == points[i][0].get<std::int64_t>());
        const double expected = points[i][1].get<double>();
        CHECK(got[i].second == Approx(expected).epsilon(1e-6).margin(1e-30));
      }
    }
  }
}
