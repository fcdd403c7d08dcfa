#include "atomic_file_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bayestune/optimizer/errors.h"
#include "text_format.h"

namespace bayestune::cli {

namespace fs = std::filesystem;

namespace {

// Whether `path` is an SQLite database file: its first 16 bytes are SQLite's magic string.
bool IsSqliteDatabase(const fs::path& path) {
  static constexpr char kMagic[] = "SQLite format 3";  // with its NUL: 16 bytes
  std::ifstream file(path, std::ios::binary);
  char header[sizeof kMagic] = {};
  return file.read(header, sizeof header) &&
         std::equal(header, header + sizeof header, kMagic, kMagic + sizeof kMagic);
}

// The database `path` belongs to: itself, or the database beside it whose write-ahead log,
// shared memory or rollback journal it is ("x.db-wal": "x.db"); empty when it is none.
std::string DatabaseOf(const fs::path& path) {
  std::error_code error;
  if (IsSqliteDatabase(path)) return path.string();
  const std::string text = path.string();
  for (const std::string suffix : {"-wal", "-shm", "-journal"}) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      const fs::path database = text.substr(0, text.size() - suffix.size());
      if (fs::exists(path, error) && IsSqliteDatabase(database)) return database.string();
    }
  }
  return {};
}

// Writes `text` whole into `path`, which exists and is no regular file or folder (a named pipe,
// /dev/stdout, bash's >(...)), as a shell's `>` would. A named pipe that no program reads is an
// error rather than a wait for ever.
std::uintmax_t WriteInto(const std::string& path, const std::string& where, bool fifo,
                         const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENXIO && fifo) {
    throw InvalidArgument(where +
                          " is a named pipe (FIFO) that no program reads; start its reader "
                          "first, or give the path of a file");
  }
  if (fd < 0) {
    throw InvalidArgument(where + ": cannot write to it (" + std::strerror(errno) +
                          "); give the path of a file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      const int error = errno;
      ::close(fd);
      throw Unavailable(where + ": writing failed (" + std::strerror(error) + ")");
    }
    done += static_cast<std::size_t>(wrote);
  }
  ::close(fd);
  return done;
}

// Why writing failed and what to do, to follow "writing failed (": past the file size limit (ulimit
// -f, EFBIG) no space freed helps, so that limit is named rather than "free some space".
std::string WriteFailure(int error) {
  rlimit limit{};
  if (error == EFBIG && ::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    return std::string(std::strerror(error)) + ", past the file size limit (ulimit -f) of " +
           std::to_string(limit.rlim_cur) +
           " bytes); raise it (ulimit -f unlimited) or write elsewhere";
  }
  return std::string(std::strerror(error)) + "); free some space or write elsewhere";
}

// A file's permission bits as chmod takes them: "0444".
std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

