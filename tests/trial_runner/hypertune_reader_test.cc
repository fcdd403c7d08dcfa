#include "hypertune_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "hypertune_writer.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;
using Catch::Matchers::Contains;

namespace {

double ValueAt(int step) {
  return 0.5 + step / 1000.0;
}

void Report(HypertuneWriter& writer, int step) {
  writer.Report("accuracy", ValueAt(step), step, 1700000000.0 + step);
}

// Checks that `records` are the reports of steps first, first + 1, ... in order.
void CheckSteps(const std::vector<MetricRecord>& records, int first, int count) {
  REQUIRE(records.size() == static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    INFO("record " << i);
    CHECK(records[i].run == ".");
    CHECK(records[i].tag == "accuracy");
    CHECK(records[i].step == first + i);
    CHECK(records[i].value == ValueAt(first + i));
    CHECK(records[i].wall_time == 1700000000.0 + first + i);
  }
}

}  // namespace

TEST_CASE("reports are read once, with tag, step, time and value", "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_basic") / "metric.jsonl";
  HypertuneReader reader(path.string());
  CHECK(reader.Poll().records.empty());  // not written yet
  HypertuneWriter writer(path.string(), "3");
  for (int step = 0; step < 3; ++step)
    Report(writer, step);
  const MetricPoll poll = reader.Poll();
  CHECK(poll.warnings.empty());
  CheckSteps(poll.records, 0, 3);
  CHECK(reader.Poll().records.empty());
  Report(writer, 3);
  CheckSteps(reader.Poll().records, 3, 1);
}

TEST_CASE(
    "a timestamp no clock gave (milliseconds, negative, NaN) is read as 0 (now), with a "
    "warning",
    "[hypertune_reader]") {
  // It was passed on as written: "nan" reached SQLite's NOT NULL column as NULL, and the others
  // made the trial's durations, the report and the exports absurd.
  const auto path = UniqueTempDir("hypertune_timestamp") / "metric.jsonl";
  WriteFileBytes(path,
                 "{\"global_step\": 1, \"accuracy\": 0.5, \"timestamp\": 1700000000000.5}\n"
                 "{\"global_step\": 2, \"accuracy\": 0.6, \"timestamp\": -3}\n"
                 "{\"global_step\": 3, \"accuracy\": 0.7, \"timestamp\": \"nan\"}\n"
                 "{\"global_step\": 4, \"accuracy\": 0.8, \"timestamp\": 1700000000.5}\n");
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  REQUIRE(poll.records.size() == 4);
  CHECK(poll.records[0].wall_time == 0);
  CHECK(poll.records[1].wall_time == 0);
  CHECK(poll.records[2].wall_time == 0);
  CHECK(poll.records[3].wall_time == 1700000000.5);
  CHECK(poll.records[3].value == 0.8);
  // Said once for the file, as the event-file reader says it.
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message, Contains("line 1: timestamp 1700000000000.5") &&
                                           Contains("more than a day after this machine's clock") &&
                                           Contains("taken as measured when read") &&
                                           Contains("said once for this file"));
}

TEST_CASE("a trainer whose every timestamp is in milliseconds is warned once, not at each report",
          "[hypertune_reader]") {
  // time.time() * 1000 at each of 150 reports: until this change each line had a warning of its
  // own, 150 lines of the same warning in the run's progress for one trial.
  const auto path = UniqueTempDir("hypertune_timestamp_ms") / "metric.jsonl";
  std::string lines;
  for (int step = 1; step <= 150; ++step) {
    lines += "{\"global_step\": " + std::to_string(step) +
             ", \"accuracy\": 0.5, \"timestamp\": " + std::to_string(1700000000000 + step) + "}\n";
    if (step == 50) WriteFileBytes(path, lines);
  }
  HypertuneReader reader(path.string());
  MetricPoll poll = reader.Poll();
  REQUIRE(poll.records.size() == 50);
  CHECK(poll.warnings.size() == 1);
  WriteFileBytes(path, lines);  // appended to, past cloudml-hypertune's 100
  poll = reader.Poll();
  REQUIRE(poll.records.size() == 100);
  CHECK(poll.records.back().wall_time == 0);
  CHECK(poll.warnings.empty());
}

