#include "data_loading.h"

#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "trainer_error.h"
#include "trainer_test_support.h"

using namespace bayestune;

namespace {

const std::string kDigits = BAYESTUNE_SOURCE_DIR "/examples/data/digits.csv.gz";

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string BigEndian(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

std::string IdxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                      unsigned char fill) {
  return BigEndian(0x803) + BigEndian(count) + BigEndian(rows) + BigEndian(cols) +
         std::string(static_cast<std::size_t>(count) * rows * cols, static_cast<char>(fill));
}

std::string IdxLabels(const std::vector<unsigned char>& labels) {
  return BigEndian(0x801) + BigEndian(static_cast<std::uint32_t>(labels.size())) +
         std::string(labels.begin(), labels.end());
}

void WriteGzip(const std::filesystem::path& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file);
  REQUIRE(gzwrite(file, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  gzclose(file);
}

// The message of the TrainerError(kDataError) that `load` throws.
template <typename Load>
std::string DataErrorOf(Load load) {
  try {
    load();
  } catch (const TrainerError& error) {
    CHECK(error.exit_code() == TrainerExitCode::kDataError);
    return error.what();
  }
  FAIL("no error");
  return "";
}

}  // namespace

TEST_CASE("the shipped digits load and split the same way every time", "[gpu_models][data]") {
  const Dataset all = LoadDigitsCsv(kDigits);
  REQUIRE(all.size() == 1797);
  CHECK(all.num_features == 64);
  CHECK(*std::max_element(all.features.begin(), all.features.end()) == 1.0f);
  CHECK(*std::min_element(all.features.begin(), all.features.end()) == 0.0f);
  CHECK(std::set<int>(all.labels.begin(), all.labels.end()).size() == 10);
  // Row 1 of the file: 0,0,5,13,9,1,... label 0.
  CHECK(all.features[2] == 5.0f / 16);
  CHECK(all.labels[0] == 0);

  const TrainingData split = SplitDigits(all, kDigits);
  CHECK(split.train.size() == 1437);
  CHECK(split.validation.size() == 360);
  CHECK(split.num_classes == 10);
  const TrainingData again = LoadTrainingData(kDigits);
  CHECK(again.train.features == split.train.features);
  CHECK(again.validation.labels == split.validation.labels);
  // Every row lands in exactly one of the two sets: the multisets of rows add up.
  std::multiset<std::vector<float>> rows, parts;
  for (std::int64_t i = 0; i < all.size(); ++i)
    rows.emplace(all.sample(i), all.sample(i) + 64);
  for (const Dataset* set : {&split.train, &split.validation}) {
    for (std::int64_t i = 0; i < set->size(); ++i)
      parts.emplace(set->sample(i), set->sample(i) + 64);
  }
  CHECK(rows == parts);
}

TEST_CASE("the default dataset is the source tree's digits", "[gpu_models][data]") {
  CHECK(std::filesystem::equivalent(DefaultDataPath(), kDigits));
}

TEST_CASE("malformed digits name the file, line and column", "[gpu_models][data]") {
  const auto dir = testing::FreshTestDir("malformed_digits");
  std::string row;
  for (int i = 0; i < 64; ++i)
    row += "1,";
  const std::string good = row + "3\n";

  WriteFile(dir / "pixel.csv", good + good + row.substr(0, row.size() - 4) + "x,3\n");
  std::string message = DataErrorOf([&] { LoadDigitsCsv((dir / "pixel.csv").string()); });
  CHECK_THAT(message, Catch::Contains("pixel.csv:3: column 63") && Catch::Contains("'x'") &&
                          Catch::Contains("0..16"));

  WriteFile(dir / "label.csv", good + row + "12\n");
  message = DataErrorOf([&] { LoadDigitsCsv((dir / "label.csv").string()); });
  CHECK_THAT(message, Catch::Contains("label.csv:2: column 65") && Catch::Contains("0..9"));

  WriteFile(dir / "short.csv", good + "1,2,3\n");
  message = DataErrorOf([&] { LoadDigitsCsv((dir / "short.csv").string()); });
  CHECK_THAT(message, Catch::Contains("short.csv:2") && Catch::Contains("expected 65"));

  WriteFile(dir / "long.csv", row + "3,4\n");
  message = DataErrorOf([&] { LoadDigitsCsv((dir / "long.csv").string()); });
  CHECK_THAT(message, Catch::Contains("long.csv:1") && Catch::Contains("more than 65 columns"));

  WriteFile(dir / "few.csv", good + good);
  message = DataErrorOf([&] { LoadDigitsCsv((dir / "few.csv").string()); });
  CHECK_THAT(message, Catch::Contains("2 rows"));

  message = DataErrorOf([&] { LoadTrainingData((dir / "missing.csv.gz").string()); });
  CHECK_THAT(message, Catch::Contains("missing.csv.gz") && Catch::Contains("--data"));
}

TEST_CASE("MNIST IDX folders load, plain or gzip compressed", "[gpu_models][data]") {
  const auto dir = testing::FreshTestDir("idx_ok");
  WriteFile(dir / "train-images-idx3-ubyte", IdxImages(4, 2, 3, 255));
  WriteGzip(dir / "train-labels-idx1-ubyte.gz", IdxLabels({0, 1, 2, 1}));
  WriteGzip(dir / "t10k-images-idx3-ubyte.gz", IdxImages(2, 2, 3, 51));
  WriteFile(dir / "t10k-labels.idx1-ubyte", IdxLabels({2, 0}));
  const TrainingData data = LoadTrainingData(dir.string());
  CHECK(data.train.size() == 4);
  CHECK(data.validation.size() == 2);
  CHECK(data.train.num_features == 6);
  CHECK(data.num_classes == 3);
  CHECK(data.train.features[0] == 1.0f);
  CHECK(data.validation.features[5] == 51.0f / 255);
  CHECK(data.validation.labels == std::vector<std::int32_t>{2, 0});
}

TEST_CASE("broken MNIST IDX folders say what is wrong", "[gpu_models][data]") {
  const auto dir = testing::FreshTestDir("idx_bad");
  std::string message = DataErrorOf([&] { LoadMnistIdx(dir.string()); });
  CHECK_THAT(message, Catch::Contains("train-images-idx3-ubyte") && Catch::Contains("lacks"));

  WriteFile(dir / "train-images-idx3-ubyte", IdxImages(4, 2, 3, 1));
  WriteFile(dir / "train-labels-idx1-ubyte", IdxLabels({0, 1, 1}));
  WriteFile(dir / "t10k-images-idx3-ubyte", IdxImages(2, 2, 3, 1));
  WriteFile(dir / "t10k-labels-idx1-ubyte", IdxLabels({0, 1}));
  message = DataErrorOf([&] { LoadMnistIdx(dir.string()); });
  CHECK_THAT(message, Catch::Contains("4 images") && Catch::Contains("3 labels"));

  WriteFile(dir / "train-labels-idx1-ubyte", IdxLabels({0, 1, 1, 0}));
  WriteFile(dir / "t10k-images-idx3-ubyte", IdxImages(2, 2, 3, 1).substr(0, 20));
  message = DataErrorOf([&] { LoadMnistIdx(dir.string()); });
  CHECK_THAT(message, Catch::Contains("t10k-images-idx3-ubyte") && Catch::Contains("truncated"));

  WriteFile(dir / "t10k-images-idx3-ubyte", IdxLabels({1, 2}));
  message = DataErrorOf([&] { LoadMnistIdx(dir.string()); });
  CHECK_THAT(message,
             Catch::Contains("magic number 0x00000801") && Catch::Contains("expected 0x00000803"));
}
