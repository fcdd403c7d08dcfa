#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event_decoder.h"

namespace bayestune {

// Where an event stream delivers what it reads.
class EventStreamSink {
 public:
  virtual ~EventStreamSink() = default;
  // `scalar.tag` is valid during the call only.
  virtual void OnScalar(const EventScalar& scalar) = 0;
  // `offset`: the byte of the stream where the record (or the problem) starts.
  virtual void OnWarning(std::uint64_t offset, std::string message) = 0;
};

// The bytes of one event file, fed in order as they become available, turned into scalars: the
// part of reading a growing event file that has nothing to do with files. A record split across
// feeds is read once it is whole. A bad length CRC stops the stream for good (the lengths after it
// cannot be trusted); a bad data CRC or an Event that does not decode skips that record. Both are
// reported with the record's offset. Records longer than `max_record_size` (graphs, not scalars)
// are passed over unread.
class EventRecordStream {
 public:
  static constexpr std::size_t kDefaultMaxRecordSize = 64u << 20;

  explicit EventRecordStream(std::size_t max_record_size = kDefaultMaxRecordSize)
      : max_record_size_(max_record_size) {}

  // Room for at least `size` more bytes, to be filled and then given to Commit: lets a file
  // reader read straight into the stream's buffer. Valid until the next call.
  std::span<char> PrepareWrite(std::size_t size);
  // Takes the first `size` bytes written into PrepareWrite's span and reads every record they
  // complete.
  void Commit(std::size_t size, EventStreamSink& sink);
  // PrepareWrite, copy, Commit.
  void Feed(std::string_view bytes, EventStreamSink& sink);

  // Bytes of an oversized record that are still to come and will be dropped unread.
  std::uint64_t skip_remaining() const { return skip_remaining_; }
  // Passes over `size` (at most skip_remaining()) of those bytes without feeding them, for a
  // reader that can seek.
  void SkipUnread(std::uint64_t size);

  // The stream offset of the next byte to feed.
  std::uint64_t fed_offset() const { return fed_offset_; }
  // The stream offset just after the last whole record (where the pending bytes start).
  std::uint64_t record_offset() const { return fed_offset_ - (end_ - begin_); }
  // Bytes fed that do not make a whole record yet.
  std::size_t pending_bytes() const { return end_ - begin_; }
  // Whether a bad length CRC stopped the stream.
  bool stopped() const { return stopped_; }

 private:
  void ReadRecords(EventStreamSink& sink);

  std::size_t max_record_size_;
  std::unique_ptr<char[]> buffer_;  // not zeroed when it grows: every byte is written first
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // the first pending byte in buffer_
  std::size_t end_ = 0;    // after the last byte fed
  std::uint64_t fed_offset_ = 0;
  std::uint64_t skip_remaining_ = 0;
  bool stopped_ = false;
  EventDecoder decoder_;
  std::vector<EventScalar> scalars_;
};

}  // namespace bayestune
