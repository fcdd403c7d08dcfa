#include "hypertune_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "bayestune/optimizer/trial.h"
#include "hypertune_writer.h"
#include "regular_file.h"
#include "time_format.h"

namespace bayestune {
namespace {

// Reads a whole file from its start, at most `limit` + 1 bytes (one more than a file may have, so
// that a file still growing past the limit is noticed); false on an error.
bool ReadWholeFile(int fd, std::uint64_t limit, std::string& content) {
  content.clear();
  char buffer[16384];
  for (off_t offset = 0; static_cast<std::uint64_t>(offset) <= limit;) {
    const auto want = static_cast<std::size_t>(
        std::min<std::uint64_t>(sizeof(buffer), limit + 1 - static_cast<std::uint64_t>(offset)));
    const ssize_t got = ::pread(fd, buffer, want, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) return true;
    content.append(buffer, static_cast<std::size_t>(got));
    offset += got;
  }
  return true;
}

bool SameVersion(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// A number, or a string that holds one as Python's str() writes it ("0.91", "nan", "-inf").
std::optional<double> NumberOf(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return number;
}

// A step as the measurements keep it: a whole number from 0 to the largest int64, given as a JSON
// integer, a whole JSON number, or a string holding one ("12", "12.0"); nullopt otherwise (NaN,
// infinite, fractional, negative, beyond int64), which a cast would turn into garbage.
std::optional<std::int64_t> StepOf(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto step = value.get<std::uint64_t>();
    if (step > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(step);
  }
  if (value.is_number_integer()) {
    const auto step = value.get<std::int64_t>();
    return step >= 0 ? std::optional<std::int64_t>(step) : std::nullopt;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::int64_t step = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (error == std::errc() && end == text.data() + text.size()) {
      return step >= 0 ? std::optional<std::int64_t>(step) : std::nullopt;
    }
  }
  const auto number = NumberOf(value);
  // 2^63 is the first double beyond int64; every double below it is a valid int64 when whole.
  constexpr double kBeyondInt64 = 9223372036854775808.0;
  if (!number || !std::isfinite(*number) || *number < 0 || *number >= kBeyondInt64 ||
      *number != std::floor(*number)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*number);
}

// A JSON value as a warning shows it: a number, string, true, false or null as written (cut after
// kShownValueBytes bytes), an array or object by its kind only. Writing a nested value would
// recurse once per level: a value nested a million deep would overflow the stack.
std::string ShownValue(const nlohmann::json& value) {
  constexpr std::size_t kShownValueBytes = 64;
  if (value.is_array()) return "(an array)";
  if (value.is_object()) return "(an object)";
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kShownValueBytes) {
    text.resize(kShownValueBytes);
    text += "...";
  }
  return text;
}

bool IsReservedKey(const std::string& key) {
  return key == "global_step" || key == "timestamp" || key == "trial" || key == "checkpoint_path";
}

constexpr int kReadAttempts = 5;

}  // namespace

HypertuneReader::HypertuneReader(std::string path) : path_(std::move(path)) {}

HypertuneReader::ReadResult HypertuneReader::ReadStable(std::string& content) const {
  std::string again;
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    // Without blocking: opening a FIFO put in the file's place would otherwise wait for a
    // writer. A FIFO, a device (a link to /dev/zero) or a folder is no file a writer rewrites:
    // reading one could wait forever or never end.
    const OpenedRegularFile file = OpenRegularFile(path_);
    if (file.status == RegularFileOpen::kAbsent) return {ReadStatus::kAbsent, ""};
    if (file.status == RegularFileOpen::kNotRegular) {
      return {ReadStatus::kRefused,
              "is not a regular file (a FIFO, a device, a folder, or a link to one); "
              "cloudml-hypertune writes a plain file there: not read"};
    }
    const int fd = file.fd.get();
    const struct stat& before = file.info;
    struct stat after {};
    const bool ok = ReadWholeFile(fd, kMaxFileSize, content) &&
                    ReadWholeFile(fd, kMaxFileSize, again) && ::fstat(fd, &after) == 0;
    if (ok && (content.size() > kMaxFileSize || again.size() > kMaxFileSize)) {
      content.clear();
      return {ReadStatus::kRefused,
              "is larger than " + std::to_string(kMaxFileSize >> 20) +
                  " MiB: cloudml-hypertune keeps only its last " +
                  std::to_string(HypertuneWriter::kMaxEntries) +
                  " reports there, so this is no hypertune file: not read until it is smaller"};
    }
    // Two equal reads between two equal stats: no rewrite ran through the read.
    if (ok && content == again && SameVersion(before, after) &&
        content.size() == static_cast<std::size_t>(after.st_size)) {
      return {ReadStatus::kRead, ""};
    }
  }
  return {ReadStatus::kRaced, ""};
}

