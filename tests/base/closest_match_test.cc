#include "closest_match.h"

#include <catch2/catch.hpp>

using namespace bayestune;

TEST_CASE("edit distance counts insertions, deletions and substitutions", "[closest]") {
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("MaxTrials", "maxtrials") == 0);
}

TEST_CASE("the closest candidate is suggested only when it is close", "[closest]") {
  const std::vector<std::string> keys = {"maxTrials", "maxParallelTrials", "maxFailedTrials",
                                         "goal", "params"};
  CHECK(ClosestMatch("maxTrial", keys) == "maxTrials");
  CHECK(ClosestMatch("max_parallel_trials", keys) == "maxParallelTrials");
  CHECK(ClosestMatch("gaol", keys) == "goal");
  CHECK_FALSE(ClosestMatch("something_else_entirely", keys).has_value());
  CHECK(ClosestMatch("epoch_accuracy", {"validation/epoch_accuracy", "loss"}) ==
        "validation/epoch_accuracy");
}