TEST_CASE("a step given as 'step' rather than global_step is warned of, once for the file",
          "[hypertune_reader]") {
  // {"accuracy": 0.6, "step": 1}, as a Vizier or Optuna user writes it: every report was at step
  // 0, 'step' a metric of its own, and nothing said so ('accuracy 0.8 at step 0').
  const auto path = UniqueTempDir("hypertune_step_key") / "metric.jsonl";
  WriteFileBytes(path,
                 "{\"accuracy\": 0.6, \"step\": 1}\n"
                 "{\"accuracy\": 0.7, \"step\": 2}\n");
  HypertuneReader reader(path.string());
  MetricPoll poll = reader.Poll();
  REQUIRE(poll.records.size() == 4);  // read as written: two metrics at step 0
  CHECK(poll.records[0].step == 0);
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message,
             Contains("line 1: no global_step, so the report is at step 0, and 'step' is a "
                      "metric of its own: cloudml-hypertune's key for the step is global_step") &&
                 Contains("said once for this file"));
  AppendFileBytes(path, "{\"accuracy\": 0.8, \"step\": 3}\n");
  poll = reader.Poll();
  CHECK(poll.records.size() == 2);
  CHECK(poll.warnings.empty());
  // A report with global_step, or without any step, says nothing.
  const auto plain = UniqueTempDir("hypertune_no_step") / "metric.jsonl";
  WriteFileBytes(plain, "{\"accuracy\": 0.6}\n{\"accuracy\": 0.7, \"global_step\": 2}\n");
  CHECK(HypertuneReader(plain.string()).Poll().warnings.empty());
}

TEST_CASE("rewrites of the sliding window count no report twice and lose none",
          "[hypertune_reader]") {
  for (int every : {1, 7, 99}) {
    INFO("a poll every " << every << " reports");
    const auto path = UniqueTempDir("hypertune_window") / "metric.jsonl";
    HypertuneWriter writer(path.string(), "1");
    HypertuneReader reader(path.string());
    std::vector<MetricRecord> read;
    for (int step = 0; step < 250; ++step) {
      Report(writer, step);
      if ((step + 1) % every == 0) {
        const MetricPoll poll = reader.Poll();
        CHECK(poll.warnings.empty());
        read.insert(read.end(), poll.records.begin(), poll.records.end());
      }
    }
    const MetricPoll last = reader.Poll();
    read.insert(read.end(), last.records.begin(), last.records.end());
    CheckSteps(read, 0, 250);
  }
}

TEST_CASE("a reader more than 100 reports behind says that reports were lost, once",
          "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_lost") / "metric.jsonl";
  HypertuneWriter writer(path.string(), "1");
  HypertuneReader reader(path.string());
  Report(writer, 0);
  CheckSteps(reader.Poll().records, 0, 1);
  for (int step = 1; step <= 150; ++step)
    Report(writer, step);
  const MetricPoll poll = reader.Poll();
  CheckSteps(poll.records, 51, 100);
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message, Contains("lost"));
  // Once per file: a trainer that keeps reporting this fast does not flood the log.
  for (int step = 151; step <= 300; ++step)
    Report(writer, step);
  const MetricPoll again = reader.Poll();
  CheckSteps(again.records, 201, 100);
  CHECK(again.warnings.empty());
}

TEST_CASE("a trainer that appends its reports past 100 lines: each read once, no warning",
          "[hypertune_reader]") {
  // A trainer's own writer, open(CLOUD_ML_HP_METRIC_FILE, 'a') a report, rather than
  // cloudml-hypertune's window of 100: past 100 lines the file's first line was no longer among
  // the last 100 reports read, so the whole file was read again at every poll, 300 reports
  // recorded as 442, with a warning that reports were lost (newuser11).
  for (int every : {1, 7, 150}) {
    INFO("a poll every " << every << " reports");
    const auto path = UniqueTempDir("hypertune_append") / "metric.jsonl";
    HypertuneReader reader(path.string());
    std::vector<MetricRecord> read;
    for (int step = 0; step < 300; ++step) {
      {
        std::ofstream file(path, std::ios::app);
        file.precision(17);
        file << "{\"accuracy\": " << ValueAt(step) << ", \"global_step\": " << step
             << ", \"timestamp\": " << 1700000000 + step << "}\n";
      }
      if ((step + 1) % every == 0) {
        const MetricPoll poll = reader.Poll();
        CHECK(poll.warnings.empty());
        read.insert(read.end(), poll.records.begin(), poll.records.end());
      }
    }
    const MetricPoll last = reader.Poll();
    CHECK(last.warnings.empty());
    read.insert(read.end(), last.records.begin(), last.records.end());
    CheckSteps(read, 0, 300);
  }
}

