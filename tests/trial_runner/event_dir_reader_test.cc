#include "event_dir_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "event_file_writer.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;
using Catch::Matchers::Contains;

namespace {

std::string Scalars(std::string_view tag, std::initializer_list<std::int64_t> steps) {
  std::string bytes = FrameTfRecord(EncodeFileVersionEvent(1.0));
  for (auto step : steps)
    bytes += FrameTfRecord(EncodeScalarEvent(tag, step, static_cast<float>(step), 1.0 + step));
  return bytes;
}

// Removes `name` in the folder `parent_fd` and everything under it, by descriptors: a tree whose
// paths are longer than PATH_MAX cannot be removed by path.
void RemoveTreeAt(int parent_fd, const char* name) {
  const int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0) {
    DIR* folder = fdopendir(fd);
    std::vector<std::string> names;
    while (const dirent* entry = readdir(folder)) {
      const std::string child = entry->d_name;
      if (child != "." && child != "..") names.push_back(child);
    }
    for (const std::string& child : names) {
      struct stat status {};
      if (fstatat(fd, child.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISDIR(status.st_mode)) {
        RemoveTreeAt(fd, child.c_str());
      } else {
        unlinkat(fd, child.c_str(), 0);
      }
    }
    closedir(folder);
  }
  unlinkat(parent_fd, name, AT_REMOVEDIR);
}

}  // namespace

TEST_CASE("event file names", "[event_dir_reader]") {
  CHECK(EventDirReader::IsEventFileName("events.out.tfevents.1700000000.host.123.0"));
  CHECK(EventDirReader::IsEventFileName("events.out.tfevents.1700000000.host.v2"));
  CHECK(EventDirReader::IsEventFileName("events.out.tfevents.test"));
  CHECK_FALSE(EventDirReader::IsEventFileName("events.out.tfevents.1700000000.host.profile-empty"));
  CHECK_FALSE(EventDirReader::IsEventFileName("checkpoint"));
  CHECK_FALSE(EventDirReader::IsEventFileName("events.out.tfevent"));
}

TEST_CASE("subfolders are runs, found at any depth and whenever they appear",
          "[event_dir_reader]") {
  const auto dir = UniqueTempDir("runs");
  WriteFileBytes(dir / "events.out.tfevents.1.host", Scalars("loss", {1}));
  std::filesystem::create_directories(dir / "validation");
  WriteFileBytes(dir / "validation" / "events.out.tfevents.1.host.v2",
                 Scalars("epoch_accuracy", {1}));
  WriteFileBytes(dir / "validation" / "events.out.tfevents.1.host.profile-empty",
                 Scalars("no", {1}));
  WriteFileBytes(dir / "validation" / "notes.txt", "not an event file");
  EventDirReader reader(dir.string());
  MetricPoll poll = reader.Poll();
  CHECK(poll.warnings.empty());
  REQUIRE(poll.records.size() == 2);
  CHECK(poll.records[0].run == ".");
  CHECK(poll.records[0].tag == "loss");
  CHECK(poll.records[1].run == "validation");
  CHECK(poll.records[1].FullTag() == "validation/epoch_accuracy");

  // A new file in a new nested folder, and growth of an old one.
  std::filesystem::create_directories(dir / "logs" / "train");
  WriteFileBytes(dir / "logs" / "train" / "events.out.tfevents.2.host", Scalars("batch_loss", {5}));
  AppendFileBytes(dir / "events.out.tfevents.1.host",
                  FrameTfRecord(EncodeScalarEvent("loss", 2, 2.0f, 3.0)));
  poll = reader.Poll();
  REQUIRE(poll.records.size() == 2);
  CHECK(poll.records[0].FullTag() == "loss");
  CHECK(poll.records[0].step == 2);
  CHECK(poll.records[1].FullTag() == "logs/train/batch_loss");
  CHECK(reader.files().size() == 3);
  // Nothing new: nothing read.
  CHECK(reader.Poll().records.empty());
}

TEST_CASE("a restarted trainer's new file in the same run comes after the old one",
          "[event_dir_reader]") {
  const auto dir = UniqueTempDir("restart");
  WriteFileBytes(dir / "events.out.tfevents.1700000000.host.1.0", Scalars("loss", {1, 2, 3}));
  WriteFileBytes(dir / "events.out.tfevents.1700000500.host.2.0", Scalars("loss", {3, 4}));
  const MetricPoll poll = EventDirReader(dir.string()).Poll();
  REQUIRE(poll.records.size() == 5);
  CHECK(poll.records[3].step == 3);
  CHECK(poll.records[4].step == 4);
}

