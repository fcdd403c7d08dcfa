#include "bayestune/trial_runner/study_connection.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "bayestune/optimizer/errors.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "test_support.h"

using namespace bayestune;

TEST_CASE("the local connection records a batch of measurements in one go", "[connection]") {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = 3;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  const auto dir = test::MakeTempDir("connection");
  LocalStudyConnection connection(Study::Open(SqliteStudyRepository::Open((dir / "s.db").string()),
                                              "s", {.create_if_missing = true, .spec = spec}));
  CHECK(connection.StudyName() == "s");
  StudySpec stored = connection.Spec();
  CHECK(stored.seed.has_value());  // a random one, given at creation
  stored.seed.reset();
  CHECK(stored == spec);

  const Trial t = connection.Suggest(1, "c1").at(0);
  CHECK(connection.PendingTrials().size() == 1);
  connection.AddMeasurements(t.id, t.Owner(),
                             {{.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = 10.0},
                              {.metric = "loss", .step = 1, .value = 1.5, .wall_time = 10.0},
                              {.metric = "", .step = 2, .value = 0.75}});
  const Trial measured = connection.study().GetTrial(t.id);
  REQUIRE(measured.measurements.size() == 3);
  CHECK(measured.measurements[1].metric == "loss");
  CHECK(measured.measurements[2].metric == "accuracy");  // the objective's tag by default
  CHECK(measured.measurements[2].wall_time > 0);

  CHECK_THROWS_AS(connection.AddMeasurements(t.id, t.Owner(),
                                             {{.metric = "a", .step = 1, .value = 1},
                                              {.metric = "b", .step = 1, .value = NAN}}),
                  InvalidArgument);
  CHECK(connection.study().GetTrial(t.id).measurements.size() == 3);  // nothing of a bad batch
  const Trial done = connection.Complete(t.id, t.Owner(), std::nullopt, std::nullopt, std::nullopt);
  CHECK(*done.final_value == 0.75);
  const std::vector<Measurement> two{{.metric = "a", .step = 3, .value = 1},
                                     {.metric = "b", .step = 3, .value = 1}};
  CHECK_THROWS_AS(connection.AddMeasurements(t.id, t.Owner(), two), FailedPrecondition);
  CHECK_THROWS_AS(connection.AddMeasurements(99, t.Owner(), two), NotFound);
  CHECK(connection.PendingTrials().empty());
  CHECK(connection.Progress().succeeded == 1);
}
