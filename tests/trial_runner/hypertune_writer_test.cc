#include "hypertune_writer.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace bayestune;

TEST_CASE("floats are written as Python's repr writes them", "[hypertune]") {
  CHECK(FormatPythonFloat(0.91) == "0.91");
  CHECK(FormatPythonFloat(1.0) == "1.0");
  CHECK(FormatPythonFloat(100.0) == "100.0");
  CHECK(FormatPythonFloat(0.0001) == "0.0001");
  CHECK(FormatPythonFloat(1e-5) == "1e-05");
  CHECK(FormatPythonFloat(1.5e-7) == "1.5e-07");
  CHECK(FormatPythonFloat(1e16) == "1e+16");
  CHECK(FormatPythonFloat(1234567890123456.0) == "1234567890123456.0");
  CHECK(FormatPythonFloat(-2.5) == "-2.5");
  CHECK(FormatPythonFloat(0.0) == "0.0");
  CHECK(FormatPythonFloat(1700000000.5) == "1700000000.5");
  CHECK(FormatPythonFloat(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("a line matches cloudml-hypertune's output byte for byte", "[hypertune]") {
  CHECK(HypertuneLine("accuracy", 0.91, 12, 1700000000.5, "3") ==
        R"({"accuracy": "0.91", "global_step": "12", "timestamp": 1700000000.5, "trial": "3"})");
  // The default tag sorts after global_step; a tag with capitals sorts first.
  CHECK(
      HypertuneLine("", 1.0, 0, 1.25, "0") ==
      R"({"global_step": "0", "timestamp": 1.25, "training/hptuning/metric": "1.0", "trial": "0"})");
  CHECK(HypertuneLine("Loss \"x\"", 2.0, 1, 1.0, "0") ==
        R"({"Loss \"x\"": "2.0", "global_step": "1", "timestamp": 1.0, "trial": "0"})");
  CHECK(PythonJsonString("caf\xc3\xa9") == R"("caf\u00e9")");
}

TEST_CASE("the file keeps the last 100 entries, rewritten at every report", "[hypertune]") {
  const auto dir = std::filesystem::temp_directory_path() / "bayestune_hypertune_test";
  std::filesystem::remove_all(dir);
  HypertuneWriter writer((dir / "sub" / "metrics").string(), "7");
  for (int step = 1; step <= 150; ++step)
    writer.Report("acc", step / 1000.0, step, 5.0);
  std::ifstream in(writer.path());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  REQUIRE(lines.size() == 100);
  CHECK(lines.front() ==
        R"({"acc": "0.051", "global_step": "51", "timestamp": 5.0, "trial": "7"})");
  CHECK(lines.back() == R"({"acc": "0.15", "global_step": "150", "timestamp": 5.0, "trial": "7"})");
  std::filesystem::remove_all(dir);
}
