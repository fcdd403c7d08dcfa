#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "event_record_stream.h"
#include "metric_record.h"
#include "shared_string.h"

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

  // Appends the new scalars and the warnings (bad CRCs, undecodable records, a file that cannot
  // be read, a file read afresh) to `out`. Once a bad length CRC has stopped the reader, polls
  // read nothing more of that file.
  //
  // A file that was written anew since the last poll (a trainer restarted from scratch) is read
  // afresh from its start, with a warning, and generation() goes up: one that shrank, that was
  // replaced by another file of the same name (device or inode changed), or that was emptied and
  // rewritten in place past the size already read (its first bytes, or the last bytes read, are
  // no longer what they were).
  void Poll(MetricPoll& out);

  // How many times the file was read afresh: the records of an earlier generation are no longer
  // in the file.
  std::uint64_t generation() const { return generation_; }

  const std::string& path() const { return path_; }
  const std::string& run() const { return run_; }
  // The file offset after the last whole record read.
  std::uint64_t record_offset() const { return stream_.record_offset(); }
  // Bytes read that do not make a whole record yet (a record still being written, or a file cut
  // short).
  std::size_t pending_bytes() const { return stream_.pending_bytes(); }
  bool stopped() const { return stream_.stopped(); }

  // The most bytes one read asks for.
  static constexpr std::size_t kReadChunkSize = 4u << 20;
  // The bytes kept to notice a file written anew in place: its first ones (the first record, with
  // the writer's start time) and the last ones read.
  static constexpr std::size_t kHeadSize = 64;
  static constexpr std::size_t kTailSize = 16;

 private:
  // Why the open file `fd` (of `size` bytes, this identity) is not the one read so far, or "".
  std::string WrittenAnew(int fd, std::uint64_t size,
                          std::pair<std::uint64_t, std::uint64_t> identity) const;
  // Keeps the file's first bytes and the last bytes read, to notice a rewrite in place.
  void Remember(std::uint64_t offset, std::string_view bytes);

  std::string path_;
  SharedString run_;
  SharedStringTable tags_;  // every tag read, shared by the records that have it
  std::size_t max_record_size_;
  EventRecordStream stream_;
  bool reported_unreadable_ = false;
  bool warned_wall_time_ = false;  // a wall time no clock gave was said (once a file)
  std::uint64_t generation_ = 0;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> identity_;  // device and inode
  std::string head_;  // the file's first bytes read (up to kHeadSize)
  std::string tail_;  // the last bytes read (up to kTailSize), ending at tail_end_
  std::uint64_t tail_end_ = 0;
};

}  // namespace bayestune
