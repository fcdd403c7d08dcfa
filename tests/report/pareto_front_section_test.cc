// The report's Pareto-front section: a scatter with the front for two metrics, pairwise scatters
// for three, nothing for one metric.
#include <catch2/catch.hpp>
#include <sstream>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/report/study_report.h"

using namespace bayestune;

namespace {

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// A study of `metrics` (metric k of trial i: values[i][k]), rendered.
std::string Render(const std::vector<MetricSpec>& metrics,
                   const std::vector<std::vector<double>>& values) {
  StudySpec spec;
  spec.metric_tag = metrics[0].metric_id;
  spec.goal = metrics[0].goal;
  if (metrics.size() > 1) spec.metrics = metrics;
  spec.max_trials = static_cast<int>(values.size());
  spec.algorithm = Algorithm::kRandomSearch;
  spec.seed = 1;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  auto repository = std::make_shared<InMemoryStudyRepository>();
  auto study = Study::Open(repository, "p", {.create_if_missing = true, .spec = spec});
  for (const auto& row : values) {
    const Trial t = study->Suggest(1)[0];
    for (std::size_t k = 0; k < metrics.size(); ++k)
      study->AddMeasurement(t.id, {.metric = metrics[k].metric_id, .step = 1, .value = row[k]});
    study->Complete(t.id);
  }
  std::ostringstream out;
  WriteStudyReport(out, study->Record(), study->Trials(), {});
  return out.str();
}

}  // namespace

TEST_CASE("report: two metrics draw one scatter with the front joined", "[report][pareto]") {
  // Trials 1, 2 and 4 are on the front of accuracy (max) and size (min); 3 is dominated.
  const std::string page = Render({{"accuracy", Goal::kMaximize}, {"size", Goal::kMinimize}},
                                  {{0.9, 10}, {0.8, 5}, {0.85, 12}, {0.95, 20}});
  REQUIRE(Count(page, "<section id=\"pareto\"") == 1);
  const std::string section = page.substr(page.find("<section id=\"pareto\""));
  CHECK(Count(section.substr(0, section.find("</section>")), "data-kind=\"pareto-optimal\"") == 3);
  CHECK(Count(section.substr(0, section.find("</section>")), "data-kind=\"succeeded\"") == 1);
  CHECK(section.find("data-front=\"3\"") < section.find("</section>"));
  CHECK(section.find("size (minimize)") < section.find("</section>"));
}

TEST_CASE("report: three metrics draw a scatter per pair, one metric draws none",
          "[report][pareto]") {
  const std::string page =
      Render({{"a", Goal::kMinimize}, {"b", Goal::kMinimize}, {"c", Goal::kMinimize}},
             {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}});
  const std::string section = page.substr(page.find("<section id=\"pareto\""));
  const std::string body = section.substr(0, section.find("</section>"));
  CHECK(Count(body, "<svg class=\"chart") == 3);                // a-b, a-c, b-c
  CHECK(Count(body, "data-kind=\"pareto-optimal\"") == 3 * 3);  // 3 trials in each
  CHECK(Render({{"accuracy", Goal::kMaximize}}, {{0.5}, {0.7}}).find("id=\"pareto\"") ==
        std::string::npos);
}
