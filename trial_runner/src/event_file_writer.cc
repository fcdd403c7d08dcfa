#include "event_file_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "crc32c.h"

namespace bayestune {
namespace {

void PutVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

template <typename T>
void PutFixed(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(bytes, sizeof(T));
}

void PutTag(std::string& out, int field, int wire_type) {
  PutVarint(out, static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
}

void PutBytes(std::string& out, int field, std::string_view bytes) {
  PutTag(out, field, 2);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

constexpr int kVarint = 0, kFixed64 = 1, kFixed32 = 5;

double Now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string EventHeader(double wall_time, std::int64_t step) {
  std::string event;
  PutTag(event, 1, kFixed64);
  PutFixed(event, wall_time);
  if (step != 0) {
    PutTag(event, 2, kVarint);
    PutVarint(event, static_cast<std::uint64_t>(step));
  }
  return event;
}

}  // namespace

std::string FrameTfRecord(std::string_view data) {
  std::string record;
  record.reserve(data.size() + 16);
  PutFixed<std::uint64_t>(record, data.size());
  PutFixed<std::uint32_t>(record, MaskedCrc32c(record.data(), 8));
  record.append(data);
  PutFixed<std::uint32_t>(record, MaskedCrc32c(data.data(), data.size()));
  return record;
}

std::string EncodeFileVersionEvent(double wall_time) {
  std::string event = EventHeader(wall_time, 0);
  PutBytes(event, 3, "brain.Event:2");
  return event;
}

std::string EncodeScalarEvent(std::string_view tag, std::int64_t step, float value,
                              double wall_time) {
  std::string summary_value;
  PutBytes(summary_value, 1, tag);
  PutTag(summary_value, 2, kFixed32);
  PutFixed(summary_value, value);
  std::string summary;
  PutBytes(summary, 1, summary_value);
  std::string event = EventHeader(wall_time, step);
  PutBytes(event, 5, summary);
  return event;
}

EventFileWriter::EventFileWriter(const std::string& dir, const std::string& suffix) {
  static std::atomic<int> counter{0};
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw std::runtime_error("cannot create the folder " + dir +
                             " for event files: " + error.message());
  }
  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  const double now = Now();
  path_ = (std::filesystem::path(dir) /
           ("events.out.tfevents." + std::to_string(static_cast<long long>(now)) + "." + host +
            "." + std::to_string(getpid()) + "." + std::to_string(counter++) + suffix))
              .string();
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) {
    throw std::runtime_error("cannot create the event file " + path_ + ": " + std::strerror(errno));
  }
  Append(FrameTfRecord(EncodeFileVersionEvent(now)));
  Flush();
}

EventFileWriter::~EventFileWriter() {
  if (file_) std::fclose(file_);
}

void EventFileWriter::Append(std::string_view record) {
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
    throw std::runtime_error("cannot write the event file " + path_ + ": " + std::strerror(errno));
  }
}

void EventFileWriter::AddScalar(std::string_view tag, std::int64_t step, float value,
                                double wall_time) {
  Append(FrameTfRecord(EncodeScalarEvent(tag, step, value, wall_time < 0 ? Now() : wall_time)));
}

void EventFileWriter::Flush() {
  if (std::fflush(file_) != 0) {
    throw std::runtime_error("cannot write the event file " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace bayestune