TEST_CASE("a half-written file, cut anywhere, counts each report once", "[hypertune_reader]") {
  const auto dir = UniqueTempDir("hypertune_half");
  const auto path = dir / "metric.jsonl";
  // The window after 120 reports, and the rewrite after the 121st, as text.
  std::string before, after;
  {
    HypertuneWriter writer((dir / "scratch").string(), "1");
    for (int step = 0; step < 121; ++step) {
      Report(writer, step);
      if (step == 119) before = ReadFileBytes(dir / "scratch");
    }
    after = ReadFileBytes(dir / "scratch");
  }
  for (std::size_t cut = 0; cut <= after.size(); cut += 3) {
    INFO("the rewrite seen cut at byte " << cut);
    HypertuneReader reader(path.string());
    WriteFileBytes(path, before);
    const MetricPoll first = reader.Poll();
    REQUIRE(first.records.size() == 100);
    WriteFileBytes(path, after.substr(0, cut));
    const MetricPoll partial = reader.Poll();
    WriteFileBytes(path, after);
    const MetricPoll whole = reader.Poll();
    CHECK(partial.warnings.empty());
    CHECK(whole.warnings.empty());
    std::vector<MetricRecord> read = partial.records;
    read.insert(read.end(), whole.records.begin(), whole.records.end());
    CheckSteps(read, 120, 1);
  }
}

TEST_CASE("a last line without its newline waits for a later poll", "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_partial") / "metric.jsonl";
  const std::string line0 = HypertuneLine("accuracy", ValueAt(0), 0, 1700000000.0, "1");
  const std::string line1 = HypertuneLine("accuracy", ValueAt(1), 1, 1700000001.0, "1");
  HypertuneReader reader(path.string());
  WriteFileBytes(path, line0 + "\n" + line1.substr(0, 20));
  CheckSteps(reader.Poll().records, 0, 1);
  WriteFileBytes(path, line0 + "\n" + line1);  // complete, but its newline not written yet
  CHECK(reader.Poll().records.empty());
  WriteFileBytes(path, line0 + "\n" + line1 + "\n");
  CheckSteps(reader.Poll().records, 1, 1);
}

TEST_CASE("a restarted trainer's new file is read from its start", "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_restart") / "metric.jsonl";
  HypertuneReader reader(path.string());
  {
    HypertuneWriter writer(path.string(), "1");
    for (int step = 0; step < 5; ++step)
      Report(writer, step);
  }
  CheckSteps(reader.Poll().records, 0, 5);
  CHECK(reader.generation() == 0);
  // A trainer that started over: a new writer empties the file and writes its own reports.
  HypertuneWriter restarted(path.string(), "1");
  Report(restarted, 5);
  Report(restarted, 6);
  const MetricPoll poll = reader.Poll();
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message, Contains("written anew") &&
                                           Contains("none of its 2 report(s) follows the 5 read "
                                                    "before") &&
                                           Contains("reading it afresh"));
  CHECK(reader.generation() == 1);
  CheckSteps(poll.records, 5, 2);
  // Then it is read on as usual.
  Report(restarted, 7);
  const MetricPoll next = reader.Poll();
  CHECK(next.warnings.empty());
  CheckSteps(next.records, 7, 1);
  CHECK(reader.generation() == 1);
}

