#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace bayestune {

// The encoding of TensorBoard event files (docs/tfevents.md), as building blocks.
// TFRecord framing of one record: length, masked CRC of the length, data, masked CRC of the data.
std::string FrameTfRecord(std::string_view data);
// A serialized Event with file_version "brain.Event:2": the first record of every file.
std::string EncodeFileVersionEvent(double wall_time);
// A serialized Event holding one scalar summary value as `simple_value` (what TF1, PyTorch and
// tensorboardX write, and what every TensorBoard reads).
std::string EncodeScalarEvent(std::string_view tag, std::int64_t step, float value,
                              double wall_time);

// Appends scalars to a new TensorBoard event file in a folder, as a training program does.
class EventFileWriter {
 public:
  // Creates `dir` when missing and the file events.out.tfevents.<time>.<host>.<pid>.<n><suffix>
  // in it, then writes the file_version record. Throws std::runtime_error naming the path when it
  // cannot.
  explicit EventFileWriter(const std::string& dir, const std::string& suffix = "");
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // wall_time < 0: now.
  void AddScalar(std::string_view tag, std::int64_t step, float value, double wall_time = -1);
  // Makes everything appended so far visible to readers. Throws std::runtime_error on a write error
  // (a full disk).
  void Flush();
  const std::string& path() const { return path_; }

 private:
  void Append(std::string_view record);
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace bayestune