std::uintmax_t WriteFileAtomically(const std::string& path, const std::string& flag,
                                   const std::function<void(std::ostream&)>& write,
                                   const std::function<void()>& before_file) {
  const std::string where = flag + " '" + path + "'";
  std::error_code error;
  // "out.csv/" names a folder, as a shell's `>` takes it ("Is a directory"): not a file "out.csv"
  // to make in a folder "out.csv".
  if (path.ends_with('/') && !fs::is_directory(path, error)) {
    throw InvalidArgument(where + " ends with '/', which names a folder; give the path of a file " +
                          "(without the '/' at the end)");
  }
  // A symbolic link is written through, as a shell's `>` would: the file it points to (made if
  // missing) is replaced, the link stays.
  fs::path target(path);
  for (int links = 0; fs::is_symlink(target, error); ++links) {
    // Followed one link at a time: weakly_canonical leaves a link to a missing file unresolved.
    const fs::path points_to = fs::read_symlink(target, error);
    if (error || links == 40) {
      throw InvalidArgument(where + " is a symbolic link that cannot be followed (" +
                            (error ? error.message() : std::string("too many levels")) +
                            "); give the path of a file");
    }
    target = points_to.is_absolute() ? points_to : target.parent_path() / points_to;
  }
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, error)) {
    throw InvalidArgument(where + ": the folder '" + folder.string() +
                          "' does not exist; create it first (mkdir -p '" + folder.string() +
                          "'), or write elsewhere");
  }
  if (fs::is_directory(target, error)) {
    throw InvalidArgument(where + " is a folder; give the path of a file in it");
  }
  // A name past the folder's limit (NAME_MAX, 255 bytes on Linux's file systems) is said as such,
  // not as a folder this user may not write.
  const long limit = ::pathconf(folder.c_str(), _PC_NAME_MAX);
  const std::size_t name_max = limit > 0 ? static_cast<std::size_t>(limit) : 255;
  const std::string name = target.filename().string();
  if (name.size() > name_max) {
    throw InvalidArgument(where + ": its file name is " + std::to_string(name.size()) +
                          " bytes long, and a file name in the folder '" + folder.string() +
                          "' is at most " + std::to_string(name_max) +
                          " bytes; give a shorter name");
  }
  // Not a file to replace (a named pipe, /dev/stdout, /dev/null, bash's >(...) as /dev/fd/63):
  // written into. A file renamed over it would take its place (as root, even in /dev), or could
  // not be made beside it (in /dev/fd).
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0;
  if (exists && !S_ISREG(info.st_mode)) {
    std::ostringstream text;
    write(text);
    return WriteInto(path, where, S_ISFIFO(info.st_mode), text.str());
  }
  // A study database (or its -wal file) given as the output, by a slip for --db or to keep the
  // export beside it, would be replaced whole, with every study in it: never.
  if (const std::string database = DatabaseOf(target); !database.empty()) {
    throw InvalidArgument(
        where +
        (database == target.string()
             ? std::string(" is an SQLite database (a study database?); writing there would "
                           "replace it whole, with every study in it")
             : " is a file of the SQLite database '" + database +
                   "' (its log, shared memory or journal); writing there would damage it") +
        "; give another file name");
  }
  // A file its owner made read-only (chmod 444) was protected: a shell's `>` refuses it (root's
  // too, for a file no one may write), and so does this, rather than rename a new file over it.
  if (exists && ((info.st_mode & 0222) == 0 || ::access(path.c_str(), W_OK) != 0)) {
    const bool read_only = (info.st_mode & 0222) == 0;
    throw InvalidArgument(where +
                          (read_only ? " is read-only (its mode is " + ModeText(info.st_mode) +
                                           "): it was protected from being overwritten"
                                     : ": permission denied (this user may not write it)") +
                          "; make it writable (chmod u+w '" + path +
                          "') to replace it, or give another file name");
  }
  if (before_file) before_file();
  // Within the limit however long the name: a 250-byte name gave a temporary name past it.
  const std::string suffix = ".tmp-" + std::to_string(::getpid());
  const fs::path temporary =
      folder / ("." + Utf8Prefix(name, name_max - std::min(name_max, suffix.size() + 1)) + suffix);
  // Written into an unnamed file of the folder (O_TMPFILE), which is given the temporary name
  // only once complete, just before the rename: a `kill -9` (or a crash, a power cut) while
  // writing left `.book.csv.tmp-<pid>` behind, one more at each, which nothing removed. A file
  // system without O_TMPFILE gets the named temporary file from the start, and so does a system
  // without /proc (a chroot, a container that does not mount it): the unnamed file is written and
  // named through /proc/self/fd, and without it `export --out` said "cannot write in the folder"
  // of a folder it could write.
  int unnamed = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  try {
    std::ofstream file;
    if (unnamed >= 0) {
      file.open("/proc/self/fd/" + std::to_string(unnamed), std::ios::binary | std::ios::trunc);
      if (!file) {
        ::close(unnamed);
        unnamed = -1;
      }
    }
    if (unnamed < 0) file.open(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw InvalidArgument(where + ": cannot write in the folder '" + folder.string() + "' (" +
                            std::strerror(errno) + "); choose a folder you may write to");
    }
    write(file);
    file.flush();
    if (!file) throw Unavailable(where + ": writing failed (" + WriteFailure(errno));
    file.close();
    const int fd = unnamed >= 0 ? unnamed : ::open(temporary.c_str(), O_WRONLY | O_CLOEXEC);
    // On disk before it takes the old file's place: after a power cut, the name holds the old
    // file or the new one whole, never an empty one.
    if (fd >= 0 && ::fsync(fd) != 0) {
      const int failed = errno;
      if (fd != unnamed) ::close(fd);
      throw Unavailable(where + ": writing failed (" + WriteFailure(failed));
    }
    // The file it replaces keeps its mode (a private 0600 file stays private) and, where this
    // user may give it (root), its owner, as after a shell's `>`; a new one has mode 0666 less
    // the umask, as a file `>` makes.
    if (fd >= 0 && exists) {
      // Refused unless root: the new file is then this user's, as any file this user writes.
      (void)!::fchown(fd, info.st_uid, info.st_gid);
      ::fchmod(fd, info.st_mode & 07777);
    }
    if (fd >= 0 && fd != unnamed) ::close(fd);
    if (unnamed >= 0) {
      const std::string proc = "/proc/self/fd/" + std::to_string(unnamed);
      fs::remove(temporary, error);  // one a killed process of this pid left
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temporary.c_str(), AT_SYMLINK_FOLLOW) != 0) {
        throw Unavailable(where + ": cannot give the written file a name in the folder '" +
                          folder.string() + "' (" + std::strerror(errno) + ")");
      }
      ::close(unnamed);
    }
  } catch (...) {
    if (unnamed >= 0) ::close(unnamed);
    fs::remove(temporary, error);
    throw;
  }
  fs::rename(temporary, target, error);
  if (error) {
    const std::string reason = error.message();
    fs::remove(temporary, error);
    throw Unavailable(where + ": cannot move the file into place (" + reason + ")");
  }
  // The new name is on disk before "wrote X" is said: the file's data was synced before the
  // rename, but its name (the rename, and the link from the unnamed file) is the folder's, and a
  // crash before the folder was written lost it (the old file back, or no file at all).
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // A file system that cannot sync a folder says EINVAL: nothing more can be done there.
  if (folder_fd < 0 || (::fsync(folder_fd) != 0 && errno != EINVAL)) {
    const int failed = errno;
    if (folder_fd >= 0) ::close(folder_fd);
    throw Unavailable(where + ": written, but its folder '" + folder.string() +
                      "' could not be synced to disk (" + std::strerror(failed) +
                      "), so that a crash may lose its name; check the disk and write it again");
  }
  ::close(folder_fd);
  return fs::file_size(target, error);
}

}  // namespace bayestune::cli
