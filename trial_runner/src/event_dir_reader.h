#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "event_file_reader.h"
#include "metric_record.h"

namespace bayestune {

// Watches a job dir, recursively, for TensorBoard event files, by polling: each Poll looks for
// files that appeared since the last one and reads what every file gained (EventFileReader). A
// subfolder is a run: the scalars of <job dir>/validation/events.out.tfevents.* have run
// "validation". Given a single event file instead of a folder, reads that file as run ".".
class EventDirReader {
 public:
  // What a job dir that is a symbolic link means. A user may name a link (`bayestune metrics`); a
  // trial folder is one the runner made, so a link there is a trainer's doing, and following it
  // (a link to /) would read the whole machine's event files as the trial's.
  enum class RootLink { kFollow, kRefuse };
  explicit EventDirReader(std::string job_dir, RootLink root_link = RootLink::kFollow);

  // The new scalars of all files, file after file in path order, and the warnings. A missing job
  // dir (a trial that has not started writing) is not an error: nothing is found yet.
  MetricPoll Poll();
  void Poll(MetricPoll& out);
  // As Poll, and after each file's poll calls `after_file(reader, first, end)`: the file's new
  // records are out.records[first, end) (reader.generation() says whether it was read afresh).
  using FileCallback = std::function<void(const EventFileReader&, std::size_t, std::size_t)>;
  void Poll(MetricPoll& out, const FileCallback& after_file);

  // Whether a file name is an event file: it contains "tfevents" and does not end in
  // ".profile-empty" (the profiler's marker files).
  static bool IsEventFileName(std::string_view name);

  // How many levels of folders below the job dir are read.
  static constexpr int kMaxFolderDepth = 128;

  const std::string& job_dir() const { return job_dir_; }
  // The readers of the files found so far, by path relative to the job dir.
  const std::map<std::string, std::unique_ptr<EventFileReader>>& files() const { return files_; }

 private:
  void FindNewFiles(MetricPoll& out);

  std::string job_dir_;
  RootLink root_link_;
  bool reported_root_link_ = false;           // kRefuse: the link's warning is said once
  std::set<std::string> unreadable_folders_;  // each said once
  bool reported_depth_ = false;               // kMaxFolderDepth: said once
  std::map<std::string, std::unique_ptr<EventFileReader>> files_;
};

}  // namespace bayestune
