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
  LocalStudyConnection connection(
      Study::Create(SqliteStudyRepository::Open((dir / "s.db").string()), "s", spec));
  CHECK(connection.StudyName() == "s");
  CHECK(connection.Spec() == spec);

  const Trial t = connection.Suggest(1, "c1").at(0);
  CHECK(connection.PendingTrials().size() == 1);
  connection.AddMeasurements(
      t.id, {{"accuracy", 1, 10.0, 0.5}, {"loss", 1, 10.0, 1.5}, {"", 2, 0, 0.75}});
  const Trial measured = connection.study().GetTrial(t.id);
  REQUIRE(measured.measurements.size() == 3);
  CHECK(measured.measurements[1].metric == "loss");
  CHECK(measured.measurements[2].metric == "accuracy");  // the objective's tag by default
  CHECK(measured.measurements[2].wall_time > 0);

  CHECK_THROWS_AS(connection.AddMeasurements(t.id, {{"a", 1, 0, 1}, {"b", 1, 0, NAN}}),
                  InvalidArgument);
  CHECK(connection.study().GetTrial(t.id).measurements.size() == 3);  // nothing of a bad batch
  const Trial done = connection.Complete(t.id, std::nullopt, std::nullopt);
  CHECK(*done.final_value == 0.75);
  CHECK_THROWS_AS(connection.AddMeasurements(t.id, {{"a", 3, 0, 1}, {"b", 3, 0, 1}}),
                  FailedPrecondition);
  CHECK_THROWS_AS(connection.AddMeasurements(99, {{"a", 3, 0, 1}, {"b", 3, 0, 1}}), NotFound);
  CHECK(connection.PendingTrials().empty());
  CHECK(connection.Progress().succeeded == 1);
}