TEST_CASE("a trainer that starts over with the same steps is read afresh, not spliced",
          "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_again") / "metric.jsonl";
  HypertuneReader reader(path.string());
  {
    HypertuneWriter writer(path.string(), "1");
    for (int step = 0; step < 5; ++step)
      writer.Report("accuracy", 0.9, step, 1700000000.0 + step);
  }
  CHECK(reader.Poll().records.size() == 5);
  HypertuneWriter again(path.string(), "1");
  for (int step = 0; step < 10; ++step)
    again.Report("accuracy", 0.1, step, 1700000100.0 + step);
  const MetricPoll poll = reader.Poll();
  CHECK(poll.warnings.size() == 1);
  REQUIRE(poll.records.size() == 10);  // steps 0 to 9 of the new run, none of them dropped
  CHECK(poll.records.front().step == 0);
  CHECK(poll.records.back().value == 0.1);
  CHECK(reader.generation() == 1);
}

TEST_CASE("equal reports are told apart by their place in the window", "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_equal") / "metric.jsonl";
  HypertuneWriter writer(path.string(), "1");
  HypertuneReader reader(path.string());
  writer.Report("accuracy", 0.5, 1, 5.0);
  CHECK(reader.Poll().records.size() == 1);
  writer.Report("accuracy", 0.5, 1, 5.0);
  writer.Report("accuracy", 0.5, 1, 5.0);
  CHECK(reader.Poll().records.size() == 2);
}

TEST_CASE("numbers as cloudml-hypertune writes them, and lines that are wrong",
          "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_numbers") / "metric.jsonl";
  WriteFileBytes(path,
                 "{\"checkpoint_path\": \"\", \"global_step\": \"5\", \"loss\": \"nan\", "
                 "\"timestamp\": 10.5, \"trial\": \"1\"}\n"
                 "{\"global_step\": \"6\", \"loss\": \"-inf\", \"timestamp\": 11}\n"
                 "{\"global_step\": 7, \"loss\": 1e-05, \"accuracy\": \"0.25\"}\n"
                 "not json\n"
                 "{\"global_step\": \"8\", \"loss\": \"high\"}\n"
                 "{\"global_step\": \"x\", \"loss\": \"1\"}\n"
                 "{\"trial\": \"1\", \"timestamp\": 3}\n"
                 "\n"
                 "{\"training/hptuning/metric\": \"0.75\"}\n");
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  REQUIRE(poll.records.size() == 5);
  CHECK(poll.records[0].tag == "loss");
  CHECK(std::isnan(poll.records[0].value));
  CHECK(poll.records[0].step == 5);
  CHECK(poll.records[0].wall_time == 10.5);
  CHECK(poll.records[1].value == -INFINITY);
  CHECK(poll.records[2].tag == "accuracy");  // keys in order
  CHECK(poll.records[2].value == 0.25);
  CHECK(poll.records[3].tag == "loss");
  CHECK(poll.records[3].value == 1e-05);
  CHECK(poll.records[3].step == 7);
  CHECK(poll.records[4].tag == "training/hptuning/metric");
  CHECK(poll.records[4].value == 0.75);
  REQUIRE(poll.warnings.size() == 4);
  CHECK_THAT(poll.warnings[0].message, Contains("line 4") && Contains("not a JSON object"));
  CHECK_THAT(poll.warnings[1].message,
             Contains("line 5") && Contains("'loss', \"high\", is not a number"));
  CHECK_THAT(poll.warnings[2].message, Contains("line 6") && Contains("global_step"));
  CHECK_THAT(poll.warnings[3].message, Contains("line 7") && Contains("without a metric"));
  CHECK(poll.warnings[0].file == path.string());
  // Read once, warned once.
  AppendFileBytes(path, "{\"loss\": \"2\"}\n");
  const MetricPoll later = reader.Poll();
  CHECK(later.warnings.empty());
  REQUIRE(later.records.size() == 1);
  CHECK(later.records[0].value == 2);
}

