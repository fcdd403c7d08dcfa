// Read throughput of the event-file reader on one core: a 100 MB file of 1,000,000 scalars,
// read by EventFileReader at once (file to MetricRecords, as `bayestune metrics` does), polled
// while it grows by 4 MB at a time (as the trial runner does), and by EventRecordStream from
// memory (framing, CRCs and decoding alone).
// Usage: metric_readers_bench [FOLDER] [RECORDS]   (FOLDER for the temporary file, default /tmp)
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "crc32c.h"
#include "event_file_reader.h"
#include "event_file_writer.h"
#include "event_record_stream.h"

namespace {

using namespace bayestune;
using Clock = std::chrono::steady_clock;

// Tags of 60 characters make records of 100 bytes, as in the 100 MB of 1,000,000.
std::string TagFor(int index) {
  std::string tag =
      "validation/a_rather_long_metric_name_for_the_benchmark_" + std::to_string(index);
  tag.resize(60, '_');
  return tag;
}

class CountingSink : public EventStreamSink {
 public:
  void OnScalar(const EventScalar& scalar) override {
    ++scalars;
    sum += scalar.value;
  }
  void OnWarning(std::uint64_t, std::string) override { ++warnings; }
  std::size_t scalars = 0, warnings = 0;
  double sum = 0;
};

// Wall-clock and CPU seconds of this thread: on a shared machine the CPU time says what one
// core of its own would take. And its page faults, which are much of the CPU time of filling
// fresh memory on a virtual machine.
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = CpuSeconds();
  long faults = PageFaults();
  static double CpuSeconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
  }
  static long PageFaults() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt + usage.ru_majflt;
  }
  std::pair<double, double> Elapsed() const {
    return {std::chrono::duration<double>(Clock::now() - wall).count(), CpuSeconds() - cpu};
  }
  long Faults() const { return PageFaults() - faults; }
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void Report(const char* what, double bytes, std::size_t records,
            const std::vector<std::pair<double, double>>& runs, const std::vector<double>& faults) {
  std::vector<double> wall, cpu;
  for (const auto& [w, c] : runs) {
    wall.push_back(w);
    cpu.push_back(c);
  }
  const double median_wall = Median(wall), median_cpu = Median(cpu);
  std::printf(
      "%s (median of %zu runs)\n  wall %7.1f MB/s %6.2f M records/s\n"
      "  CPU  %7.1f MB/s %6.2f M records/s, %.0f page faults\n",
      what, runs.size(), bytes / median_wall / 1e6, records / median_wall / 1e6,
      bytes / median_cpu / 1e6, records / median_cpu / 1e6, Median(faults));
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path folder = argc > 1 ? argv[1] : "/tmp";
  const int count = argc > 2 ? std::atoi(argv[2]) : 1000000;
  // One core: the reader is single-threaded; pinning keeps the figure from moving between cores.
  cpu_set_t one_core;
  CPU_ZERO(&one_core);
  CPU_SET(sched_getcpu(), &one_core);
  sched_setaffinity(0, sizeof(one_core), &one_core);

  std::string bytes = FrameTfRecord(EncodeFileVersionEvent(1700000000.0));
  bytes.reserve(static_cast<std::size_t>(count) * 101);
  for (int i = 0; i < count; ++i) {
    bytes += FrameTfRecord(EncodeScalarEvent(
        TagFor(i % 8), 100000 + i, static_cast<float>(i % 1000) * 0.001f, 1700000000.0 + i * 0.01));
  }
  const auto path =
      folder / ("bayestune-bench-" + std::to_string(getpid()) + ".out.tfevents.bench");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::printf("file: %s, %.1f MB, %d scalars (%.1f bytes each), CRC-32C on %s, one core\n",
              path.c_str(), bytes.size() / 1e6, count, static_cast<double>(bytes.size()) / count,
              Crc32cUsesHardware() ? "the SSE 4.2 instruction" : "tables");

  constexpr int kRuns = 5;
  std::vector<std::pair<double, double>> file_runs, live_runs, stream_runs;
  std::vector<double> file_faults, live_faults, stream_faults;
  for (int run = 0; run < kRuns; ++run) {
    // File to MetricRecords, as a poll does (the file is in the page cache after the first run).
    EventFileReader reader(path.string(), ".");
    MetricPoll poll;
    Timer timer;
    reader.Poll(poll);
    file_runs.push_back(timer.Elapsed());
    file_faults.push_back(static_cast<double>(timer.Faults()));
    if (poll.records.size() != static_cast<std::size_t>(count) || !poll.warnings.empty()) {
      std::fprintf(stderr, "read %zu records and %zu warnings, expected %d and none\n",
                   poll.records.size(), poll.warnings.size(), count);
      return 1;
    }

    // The same file growing 4 MB between polls, as a trainer writes it: the reader's steady
    // state, whose records are consumed after each poll (only the polls are timed).
    const auto growing = path.string() + ".growing";
    std::filesystem::remove(growing);
    EventFileReader live_reader(growing, ".");
    std::pair<double, double> live_time{0, 0};
    long faults = 0;
    std::size_t live_records = 0;
    MetricPoll live_poll;
    for (std::size_t at = 0; at < bytes.size(); at += EventFileReader::kReadChunkSize) {
      std::ofstream out(growing, std::ios::binary | std::ios::app);
      const auto piece = std::string_view(bytes).substr(at, EventFileReader::kReadChunkSize);
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      out.close();
      live_poll.records.clear();
      Timer poll_timer;
      live_reader.Poll(live_poll);
      const auto [wall, cpu] = poll_timer.Elapsed();
      live_time.first += wall;
      live_time.second += cpu;
      faults += poll_timer.Faults();
      live_records += live_poll.records.size();
    }
    std::filesystem::remove(growing);
    live_runs.push_back(live_time);
    live_faults.push_back(static_cast<double>(faults));
    if (live_records != static_cast<std::size_t>(count)) return 1;

    // Memory to scalars: framing, CRCs and decoding, without files or MetricRecord strings, fed in
    // the chunks a file reader reads.
    EventRecordStream stream;
    CountingSink sink;
    timer = Timer();
    for (std::size_t at = 0; at < bytes.size(); at += EventFileReader::kReadChunkSize) {
      stream.Feed(std::string_view(bytes).substr(at, EventFileReader::kReadChunkSize), sink);
    }
    stream_runs.push_back(timer.Elapsed());
    stream_faults.push_back(static_cast<double>(timer.Faults()));
    if (sink.scalars != static_cast<std::size_t>(count)) return 1;
  }
  std::filesystem::remove(path);
  Report("EventFileReader::Poll, whole file at once (file to MetricRecords)",
         static_cast<double>(bytes.size()), count, file_runs, file_faults);
  Report("EventFileReader::Poll every 4 MB of growth (live)", static_cast<double>(bytes.size()),
         count, live_runs, live_faults);
  Report("EventRecordStream::Feed (memory to scalars)", static_cast<double>(bytes.size()), count,
         stream_runs, stream_faults);
  return 0;
}
