#include "trial_metrics_feed.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "event_file_writer.h"
#include "test_support.h"

using namespace bayestune;
using Catch::Matchers::Contains;

TEST_CASE("a trial folder replaced by a symbolic link is not read", "[trial_metrics_feed]") {
  // A trainer that replaced its trial folder with a link to / made the runner walk the whole
  // machine at every poll and take the event files of other studies as the trial's metrics.
  const auto root = test::MakeTempDir("feed_link");
  const auto elsewhere = root / "elsewhere";
  std::filesystem::create_directories(elsewhere);
  {
    EventFileWriter writer(elsewhere.string());
    writer.AddScalar("accuracy", 1, 0.75f);
    writer.Flush();
  }
  const TrialPaths paths = TrialPathsFor(root / "jobs", 1, 1);
  std::filesystem::create_directories(paths.dir.parent_path());
  std::filesystem::create_directory_symlink(elsewhere, paths.dir);
  StudySpec spec;
  spec.metric_tag = "accuracy";
  TrialMetricsFeed feed(paths, spec);
  const TrialMetricsFeed::Update update = feed.Poll();
  CHECK(update.measurements.empty());
  REQUIRE(update.warnings.size() == 1);
  CHECK_THAT(update.warnings[0], Contains(paths.dir.string()) && Contains("symbolic link"));
  CHECK(feed.Poll().warnings.empty());  // said once
  CHECK_FALSE(feed.SelectObjective().measurement);
}

TEST_CASE("a trial folder's event files are read", "[trial_metrics_feed]") {
  const auto root = test::MakeTempDir("feed_plain");
  const TrialPaths paths = TrialPathsFor(root / "jobs", 1, 1);
  std::filesystem::create_directories(paths.dir);
  {
    EventFileWriter writer(paths.dir.string());
    writer.AddScalar("accuracy", 1, 0.75f);
    writer.Flush();
  }
  StudySpec spec;
  spec.metric_tag = "accuracy";
  TrialMetricsFeed feed(paths, spec);
  const TrialMetricsFeed::Update update = feed.Poll();
  CHECK(update.warnings.empty());
  REQUIRE(feed.SelectObjective().measurement);
  CHECK(feed.SelectObjective().measurement->value == 0.75);
}
