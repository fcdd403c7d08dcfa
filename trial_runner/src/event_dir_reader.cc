#include "event_dir_reader.h"

#include <filesystem>
#include <system_error>
#include <vector>

namespace bayestune {
namespace fs = std::filesystem;

EventDirReader::EventDirReader(std::string job_dir, RootLink root_link)
    : job_dir_(std::move(job_dir)), root_link_(root_link) {}

bool EventDirReader::IsEventFileName(std::string_view name) {
  constexpr std::string_view kProfileEmpty = ".profile-empty";
  return name.find("tfevents") != std::string_view::npos &&
         !(name.size() >= kProfileEmpty.size() &&
           name.substr(name.size() - kProfileEmpty.size()) == kProfileEmpty);
}

void EventDirReader::FindNewFiles(MetricPoll& out) {
  std::error_code error;
  const fs::path root(job_dir_);
  if (root_link_ == RootLink::kRefuse && fs::is_symlink(root, error)) {
    if (!reported_root_link_) {
      out.warnings.push_back(
          {job_dir_, 0,
           "the folder was replaced by a symbolic link (to '" +
               fs::read_symlink(root, error).string() +
               "'): not read; the runner made it a folder for this trial, and following a link "
               "would take other folders' event files as the trial's"});
      reported_root_link_ = true;
    }
    return;
  }
  if (fs::is_regular_file(root, error)) {
    if (files_.empty()) {
      files_.emplace(root.filename().string(), std::make_unique<EventFileReader>(job_dir_, "."));
    }
    return;
  }
  // Folder by folder, each read whole and closed before its subfolders: a walk that keeps a
  // folder open for each level (recursive_directory_iterator) ran out of file descriptors in a
  // trial folder nested deeper than the fd limit, and any folder it could not open ended the
  // whole walk at every poll, so that the event files after it were never found. A folder that
  // cannot be read is said once and left out; the rest of the walk goes on. Folders deeper than
  // kMaxFolderDepth are not looked into (said once): each is opened by its whole path, so a chain
  // of thousands of nested folders cost seconds of path lookups at every poll.
  std::vector<std::pair<fs::path, int>> folders = {{root, 0}};
  while (!folders.empty()) {
    const auto [folder, depth] = std::move(folders.back());
    folders.pop_back();
    if (depth > kMaxFolderDepth) {
      if (!reported_depth_) {
        out.warnings.push_back(
            {folder.string(), 0,
             "this folder is more than " + std::to_string(kMaxFolderDepth) +
                 " levels below the trial folder: it and the folders beside it at that depth are "
                 "not read (event files sit a few levels down); the rest of the trial folder is "
                 "read"});
        reported_depth_ = true;
      }
      continue;
    }
    std::vector<fs::path> subfolders;
    error.clear();
    fs::directory_iterator it(folder, error);
    for (const fs::directory_iterator end; !error && it != end; it.increment(error)) {
      const fs::directory_entry& entry = *it;
      std::error_code status_error;
      if (entry.is_directory(status_error) && !entry.is_symlink(status_error)) {
        subfolders.push_back(entry.path());
        continue;
      }
      if (!IsEventFileName(entry.path().filename().string())) continue;
      if (!entry.is_regular_file(status_error)) continue;
      const fs::path relative = entry.path().lexically_relative(root);
      const std::string key = relative.generic_string();
      if (files_.count(key)) continue;
      // (A ternary, not `if (run.empty()) run = "."`, which trips GCC 12's -Wrestrict.)
      std::string run =
          relative.has_parent_path() ? relative.parent_path().generic_string() : std::string(".");
      files_.emplace(key, std::make_unique<EventFileReader>(entry.path().string(), std::move(run)));
    }
    // A folder that is not there (yet, or any more: removed while walked) holds nothing.
    if (error && error != std::errc::no_such_file_or_directory &&
        error != std::errc::not_a_directory && unreadable_folders_.insert(folder.string()).second) {
      out.warnings.push_back(
          {folder.string(), 0,
           "cannot read this folder (" + error.message() +
               "); event files under it are not found, the rest of the trial folder is read"});
    }
    // Depth-first, in the order found.
    for (auto it = subfolders.rbegin(); it != subfolders.rend(); ++it)
      folders.emplace_back(std::move(*it), depth + 1);
  }
}

void EventDirReader::Poll(MetricPoll& out) {
  Poll(out, nullptr);
}

void EventDirReader::Poll(MetricPoll& out, const FileCallback& after_file) {
  FindNewFiles(out);
  for (auto& [relative, reader] : files_) {
    const std::size_t first = out.records.size();
    reader->Poll(out);
    if (after_file) after_file(*reader, first, out.records.size());
  }
}

MetricPoll EventDirReader::Poll() {
  MetricPoll out;
  Poll(out);
  return out;
}

}  // namespace bayestune
