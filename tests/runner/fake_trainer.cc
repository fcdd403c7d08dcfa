// A trainer for the runner's tests, steered by its flags (fixed ones from runner.command, or
// hyperparameters). Unknown flags are ignored.
//   --job-dir=D        where it writes event files and record.json (required)
//   --mode=M           ok | crash | segv | hang | hang-hard (ignores SIGTERM) | nan | no-tag
//                      | no-file | hypertune | both (events and hypertune) | spam | leave-child
//                      | negative-step (first writes the tag at step -1 with value 0.99, as a
//                        uint64 step 2^64 - 1 reads, then steps 1..N as usual)
//   --force-mode=M     as --mode, and wins over it (a fixed flag over a hyperparameter)
//   --tag=T            the objective's tag (default accuracy); --extra-tag=T writes a second one
//   --steps=N          steps written (default 3); --sleep-ms=M before each step (default 0)
//   --value=V          the value written at every step (default 0.5); --x=V also sets it
//   --ramp=R           adds R * step to the value
//   --wall-time=W      the wall time of every event written (nan, inf, -5, 1e12: a broken clock);
//                      default: now
//   --ignore-sigterm   (hang) keeps running after SIGTERM
//   --leave-escapee    starts a grandchild in a session of its own that ignores SIGTERM, SIGHUP
//                      and SIGINT and lives until killed; its pid goes to escapee.pid
//   --barrier-dir=D --barrier-count=N: waits (up to 60 s) until N trainers have started
//   --spam-bytes=N     (spam) writes N bytes to stdout and to stderr
//   --hold-mb=N        first fills N MiB of memory, then writes 'held' in its job dir (a process
//                      that takes a while to die: the kernel frees its memory before it is gone)
//   --exclusive-dir=D  holds an exclusive lock on D/trial-<CLOUD_ML_TRIAL_ID>.lock while it runs;
//                      when another process of the same trial holds it, appends a line to
//                      D/doubles.log and exits 5 (two processes of one trial at once)
//   --mode=rewrite     writes steps 1..N with --value, waits (up to 60 s) for the file go in its
//                      job dir, then empties its event file and writes it anew in place: steps
//                      1..2N with --rewrite-value (a trainer started over)
// record.json in the job dir: its argv, environment of interest, pid, and CLOCK_MONOTONIC
// start/end times (comparable across processes).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "event_file_writer.h"
#include "hypertune_writer.h"

namespace {

double Monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string Flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

void WriteRecord(const std::string& job_dir, int argc, char** argv, double start) {
  nlohmann::json record;
  record["argv"] = std::vector<std::string>(argv, argv + argc);
  record["pid"] = getpid();
  record["pgid"] = getpgrp();
  record["start"] = start;
  record["end"] = Monotonic();
  for (const char* name : {"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "TF_CONFIG",
                           "CLOUD_ML_HP_METRIC_FILE", "CLOUD_ML_TRIAL_ID", "FAKE_EXTRA",
                           "OMP_NUM_THREADS", "BAYESTUNE_STUDY", "BAYESTUNE_RUNNER"}) {
    const char* value = std::getenv(name);
    record["env"][name] = value ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  std::ofstream(std::filesystem::path(job_dir) / "record.json") << record.dump() << "\n";
}

void WaitAtBarrier(const std::string& dir, int count) {
  std::filesystem::create_directories(dir);
  std::ofstream(std::filesystem::path(dir) / std::to_string(getpid())) << "here\n";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int present = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir))
      ++present;
    if (present >= count) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::cerr << "fake trainer: barrier " << dir << " never reached " << count << "\n";
  std::exit(4);
}

// Takes the trial's lock for the life of this process (the kernel drops it when the process dies,
// however it dies), or records that the trial already has a live process.
void HoldTrialLock(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const char* trial = std::getenv("CLOUD_ML_TRIAL_ID");
  const std::string name = std::string("trial-") + (trial ? trial : "unknown");
  const int fd = open((std::filesystem::path(dir) / (name + ".lock")).c_str(),
                      O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0) return;  // held until exit
  std::ofstream(std::filesystem::path(dir) / "doubles.log", std::ios::app)
      << name << " ran twice at once (pid " << getpid() << ")\n";
  std::exit(5);
}

}  // namespace