TEST_CASE("a value that is not a number is named, a decimal comma with what to do",
          "[hypertune_reader]") {
  // A trainer formatting its numbers in a locale such as de_DE wrote "0,91": the warning said
  // only "the value of 'accuracy' is not a number", and the trial failed with "no scalar was
  // reported at all (... no hypertune report)".
  const auto path = UniqueTempDir("hypertune_not_numbers") / "metric.jsonl";
  WriteFileBytes(path,
                 "{\"global_step\": \"1\", \"accuracy\": \"0,91\"}\n"
                 "{\"global_step\": \"2\", \"accuracy\": \"n/a\", \"loss\": \"1,5e-3\"}\n"
                 "{\"global_step\": \"3\", \"accuracy\": \"1,000,000\"}\n");
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  CHECK(poll.records.empty());
  const std::string comma =
      "; it is written with a decimal comma (the trainer's locale?): write numbers with a point, "
      "as str(value) and cloudml-hypertune do in any locale";
  REQUIRE(poll.warnings.size() == 4);
  CHECK(poll.warnings[0].message ==
        "line 1: the value of 'accuracy', \"0,91\", is not a number" + comma + "; skipped it");
  CHECK(poll.warnings[1].message ==
        "line 2: the value of 'accuracy', \"n/a\", is not a number; "
        "skipped it");
  CHECK(poll.warnings[2].message ==
        "line 2: the value of 'loss', \"1,5e-3\", is not a number" + comma + "; skipped it");
  // Two commas are no decimal comma.
  CHECK(poll.warnings[3].message ==
        "line 3: the value of 'accuracy', \"1,000,000\", is not a number; skipped it");
  REQUIRE(poll.unread.size() == 4);
  CHECK(poll.unread[0] == UnreadValue{path.string(), "accuracy", "\"0,91\"", comma});
  CHECK(poll.unread[1] == UnreadValue{path.string(), "accuracy", "\"n/a\"", ""});
  CHECK(poll.unread[2].tag == "loss");
}

TEST_CASE("a global_step that is no step (NaN, beyond int64, fractional) skips its line",
          "[hypertune_reader]") {
  // Such steps were once cast to int64: recorded at step -9223372036854775808.
  const auto path = UniqueTempDir("hypertune_steps") / "metric.jsonl";
  WriteFileBytes(path,
                 "{\"global_step\": \"nan\", \"loss\": \"1\"}\n"
                 "{\"global_step\": \"inf\", \"loss\": \"2\"}\n"
                 "{\"global_step\": 1e300, \"loss\": \"3\"}\n"
                 "{\"global_step\": \"9223372036854775808\", \"loss\": \"4\"}\n"
                 "{\"global_step\": 18446744073709551615, \"loss\": \"5\"}\n"
                 "{\"global_step\": 2.5, \"loss\": \"6\"}\n"
                 "{\"global_step\": -1, \"loss\": \"7\"}\n"
                 "{\"global_step\": \"9223372036854775807\", \"loss\": \"8\"}\n"
                 "{\"global_step\": 9223372036854775807, \"loss\": \"9\"}\n"
                 "{\"global_step\": \"12.0\", \"loss\": \"10\"}\n"
                 "{\"global_step\": 13.0, \"loss\": \"11\"}\n");
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  REQUIRE(poll.records.size() == 4);
  CHECK(poll.records[0].step == 9223372036854775807LL);
  CHECK(poll.records[0].value == 8);
  CHECK(poll.records[1].step == 9223372036854775807LL);
  CHECK(poll.records[2].step == 12);
  CHECK(poll.records[3].step == 13);
  REQUIRE(poll.warnings.size() == 7);
  for (std::size_t i = 0; i < poll.warnings.size(); ++i) {
    INFO(poll.warnings[i].message);
    CHECK_THAT(poll.warnings[i].message,
               Contains("line " + std::to_string(i + 1) + ": global_step ") &&
                   Contains("is not a step (a whole number from 0 to 9223372036854775807); "
                            "skipped the line"));
  }
  CHECK_THAT(poll.warnings[0].message, Contains("global_step \"nan\""));
}

TEST_CASE("racing a writer process that rewrites the file at every report", "[hypertune_reader]") {
  const auto path = UniqueTempDir("hypertune_race") / "metric.jsonl";
  constexpr int kReports = 400;
  ChildProcess writer({BuiltProgram("tests/trial_runner/metrics_test_writer"), "hypertune",
                       path.string(), std::to_string(kReports)});
  HypertuneReader reader(path.string());
  std::vector<MetricRecord> read;
  for (bool exited = false; !exited;) {
    exited = writer.Exited();
    const MetricPoll poll = reader.Poll();
    CHECK(poll.warnings.empty());
    read.insert(read.end(), poll.records.begin(), poll.records.end());
    // Tell the writer how far the reader got: it keeps within 50 reports of it.
    const auto seen = static_cast<std::int32_t>(read.size());
    if (!exited) writer.Write(std::string_view(reinterpret_cast<const char*>(&seen), sizeof(seen)));
    if (!exited) ::usleep(300);
  }
  CHECK(writer.Wait() == 0);
  CheckSteps(read, 0, kReports);
}

