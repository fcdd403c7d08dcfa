#include "tfrecord_reader.h"

#include <cstring>

#include "crc32c.h"

namespace bayestune {
namespace {

template <typename T>
T LoadLittleEndian(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));  // little-endian hosts (x86-64, arm64)
  return value;
}

}  // namespace

TfRecordView ReadTfRecord(std::string_view bytes) {
  TfRecordView view;
  if (bytes.size() < kTfRecordHeaderSize) return view;
  view.stored_crc = LoadLittleEndian<std::uint32_t>(bytes.data() + 8);
  view.computed_crc = MaskedCrc32c(bytes.data(), 8);
  if (view.stored_crc != view.computed_crc) {
    view.status = TfRecordView::Status::kBadLengthCrc;
    return view;
  }
  view.header_complete = true;
  view.data_length = LoadLittleEndian<std::uint64_t>(bytes.data());
  const std::size_t available = bytes.size() - kTfRecordHeaderSize;
  if (available < kTfRecordFooterSize || view.data_length > available - kTfRecordFooterSize) {
    return view;  // kIncomplete
  }
  const auto length = static_cast<std::size_t>(view.data_length);
  const std::string_view data = bytes.substr(kTfRecordHeaderSize, length);
  view.size = kTfRecordHeaderSize + length + kTfRecordFooterSize;
  view.stored_crc = LoadLittleEndian<std::uint32_t>(data.data() + length);
  view.computed_crc = MaskedCrc32c(data.data(), data.size());
  if (view.stored_crc != view.computed_crc) {
    view.status = TfRecordView::Status::kBadDataCrc;
    return view;
  }
  view.status = TfRecordView::Status::kRecord;
  view.data = data;
  return view;
}

}  // namespace bayestune
