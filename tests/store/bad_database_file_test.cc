// Files a user may point bayestune at by mistake, or that the machine makes unusable: each gives
// an error that names the file and says what to do, and leaves the file as it was.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bayestune/optimizer/errors.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "child_process.h"
#include "raw_sqlite.h"
#include "temp_folder.h"
#include "test_studies.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void AddStudy(const std::string& database) {
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(10);
  SqliteStudyRepository::Open(database)->CreateStudy(study);
}

// Opens `database` in a real process that, when this one is root, runs as the unprivileged user
// nobody, so that file permissions apply. Returns what it printed: "OK <studies>" or
// "<ERROR_CODE>: <message>".
std::string OpenAsAnotherUser(const std::string& database, const std::string& folder,
                              bool read_only = false) {
  std::vector<std::string> argv = {WorkerPath(), "open", database, "--as-nobody"};
  if (read_only) argv.push_back("--read-only");
  ChildProcess child(argv, folder + "/open");
  const ChildResult result = child.Wait();
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return result.out;
}

// A folder in `temp` (of Reach::kAnyUser) that the user nobody may enter; the test takes its
// write permission away.
std::string ReadOnlyFolder(const TempFolder& temp) {
  const std::string folder = temp.File("read-only");
  fs::create_directory(folder);
  return folder;
}

}  // namespace

TEST_CASE("a file that is not a database is refused and left alone", "[bad-input]") {
  TempFolder folder;
  const std::string path = folder.File("notes.txt");
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "line " + std::to_string(i) + " of a text file\n";
  WriteFile(path, text);
  CHECK_THROWS_AS(SqliteStudyRepository::Open(path), InvalidArgument);
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(path),
                    Catch::Contains("'" + path + "' is not a bayestune database") &&
                        Catch::Contains("give the path of a study database"));
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  CHECK_THROWS_AS(SqliteStudyRepository::Open(path, read_only), InvalidArgument);
  CHECK(FileBytes(path) == text);
}

TEST_CASE("another program's SQLite database is refused and left alone", "[bad-input]") {
  TempFolder folder;
  const std::string path = folder.File("other.db");
  ExecSql(path,
          "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"
          "INSERT INTO photos VALUES (1, 'cat.jpg');");
  const std::string before = FileBytes(path);
  CHECK_THROWS_AS(SqliteStudyRepository::Open(path), InvalidArgument);
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(path),
                    Catch::Contains(path) && Catch::Contains("another program"));
  CHECK(FileBytes(path) == before);
}

