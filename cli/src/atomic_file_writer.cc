#include "atomic_file_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bayestune/optimizer/errors.h"

namespace bayestune::cli {

namespace fs = std::filesystem;

std::uintmax_t WriteFileAtomically(const std::string& path, const std::string& flag,
                                   const std::function<void(std::ostream&)>& write) {
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string where = flag + " '" + path + "'";
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InvalidArgument(where + ": the folder '" + folder.string() +
                          "' does not exist; create it first (mkdir -p '" + folder.string() +
                          "'), or write elsewhere");
  }
  if (fs::is_directory(target, error)) {
    throw InvalidArgument(where + " is a folder; give the path of a file in it");
  }
  const fs::path temporary =
      folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  try {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw InvalidArgument(where + ": cannot write in the folder '" + folder.string() + "' (" +
                            std::strerror(errno) + "); choose a folder you may write to");
    }
    write(file);
    file.flush();
    if (!file) {
      throw Unavailable(where + ": writing failed (" + std::strerror(errno) +
                        "); free some space or write elsewhere");
    }
  } catch (...) {
    fs::remove(temporary, error);
    throw;
  }
  fs::rename(temporary, target, error);
  if (error) {
    const std::string reason = error.message();
    fs::remove(temporary, error);
    throw Unavailable(where + ": cannot move the file into place (" + reason + ")");
  }
  return fs::file_size(target, error);
}

}  // namespace bayestune::cli
