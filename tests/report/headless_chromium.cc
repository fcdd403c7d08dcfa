#include "headless_chromium.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bayestune::testing {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& capture_prefix,
                         int timeout_seconds) {
  const std::string out_path = capture_prefix + ".out";
  const std::string err_path = capture_prefix + ".err";
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) _exit(126);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);
  ProgramResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!result.timed_out) kill(-pid, SIGKILL);  // helper processes left behind, if any
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  return result;
}

std::optional<std::string> FindChromium() {
  const char* path = std::getenv("PATH");
  std::string folders = path != nullptr ? path : "/usr/bin:/bin";
  std::stringstream stream(folders);
  std::string folder;
  while (std::getline(stream, folder, ':')) {
    const std::string candidate = (folder.empty() ? "." : folder) + "/chromium";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

ChromiumPage LoadInChromium(const std::string& chromium, const std::string& html_file,
                            const std::string& work_folder,
                            const std::optional<std::string>& screenshot, int width, int height) {
  std::string profile = work_folder + "/chromium-profile-XXXXXX";
  if (mkdtemp(profile.data()) == nullptr) {
    throw std::runtime_error("cannot create a Chromium profile folder in " + work_folder);
  }
  std::vector<std::string> argv = {
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-extensions",
      "--host-resolver-rules=MAP * ~NOTFOUND",
      "--user-data-dir=" + profile,
      "--enable-logging=stderr",
      "--v=0",
      "--window-size=" + std::to_string(width) + "," + std::to_string(height),
      "--dump-dom"};
  if (screenshot) argv.push_back("--screenshot=" + *screenshot);
  argv.push_back("file://" + std::filesystem::absolute(html_file).string());
  ChromiumPage page;
  page.run = RunProgram(argv, profile + "/run");
  page.dom = page.run.out;
  std::stringstream lines(page.run.err);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(":CONSOLE") != std::string::npos) page.console_messages.push_back(line);
  }
  std::error_code ignored;
  std::filesystem::remove_all(profile, ignored);
  return page;
}

}  // namespace bayestune::testing
