#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace bayestune {

// Which study a trial folder (<jobDir>/trial-<n>) belongs to, written into it as
// kTrialFolderOwnerFile when its first attempt is launched. Studies given the same job dir (two
// databases of one folder holding a study of the same name, whose default job dirs are the same;
// two studies given one runner.jobDir or --job-dir) would otherwise take each other's finished
// trial folders for leftovers and move them aside (docs/runner.md, "Folders and logs").
struct TrialFolderOwner {
  std::string database;     // the study's database, absolute; empty: no owner (nothing written)
  std::string study;        // its name
  double created_time = 0;  // the study's, which tells a study deleted and made anew apart

  bool operator==(const TrialFolderOwner&) const = default;
};

inline constexpr const char* kTrialFolderOwnerFile = ".bayestune-owner";

// The owner written in `folder`; nullopt when none is (a folder made before owners were written,
// or by something else), or when the file cannot be read as one.
std::optional<TrialFolderOwner> ReadTrialFolderOwner(const std::filesystem::path& folder);

// Writes `owner` into `folder` unless an owner is written there already. Where it cannot be
// written (a full disk, no inode left) the folder is left without one: the trial's own files fail
// the same way, and say so.
void WriteTrialFolderOwner(const std::filesystem::path& folder, const TrialFolderOwner& owner);

// Whether the study `other` is gone, as far as this machine can tell: its database is no longer
// there, or it is `ours`'s database and the study of that name was deleted and made anew since
// (another created time). Its trial folders are then leftovers.
bool TrialFolderOwnerGone(const TrialFolderOwner& other, const TrialFolderOwner& ours);

// Whether `folder` holds nothing but its owner file.
bool HoldsOnlyTrialFolderOwner(const std::filesystem::path& folder);

}  // namespace bayestune
