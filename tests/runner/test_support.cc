#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace bayestune::test {

std::string FakeTrainer() {
  return BAYESTUNE_FAKE_TRAINER;
}

nlohmann::json ReadRecord(const std::filesystem::path& job_dir) {
  const std::string text = ReadFile(job_dir / "record.json");
  if (text.empty()) return nullptr;
  return nlohmann::json::parse(text);
}

SpawnedProgram::SpawnedProgram(const std::vector<std::string>& argv,
                               const std::filesystem::path& stdout_path,
                               const std::filesystem::path& stderr_path,
                               const std::optional<std::vector<std::string>>& environment) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  if (environment) {
    for (const std::string& entry : *environment)
      envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
  }
  const int error = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(),
                                environment ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(error));
}

SpawnedProgram::~SpawnedProgram() {
  if (pid_ > 0 && !exit_) {
    kill(pid_, SIGKILL);
    Reap(true);
  }
}

std::optional<ProcessExit> SpawnedProgram::Reap(bool block) {
  if (exit_) return exit_;
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped != pid_) return std::nullopt;
  ProcessExit result;
  result.signaled = WIFSIGNALED(status);
  result.code = result.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  exit_ = result;
  return exit_;
}

std::optional<ProcessExit> SpawnedProgram::PollExit() {
  return Reap(false);
}

ProcessExit SpawnedProgram::WaitExit() {
  return *Reap(true);
}

const TrialFinishedEvent* RecordingEvents::Finished(std::int64_t trial_id) const {
  for (const auto& e : trials_finished) {
    if (e.trial.id == trial_id) return &e;
  }
  return nullptr;
}

std::string RecordingEvents::AllWarnings() const {
  std::string text;
  for (const auto& [id, message] : warnings)
    text += message + "\n";
  return text;
}

}  // namespace bayestune::test
