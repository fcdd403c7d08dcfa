#include "bayestune/trial_runner/trial_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bayestune {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { Reset(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

int OpenOrThrow(const std::filesystem::path& path, int flags, const char* what) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw LaunchError(std::string("cannot open ") + what + " '" + path.string() +
                      "': " + std::strerror(errno));
  }
  return fd;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings)
    pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(pid_t parent, int in, int out, int err, int error_pipe,
                            const char* executable, char* const* argv, char* const* envp) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) {
    const int e = errno;
    (void)!write(error_pipe, &e, sizeof e);
    _exit(127);
  }
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &defaults, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // No descriptor of the runner (a database, sockets, other trials' pidfds) reaches the trainer.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(executable, argv, envp);
  const int e = errno;
  (void)!write(error_pipe, &e, sizeof e);
  _exit(127);
}

}  // namespace

std::string ProcessExit::Describe() const {
  if (lost) return "ended with an unknown status (was SIGCHLD set to SIG_IGN?)";
  if (!signaled) return "exited with status " + std::to_string(code);
  const char* abbrev = sigabbrev_np(code);
  return "was killed by signal " + std::to_string(code) +
         (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
}

TrialProcess TrialProcess::Launch(const ProcessLaunch& launch) {
  FileDescriptor in(OpenOrThrow("/dev/null", O_RDONLY, "stdin"));
  FileDescriptor out(OpenOrThrow(launch.stdout_path, O_WRONLY | O_CREAT | O_APPEND, "the log"));
  FileDescriptor err(OpenOrThrow(launch.stderr_path, O_WRONLY | O_CREAT | O_APPEND, "the log"));
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw LaunchError(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  FileDescriptor error_read(pipe_fds[0]);
  FileDescriptor error_write(pipe_fds[1]);
  std::vector<char*> argv = CStrings(launch.argv);
  std::vector<char*> envp = CStrings(launch.environment);
  const pid_t parent = getpid();

  // Signals stay blocked across fork so that no handler of the runner runs in the child before
  // it resets them.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(parent, in.get(), out.get(), err.get(), error_write.get(), launch.executable.c_str(),
              argv.data(), envp.data());
  }
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    throw LaunchError(std::string("cannot start a process: fork failed: ") +
                      std::strerror(fork_errno));
  }
  setpgid(pid, pid);  // also here, so that the group exists before Launch returns
  error_write.Reset();

  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(error_read.get(), &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  TrialProcess process;
  process.pid_ = pid;
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    process.WaitExit();
    throw LaunchError("cannot run '" + launch.executable + "': " + std::strerror(exec_errno));
  }
  // Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 on kernels before 5.3
  // (ENOSYS): the runner then looks for exits every 10 ms instead.
  process.pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  return process;
}

TrialProcess::TrialProcess(TrialProcess&& other) noexcept
    : pid_(other.pid_), pidfd_(other.pidfd_), exit_(other.exit_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
}

TrialProcess& TrialProcess::operator=(TrialProcess&& other) noexcept {
  if (this != &other) {
    Close();
    pid_ = other.pid_;
    pidfd_ = other.pidfd_;
    exit_ = other.exit_;
    other.pid_ = -1;
    other.pidfd_ = -1;
  }
  return *this;
}

TrialProcess::~TrialProcess() {
  Close();
}

void TrialProcess::Close() noexcept {
  if (running()) {
    SignalGroup(SIGKILL);
    try {
      Reap(true);
    } catch (...) {
    }
  }
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

void TrialProcess::SignalGroup(int signal) noexcept {
  // While the leader is not reaped its pid stays reserved, so the group id cannot be reused.
  if (running()) kill(-pid_, signal);
}

std::optional<ProcessExit> TrialProcess::Reap(bool block) {
  if (exit_ || pid_ <= 0) return exit_;
  siginfo_t info{};
  int rc;
  do {
    rc = waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {  // ECHILD: reaped elsewhere
    exit_ = ProcessExit{false, 0, true};
    return exit_;
  }
  if (info.si_pid != pid_) return std::nullopt;
  // The leader is a zombie: its group id is still reserved. Whatever it left running in its group
  // (data loader workers, a child it forgot) would hold the GPU the next trial gets: kill it.
  kill(-pid_, SIGKILL);
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid_, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  ProcessExit result;
  if (reaped != pid_) {
    result.lost = true;
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.code = WTERMSIG(status);
  } else {
    result.code = WEXITSTATUS(status);
  }
  exit_ = result;
  return exit_;
}

std::optional<ProcessExit> TrialProcess::PollExit() {
  return Reap(false);
}

ProcessExit TrialProcess::WaitExit() {
  return *Reap(true);
}

}  // namespace bayestune