TEST_CASE("a corrupt file is reported and the other files are still read", "[event_dir_reader]") {
  const auto dir = UniqueTempDir("corrupt");
  std::string bad = Scalars("bad", {1, 2, 3});
  const std::size_t second = FrameTfRecord(EncodeFileVersionEvent(1.0)).size() +
                             FrameTfRecord(EncodeScalarEvent("bad", 1, 1.0f, 2.0)).size();
  bad[second + 1] = static_cast<char>(bad[second + 1] ^ 0x40);  // in the length of the 2nd scalar
  std::filesystem::create_directories(dir / "a");
  WriteFileBytes(dir / "a" / "events.out.tfevents.1.host", bad);
  std::filesystem::create_directories(dir / "b");
  WriteFileBytes(dir / "b" / "events.out.tfevents.1.host", Scalars("good", {1, 2, 3}));
  EventDirReader reader(dir.string());
  const MetricPoll poll = reader.Poll();
  REQUIRE(poll.warnings.size() == 1);
  CHECK(poll.warnings[0].file == (dir / "a" / "events.out.tfevents.1.host").string());
  CHECK(poll.warnings[0].offset == second);
  CHECK_THAT(poll.warnings[0].message, Contains("bad length CRC"));
  std::vector<std::string> tags;
  for (const auto& record : poll.records)
    tags.push_back(record.FullTag());
  CHECK(tags == std::vector<std::string>{"a/bad", "b/good", "b/good", "b/good"});
  // The good file goes on growing and being read; the bad one stays stopped.
  AppendFileBytes(dir / "b" / "events.out.tfevents.1.host",
                  FrameTfRecord(EncodeScalarEvent("good", 4, 4.0f, 5.0)));
  const MetricPoll later = reader.Poll();
  CHECK(later.warnings.empty());
  REQUIRE(later.records.size() == 1);
  CHECK(later.records[0].step == 4);
}

TEST_CASE("a job dir that does not exist yet is no error", "[event_dir_reader]") {
  const auto dir = UniqueTempDir("later") / "trial-1";
  EventDirReader reader(dir.string());
  CHECK(reader.Poll().records.empty());
  std::filesystem::create_directories(dir);
  WriteFileBytes(dir / "events.out.tfevents.1.host", Scalars("loss", {1}));
  CHECK(reader.Poll().records.size() == 1);
}

TEST_CASE("a single event file given instead of a folder is read as run '.'",
          "[event_dir_reader]") {
  const auto path = UniqueTempDir("single") / "some.tfevents.file";
  WriteFileBytes(path, Scalars("loss", {1, 2}));
  const MetricPoll poll = EventDirReader(path.string()).Poll();
  REQUIRE(poll.records.size() == 2);
  CHECK(poll.records[0].run == ".");
}

TEST_CASE("a trial folder nested deeper than the fd limit, or past PATH_MAX, is walked past it",
          "[event_dir_reader]") {
  // The walk kept a folder open for each level: nested deeper than the process's fd limit it
  // failed (EMFILE) at every poll and found nothing below, and a folder it could not open (a path
  // longer than PATH_MAX) ended the whole walk, without a word.
  const auto dir = UniqueTempDir("deep");
  std::filesystem::path deep = dir / "deep";
  std::string run = "deep";
  for (int level = 0; level < 100; ++level) {
    deep /= "d";
    run += "/d";
  }
  std::filesystem::create_directories(deep);
  WriteFileBytes(deep / "events.out.tfevents.1.host", Scalars("accuracy", {4}));
  rlimit fds{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &fds) == 0);
  rlimit few = fds;
  few.rlim_cur = 64;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &few) == 0);
  EventDirReader reader(dir.string());
  MetricPoll poll = reader.Poll();
  REQUIRE(setrlimit(RLIMIT_NOFILE, &fds) == 0);
  CHECK(poll.warnings.empty());
  REQUIRE(poll.records.size() == 1);
  CHECK(poll.records[0].FullTag() == run + "/accuracy");

  // Folders whose path grows past PATH_MAX (made by descriptors, as a trainer can), beside a
  // folder with an event file: that file is found whatever the order of the walk, and the folder
  // that cannot be opened is said once.
  const int top = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(top >= 0);
  REQUIRE(mkdirat(top, "long", 0755) == 0);
  int fd = openat(top, "long", O_RDONLY | O_DIRECTORY);
  const std::string name(250, 'x');
  for (int level = 0; level < 20 && fd >= 0; ++level) {
    REQUIRE(mkdirat(fd, name.c_str(), 0755) == 0);
    const int next = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY);
    close(fd);
    fd = next;
  }
  REQUIRE(fd >= 0);
  close(fd);
  std::filesystem::create_directories(dir / "validation");
  WriteFileBytes(dir / "validation" / "events.out.tfevents.1.host", Scalars("loss", {1}));
  poll = reader.Poll();
  INFO((poll.warnings.empty() ? std::string() : poll.warnings[0].ToString()));
  REQUIRE(poll.records.size() == 1);
  CHECK(poll.records[0].FullTag() == "validation/loss");
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].ToString(), Contains("cannot read this folder") &&
                                              Contains("the rest of the trial folder is read"));
  CHECK(reader.Poll().warnings.empty());  // said once
  RemoveTreeAt(top, "long");
  close(top);

  // Folders below kMaxFolderDepth are not looked into: a chain of thousands of them cost seconds
  // of path lookups at every poll. Said once.
  std::filesystem::path deeper = dir / "deeper";
  for (int level = 0; level < EventDirReader::kMaxFolderDepth + 50; ++level)
    deeper /= "e";
  std::filesystem::create_directories(deeper);
  WriteFileBytes(dir / "validation" / "events.out.tfevents.2.host", Scalars("loss", {2}));
  poll = reader.Poll();
  REQUIRE(poll.warnings.size() == 1);
  CHECK_THAT(poll.warnings[0].ToString(),
             Contains("this folder is more than 128 levels below the trial folder") &&
                 Contains("the rest of the trial folder is read"));
  REQUIRE(poll.records.size() == 1);
  CHECK(poll.records[0].step == 2);
  CHECK(reader.Poll().warnings.empty());
}
