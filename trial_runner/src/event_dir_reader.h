#pragma once

#include <functional>
#include <map>
#include <memory>
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
  explicit EventDirReader(std::string job_dir);

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

  const std::string& job_dir() const { return job_dir_; }
  // The readers of the files found so far, by path relative to the job dir.
  const std::map<std::string, std::unique_ptr<EventFileReader>>& files() const { return files_; }

 private:
  void FindNewFiles();

  std::string job_dir_;
  std::map<std::string, std::unique_ptr<EventFileReader>> files_;
};

}  // namespace bayestune
