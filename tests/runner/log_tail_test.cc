#include "log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>

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

TEST_CASE("the tail of a FIFO in a log's place is empty, without waiting for a writer",
          "[log_tail]") {
  // A trainer that replaced its stderr.log with a FIFO and failed hung the runner, which reads
  // the log's tail for the failure reason: opening a FIFO waits for a writer. Before the fix the
  // call below never returned; the test then opens the FIFO's other end to let it go.
  const auto fifo = test::MakeTempDir("tail_fifo") / "stderr.log";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto tail = std::async(std::launch::async, [&] { return LogTail(fifo, 3); });
  const bool returned = tail.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  if (!returned) ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
  CHECK(returned);
  CHECK(tail.get().empty());
}

TEST_CASE("the tail of a link to /dev/zero in a log's place is empty", "[log_tail]") {
  const auto link = test::MakeTempDir("tail_zero") / "stderr.log";
  std::filesystem::create_symlink("/dev/zero", link);
  CHECK(LogTail(link, 3).empty());
}
