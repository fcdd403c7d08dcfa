// A trainer for the Slurm tests, steered by environment variables so that its argv can be
// anything:
//   TEST_TRAINER_DIR      where it writes argv (the arguments, each followed by a NUL byte),
//                         environ (likewise), cwd, started (a line: pid pgid unix-time) and, on
//                         SIGTERM, sigterm-count; unset: its --job-dir=, else the working folder
//   TEST_TRAINER_LEDGER   a file it appends a line to when it starts and when it ends:
//                         "start|end <CLOUD_ML_TRIAL_ID> <SLURM_JOB_ID> <CUDA_VISIBLE_DEVICES>
//                         <unix-time>", one write(2) each (O_APPEND), for the launcher tests
//   TEST_TRAINER_GO_DIR   run until <dir>/go-all or <dir>/go-<CLOUD_ML_TRIAL_ID> exists
//   CLOUD_ML_HP_METRIC_FILE  when set: it reports accuracy = its --x= value (0.5 without one) at
//                         step 1 when it starts, and at step 2 when it ends normally
//   TEST_TRAINER_SLEEP    seconds to run (default 0)
//   TEST_TRAINER_UNTIL    run until this file exists (checked every 10 ms)
//   TEST_TRAINER_EXIT     exit status (default 0)
//   TEST_TRAINER_SIGNAL   end by raising this signal instead
//   TEST_TRAINER_PLANT    puts something else in the place of <dir>/exit_status.json when it
//                         starts (what bayestune-job writes when the trainer ends): "garbage"
//                         (a file that is no JSON), "fifo" (a FIFO; also hard-linked as
//                         <dir>/planted-fifo, so that a test can open its other end), "devzero" (a
//                         link to /dev/zero) or "huge" (a sparse file of 1 GiB); then writes
//                         <dir>/planted
// On SIGTERM it waits 0.5 s for more SIGTERMs (to count them), writes the count, and ends by
// SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "hypertune_writer.h"

extern char** environ;

namespace {

volatile sig_atomic_t g_sigterms = 0;

void OnSigterm(int) {
  g_sigterms = g_sigterms + 1;
}

std::string Env(const char* name, const char* fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Write(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::ofstream(temporary, std::ios::binary) << text;
  std::rename(temporary.c_str(), path.c_str());
}

void Ledger(const char* what) {
  const std::string path = Env("TEST_TRAINER_LEDGER");
  if (path.empty()) return;
  const auto word = [](const char* name) {
    const std::string value = Env(name);
    return value.empty() ? std::string("-") : value;  // unset or empty: one word all the same
  };
  const std::string line = std::string(what) + " " + word("CLOUD_ML_TRIAL_ID") + " " +
                           word("SLURM_JOB_ID") + " " + word("CUDA_VISIBLE_DEVICES") + " " +
                           std::to_string(Now()) + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!write(fd, line.data(), line.size());
  close(fd);
}

bool Exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const double started = Now();
  struct sigaction action {};
  action.sa_handler = OnSigterm;
  sigaction(SIGTERM, &action, nullptr);
  std::string dir = Env("TEST_TRAINER_DIR");
  double x = 0.5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (dir.empty() && arg.rfind("--job-dir=", 0) == 0) dir = arg.substr(10);
    if (arg.rfind("--x=", 0) == 0) x = std::atof(arg.c_str() + 4);
  }
  if (dir.empty()) dir = ".";
  Ledger("start");
  auto metrics = bayestune::HypertuneWriter::FromEnvironment();
  if (metrics) metrics->Report("accuracy", x, 1);
  std::string args;
  for (int i = 0; i < argc; ++i)
    args += std::string(argv[i]) + '\0';
  Write(dir + "/argv", args);
  std::string environment;
  for (char** e = environ; *e != nullptr; ++e)
    environment += std::string(*e) + '\0';
  Write(dir + "/environ", environment);
  char cwd[4096] = {};
  Write(dir + "/cwd", getcwd(cwd, sizeof cwd) != nullptr ? cwd : "");
  Write(dir + "/started", std::to_string(getpid()) + " " + std::to_string(getpgrp()) + " " +
                              std::to_string(started) + "\n");
  if (const std::string plant = Env("TEST_TRAINER_PLANT"); !plant.empty()) {
    const std::string status = dir + "/exit_status.json";
    // Files are made under another name and renamed into place: the runner looks every 0.1 s, and
    // must find the whole plant, not the empty file that open(O_CREAT) leaves for a moment.
    const std::string staged = status + ".planting";
    if (plant == "garbage") {
      Write(staged, "this is not JSON\n");
      (void)!rename(staged.c_str(), status.c_str());
    } else if (plant == "fifo") {
      mkfifo(status.c_str(), 0644);
      (void)!link(status.c_str(), (dir + "/planted-fifo").c_str());
    } else if (plant == "devzero") {
      (void)!symlink("/dev/zero", status.c_str());
    } else if (plant == "huge") {
      const int fd = open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      (void)!ftruncate(fd, off_t{1} << 30);
      close(fd);
      (void)!rename(staged.c_str(), status.c_str());
    }
    Write(dir + "/planted", plant + "\n");
  }

  const double seconds = std::atof(Env("TEST_TRAINER_SLEEP", "0").c_str());
  const std::string until = Env("TEST_TRAINER_UNTIL");
  const std::string go_dir = Env("TEST_TRAINER_GO_DIR");
  const std::string go_mine = go_dir + "/go-" + Env("CLOUD_ML_TRIAL_ID", "-");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  for (;;) {
    if (g_sigterms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      Write(dir + "/sigterm-count", std::to_string(g_sigterms) + "\n");
      Ledger("end");
      signal(SIGTERM, SIG_DFL);
      raise(SIGTERM);
    }
    struct stat info {};
    const bool waiting_for_file =
        (!until.empty() && stat(until.c_str(), &info) != 0) ||
        (!go_dir.empty() && !Exists(go_dir + "/go-all") && !Exists(go_mine));
    if (!waiting_for_file && std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Write(dir + "/ended", std::to_string(Now()) + "\n");
  if (metrics) metrics->Report("accuracy", x, 2);
  Ledger("end");
  if (const int sig = std::atoi(Env("TEST_TRAINER_SIGNAL", "0").c_str()); sig > 0) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
  return std::atoi(Env("TEST_TRAINER_EXIT", "0").c_str());
}
