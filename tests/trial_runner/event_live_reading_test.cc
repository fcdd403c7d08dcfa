// A writer process appends to event files while the reader polls: every value read exactly once,
// in order, whole records only.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>

#include "event_dir_reader.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

const std::string kWriter = BuiltProgram("tests/trial_runner/metrics_test_writer");
constexpr int kCount = 60;

// What the writer writes at `step` in each run.
double ExpectedValue(const std::string& run, std::int64_t step) {
  return run == "." ? step * 0.25 : step * 0.5;
}

}  // namespace

TEST_CASE("lockstep: after each write, a poll returns exactly the records it completed",
          "[event_live]") {
  const auto dir = UniqueTempDir("lockstep");
  ChildProcess writer({kWriter, "events-lockstep", dir.string(), std::to_string(kCount)});
  EventDirReader reader(dir.string());
  std::map<std::string, std::int64_t> next_step = {{".", 0}, {"validation", kCount / 2}};
  int writes = 0, partial_writes = 0;
  for (;;) {
    writer.Send('g');
    const char what = writer.Receive();
    REQUIRE(what != '\0');
    if (what == 'e') break;
    ++writes;
    const MetricPoll poll = reader.Poll();
    CHECK(poll.warnings.empty());
    INFO("write " << writes << " answered " << what);
    if (what == 'p') {
      ++partial_writes;
      CHECK(poll.records.empty());
      continue;
    }
    REQUIRE(poll.records.size() == 1);
    const MetricRecord& record = poll.records[0];
    CHECK(record.run == (what == 'r' ? "." : "validation"));
    CHECK(record.tag == (what == 'r' ? "loss" : "epoch_accuracy"));
    CHECK(record.step == next_step[record.run]++);
    CHECK(record.value == ExpectedValue(record.run, record.step));
  }
  CHECK(writer.Wait() == 0);
  CHECK(next_step["."] == kCount);
  CHECK(next_step["validation"] == kCount);
  CHECK(partial_writes > kCount);  // records were seen cut in pieces
  CHECK(reader.Poll().records.empty());
}

TEST_CASE("racing: a writer appending freely while the reader polls", "[event_live]") {
  const auto dir = UniqueTempDir("racing");
  constexpr int kRacingCount = 400;
  ChildProcess writer({kWriter, "events-free", dir.string(), std::to_string(kRacingCount)});
  EventDirReader reader(dir.string());
  std::map<std::string, std::vector<MetricRecord>> by_run;
  int polls = 0;
  for (bool exited = false; !exited;) {
    exited = writer.Exited();  // then one more poll reads the rest
    const MetricPoll poll = reader.Poll();
    ++polls;
    CHECK(poll.warnings.empty());
    for (const auto& record : poll.records)
      by_run[record.run].push_back(record);
    if (!exited) ::usleep(200);
  }
  CHECK(writer.Wait() == 0);
  REQUIRE(by_run["."].size() == static_cast<std::size_t>(kRacingCount));
  REQUIRE(by_run["validation"].size() == static_cast<std::size_t>(kRacingCount - kRacingCount / 2));
  for (const auto& [run, records] : by_run) {
    const std::int64_t first = run == "." ? 0 : kRacingCount / 2;
    for (std::size_t i = 0; i < records.size(); ++i) {
      INFO(run << " record " << i);
      CHECK(records[i].step == first + static_cast<std::int64_t>(i));
      CHECK(records[i].value == ExpectedValue(run, records[i].step));
    }
  }
  INFO("polls: " << polls);
}
