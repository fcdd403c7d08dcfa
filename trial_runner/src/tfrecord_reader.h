#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bayestune {

// TFRecord framing (docs/tfevents.md): uint64 length, masked CRC-32C of those 8 bytes,
// the data, masked CRC-32C of the data; little-endian.
inline constexpr std::size_t kTfRecordHeaderSize = 12;
inline constexpr std::size_t kTfRecordFooterSize = 4;

struct TfRecordView {
  enum class Status {
    kRecord,        // a whole record whose CRCs match: `data` is its payload
    kIncomplete,    // the bytes end inside the record (normal at the end of a growing file)
    kBadLengthCrc,  // the length's CRC does not match: the length, and all after it, is not to
                    // be trusted
    kBadDataCrc,    // the length is good but the data's CRC does not match: skip `size` bytes
  };
  Status status = Status::kIncomplete;
  // The data length from the header, once the header is whole and its CRC matches
  // (kIncomplete with a whole header, kRecord, kBadDataCrc); 0 otherwise.
  std::uint64_t data_length = 0;
  bool header_complete = false;
  std::string_view data;           // kRecord: the payload, inside the bytes given
  std::size_t size = 0;            // kRecord, kBadDataCrc: the bytes the whole record spans
  std::uint32_t stored_crc = 0;    // kBadLengthCrc, kBadDataCrc: the CRC in the file
  std::uint32_t computed_crc = 0;  // and the one computed from the bytes
};

// Reads the record at the start of `bytes`. Never reads outside `bytes`.
TfRecordView ReadTfRecord(std::string_view bytes);

}  // namespace bayestune