void HypertuneReader::ReadLine(std::string_view line, std::size_t line_number, std::uint64_t offset,
                               MetricPoll& out) {
  auto warn = [&](const std::string& message) {
    out.warnings.push_back({path_, offset, "line " + std::to_string(line_number) + ": " + message});
  };
  const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    warn("not a JSON object as cloudml-hypertune writes them; skipped it");
    return;
  }
  std::int64_t step = 0;
  double wall_time = 0;
  if (const auto it = json.find("global_step"); it != json.end()) {
    const auto parsed = StepOf(*it);
    if (!parsed) {
      constexpr const char* kStep = "a step (a whole number from 0 to 9223372036854775807)";
      warn("global_step " + ShownValue(*it) + " is not " + kStep + "; skipped the line");
      // Its metrics, for the reason of a trial without its value: it said "no hypertune report"
      // of a file of reports at a step such as 3.7 (fieldtest16).
      for (const auto& [key, value] : json.items()) {
        if (IsReservedKey(key)) continue;
        out.unread.push_back({path_, key, ShownValue(value),
                              "; write global_step as a whole number, such as the epoch or the "
                              "batch count",
                              "at global_step " + ShownValue(*it) + ", which is not " + kStep +
                                  ", so that those reports were skipped"});
      }
      return;
    }
    step = *parsed;
  } else if (!step_key_warned_) {
    // A step under another name (a Vizier, Optuna or PyTorch habit) is a metric to hypertune,
    // and the report is at step 0: every report of the trial was at step 0 without a word, the
    // live view said 'at step 0' and early stopping compared the trials at step 0.
    for (const char* other : {"step", "epoch", "iteration", "globalStep", "global-step"}) {
      if (json.contains(other)) {
        step_key_warned_ = true;
        warn("no global_step, so the report is at step 0, and '" + std::string(other) +
             "' is a metric of its own: cloudml-hypertune's key for the step is global_step, "
             "as in {\"accuracy\": 0.91, \"global_step\": 3} (said once for this file)");
        break;
      }
    }
  }
  if (const auto it = json.find("timestamp"); it != json.end()) {
    const auto number = NumberOf(*it);
    if (!number) {
      warn("timestamp is not a number; skipped the line");
      return;
    }
    wall_time = *number;
    // A time no clock gave (negative, far ahead: milliseconds for seconds) is not kept: 0, which
    // the study stores as the time it takes the measurement. Said once for the file, as the
    // event-file reader says it: a trainer writing milliseconds does so at every report.
    if (const std::string problem = WallTimeProblem(wall_time, NowSeconds()); !problem.empty()) {
      if (!std::exchange(wall_time_warned_, true)) {
        warn("timestamp " + ShownValue(*it) + " " + problem +
             " (seconds since the Unix epoch, as time.time() gives them); its values, and those "
             "of later reports of this file with such a time, are taken as measured when read "
             "(said once for this file)");
      }
      wall_time = 0;
    }
  }
  bool has_metric = false;
  for (const auto& [key, value] : json.items()) {
    if (IsReservedKey(key)) continue;
    has_metric = true;
    const auto number = NumberOf(value);
    if (!number) {
      // Said with the value, and for a decimal comma what to do: a trainer that formats its
      // numbers in a locale such as de_DE ("0,91") was told only "not a number".
      std::string note;
      if (value.is_string()) {
        std::string text = value.get<std::string>();
        if (std::count(text.begin(), text.end(), ',') == 1) {
          std::replace(text.begin(), text.end(), ',', '.');
          if (NumberOf(nlohmann::json(text))) {
            note =
                "; it is written with a decimal comma (the trainer's locale?): write numbers "
                "with a point, as str(value) and cloudml-hypertune do in any locale";
          }
        }
      }
      warn("the value of '" + key + "', " + ShownValue(value) + ", is not a number" + note +
           "; skipped it");
      out.unread.push_back({path_, key, ShownValue(value), note});
      continue;
    }
    out.records.push_back({".", key, step, wall_time, *number});
  }
  if (!has_metric) warn("a report without a metric; skipped it");
}

