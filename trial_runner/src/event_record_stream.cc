#include "event_record_stream.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "tfrecord_reader.h"

namespace bayestune {
namespace {

std::string Hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

// A length this large cannot be a record: reading on would only wait for bytes that never come.
constexpr std::uint64_t kImpossibleLength = std::uint64_t{1} << 56;

}  // namespace

std::span<char> EventRecordStream::PrepareWrite(std::size_t size) {
  if (capacity_ - end_ < size) {
    if (begin_ > 0) {  // move the pending bytes to the front
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (capacity_ - end_ < size) {
      const std::size_t capacity = std::max(end_ + size, capacity_ * 2);
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);
      if (end_ > 0) std::memcpy(grown.get(), buffer_.get(), end_);
      buffer_ = std::move(grown);
      capacity_ = capacity;
    }
  }
  return {buffer_.get() + end_, size};
}

void EventRecordStream::Commit(std::size_t size, EventStreamSink& sink) {
  end_ += size;
  fed_offset_ += size;
  ReadRecords(sink);
}

void EventRecordStream::Feed(std::string_view bytes, EventStreamSink& sink) {
  if (bytes.empty() || stopped_) return;
  const auto span = PrepareWrite(bytes.size());
  std::memcpy(span.data(), bytes.data(), bytes.size());
  Commit(bytes.size(), sink);
}

void EventRecordStream::SkipUnread(std::uint64_t size) {
  size = std::min(size, skip_remaining_);
  if (begin_ != end_) return;  // only once the buffered bytes are used up
  skip_remaining_ -= size;
  fed_offset_ += size;
}

void EventRecordStream::ReadRecords(EventStreamSink& sink) {
  while (!stopped_ && begin_ < end_) {
    if (skip_remaining_ > 0) {
      const auto skip =
          static_cast<std::size_t>(std::min<std::uint64_t>(skip_remaining_, end_ - begin_));
      begin_ += skip;
      skip_remaining_ -= skip;
      continue;
    }
    const std::uint64_t offset = record_offset();
    // At most the bytes of the longest record read: one longer than max_record_size_ is then
    // always found incomplete and passed over below, whether its bytes came in one feed or in
    // several (were a whole one read, it would give scalars or a bad-CRC warning that the same
    // bytes fed in pieces do not).
    const std::size_t framing = kTfRecordHeaderSize + kTfRecordFooterSize;
    const std::size_t longest_record =
        max_record_size_ <= SIZE_MAX - framing ? framing + max_record_size_ : SIZE_MAX;
    const TfRecordView record = ReadTfRecord(
        std::string_view(buffer_.get() + begin_, std::min(end_ - begin_, longest_record)));
    switch (record.status) {
      case TfRecordView::Status::kRecord: {
        scalars_.clear();
        if (auto error = decoder_.Decode(record.data, scalars_)) {
          sink.OnWarning(offset, "record of " + std::to_string(record.data_length) +
                                     " bytes is not a valid Event (at byte " +
                                     std::to_string(error->offset) +
                                     " of its data: " + error->reason + "); skipped it");
        }
        for (const auto& scalar : scalars_)
          sink.OnScalar(scalar);
        begin_ += record.size;
        break;
      }
      case TfRecordView::Status::kBadDataCrc:
        sink.OnWarning(offset, "bad data CRC (stored " + Hex(record.stored_crc) + ", computed " +
                                   Hex(record.computed_crc) + ") in a record of " +
                                   std::to_string(record.data_length) +
                                   " bytes; skipped that record");
        begin_ += record.size;
        break;
      case TfRecordView::Status::kBadLengthCrc:
        sink.OnWarning(offset, "bad length CRC (stored " + Hex(record.stored_crc) + ", computed " +
                                   Hex(record.computed_crc) +
                                   "); stopped reading this file, whose lengths cannot be "
                                   "trusted from here on");
        stopped_ = true;
        break;
      case TfRecordView::Status::kIncomplete:
        if (!record.header_complete || record.data_length <= max_record_size_) {
          if (begin_ == end_) begin_ = end_ = 0;
          return;  // wait for the rest
        }
        if (record.data_length > kImpossibleLength) {
          sink.OnWarning(offset, "record length " + std::to_string(record.data_length) +
                                     " is impossible; stopped reading this file");
          stopped_ = true;
          break;
        }
        // Too large to be a scalar event (a graph): drop it as it comes, without buffering it.
        skip_remaining_ = kTfRecordHeaderSize + record.data_length + kTfRecordFooterSize;
        break;
    }
  }
  if (stopped_) {  // nothing more will be read
    buffer_.reset();
    capacity_ = begin_ = end_ = 0;
  }
  if (begin_ == end_) begin_ = end_ = 0;
}

}  // namespace bayestune
