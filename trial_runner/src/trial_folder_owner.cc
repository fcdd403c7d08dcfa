#include "bayestune/trial_runner/trial_folder_owner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "bayestune/optimizer/parameter_value.h"

namespace bayestune {

std::optional<TrialFolderOwner> ReadTrialFolderOwner(const std::filesystem::path& folder) {
  std::ifstream file(folder / kTrialFolderOwnerFile);
  if (!file) return std::nullopt;
  TrialFolderOwner owner;
  bool has_study = false;
  bool has_created = false;
  for (std::string line; std::getline(file, line);) {
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = line.substr(0, equals);
    const std::string value = line.substr(equals + 1);
    if (key == "database") {
      owner.database = value;
    } else if (key == "study") {
      owner.study = value;
      has_study = true;
    } else if (key == "created") {
      try {
        owner.created_time = std::stod(value);
        has_created = true;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  if (owner.database.empty() || !has_study || !has_created) return std::nullopt;
  return owner;
}

void WriteTrialFolderOwner(const std::filesystem::path& folder, const TrialFolderOwner& owner) {
  if (owner.database.empty() || ReadTrialFolderOwner(folder)) return;
  const std::filesystem::path path = folder / kTrialFolderOwnerFile;
  const std::string text =
      "# the study this trial folder belongs to (bayestune run)\ndatabase=" + owner.database +
      "\ncreated=" + FormatDouble(owner.created_time) + "\nstudy=" + owner.study + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  bool written = fd >= 0;
  for (std::size_t done = 0; written && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  if (fd >= 0 && close(fd) != 0) written = false;
  if (!written && fd >= 0) {
    // A full disk (no block for its text, no inode left): the trial runs without it, as before
    // owners were written, and its own files say what fails; a partial file names no owner.
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
}

bool TrialFolderOwnerGone(const TrialFolderOwner& other, const TrialFolderOwner& ours) {
  std::error_code error;
  if (!std::filesystem::exists(other.database, error) && !error) return true;
  return other.database == ours.database && other.study == ours.study &&
         other.created_time != ours.created_time;
}

bool HoldsOnlyTrialFolderOwner(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::directory_iterator it(folder, error);
  if (error || it == std::filesystem::directory_iterator()) return false;
  if (it->path().filename() != kTrialFolderOwnerFile) return false;
  it.increment(error);
  return !error && it == std::filesystem::directory_iterator();
}

}  // namespace bayestune