void HypertuneReader::Poll(MetricPoll& out) {
  std::string content;
  const ReadResult read = ReadStable(content);
  if (read.status == ReadStatus::kRefused) {
    if (read.why != refused_why_) out.warnings.push_back({path_, 0, "the file " + read.why});
    refused_why_ = read.why;  // said once, until the file changes
    return;
  }
  if (read.status != ReadStatus::kRead) return;
  refused_why_.clear();
  if (content == last_content_) return;
  const std::string previous = std::exchange(last_content_, content);

  struct Line {
    std::string_view text;
    std::size_t number;
    std::uint64_t offset;
  };
  std::vector<Line> lines;
  std::size_t start = 0, number = 0;
  for (std::size_t newline; (newline = content.find('\n', start)) != std::string::npos;
       start = newline + 1) {
    ++number;
    std::string_view text(content.data() + start, newline - start);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!text.empty()) lines.push_back({text, number, start});
  }
  // What follows the last newline is a line still being written: a later poll reads it whole.
  if (lines.empty()) return;

  // More lines than cloudml-hypertune's window holds: no window, but a writer that appends every
  // report (a trainer's own open(path, 'a')). While the file only grows, its new reports are the
  // lines after the last whole line read before. Aligned as a window, the first lines were out of
  // the last 100 reads once the file passed 100 lines: all of it was read again, every report
  // recorded twice, with a warning that reports were lost.
  if (lines.size() > HypertuneWriter::kMaxEntries && !previous.empty() &&
      content.starts_with(previous)) {
    // npos + 1 is 0: without a newline, nothing of it was read.
    const std::size_t read_end = previous.rfind('\n') + 1;
    for (const Line& line : lines) {
      if (line.offset < read_end) continue;
      ReadLine(line.text, line.number, line.offset, out);
      seen_.emplace_back(line.text);
      if (seen_.size() > HypertuneWriter::kMaxEntries) seen_.pop_front();
    }
    return;
  }

  // The file is the writer's last reports. Find where its lines start among those already read:
  // the first place from which the reports read so far agree with the file's first lines.
  std::size_t first_new = 0;
  bool aligned = false;
  for (std::size_t p = 0; p < seen_.size() && !aligned; ++p) {
    const std::size_t overlap = std::min(lines.size(), seen_.size() - p);
    aligned = true;
    for (std::size_t i = 0; i < overlap && aligned; ++i)
      aligned = seen_[p + i] == lines[i].text;
    if (aligned) first_new = seen_.size() - p;
  }
  if (!aligned && !seen_.empty() && lines.size() < HypertuneWriter::kMaxEntries) {
    // The writer's window is not full, so it holds every report since the writer started, and
    // none follows the reports read before: a new writer started the file over.
    out.warnings.push_back(
        {path_, 0,
         "the file was written anew: none of its " + std::to_string(lines.size()) +
             " report(s) follows the " + std::to_string(seen_.size()) +
             " read before (a trainer started over?); reading it afresh from the start (what "
             "was read before is kept as it was recorded)"});
    seen_.clear();
    first_new = 0;
    ++generation_;
  } else if (!aligned && !seen_.empty() && lines.size() >= HypertuneWriter::kMaxEntries &&
             !overflow_warned_) {
    overflow_warned_ = true;
    out.warnings.push_back(
        {path_, 0,
         "none of the reports read before are in the file any more: " +
             std::to_string(HypertuneWriter::kMaxEntries) +
             " or more reports came since the last poll, and those beyond the last " +
             std::to_string(HypertuneWriter::kMaxEntries) +
             " may have been lost (or the trainer restarted with a full window); said once per "
             "file: a trainer that reports this often should write event files"});
  }
  for (std::size_t i = first_new; i < lines.size(); ++i) {
    ReadLine(lines[i].text, lines[i].number, lines[i].offset, out);
    seen_.emplace_back(lines[i].text);
    if (seen_.size() > HypertuneWriter::kMaxEntries) seen_.pop_front();
  }
}

MetricPoll HypertuneReader::Poll() {
  MetricPoll out;
  Poll(out);
  return out;
}

}  // namespace bayestune
