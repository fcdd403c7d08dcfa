#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "bayestune/trial_runner/event_record_stream.h"
#include "bayestune/trial_runner/metric_record.h"
#include "bayestune/trial_runner/shared_string.h"

namespace bayestune {

// Reads one TensorBoard event file while it grows: each Poll reads the bytes appended since the
// previous one (each byte once), returns the scalars of the records they complete and keeps a
// partial record at the end for the next poll. Never blocks waiting for data.
class EventFileReader {
 public:
  // `run`: what MetricRecord::run says for this file's scalars. Records longer than
  // `max_record_size` are passed over unread (EventRecordStream).
  EventFileReader(std::string path, std::string run,
                  std::size_t max_record_size = EventRecordStream::kDefaultMaxRecordSize);

  // Appends the new scalars and the warnings (bad CRCs, undecodable records, a file that shrank,
  // was replaced or cannot be read) to `out`. Once a bad length CRC, a shrunk or a replaced file
  // has stopped the reader, polls do nothing.
  void Poll(MetricPoll& out);

  const std::string& path() const { return path_; }
  const std::string& run() const { return run_; }
  // The file offset after the last whole record read.
  std::uint64_t record_offset() const { return stream_.record_offset(); }
  // Bytes read that do not make a whole record yet (a record still being written, or a file cut
  // short).
  std::size_t pending_bytes() const { return stream_.pending_bytes(); }
  bool stopped() const { return stopped_ || stream_.stopped(); }

  // The most bytes one read asks for.
  static constexpr std::size_t kReadChunkSize = 4u << 20;

 private:
  std::string path_;
  SharedString run_;
  SharedStringTable tags_;  // every tag read, shared by the records that have it
  EventRecordStream stream_;
  bool stopped_ = false;
  bool reported_unreadable_ = false;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> identity_;  // device and inode
};

}  // namespace bayestune
