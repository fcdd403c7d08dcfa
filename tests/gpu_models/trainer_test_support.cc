#include "trainer_test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crc32c.h"
#include "host_random.h"

namespace bayestune::testing {
namespace {

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::uint64_t ReadVarint(const std::string& data, std::size_t& at) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(at < data.size());
    const auto byte = static_cast<unsigned char>(data[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
  FAIL("varint too long");
  return 0;
}

template <typename T>
T ReadFixed(const std::string& data, std::size_t& at) {
  REQUIRE(at + sizeof(T) <= data.size());
  T value;
  std::memcpy(&value, data.data() + at, sizeof(T));
  at += sizeof(T);
  return value;
}

std::string ReadBytes(const std::string& data, std::size_t& at) {
  const std::size_t length = ReadVarint(data, at);
  REQUIRE(at + length <= data.size());
  const std::string bytes = data.substr(at, length);
  at += length;
  return bytes;
}

}  // namespace

std::filesystem::path FreshTestDir(const std::string& name) {
  const char* base = std::getenv("BAYESTUNE_TEST_TMP");
  const std::filesystem::path dir =
      std::filesystem::path(base && *base ? base : std::filesystem::temp_directory_path()) /
      ("gpu_models_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TrainerRun RunTrainer(const std::filesystem::path& dir, const std::vector<std::string>& args,
                      const std::vector<std::string>& environment) {
  std::string command =
      "cd " + Quote(dir.string()) +
      " && env -u CLOUD_ML_HP_METRIC_FILE -u BAYESTUNE_MLP_DATA -u OMP_NUM_THREADS";
  for (const std::string& variable : environment)
    command += " " + Quote(variable);
  command += " " + Quote(BAYESTUNE_BINARY_DIR "/gpu_models/bayestune-mlp");
  for (const std::string& arg : args)
    command += " " + Quote(arg);
  const auto out = dir / "trainer.out";
  const auto err = dir / "trainer.err";
  command += " >" + Quote(out.string()) + " 2>" + Quote(err.string());
  const int status = std::system(command.c_str());
  TrainerRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(out);
  run.err = ReadFile(err);
  return run;
}

std::vector<std::string> ReadTfRecords(const std::filesystem::path& path) {
  const std::string content = ReadFile(path);
  std::vector<std::string> records;
  std::size_t at = 0;
  while (at < content.size()) {
    REQUIRE(at + 12 <= content.size());
    const auto length = ReadFixed<std::uint64_t>(content, at);
    const auto length_crc = ReadFixed<std::uint32_t>(content, at);
    CHECK(length_crc == MaskedCrc32c(content.data() + at - 12, 8));
    REQUIRE(at + length + 4 <= content.size());
    records.push_back(content.substr(at, length));
    at += length;
    const auto data_crc = ReadFixed<std::uint32_t>(content, at);
    CHECK(data_crc == MaskedCrc32c(records.back().data(), records.back().size()));
  }
  return records;
}

ScalarRecord DecodeScalarEvent(const std::string& event) {
  ScalarRecord record;
  std::size_t at = 0;
  bool has_summary = false;
  while (at < event.size()) {
    const std::uint64_t key = ReadVarint(event, at);
    if (key == (1 << 3 | 1)) {
      record.wall_time = ReadFixed<double>(event, at);
    } else if (key == (2 << 3 | 0)) {
      record.step = static_cast<std::int64_t>(ReadVarint(event, at));
    } else if (key == (5 << 3 | 2)) {
      const std::string summary = ReadBytes(event, at);
      std::size_t s = 0;
      REQUIRE(ReadVarint(summary, s) == (1 << 3 | 2));
      const std::string value = ReadBytes(summary, s);
      CHECK(s == summary.size());
      std::size_t v = 0;
      REQUIRE(ReadVarint(value, v) == (1 << 3 | 2));
      record.tag = ReadBytes(value, v);
      REQUIRE(ReadVarint(value, v) == (2 << 3 | 5));
      record.value = ReadFixed<float>(value, v);
      CHECK(v == value.size());
      has_summary = true;
    } else {
      FAIL("unexpected Event field key " << key);
    }
  }
  REQUIRE(has_summary);
  return record;
}

std::vector<std::filesystem::path> FilesStartingWith(const std::filesystem::path& dir,
                                                     const std::string& prefix) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) files.push_back(entry.path());
  }
  return files;
}

TrainingData SyntheticData(int features, int classes, std::int64_t train, std::int64_t validation,
                           std::uint64_t seed) {
  HostRandom random(seed);
  std::vector<float> centers(static_cast<std::size_t>(features) * classes);
  for (float& c : centers)
    c = static_cast<float>(random.Normal());
  auto make = [&](std::int64_t count) {
    Dataset set;
    set.num_features = features;
    for (std::int64_t i = 0; i < count; ++i) {
      const int label = static_cast<int>(random.UniformInt(classes));
      set.labels.push_back(label);
      for (int f = 0; f < features; ++f) {
        set.features.push_back(centers[label * features + f] +
                               0.5f * static_cast<float>(random.Normal()));
      }
    }
    return set;
  };
  TrainingData data;
  data.train = make(train);
  data.validation = make(validation);
  data.num_classes = classes;
  data.description = "synthetic";
  return data;
}

}  // namespace bayestune::testing
