// A real training run of the built binary: it learns the digits, and its event and hypertune files
// hold exactly what it printed.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bayestune/trial_runner/event_dir_reader.h"
#include "bayestune/trial_runner/event_file_writer.h"
#include "trainer_test_support.h"

using namespace bayestune;

namespace {

struct PrintedEpoch {
  int epoch = 0;
  double loss = 0, train_accuracy = 0, accuracy = 0;
};

std::vector<PrintedEpoch> ParseProgress(const std::string& out) {
  std::vector<PrintedEpoch> epochs;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    PrintedEpoch e;
    int total = 0;
    if (std::sscanf(line.c_str(), "epoch %d/%d  loss %lf  train_accuracy %lf  accuracy %lf",
                    &e.epoch, &total, &e.loss, &e.train_accuracy, &e.accuracy) == 5) {
      epochs.push_back(e);
    }
  }
  return epochs;
}

}  // namespace

TEST_CASE("a reasonable configuration learns the digits and logs every epoch",
          "[gpu_models][training]") {
  const auto dir = testing::FreshTestDir("learns_digits");
  const int epochs = 12;
  const auto run = testing::RunTrainer(
      dir,
      {"--n_layers=4", "--momentum=0.9", "--learning_rate=0.05",
       "--epochs=" + std::to_string(epochs), "--device=cpu", "--job-dir=" + (dir / "job").string()},
      {"CLOUD_ML_HP_METRIC_FILE=" + (dir / "hypertune" / "metrics.json").string(),
       "CLOUD_ML_TRIAL_ID=7"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  const std::vector<PrintedEpoch> printed = ParseProgress(run.out);
  REQUIRE(printed.size() == epochs);
  CHECK(printed.back().accuracy >= 0.95);
  CHECK(printed.back().loss < printed.front().loss);

  // The event file: file_version, then accuracy, loss, train_accuracy at steps 1..epochs, each
  // framed exactly as the project's writer frames it.
  const auto files = testing::FilesStartingWith(dir / "job", "events.out.tfevents.");
  REQUIRE(files.size() == 1);
  const std::vector<std::string> records = testing::ReadTfRecords(files[0]);
  REQUIRE(records.size() == 1 + 3 * epochs);
  CHECK(records[0].find("brain.Event:2") != std::string::npos);
  const std::string bytes = testing::ReadFile(files[0]);
  std::size_t offset = FrameTfRecord(records[0]).size();
  for (int e = 0; e < epochs; ++e) {
    const std::pair<const char*, double> expected[] = {
        {"accuracy", printed[e].accuracy},
        {"loss", printed[e].loss},
        {"train_accuracy", printed[e].train_accuracy}};
    for (int k = 0; k < 3; ++k) {
      const testing::ScalarRecord record = testing::DecodeScalarEvent(records[1 + 3 * e + k]);
      INFO("epoch " << e + 1 << " " << expected[k].first);
      CHECK(record.tag == expected[k].first);
      CHECK(record.step == e + 1);
      CHECK(std::abs(record.value - expected[k].second) <= 5.1e-5);  // printed with 4 decimals
      const std::string framed =
          FrameTfRecord(EncodeScalarEvent(record.tag, record.step, record.value, record.wall_time));
      CHECK(bytes.substr(offset, framed.size()) == framed);
      offset += framed.size();
    }
  }
  CHECK(offset == bytes.size());

  // The project's own event reader, as the runner uses it, finds the same values.
  const MetricPoll poll = EventDirReader((dir / "job").string()).Poll();
  CHECK(poll.warnings.empty());
  REQUIRE(poll.records.size() == 3 * epochs);
  for (int e = 0; e < epochs; ++e) {
    const double expected[] = {printed[e].accuracy, printed[e].loss, printed[e].train_accuracy};
    const char* tags[] = {"accuracy", "loss", "train_accuracy"};
    for (int k = 0; k < 3; ++k) {
      const MetricRecord& record = poll.records[3 * e + k];
      CHECK(record.run == ".");
      CHECK(record.tag == tags[k]);
      CHECK(record.step == e + 1);
      CHECK(std::abs(record.value - expected[k]) <= 5.1e-5);
    }
  }

  // The hypertune file: one line a metric and epoch, as cloudml-hypertune writes them.
  std::istringstream lines(testing::ReadFile(dir / "hypertune" / "metrics.json"));
  std::vector<nlohmann::json> entries;
  for (std::string line; std::getline(lines, line);)
    entries.push_back(nlohmann::json::parse(line));
  REQUIRE(entries.size() == 3 * epochs);
  const nlohmann::json& last_accuracy = entries[entries.size() - 3];
  CHECK(last_accuracy["trial"] == "7");
  CHECK(last_accuracy["global_step"] == std::to_string(epochs));
  CHECK(std::abs(std::stod(last_accuracy["accuracy"].get<std::string>()) -
                 printed.back().accuracy) <= 5.1e-5);
  CHECK(last_accuracy["timestamp"].is_number());
  CHECK(entries.back().contains("train_accuracy"));
}

TEST_CASE("a 100-layer net trains without NaNs at the default settings", "[gpu_models][training]") {
  const auto dir = testing::FreshTestDir("deep_net");
  const auto run = testing::RunTrainer(dir, {"--n_layers=100", "--epochs=3", "--device=cpu"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  const auto printed = ParseProgress(run.out);
  REQUIRE(printed.size() == 3);
  CHECK(printed.back().accuracy > 0.5);
}
