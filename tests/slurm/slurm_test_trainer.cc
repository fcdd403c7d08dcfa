// A trainer for the Slurm tests, steered by environment variables so that its argv can be
// anything:
//   TEST_TRAINER_DIR      where it writes argv (the arguments, each followed by a NUL byte),
//                         environ (likewise), cwd, started (a line: pid pgid unix-time) and, on
//                         SIGTERM, sigterm-count
//   TEST_TRAINER_SLEEP    seconds to run (default 0)
//   TEST_TRAINER_UNTIL    run until this file exists (checked every 10 ms)
//   TEST_TRAINER_EXIT     exit status (default 0)
//   TEST_TRAINER_SIGNAL   end by raising this signal instead
// On SIGTERM it waits 0.5 s for more SIGTERMs (to count them), writes the count, and ends by
// SIGTERM.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

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

}  // namespace

int main(int argc, char** argv) {
  const double started = Now();
  struct sigaction action {};
  action.sa_handler = OnSigterm;
  sigaction(SIGTERM, &action, nullptr);
  const std::string dir = Env("TEST_TRAINER_DIR", ".");
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

  const double seconds = std::atof(Env("TEST_TRAINER_SLEEP", "0").c_str());
  const std::string until = Env("TEST_TRAINER_UNTIL");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  for (;;) {
    if (g_sigterms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      Write(dir + "/sigterm-count", std::to_string(g_sigterms) + "\n");
      signal(SIGTERM, SIG_DFL);
      raise(SIGTERM);
    }
    struct stat info {};
    const bool waiting_for_file = !until.empty() && stat(until.c_str(), &info) != 0;
    if (!waiting_for_file && std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Write(dir + "/ended", std::to_string(Now()) + "\n");
  if (const int sig = std::atoi(Env("TEST_TRAINER_SIGNAL", "0").c_str()); sig > 0) {
    signal(sig, SIG_DFL);
    raise(sig);
  }
  return std::atoi(Env("TEST_TRAINER_EXIT", "0").c_str());
}
