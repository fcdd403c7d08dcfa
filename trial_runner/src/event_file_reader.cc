#include "event_file_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bayestune/optimizer/parameter_value.h"
#include "bayestune/optimizer/trial.h"
#include "regular_file.h"
#include "time_format.h"

namespace bayestune {
namespace {

// Turns the stream's scalars and warnings into MetricRecords and MetricWarnings of one file.
class PollSink : public EventStreamSink {
 public:
  PollSink(const std::string& path, const SharedString& run, SharedStringTable& tags,
           MetricPoll& out, const EventRecordStream& stream, bool& warned_wall_time)
      : path_(path),
        run_(run),
        tags_(tags),
        out_(out),
        stream_(stream),
        warned_wall_time_(warned_wall_time),
        now_(NowSeconds()) {}
  void OnScalar(const EventScalar& scalar) override {
    double wall_time = scalar.wall_time;
    // A time no clock gave (NaN, infinite, negative, far ahead: a broken writer or clock) is not
    // kept: 0, which the study stores as the time it takes the measurement, with one warning per
    // file (stored as given, it made durations, the report and the exports absurd).
    if (!(wall_time >= 0 && wall_time <= now_ + kWallTimeAheadSeconds)) {
      if (!warned_wall_time_) {
        out_.warnings.push_back(
            {path_, stream_.record_offset(),
             "the wall_time " + FormatDouble(wall_time) + " of the event at step " +
                 std::to_string(scalar.step) + " " + WallTimeProblem(wall_time, now_) +
                 "; its values, and those of later events of this file with such a time, are "
                 "taken as measured when read (said once for this file)"});
        warned_wall_time_ = true;
      }
      wall_time = 0;
    }
    out_.records.push_back({run_, tags_.Get(scalar.tag), scalar.step, wall_time, scalar.value});
  }
  void OnWarning(std::uint64_t offset, std::string message) override {
    out_.warnings.push_back({path_, offset, std::move(message)});
  }

 private:
  const std::string& path_;
  const SharedString& run_;
  SharedStringTable& tags_;
  MetricPoll& out_;
  const EventRecordStream& stream_;
  bool& warned_wall_time_;
  double now_;
};

constexpr std::uint64_t kReserveFromBytes = 16u << 20;

// Asks the kernel to back the records still to be written into `records`' spare capacity with
// huge pages (2 MB) where it can: one page fault per 2 MB of records instead of one per 4 KB.
// Filling tens of MB of fresh records is otherwise mostly page faults, which are slow under a
// hypervisor. A hint only: where transparent huge pages are off, nothing changes.
void AdviseHugePages(std::vector<MetricRecord>& records) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHugePage = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(records.data() + records.size());
  const auto end = reinterpret_cast<std::uintptr_t>(records.data() + records.capacity());
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = end & ~(kHugePage - 1);
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)records;
#endif
}

}  // namespace

EventFileReader::EventFileReader(std::string path, std::string run, std::size_t max_record_size)
    : path_(std::move(path)),
      run_(std::move(run)),
      max_record_size_(max_record_size),
      stream_(max_record_size) {}

void EventFileReader::Remember(std::uint64_t offset, std::string_view bytes) {
  if (offset < kHeadSize && head_.size() == offset) {
    head_.append(bytes.substr(0, static_cast<std::size_t>(kHeadSize - offset)));
  }
  if (bytes.size() >= kTailSize || tail_end_ != offset) {
    tail_.assign(bytes.substr(bytes.size() - std::min(bytes.size(), kTailSize)));
  } else {
    tail_.append(bytes);
    if (tail_.size() > kTailSize) tail_.erase(0, tail_.size() - kTailSize);
  }
  tail_end_ = offset + bytes.size();
}

std::string EventFileReader::WrittenAnew(int fd, std::uint64_t size,
                                         std::pair<std::uint64_t, std::uint64_t> identity) const {
  const std::uint64_t read_so_far = stream_.fed_offset();
  if (identity_ && *identity_ != identity) return "was replaced by another file of the same name";
  if (size < read_so_far) {
    return "shrank from " + std::to_string(read_so_far) + " to " + std::to_string(size) + " bytes";
  }
  // Emptied and written again past the size read: the bytes read before are not there any more.
  // The first record holds the writer's start time, so a new writer's file differs from the
  // start; the last bytes read are checked too.
  const auto differs = [&](const std::string& bytes, std::uint64_t offset) {
    if (bytes.empty()) return false;
    std::string now(bytes.size(), '\0');
    const ssize_t got = ::pread(fd, now.data(), now.size(), static_cast<off_t>(offset));
    return got == static_cast<ssize_t>(now.size()) && now != bytes;
  };
  if (differs(head_, 0) || differs(tail_, tail_end_ - tail_.size())) {
    return "was written anew in place (its bytes read before changed)";
  }
  return "";
}

