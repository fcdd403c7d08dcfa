#include "log_tail.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace bayestune;

TEST_CASE("the tail of a log", "[log_tail]") {
  const auto dir = test::MakeTempDir("tail");
  std::string text;
  for (int i = 1; i <= 100; ++i)
    text += "line " + std::to_string(i) + "\n";
  test::WriteFile(dir / "log", text);
  CHECK(LogTail(dir / "log", 3) == "line 98\nline 99\nline 100");
  CHECK(LogTail(dir / "log", 1000, 20) == "line 99\nline 100");  // whole lines only
  CHECK(LogTail(dir / "missing", 3).empty());
  test::WriteFile(dir / "one", "no newline");
  CHECK(LogTail(dir / "one", 3) == "no newline");
  test::WriteFile(dir / "empty", "");
  CHECK(LogTail(dir / "empty", 3).empty());
}