// Forks a grandchild that writes its pid into `pid_name` in the job dir and waits forever;
// `escape`: in a session of its own, ignoring SIGTERM, SIGHUP and SIGINT. The trainer goes on once
// the pid is written (the trial's tree is killed as soon as the trainer exits).
void LeaveGrandchild(const std::string& job_dir, const std::string& pid_name, bool escape) {
  const auto pid_file = std::filesystem::path(job_dir) / pid_name;
  if (fork() == 0) {
    if (escape) {
      setsid();
      for (int sig : {SIGTERM, SIGHUP, SIGINT})
        signal(sig, SIG_IGN);
    }
    const auto partial = pid_file.string() + ".tmp";
    std::ofstream(partial) << getpid() << "\n";
    std::filesystem::rename(partial, pid_file);
    for (;;)
      pause();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(pid_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

int main(int argc, char** argv) {
  const double start = Monotonic();
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    const auto eq = arg.find('=');
    flags[arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "1" : arg.substr(eq + 1);
  }
  const std::string job_dir = Flag(flags, "job-dir", "");
  if (job_dir.empty()) {
    std::cerr << "fake trainer: --job-dir is required\n";
    return 2;
  }
  const std::string mode = Flag(flags, "force-mode", Flag(flags, "mode", "ok"));
  if (mode == "no-file") return 0;
  std::filesystem::create_directories(job_dir);
  WriteRecord(job_dir, argc, argv, start);
  if (flags.count("barrier-dir")) {
    WaitAtBarrier(flags["barrier-dir"], std::stoi(Flag(flags, "barrier-count", "1")));
  }
  if (flags.count("exclusive-dir")) HoldTrialLock(flags["exclusive-dir"]);
  if (flags.count("hold-mb")) {
    static std::vector<char> held;  // lives until the process ends
    held.assign(std::stoul(flags["hold-mb"]) << 20, 1);
    std::ofstream(std::filesystem::path(job_dir) / "held") << held.size() << "\n";
  }
  if (flags.count("ignore-sigterm") || mode == "hang-hard") signal(SIGTERM, SIG_IGN);

  const std::string tag = Flag(flags, "tag", "accuracy");
  const std::string extra_tag = Flag(flags, "extra-tag", "");
  const int steps = std::stoi(Flag(flags, "steps", "3"));
  const int sleep_ms = std::stoi(Flag(flags, "sleep-ms", "0"));
  const double value = std::stod(Flag(flags, "x", Flag(flags, "value", "0.5")));
  const double ramp = std::stod(Flag(flags, "ramp", "0"));
  const bool fixed_wall_time = flags.count("wall-time") > 0;
  const double wall_time = fixed_wall_time ? std::stod(flags["wall-time"]) : -1.0;

  // A grandchild that leaves the trainer's process group and session and ignores the polite
  // signals: only a kill of the trial's whole tree ends it.
  if (flags.count("leave-escapee")) LeaveGrandchild(job_dir, "escapee.pid", true);
  // A grandchild that outlives the trainer, in the trainer's process group.
  if (mode == "leave-child") LeaveGrandchild(job_dir, "child.pid", false);
  if (mode == "spam") {
    const std::size_t bytes = std::stoul(Flag(flags, "spam-bytes", "1000000"));
    std::string text;
    while (text.size() < bytes)
      text += std::string(99, 'x') + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stdout);
  }
  if (mode == "rewrite") {
    std::string path;
    {
      bayestune::EventFileWriter first(job_dir);
      for (int step = 1; step <= steps; ++step)
        first.AddScalar(tag, step, static_cast<float>(value));
      first.Flush();
      path = first.path();
    }
    const auto go = std::filesystem::path(job_dir) / "go";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(go) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto rewrite_value = static_cast<float>(std::stod(Flag(flags, "rewrite-value", "0.25")));
    std::string bytes = bayestune::FrameTfRecord(bayestune::EncodeFileVersionEvent(Monotonic()));
    for (int step = 1; step <= 2 * steps; ++step) {
      bytes += bayestune::FrameTfRecord(
          bayestune::EncodeScalarEvent(tag, step, rewrite_value, 1700000000.0 + step));
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;  // the same file, in place
    WriteRecord(job_dir, argc, argv, start);
    return 0;
  }
  std::optional<bayestune::HypertuneWriter> hypertune;
  std::optional<bayestune::EventFileWriter> events;
  if (mode == "hypertune" || mode == "both")
    hypertune = bayestune::HypertuneWriter::FromEnvironment();
  if (mode != "hypertune") events.emplace(job_dir);
  if (mode == "negative-step") {
    events->AddScalar(tag, -1, 0.99f);
    events->Flush();
  }
  for (int step = 1; step <= steps; ++step) {
    if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    double v = value + ramp * step;
    if (mode == "nan" && step == steps) v = std::nan("");
    if (hypertune) hypertune->Report(tag, v, step);
    if (!events) continue;
    // -1: now.
    if (mode != "no-tag") events->AddScalar(tag, step, static_cast<float>(v), wall_time);
    if (!extra_tag.empty() || mode == "no-tag") {
      events->AddScalar(extra_tag.empty() ? "loss" : extra_tag, step, static_cast<float>(1 - v));
    }
    events->Flush();
    if (mode == "crash") {
      std::cerr << "fake trainer: simulated crash at step " << step << "\n";
      return 3;
    }
    if (mode == "segv") {
      std::cerr << "fake trainer: about to segfault\n";
      std::cerr.flush();
      raise(SIGSEGV);
    }
    if (mode == "hang" || mode == "hang-hard") {
      std::cerr << "fake trainer: hanging\n";
      for (;;)
        pause();
    }
  }
  WriteRecord(job_dir, argc, argv, start);
  return 0;
}
