// WriteFileAtomically (cli/src/atomic_file_writer.h), which `export --out` and `report --out`
// write through: what a process killed while writing leaves in the folder.
#include "atomic_file_writer.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli_test_support.h"

namespace bayestune::testing {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> FolderEntries(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Whether `trace` (strace -f output) shows the folder `folder` opened and fsync'ed after the rename
// onto `target`; `why` says what was missing.
bool FolderSyncedAfterRename(const std::string& trace, const std::string& target,
                             const std::string& folder, std::string& why) {
  std::istringstream lines(trace);
  std::string line;
  bool renamed = false;
  std::string folder_fd;
  const std::regex open_folder("openat\\(AT_FDCWD, \"" + folder +
                               "/?\", O_RDONLY[^)]*O_DIRECTORY[^)]*\\) = ([0-9]+)");
  while (std::getline(lines, line)) {
    if (!renamed) {
      renamed = line.find("rename") != std::string::npos &&
                line.find("\"" + target + "\") = 0") != std::string::npos;
      continue;
    }
    std::smatch match;
    if (std::regex_search(line, match, open_folder)) folder_fd = match[1];
    // strace pads the result: "fsync(6)                          = 0".
    if (!folder_fd.empty() &&
        std::regex_search(line, std::regex("fsync\\(" + folder_fd + "\\) += 0"))) {
      return true;
    }
  }
  why = !renamed ? "no rename onto " + target : "no fsync of the folder after the rename";
  return false;
}

}  // namespace

TEST_CASE("the folder is synced after the rename, with O_TMPFILE and without /proc",
          "[cli][atomic]") {
  // The file was fsync'ed before its rename, but not its folder after it: a crash after "wrote
  // X" could lose the file's name (the old file back, or none). Seen in the system calls of
  // `bayestune export --out`, by strace, with the unnamed file (O_TMPFILE, named through
  // /proc/self/fd) and with the named temporary file (no /proc: a mount namespace of its own).
  if (RunInFolder(".", {"strace", "-V"}).exit_code != 0) {
    WARN("no strace here: not tested");
    return;
  }
  TempFolder dir;
  CategoricalGridStudy(dir, "g", "c", {"a", "b"});
  fs::create_directories(dir.File("sub"));
  const std::string folder = dir.File("sub");
  for (const bool with_proc : {true, false}) {
    INFO((with_proc ? "with /proc" : "without /proc"));
    const std::string target = folder + (with_proc ? "/a.csv" : "/b.csv");
    const std::string export_command = BayestunePath() + " export g --format csv --out " + target;
    std::vector<std::string> argv = {
        "strace",          "-f", "-o",
        dir.File("trace"), "-e", "trace=openat,open,rename,renameat,renameat2,linkat,fsync"};
    if (with_proc) {
      argv.insert(argv.end(), {"/bin/sh", "-c", export_command});
    } else {
      argv.insert(argv.end(), {"unshare", "-rm", "/bin/sh", "-c",
                               "mount -t tmpfs none /proc && exec " + export_command});
    }
    const auto run = RunInFolder(dir.path(), argv);
    INFO(run.out << run.err);
    if (!with_proc && run.exit_code != 0 && run.err.find("mount") != std::string::npos) {
      WARN("no mount namespace here: the path without /proc is not tested");
      continue;
    }
    REQUIRE(run.exit_code == 0);
    CHECK(ReadTextFile(target).rfind("trial,state,c,", 0) == 0);
    const std::string trace = ReadTextFile(dir.File("trace"));
    INFO(trace);
    // Which way it was written: the unnamed file named through /proc, or the named one.
    CHECK((trace.find("O_TMPFILE") != std::string::npos));
    CHECK((trace.find("linkat(AT_FDCWD, \"/proc/self/fd/") != std::string::npos) == with_proc);
    std::string why;
    const bool synced = FolderSyncedAfterRename(trace, target, folder, why);
    INFO(why);
    CHECK(synced);
  }
}

TEST_CASE("a file being written has no name in its folder until it is complete", "[cli][atomic]") {
  // `kill -9` of `bayestune export --out book.csv` while it wrote left `.book.csv.tmp-<pid>` in
  // the folder, one more at each kill, which nothing removed (25 kills of a campaign left 5).
  // What the folder holds while the content is written is what such a kill leaves.
  TempFolder dir;
  const std::string out = dir.File("book.csv");
  WriteTextFile(dir.File("other.txt"), "kept\n");
  std::vector<std::string> while_writing;
  const auto size = cli::WriteFileAtomically(out, "--out", [&](std::ostream& stream) {
    stream << "trial,state\n";
    stream.flush();
    while_writing = FolderEntries(dir.path());
    stream << "1,SUCCEEDED\n";
  });
  CHECK(while_writing == std::vector<std::string>{"other.txt"});
  CHECK(size == 24);
  CHECK(ReadTextFile(out) == "trial,state\n1,SUCCEEDED\n");
  CHECK(FolderEntries(dir.path()) == std::vector<std::string>{"book.csv", "other.txt"});
  struct stat info {};
  REQUIRE(::stat(out.c_str(), &info) == 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((info.st_mode & 0777) == (0666 & ~mask));  // as a shell's `>` makes it

  // Replacing a file: the old one stays whole while the new one is written, and its mode is
  // kept.
  ::chmod(out.c_str(), 0600);
  cli::WriteFileAtomically(out, "--out", [&](std::ostream& stream) {
    stream << "new";
    stream.flush();
    while_writing = FolderEntries(dir.path());
    CHECK(ReadTextFile(out) == "trial,state\n1,SUCCEEDED\n");
  });
  CHECK(while_writing == std::vector<std::string>{"book.csv", "other.txt"});
  CHECK(ReadTextFile(out) == "new");
  REQUIRE(::stat(out.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  // A write that fails leaves nothing either, and the old file as it was.
  CHECK_THROWS(cli::WriteFileAtomically(out, "--out", [&](std::ostream& stream) {
    stream << "half";
    throw std::runtime_error("the study could not be read");
  }));
  CHECK(ReadTextFile(out) == "new");
  CHECK(FolderEntries(dir.path()) == std::vector<std::string>{"book.csv", "other.txt"});
}

TEST_CASE("a file is written where /proc is not mounted", "[cli][atomic]") {
  // The unnamed file (O_TMPFILE) is written and named through /proc/self/fd: in a chroot or a
  // container without /proc, `export --out` said "cannot write in the folder" of a folder it
  // could write. Run in a child of its own user and mount namespaces, with an empty /proc.
  TempFolder dir;
  const std::string out = dir.File("book.csv");
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(77);
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
    if (::mount("none", "/proc", "tmpfs", 0, nullptr) != 0) ::_exit(77);
    if (::access("/proc/self/fd", F_OK) == 0) ::_exit(78);
    try {
      cli::WriteFileAtomically(out, "--out", [](std::ostream& stream) { stream << "1,2\n"; });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("no user and mount namespaces here (unshare or mount refused): not tested");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(ReadTextFile(out) == "1,2\n");
  CHECK(FolderEntries(dir.path()) == std::vector<std::string>{"book.csv"});
}

}  // namespace bayestune::testing