TEST_CASE("a FIFO in the hypertune file's place is not read, with one warning",
          "[hypertune_reader]") {
  // A FIFO without a writer would make a blocking open wait forever (the runner hung); this test
  // keeps one end open so that the reader before the fix returned (silently) instead.
  const auto path = UniqueTempDir("hypertune_fifo") / "hypertune.jsonl";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const int keep_open = ::open(path.c_str(), O_RDWR | O_NONBLOCK);
  REQUIRE(keep_open >= 0);
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  CHECK(poll.records.empty());
  REQUIRE(poll.warnings.size() == 1);
  CHECK(poll.warnings[0].file == path.string());
  CHECK_THAT(poll.warnings[0].message, Contains("not a regular file"));
  CHECK(reader.Poll().warnings.empty());  // said once
  ::close(keep_open);

  // A plain file in its place is read as any other.
  std::filesystem::remove(path);
  WriteFileBytes(path, "{\"accuracy\": \"0.5\", \"global_step\": \"1\"}\n");
  const MetricPoll after = reader.Poll();
  CHECK(after.warnings.empty());
  CHECK(after.records.size() == 1);
}

TEST_CASE("a link to /dev/zero in the hypertune file's place is not read", "[hypertune_reader]") {
  // Read to its end, /dev/zero filled memory until the runner was killed.
  const auto path = UniqueTempDir("hypertune_zero") / "hypertune.jsonl";
  std::filesystem::create_symlink("/dev/zero", path);
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  CHECK(poll.records.empty());
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message, Contains("not a regular file"));
}

TEST_CASE("a hypertune file larger than any hypertune window is not read, with one warning",
          "[hypertune_reader]") {
  // Read twice whole at every poll, a 1 GiB file took 2 GiB of memory each time.
  const auto path = UniqueTempDir("hypertune_huge") / "hypertune.jsonl";
  WriteFileBytes(path, "{\"accuracy\": \"0.5\", \"global_step\": \"1\"}\n");
  std::filesystem::resize_file(path, HypertuneReader::kMaxFileSize + 1);  // sparse: no disk
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  CHECK(poll.records.empty());
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].message, Contains("larger than 16 MiB"));
  CHECK(reader.Poll().warnings.empty());  // said once
  std::filesystem::resize_file(path, 0);
  WriteFileBytes(path, "{\"accuracy\": \"0.5\", \"global_step\": \"1\"}\n");
  CHECK(reader.Poll().records.size() == 1);
}

TEST_CASE("a global_step that is a deeply nested or long value is named by its kind, not printed",
          "[hypertune_reader]") {
  // Printed whole in the warning, a global_step of a million nested arrays overflowed the stack
  // (nlohmann's dump recurses): the runner crashed. A long string filled the warning.
  constexpr std::size_t kDepth = 1000000;
  const auto path = UniqueTempDir("hypertune_deep") / "metric.jsonl";
  WriteFileBytes(path, "{\"global_step\": " + std::string(kDepth, '[') + std::string(kDepth, ']') +
                           ", \"accuracy\": 0.5}\n{\"global_step\": \"" + std::string(100000, '9') +
                           "\", \"accuracy\": 0.5}\n");
  HypertuneReader reader(path.string());
  const MetricPoll poll = reader.Poll();
  CHECK(poll.records.empty());
  REQUIRE(poll.warnings.size() == 2);
  CHECK_THAT(poll.warnings[0].message, Contains("line 1: global_step (an array) is not a step"));
  CHECK_THAT(poll.warnings[1].message, Contains("line 2: global_step \"9999") && Contains("...") &&
                                           Contains("is not a step"));
  CHECK(poll.warnings[1].message.size() < 300);
}