TEST_CASE("a database file of two names (a hard link) is refused by either name", "[bad-input]") {
  // Each name had a -wal of its own: a second run by the other name saw no study (the first's
  // was in a.db-wal), created it again, and the two checkpoints left "database disk image is
  // malformed" (fieldtest16).
  TempFolder folder;
  const std::string path = folder.File("a.db");
  const std::string other = folder.File("b.db");
  auto writer = SqliteStudyRepository::Open(path);
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(10);
  writer->CreateStudy(study);
  REQUIRE(::link(path.c_str(), other.c_str()) == 0);
  for (bool read_only : {false, true}) {
    INFO((read_only ? "read-only" : "for writing"));
    CHECK_THROWS_AS(SqliteStudyRepository::Open(other, {.read_only = read_only}), InvalidArgument);
    CHECK_THROWS_WITH(
        SqliteStudyRepository::Open(other, {.read_only = read_only}),
        Catch::StartsWith("bayestune database '" + other + "' has 2 names (hard links): ") &&
            Catch::Contains("remove its other names (find '" + folder.path() +
                            "' -xdev -samefile '" + other + "' lists them") &&
            Catch::EndsWith("The file was left as it was"));
  }
  CHECK_FALSE(fs::exists(other + "-wal"));
  CHECK_FALSE(fs::exists(other + "-shm"));
  CHECK(writer->ListStudies().size() == 1);
  writer.reset();
  // Its other name removed, it opens again with the study.
  fs::remove(other);
  CHECK(SqliteStudyRepository::Open(path)->ListStudies().size() == 1);
  CHECK(QueryValue(path, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("a database of a newer schema is refused and left alone", "[bad-input]") {
  TempFolder folder;
  const std::string path = folder.File("study.db");
  AddStudy(path);
  const int newer = SqliteStudyRepository::kSchemaVersion + 1;
  ExecSql(path, "PRAGMA user_version = " + std::to_string(newer));
  const std::string before = FileBytes(path);
  CHECK_THROWS_AS(SqliteStudyRepository::Open(path), InvalidArgument);
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(path),
                    Catch::Contains(path) && Catch::Contains("version " + std::to_string(newer)) &&
                        Catch::Contains("written by a newer bayestune") &&
                        Catch::Contains("upgrade bayestune"));
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  CHECK_THROWS_AS(SqliteStudyRepository::Open(path, read_only), InvalidArgument);
  CHECK(FileBytes(path) == before);
  CHECK(QueryValue(path, "PRAGMA user_version") == std::to_string(newer));
}

TEST_CASE("a missing folder or a folder given as the file is a clear error", "[bad-input]") {
  TempFolder folder;
  const std::string missing = folder.File("no/such/folder");
  CHECK_THROWS_AS(SqliteStudyRepository::Open(missing + "/study.db"), InvalidArgument);
  CHECK_THROWS_WITH(
      SqliteStudyRepository::Open(missing + "/study.db"),
      Catch::Contains("'" + missing + "' does not exist") && Catch::Contains("mkdir -p"));
  CHECK_FALSE(fs::exists(folder.File("no")));
  CHECK_THROWS_WITH(SqliteStudyRepository::Open(folder.path()),
                    Catch::Contains("is a folder, not a database file"));
}

TEST_CASE("a folder that this user may not look into is a clear error", "[bad-input]") {
  TempFolder temp(TempFolder::Reach::kAnyUser);
  const std::string folder = temp.File("private");
  fs::create_directory(folder);
  chmod(folder.c_str(), 0);
  const std::string path = folder + "/study.db";
  CHECK_THAT(OpenAsAnotherUser(path, temp.path()),
             Catch::StartsWith("UNAVAILABLE: bayestune database '" + path + "'") &&
                 Catch::Contains("cannot look at '" + path + "' (Permission denied)"));
}

TEST_CASE("a database cannot be created in a read-only folder", "[bad-input]") {
  TempFolder temp(TempFolder::Reach::kAnyUser);
  const std::string folder = ReadOnlyFolder(temp);
  chmod(folder.c_str(), 0555);
  const std::string path = folder + "/study.db";
  const std::string said = OpenAsAnotherUser(path, temp.path());
  CHECK_THAT(said, Catch::StartsWith("UNAVAILABLE: bayestune database '" + path + "'") &&
                       Catch::Contains("the folder '" + folder + "' is read-only") &&
                       Catch::Contains("make the folder writable"));
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("a database in a read-only folder can be read but not written", "[bad-input]") {
  TempFolder temp(TempFolder::Reach::kAnyUser);
  const std::string folder = ReadOnlyFolder(temp);
  const std::string path = folder + "/study.db";
  AddStudy(path);  // closed again: no -wal or -shm file is left
  chmod(path.c_str(), 0666);
  chmod(folder.c_str(), 0555);
  const std::string before = FileBytes(path);
  CHECK_THAT(OpenAsAnotherUser(path, temp.path()),
             Catch::StartsWith("UNAVAILABLE: bayestune database '" + path + "'") &&
                 Catch::Contains("the folder '" + folder + "' is read-only") &&
                 Catch::Contains("-wal and -shm") &&
                 Catch::Contains("open the database read-only"));
  CHECK(OpenAsAnotherUser(path, temp.path(), true) == "OK 1\n");
  CHECK(FileBytes(path) == before);
}

TEST_CASE("a read-only database file is a clear error", "[bad-input]") {
  TempFolder temp(TempFolder::Reach::kAnyUser);
  const std::string folder = temp.File("writable");
  fs::create_directory(folder);
  chmod(folder.c_str(), 0777);
  const std::string path = folder + "/study.db";
  AddStudy(path);
  chmod(path.c_str(), 0444);
  const std::string before = FileBytes(path);
  CHECK_THAT(OpenAsAnotherUser(path, temp.path()),
             Catch::StartsWith("UNAVAILABLE: bayestune database '" + path + "'") &&
                 Catch::Contains("the file is not writable by this user") &&
                 Catch::Contains("chmod u+rw"));
  CHECK(OpenAsAnotherUser(path, temp.path(), true) == "OK 1\n");
  CHECK(FileBytes(path) == before);
}

TEST_CASE("a full disk fails the write that does not fit, and loses nothing", "[bad-input]") {
  TempFolder folder;
  const std::string path = folder.File("study.db");
  SqliteOpenOptions small;
  small.max_page_count = 40;  // 160 KiB, as if the disk were full there
  auto repository = SqliteStudyRepository::Open(path, small);
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(1000);
  study = repository->CreateStudy(study);
  Trial trial;
  trial.failure_reason = std::string(3000, 'x');
  std::size_t stored = 0;
  try {
    for (; stored < 1000; ++stored)
      repository->AddTrial(study.id, trial);
    FAIL("the database never filled up");
  } catch (const ResourceExhausted& e) {
    CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("full") &&
                             Catch::Contains("free some space"));
  }
  CHECK(stored > 0);
  CHECK(repository->ListTrials(study.id).size() == stored);
  CHECK_THROWS_AS(repository->AddTrial(study.id, trial), ResourceExhausted);
  repository.reset();

  CHECK(QueryValue(path, "PRAGMA integrity_check") == "ok");
  auto roomy = SqliteStudyRepository::Open(path);  // space was freed
  CHECK(roomy->ListTrials(study.id).size() == stored);
  CHECK(roomy->AddTrial(study.id, trial).id == static_cast<std::int64_t>(stored) + 1);
}

TEST_CASE("a database file that cannot be written says the system's reason, not only 'disk I/O'",
          "[bad-input]") {
  // A file made immutable (chattr +i) while a server had it open: every write failed with
  // "disk I/O error: an input/output error; check the disk", while the disk was fine.
  TempFolder folder;
  const std::string path = folder.File("study.db");
  auto repository = SqliteStudyRepository::Open(path);
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(10);
  study = repository->CreateStudy(study);
  const std::string files = "'" + path + "' '" + path + "-wal'";
  if (std::system(("chattr +i " + files + " 2>/dev/null").c_str()) != 0) {
    WARN("chattr +i is not possible here (not root, or a file system without it); not tested");
    return;
  }
  std::string message;
  try {
    repository->AddTrial(study.id, Trial{});
  } catch (const Unavailable& e) {
    message = e.what();
  }
  std::system(("chattr -i " + files).c_str());
  INFO(message);
  CHECK_THAT(message, Catch::Contains("disk I/O error") &&
                          Catch::Contains("study.db' cannot be written: Operation not "
                                          "permitted; is it immutable (lsattr, chattr -i)?)"));
  // Writable again: nothing was lost, and the next write goes through.
  CHECK(repository->ListTrials(study.id).empty());
  CHECK(repository->AddTrial(study.id, Trial{}).id == 1);
}

TEST_CASE("a database deleted while open is saved again, not written on into nothing",
          "[bad-input]") {
  TempFolder temp;
  const std::string folder = temp.File("db");
  fs::create_directory(folder);
  const std::string path = folder + "/study.db";
  auto repository = SqliteStudyRepository::Open(path);
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(10);
  study = repository->CreateStudy(study);
  repository->AddTrial(study.id, Trial{});

  SECTION("the file alone: it is written back at its path") {
    for (const std::string& file : {path, path + "-wal", path + "-shm"})
      fs::remove(file);
    try {
      repository->AddTrial(study.id, Trial{});
      FAIL("a write to a deleted database succeeded");
    } catch (const Unavailable& e) {
      CHECK_THAT(e.what(), Catch::Contains("'" + path + "' was deleted") &&
                               Catch::Contains("saved to '" + path + "' again"));
    }
    // Every later write is refused the same way, and the saved file is left alone: another
    // process that opened it keeps its -wal file when this connection closes.
    CHECK_THROWS_AS(repository->AddTrial(study.id, Trial{}), Unavailable);
    auto other = SqliteStudyRepository::Open(path);
    other->AddTrial(study.id, Trial{});
    REQUIRE(fs::exists(path + "-wal"));
    repository.reset();
    CHECK(fs::exists(path + "-wal"));
    CHECK(SqliteStudyRepository::Open(path, {.read_only = true})->ListTrials(study.id).size() == 2);
    other.reset();
    auto saved = SqliteStudyRepository::Open(path, {.read_only = true});
    REQUIRE(saved->FindStudy("alpha"));
    CHECK(saved->ListTrials(study.id).size() == 2);
  }
  SECTION("the main file alone: its -wal and -shm go, and it is saved at its path again") {
    // The -wal left there would be replayed onto any file opened at the path; it was saved
    // beside as '<path>.rescued-<pid>', which moved back was damaged by that -wal.
    fs::remove(path);
    REQUIRE(fs::exists(path + "-wal"));
    CHECK_THROWS_WITH(
        repository->AddTrial(study.id, Trial{}),
        Catch::Contains("was deleted") && Catch::Contains("saved to '" + path + "' again"));
    repository.reset();
    auto saved = SqliteStudyRepository::Open(path, {.read_only = true});
    CHECK(saved->ListTrials(study.id).size() == 1);
  }
  SECTION(
      "a -wal at the path that is not the deleted file's is left alone, the data saved beside") {
    fs::remove(path);
    fs::remove(path + "-wal");
    const std::string foreign = "not this database's log";
    std::ofstream(path + "-wal") << foreign;
    const std::string rescued = path + ".rescued-" + std::to_string(getpid());
    CHECK_THROWS_WITH(
        repository->AddTrial(study.id, Trial{}),
        Catch::Contains("was deleted") && Catch::Contains("saved to '" + rescued + "'"));
    CHECK(FileBytes(path + "-wal") == foreign);
    repository.reset();
    auto saved = SqliteStudyRepository::Open(rescued, {.read_only = true});
    CHECK(saved->ListTrials(study.id).size() == 1);
  }
  SECTION("its folder too: it is saved in the temporary folder") {
    const std::string rescue_folder = temp.File("tmp");
    fs::create_directory(rescue_folder);
    const char* old_tmpdir = std::getenv("TMPDIR");
    const std::string kept = old_tmpdir ? old_tmpdir : "";
    setenv("TMPDIR", rescue_folder.c_str(), 1);
    fs::remove_all(folder);
    const std::string rescued = rescue_folder + "/study.db.rescued-" + std::to_string(getpid());
    CHECK_THROWS_WITH(
        repository->AddTrial(study.id, Trial{}),
        Catch::Contains("was deleted") && Catch::Contains("saved to '" + rescued + "'"));
    if (old_tmpdir) {
      setenv("TMPDIR", kept.c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    repository.reset();
    auto saved = SqliteStudyRepository::Open(rescued, {.read_only = true});
    CHECK(saved->ListTrials(study.id).size() == 1);
  }
  SECTION("replaced by another file: that one is left alone, the data saved beside it") {
    const std::string other = temp.File("other.db");
    AddStudy(other);
    const std::string other_bytes = FileBytes(other);
    fs::rename(other, path);
    const std::string rescued = path + ".rescued-" + std::to_string(getpid());
    CHECK_THROWS_WITH(repository->AddTrial(study.id, Trial{}),
                      Catch::Contains("was replaced by another file") &&
                          Catch::Contains("saved to '" + rescued + "'"));
    CHECK(FileBytes(path) == other_bytes);
    repository.reset();
    auto saved = SqliteStudyRepository::Open(rescued, {.read_only = true});
    CHECK(saved->ListTrials(study.id).size() == 1);
  }
}

TEST_CASE(
    "a database deleted while open: no log of the deleted file is left to be replayed onto "
    "the saved one or onto a file put in its place",
    "[bad-input]") {
  // The deleted file's -wal was left at its path and the data saved beside it as
  // '<path>.rescued-<pid>'. Moving that file back to its path, the obvious next step, had SQLite
  // replay the old -wal onto it: "database disk image is malformed". A file put in the deleted
  // one's place got the same. A study with freed pages (VACUUM INTO lays the saved file out anew)
  // and a -wal restarted after a checkpoint (it holds only some pages) shows it.
  TempFolder temp;
  const std::string path = temp.File("study.db");
  auto repository = SqliteStudyRepository::Open(path);
  StudyRecord gone;
  gone.name = "gone";
  gone.spec = RandomSearchSpec(1000);
  gone = repository->CreateStudy(gone);
  StudyRecord kept;
  kept.name = "kept";
  kept.spec = RandomSearchSpec(1000);
  kept = repository->CreateStudy(kept);
  for (int i = 0; i < 40; ++i) {
    for (const StudyRecord* study : {&gone, &kept}) {
      const Trial trial = repository->AddTrial(study->id, Trial{});
      for (int step = 1; step <= 20; ++step) {
        repository->AddMeasurement(study->id, trial.id,
                                   {.metric = std::string(100, 'm'), .step = step, .value = 0.5});
      }
    }
  }
  repository->DeleteStudy(gone.id);
  ExecSql(path, "PRAGMA wal_checkpoint(TRUNCATE)");
  for (int i = 0; i < 10; ++i) {  // 50 trials, on pages the deleted study freed
    const Trial trial = repository->AddTrial(kept.id, Trial{});
    for (int step = 1; step <= 20; ++step) {
      repository->AddMeasurement(kept.id, trial.id,
                                 {.metric = std::string(100, 'm'), .step = step, .value = 0.5});
    }
  }
  REQUIRE(fs::file_size(path + "-wal") > 0);

  SECTION("deleted: the saved file, moved back to its path, opens whole") {
    fs::remove(path);
    std::string message;
    try {
      repository->AddTrial(kept.id, Trial{});
    } catch (const Unavailable& e) {
      message = e.what();
    }
    INFO(message);
    const auto quote = message.find("saved to '");
    REQUIRE(quote != std::string::npos);
    const std::string saved =
        message.substr(quote + 10, message.find('\'', quote + 10) - (quote + 10));
    repository.reset();
    if (saved != path) fs::rename(saved, path);
    CHECK(QueryValue(path, "PRAGMA integrity_check") == "ok");
    CHECK(SqliteStudyRepository::Open(path)->ListTrials(kept.id).size() == 50);
  }
  SECTION("replaced: the file put in its place opens as it was") {
    const std::string other = temp.File("other.db");
    AddStudy(other);
    fs::rename(other, path);
    CHECK_THROWS_WITH(repository->AddTrial(kept.id, Trial{}),
                      Catch::Contains("was replaced by another file"));
    repository.reset();
    CHECK(QueryValue(path, "PRAGMA integrity_check") == "ok");
    CHECK(QueryValue(path, "SELECT count(*) FROM studies") == "1");
  }
}

TEST_CASE("a -wal deleted while open: what it held is copied into the file, no more writes",
          "[bad-input]") {
  // `rm *.db-wal` while a run went on: the run wrote on into the unlinked log, readers got "disk
  // I/O error" or "holds no study yet", and a kill -9 of the run lost every trial it had stored
  // since the last checkpoint, the whole study among them (fieldtest16).
  TempFolder folder;
  const std::string path = folder.File("study.db");
  auto writer = SqliteStudyRepository::Open(path);
  StudyRecord study;
  study.name = "alpha";
  study.spec = RandomSearchSpec(10);
  const StudyRecord kept = writer->CreateStudy(study);
  writer->AddTrial(kept.id, Trial{});
  REQUIRE(fs::remove(path + "-wal"));
  CHECK_THROWS_AS(writer->AddTrial(kept.id, Trial{}), Unavailable);
  CHECK_THROWS_WITH(
      writer->AddTrial(kept.id, Trial{}),
      Catch::StartsWith("bayestune database '" + path + "': its write-ahead log '" + path +
                        "-wal' was deleted while this process had the "
                        "database open") &&
          Catch::Contains("everything it held was copied into '" + path + "'"));
  // Another process finds the study while this one still has the lost log open, as it would
  // after a kill -9 of this one.
  ChildProcess reader({WorkerPath(), "open", path, "--read-only"}, folder.File("open"));
  const ChildResult read = reader.Wait();
  INFO(read.err);
  CHECK(read.out == "OK 1\n");
  writer.reset();
  CHECK(QueryValue(path, "PRAGMA integrity_check") == "ok");
  CHECK(QueryValue(path, "SELECT count(*) FROM trials") == "1");
}

TEST_CASE("a device or a FIFO given as the database is refused, nothing written beside it",
          "[bad-input]") {
  // /dev/null made SQLite fail with "disk I/O error" and leave /dev/null-journal behind.
  TempFolder folder;
  const std::string fifo = folder.File("pipe.db");
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  for (const auto& [path, kind] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/null", "a character device"}, {fifo, "a FIFO (named pipe)"}}) {
    for (bool read_only : {false, true}) {
      INFO(path << (read_only ? " read-only" : ""));
      CHECK_THROWS_WITH(SqliteStudyRepository::Open(path, {.read_only = read_only}),
                        "bayestune database '" + path + "' is " + kind +
                            ", not a database file; give the path of a file, such as "
                            "'bayestune.db'");
    }
  }
  CHECK_FALSE(fs::exists("/dev/null-journal"));
  CHECK_FALSE(fs::exists("/dev/null-wal"));
  CHECK(std::distance(fs::directory_iterator(folder.path()), fs::directory_iterator()) == 1);
}
