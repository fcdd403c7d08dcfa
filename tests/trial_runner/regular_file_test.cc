// OpenRegularFile: the one way the metric readers, LogTail and ReadRegularFile open a file a
// trainer may have replaced with anything (a FIFO, a device, a folder).
#include "regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// How many descriptors this process has open.
std::size_t OpenDescriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

}  // namespace

TEST_CASE("OpenRegularFile keeps a regular file open and refuses anything else without blocking",
          "[regular_file]") {
  const auto dir = UniqueTempDir("regular_file");
  const auto file = dir / "log.txt";
  WriteFileBytes(file, "twelve bytes");
  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer: a blocking open would wait for good
  const std::size_t before = OpenDescriptors();

  {
    const OpenedRegularFile opened = OpenRegularFile(file);
    REQUIRE(opened.status == RegularFileOpen::kOpen);
    CHECK(opened.fd.get() >= 0);
    CHECK(opened.info.st_size == 12);
    char bytes[6] = {};
    CHECK(::read(opened.fd.get(), bytes, 6) == 6);
    CHECK(std::string(bytes, 6) == "twelve");
    CHECK(OpenDescriptors() == before + 1);
  }
  CHECK(OpenDescriptors() == before);  // closed with the result

  const OpenedRegularFile absent = OpenRegularFile(dir / "missing");
  CHECK(absent.status == RegularFileOpen::kAbsent);
  CHECK(absent.error == ENOENT);
  CHECK(absent.fd.get() == -1);
  for (const auto& other : {fifo, dir, std::filesystem::path("/dev/zero")}) {
    INFO(other);
    const OpenedRegularFile refused = OpenRegularFile(other);
    CHECK(refused.status == RegularFileOpen::kNotRegular);
    CHECK(refused.fd.get() == -1);
  }
  CHECK(OpenDescriptors() == before);  // nothing left open

  // ReadRegularFile reads through it: the same answers.
  CHECK(ReadRegularFile(file, 100).content == "twelve bytes");
  CHECK(ReadRegularFile(fifo, 100).status == RegularFileRead::kNotRegular);
  CHECK(ReadRegularFile(dir / "missing", 100).status == RegularFileRead::kAbsent);
  CHECK(ReadRegularFile(file, 5).status == RegularFileRead::kTooLarge);
}
