// `bayestune metrics`, run as the built program.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "event_file_writer.h"
#include "hypertune_writer.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;
using Catch::Matchers::Contains;

namespace {

const std::string kBayestune = BuiltProgram("cli/bayestune");

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// A Keras-like job dir: a root scalar, train/ and validation/ runs in TF2 encoding, and a file
// with a corrupt record.
std::filesystem::path MakeJobDir() {
  const auto dir = UniqueTempDir("cli");
  std::string root = FrameTfRecord(EncodeFileVersionEvent(1.0));
  root += FrameTfRecord(EncodeScalarEvent("loss", 1, 0.1f, 1700000001.5));
  root += FrameTfRecord(EncodeScalarEvent("loss", 2, std::nanf(""), 1700000002.5));
  WriteFileBytes(dir / "events.out.tfevents.1700000000.host.1.0", root);
  for (const char* run : {"train", "validation"}) {
    std::filesystem::create_directories(dir / run);
    std::string bytes = FrameTfRecord(EncodeFileVersionEvent(1.0));
    bytes += FrameTfRecord(Tf2ScalarEvent("epoch_accuracy", 0, 0.5f, 1700000010.0));
    bytes += FrameTfRecord(Tf2ScalarEvent("epoch_accuracy", 1, 0.75f, 1700000020.0, false));
    WriteFileBytes(dir / run / "events.out.tfevents.1700000000.host.1.0.v2", bytes);
  }
  std::string bad = FrameTfRecord(EncodeScalarEvent("other", 1, 1.0f, 1.0));
  bad[20] = static_cast<char>(bad[20] ^ 1);
  WriteFileBytes(dir / "events.out.tfevents.1700000000.host.2.0", bad);
  return dir;
}

}  // namespace

TEST_CASE("bayestune metrics prints every scalar as a JSON line, warnings on stderr",
          "[metrics_command]") {
  const auto dir = MakeJobDir();
  const ProgramResult result = RunProgram({kBayestune, "metrics", dir.string()});
  CHECK(result.exit_code == 0);
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 6);
  // A float32 prints with its own shortest digits, a timestamp without an exponent.
  CHECK_THAT(result.out,
             Contains(R"({"run": ".", "tag": "loss", "step": 1, )"
                      R"("wall_time": 1700000001.5, "value": 0.1, "source": "event file"})"));
  CHECK_THAT(result.out, Contains(R"("wall_time": 1700000010, "value": 0.5, )"));
  CHECK(lines[1]["value"] == "nan");
  CHECK(lines[2]["run"] == "train");
  CHECK(lines[4] == nlohmann::json::parse(R"({"run": "validation", "tag": "epoch_accuracy",
                                              "step": 0, "wall_time": 1700000010.0,
                                              "value": 0.5, "source": "event file"})"));
  CHECK_THAT(result.err, Contains("bayestune: warning: " +
                                  (dir / "events.out.tfevents.1700000000.host.2.0").string() +
                                  ": offset 0: bad data CRC"));
}

TEST_CASE("bayestune metrics --tag prints the trial's value", "[metrics_command]") {
  const auto dir = MakeJobDir();
  ProgramResult result =
      RunProgram({kBayestune, "metrics", dir.string(), "--tag", "validation/epoch_accuracy"});
  CHECK(result.exit_code == 0);
  auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["full_tag"] == "validation/epoch_accuracy");
  CHECK(lines[0]["step"] == 1);
  CHECK(lines[0]["value"] == 0.75);
  CHECK(lines[0]["selection"] == "LAST");

  result = RunProgram({kBayestune, "metrics", dir.string(), "--tag", "validation/epoch_accuracy",
                       "--selection", "BEST", "--goal", "MINIMIZE"});
  lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["value"] == 0.5);
}

TEST_CASE("bayestune metrics --tag with a wrong tag lists the tags and the closest, exit 1",
          "[metrics_command]") {
  const auto dir = MakeJobDir();
  ProgramResult result = RunProgram({kBayestune, "metrics", dir.string(), "--tag", "accuracy"});
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK_THAT(result.err,
             Contains("bayestune: error: " + dir.string() + ": metric 'accuracy' not found") &&
                 Contains("3 tags seen: 'loss', 'train/epoch_accuracy', "
                          "'validation/epoch_accuracy'") &&
                 Contains("did you mean 'validation/epoch_accuracy' (val_accuracy in Keras' "
                          "History) or 'train/epoch_accuracy' (accuracy)?"));
  result = RunProgram({kBayestune, "metrics", dir.string(), "--tag", "epoch_accuracy"});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains("ambiguous"));
}

