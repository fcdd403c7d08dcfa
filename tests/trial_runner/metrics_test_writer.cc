// A trainer stand-in for the metric-reader tests: appends to event files, or reports through
// HypertuneWriter, while the test reads.
//   metrics_test_writer events-lockstep DIR COUNT   waits for a byte on stdin before each write,
//                                                  answers 'p' (a partial record written), 'r' (a
//                                                  record completed in DIR) or 'v' (one completed
//                                                  in DIR/validation); 'e' at the end
//   metrics_test_writer events-free DIR COUNT       writes without waiting
//   metrics_test_writer hypertune FILE COUNT        reports accuracy = 0.5 + step / 1000 at steps
//                                                  0..COUNT-1, never more than 50 reports ahead of
//                                                  the count the test last sent (int32 on stdin)
// Step i has value i * 0.25 in DIR (simple_value, tag "loss") and i * 0.5 in DIR/validation (TF2
// tensor_content, tag "epoch_accuracy"); validation/ appears at COUNT / 2.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "event_file_writer.h"
#include "hypertune_writer.h"
#include "metrics_test_support.h"

namespace {

using namespace bayestune;

int OpenEventFile(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto path = dir / "events.out.tfevents.1700000000.testhost.1.0";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(2);
  }
  return fd;
}

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t done = ::write(fd, bytes.data(), bytes.size());
    if (done <= 0) {
      std::perror("write");
      std::exit(2);
    }
    bytes.remove_prefix(static_cast<std::size_t>(done));
  }
}

void WaitForGo(bool lockstep) {
  if (!lockstep) return;
  char byte;
  if (::read(0, &byte, 1) != 1) std::exit(3);
}

void Answer(bool lockstep, char byte) {
  if (lockstep && ::write(1, &byte, 1) != 1) std::exit(3);
}

// Writes one record in up to three pieces, cut at places that vary with `step`.
void WriteRecordInPieces(int fd, const std::string& record, std::int64_t step, bool lockstep,
                         char done) {
  const std::size_t size = record.size();
  std::size_t cuts[] = {static_cast<std::size_t>(step * 7) % size,
                        static_cast<std::size_t>(step * 13 + 5) % size, size};
  if (cuts[0] > cuts[1]) std::swap(cuts[0], cuts[1]);
  std::size_t from = 0;
  for (const std::size_t to : cuts) {
    if (to <= from) continue;
    WaitForGo(lockstep);
    WriteAll(fd, std::string_view(record).substr(from, to - from));
    Answer(lockstep, to == size ? done : 'p');
    if (!lockstep) ::usleep(100);
    from = to;
  }
}

int WriteEvents(const std::filesystem::path& dir, int count, bool lockstep) {
  const int root = OpenEventFile(dir);
  WriteAll(root, FrameTfRecord(EncodeFileVersionEvent(1700000000)));
  int validation = -1;
  for (int step = 0; step < count; ++step) {
    WriteRecordInPieces(root,
                        FrameTfRecord(EncodeScalarEvent(
                            "loss", step, static_cast<float>(step) * 0.25f, 1700000000.0 + step)),
                        step, lockstep, 'r');
    if (step == count / 2) validation = OpenEventFile(dir / "validation");
    if (validation >= 0) {
      WriteRecordInPieces(validation,
                          FrameTfRecord(testing::Tf2ScalarEvent(
                              "epoch_accuracy", step, static_cast<float>(step) * 0.5f,
                              1700000000.0 + step, step == count / 2)),
                          step, lockstep, 'v');
    }
  }
  ::close(root);
  if (validation >= 0) ::close(validation);
  WaitForGo(lockstep);
  Answer(lockstep, 'e');
  return 0;
}

// Reads the int32 counts the test sends; returns the latest (or `latest` when none came).
std::int32_t ReadSeenCount(std::int32_t latest, bool block) {
  pollfd input{0, POLLIN, 0};
  while (::poll(&input, 1, block ? -1 : 0) > 0) {
    std::int32_t counts[1024];
    const ssize_t got = ::read(0, counts, sizeof(counts));
    if (got <= 0) return block ? -1 : latest;  // the test went away
    latest = counts[got / 4 - 1];
    block = false;
  }
  return latest;
}

int WriteHypertune(const std::string& file, int count) {
  HypertuneWriter writer(file, "7");
  std::int32_t seen = 0;
  for (int step = 0; step < count; ++step) {
    seen = ReadSeenCount(seen, false);
    while (step >= seen + 50) {
      seen = ReadSeenCount(seen, true);
      if (seen < 0) return 4;
    }
    writer.Report("accuracy", 0.5 + step / 1000.0, step, 1700000000.0 + step);
    ::usleep(200);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s events-lockstep|events-free|hypertune PATH COUNT\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int count = std::atoi(argv[3]);
  if (mode == "events-lockstep") return WriteEvents(argv[2], count, true);
  if (mode == "events-free") return WriteEvents(argv[2], count, false);
  if (mode == "hypertune") return WriteHypertune(argv[2], count);
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