void EventFileReader::Poll(MetricPoll& out) {
  PollSink sink(path_, run_, tags_, out, stream_, warned_wall_time_);
  // Without blocking: opening a FIFO put in the file's place would otherwise wait for a writer.
  const OpenedRegularFile file = OpenRegularFile(path_);
  if (file.status == RegularFileOpen::kAbsent) {
    // A file removed since it was found has nothing more to read; others are said once.
    if (file.error != ENOENT && !reported_unreadable_) {
      sink.OnWarning(stream_.fed_offset(),
                     std::string("cannot read: ") + std::strerror(file.error));
      reported_unreadable_ = true;
    }
    return;
  }
  if (file.status == RegularFileOpen::kNotRegular) {
    // Found as a regular file, since replaced by a FIFO or a device: one could wait forever for
    // data, the other never end.
    if (!reported_unreadable_) {
      sink.OnWarning(stream_.fed_offset(),
                     "is not a regular file any more (a FIFO, a device, a folder, or a link to "
                     "one): not read");
      reported_unreadable_ = true;
    }
    return;
  }
  const struct stat& status = file.info;
  const std::pair<std::uint64_t, std::uint64_t> identity{static_cast<std::uint64_t>(status.st_dev),
                                                         static_cast<std::uint64_t>(status.st_ino)};
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (const std::string why = WrittenAnew(file.fd.get(), size, identity); !why.empty()) {
    // A trainer that started over (a wrapper rerunning it, a restart from scratch) writes its
    // curve from the start: appending what follows to the old curve would splice two runs.
    sink.OnWarning(0, "the file " + why + " after " + std::to_string(stream_.fed_offset()) +
                          " bytes had been read: a trainer started it over; reading it afresh "
                          "from the start (what was read before is kept as it was recorded)");
    stream_ = EventRecordStream(max_record_size_);
    head_.clear();
    tail_.clear();
    tail_end_ = 0;
    reported_unreadable_ = false;
    ++generation_;
  }
  identity_ = identity;
  if (stopped()) return;
  // A large read (a reader catching up with a big file) makes room for its records at once
  // rather than by repeated doubling: one record per 64 bytes at most, virtual memory that is
  // only touched as records come.
  if (const std::uint64_t to_read = size - stream_.fed_offset(); to_read >= kReserveFromBytes) {
    out.records.reserve(out.records.size() + static_cast<std::size_t>(to_read / 64));
    AdviseHugePages(out.records);
  }
  // Read up to the size seen now; what is appended meanwhile waits for the next poll.
  while (!stream_.stopped() && stream_.fed_offset() < size) {
    if (stream_.skip_remaining() > 0) {
      const std::uint64_t before = stream_.fed_offset();
      stream_.SkipUnread(size - before);
      if (stream_.fed_offset() == before) break;
      continue;
    }
    // Reads fill the pending bytes of a cut record up to one chunk, so that the buffer stays at
    // kReadChunkSize rather than doubling (unless a record is too long for it).
    const std::size_t pending = stream_.pending_bytes();
    const std::size_t chunk =
        pending <= kReadChunkSize / 2 ? kReadChunkSize - pending : kReadChunkSize;
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size - stream_.fed_offset(), chunk));
    const auto span = stream_.PrepareWrite(want);
    const ssize_t got =
        ::pread(file.fd.get(), span.data(), want, static_cast<off_t>(stream_.fed_offset()));
    if (got < 0) {
      if (errno == EINTR) continue;
      if (!reported_unreadable_) {
        sink.OnWarning(stream_.fed_offset(), std::string("cannot read: ") + std::strerror(errno));
        reported_unreadable_ = true;
      }
      return;
    }
    if (got == 0) return;  // cut short since the fstat
    Remember(stream_.fed_offset(), std::string_view(span.data(), static_cast<std::size_t>(got)));
    stream_.Commit(static_cast<std::size_t>(got), sink);
  }
}

}  // namespace bayestune