TEST_CASE("bayestune metrics --hypertune reads the hypertune file too", "[metrics_command]") {
  const auto dir = MakeJobDir();
  const auto file = dir / "hypertune" / "metric.jsonl";
  HypertuneWriter writer(file.string(), "1");
  writer.Report("accuracy", 0.875, 12, 1700000100.0);
  ProgramResult result = RunProgram(
      {kBayestune, "metrics", dir.string(), "--hypertune", file.string(), "--tag", "accuracy"});
  CHECK(result.exit_code == 0);
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["value"] == 0.875);
  CHECK(lines[0]["step"] == 12);
}

TEST_CASE("bayestune metrics lists a value both sources report with each source, and the runner's",
          "[metrics_command]") {
  // gpu_models writes each value to an event file and to the hypertune file: the listing showed
  // the two as two lines alike, which read as two measurements, and did not say which one the
  // runner records (the event file's, when both are read at once: docs/metrics.md).
  const auto dir = MakeJobDir();
  HypertuneWriter writer((dir / "hypertune.jsonl").string(), "1");
  writer.Report("loss", 0.1, 1, 1700000001.5);  // the event file's loss at step 1, as a double
  writer.Report("accuracy", 0.875, 12, 1700000100.0);  // only here
  const ProgramResult result = RunProgram({kBayestune, "metrics", dir.string()});
  CHECK(result.exit_code == 0);
  const auto lines = JsonLines(result.out);
  REQUIRE(lines.size() == 8);
  for (std::size_t i = 0; i < 6; ++i)
    CHECK(lines[i]["source"] == "event file");
  CHECK(lines[0]["tag"] == "loss");
  CHECK(lines[0]["runner_uses"] == "event file");
  CHECK(lines[6]["tag"] == "loss");
  CHECK(lines[6]["source"] == "hypertune");
  CHECK(lines[6]["runner_uses"] == "event file");
  CHECK(lines[7]["tag"] == "accuracy");
  CHECK(lines[7]["source"] == "hypertune");
  CHECK_FALSE(lines[7].contains("runner_uses"));
  CHECK_FALSE(lines[1].contains("runner_uses"));
}

TEST_CASE("bayestune metrics --hypertune names a device as what it is, not as missing",
          "[metrics_command]") {
  // `--hypertune /dev/zero` said "/dev/zero: no such file", which sends a user looking for a file
  // that is there.
  const auto dir = MakeJobDir();
  const ProgramResult result =
      RunProgram({kBayestune, "metrics", dir.string(), "--hypertune", "/dev/zero"});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains("/dev/zero: not a regular file"));
  CHECK_THAT(result.err, !Contains("no such file"));
  const ProgramResult missing = RunProgram(
      {kBayestune, "metrics", dir.string(), "--hypertune", (dir / "missing.jsonl").string()});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Contains("missing.jsonl: no such file"));
}

TEST_CASE("bayestune metrics reads every fixture scalar", "[metrics_command]") {
  const ProgramResult result = RunProgram(
      {kBayestune, "metrics", std::string(BAYESTUNE_SOURCE_DIR) + "/tests/fixtures/tfevents"});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(JsonLines(result.out).size() == 3370);  // the points of truth.json
}

TEST_CASE("bayestune metrics on a folder that does not exist is an error naming it",
          "[metrics_command]") {
  const std::string missing = (UniqueTempDir("cli_missing") / "nope").string();
  const ProgramResult result = RunProgram({kBayestune, "metrics", missing});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains(missing + ": no such folder or file"));
  const ProgramResult usage = RunProgram({kBayestune, "metrics", missing, "--selection", "FIRST"});
  CHECK(usage.exit_code == 2);
}

TEST_CASE("bayestune metrics on a file that is not an event file says so, exit 1",
          "[metrics_command]") {
  const auto yaml = UniqueTempDir("cli_not_events") / "tuning.yaml";
  WriteFileBytes(yaml, "trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n");
  const ProgramResult result = RunProgram({kBayestune, "metrics", yaml.string()});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Contains(yaml.string() + ": not a TensorBoard event file"));
  CHECK(result.out.empty());
}
