#include "bayestune/trial_runner/trial_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "script_interpreter.h"

namespace bayestune {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { Reset(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The soft limit on open files the trainers get: this process's before RaiseOpenFileLimit raised
// it (rlim_cur 0: not raised, the trainers inherit this process's).
rlimit trainer_open_files{};

// strerror(error), and for too many open files what the limit is and what to do.
std::string DescribeErrno(int error) {
  std::string text = std::strerror(error);
  rlimit limit{};
  if (error == EMFILE && getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    text += " (this process may have " + std::to_string(limit.rlim_cur) +
            " open files, its hard limit (ulimit -Hn) is " + std::to_string(limit.rlim_max) +
            ": raise it, or run fewer trials at once)";
  } else if (error == ENFILE) {
    text += " (the system's limit on open files, fs.file-max, is reached)";
  }
  return text;
}

// The limit of this process's cgroup on its processes (pids.max, in this cgroup or one above it,
// of the cgroup v1 pids controller or of cgroup v2) when it has refused a fork: "at
// most 2 processes and threads at once (pids.max of the cgroup /sys/fs/cgroup/pids/x)"; empty
// when none is reached or none can be read.
std::string CgroupPidsLimitReached() {
  std::ifstream cgroups("/proc/self/cgroup");
  for (std::string line; std::getline(cgroups, line);) {
    // "8:pids:/docker/abc" (v1) or "0::/user.slice/x.scope" (v2).
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::filesystem::path mount;
    if (controllers == "pids" || controllers.starts_with("pids,") ||
        controllers.ends_with(",pids") || controllers.find(",pids,") != std::string::npos) {
      mount = "/sys/fs/cgroup/pids";
    } else if (controllers.empty() && line.starts_with("0:")) {
      mount = std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers")
                  ? "/sys/fs/cgroup"
                  : "/sys/fs/cgroup/unified";
    } else {
      continue;
    }
    for (std::filesystem::path at =
             mount / std::filesystem::path(line.substr(second + 1)).relative_path();
         ; at = at.parent_path()) {
      // Its pids.events counts the forks the limit refused ("max 3"): the count of processes
      // drops as soon as the keeper whose clone failed ends.
      std::ifstream max_file(at / "pids.max");
      std::ifstream events_file(at / "pids.events");
      long long max = 0;
      long long refused = 0;
      for (std::string key; events_file >> key >> refused && key != "max";)
        refused = 0;
      if ((max_file >> max) && refused > 0) {
        return "at most " + std::to_string(max) + " processes and threads at once (pids.max of " +
               "the cgroup " + at.string() + ")";
      }
      if (at == mount || !at.has_relative_path() || at.parent_path() == at) break;
    }
  }
  return "";
}

// Why fork (or clone) failed, and for EAGAIN, which limit on processes is reached and what to do:
// each running trial is at least two processes (its keeper and the trainer), and the limit of
// ulimit -u counts every process and thread of the user, whatever started them. A cgroup's
// pids.max is looked at first: ulimit -u does not hold for root, and a container's limit is its
// cgroup's (docker run --pids-limit), whatever ulimit -u says.
std::string DescribeForkErrno(int error) {
  if (error != EAGAIN) return DescribeErrno(error);
  std::string text = std::strerror(error);
  rlimit limit{};
  if (const std::string cgroup = CgroupPidsLimitReached(); !cgroup.empty()) {
    text += " (this process may run " + cgroup +
            ", all of them counted, and each running trial takes at least two: its keeper and "
            "the trainer; raise that limit (docker run --pids-limit, systemd's TasksMax), or run "
            "fewer trials at once)";
  } else if (getuid() != 0 && getrlimit(RLIMIT_NPROC, &limit) == 0 &&
             limit.rlim_cur != RLIM_INFINITY) {
    text += " (this user may run at most " + std::to_string(limit.rlim_cur) +
            " processes and threads at once (ulimit -u), all of them counted, and each running "
            "trial takes at least two: its keeper and the trainer; raise the limit (ulimit -u), "
            "or run fewer trials at once)";
  } else {
    text +=
        " (the system's limit on processes is reached: kernel.pid_max, kernel.threads-max, "
        "or the pids.max of this process's cgroup; run fewer trials at once)";
  }
  return text;
}

int OpenOrThrow(const std::filesystem::path& path, int flags, const char* what) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw LaunchError(std::string("cannot open ") + what + " '" + path.string() +
                      "': " + DescribeErrno(errno));
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

// PATH in NAME=VALUE entries (the last one wins).
std::string PathOf(const std::vector<std::string>& environment) {
  std::string path;
  for (const std::string& entry : environment) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  return path;
}

// What the keeper tells the runner on the report pipe, one write of 8 bytes (atomic) each.
struct KeeperReport {
  std::int32_t kind = 0;
  std::int32_t value = 0;
};
enum KeeperReportKind : std::int32_t {
  kTrainerStarted = 1,  // value: the trainer's pid
  kExecFailed = 2,      // value: execve's errno
  kKeeperFailed = 3,    // value: the errno of what failed before the trainer could start
  kTrainerEnded = 4,    // value: the trainer's wait status
};

// From here to the end of the namespace: code that runs in the keeper or the trainer between
// fork and exec, so system calls only (the runner may have other threads, whose locks the fork
// copied).

void Report(int fd, std::int32_t kind, std::int32_t value) {
  const KeeperReport report{kind, value};
  ssize_t n;
  do {
    n = write(fd, &report, sizeof report);
  } while (n < 0 && errno == EINTR);
}

// Closes every descriptor from 3 up, but `a` and `b`.
void CloseAllBut(int a, int b) {
  if (a > b) std::swap(a, b);
  const auto close_span = [](int from, int to) {  // [from, to]
    if (from > to) return;
    if (syscall(SYS_close_range, from, to, 0) == 0) return;
    rlimit limit{};
    const long most = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                          ? static_cast<long>(limit.rlim_cur)
                          : 65536;
    for (long fd = from; fd <= to && fd < most; ++fd)
      close(static_cast<int>(fd));
  };
  close_span(3, a - 1);
  close_span(a + 1, b - 1);
  close_span(b + 1, ~0U >> 1);
}

// The parent of process `name` (its decimal pid) from /proc/<pid>/stat, or -1.
pid_t ParentOf(int proc, const char* name) {
  char path[64];
  const std::size_t length = std::strlen(name);
  if (length > 32) return -1;
  std::memcpy(path, name, length);
  std::memcpy(path + length, "/stat", 6);
  const int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char stat[256];
  const ssize_t got = read(fd, stat, sizeof stat);
  close(fd);
  // "<pid> (<comm>) <state> <ppid> ...": the command may hold anything, but is at most 16 bytes,
  // so the last ')' read ends it.
  const char* end = nullptr;
  for (ssize_t i = 0; i < got; ++i) {
    if (stat[i] == ')') end = stat + i;
  }
  if (end == nullptr || end + 4 >= stat + got) return -1;
  pid_t parent = 0;
  for (const char* c = end + 4; c < stat + got && *c >= '0' && *c <= '9'; ++c)
    parent = parent * 10 + (*c - '0');
  return parent;
}

// Sends SIGKILL to every child of `parent` (read from /proc); how many there were.
int KillChildrenOf(pid_t parent) {
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return 0;
  struct Entry {  // linux_dirent64
    std::uint64_t inode;
    std::int64_t offset;
    unsigned short length;
    unsigned char type;
    char name[1];
  };
  alignas(8) char buffer[8192];
  int found = 0;
  for (;;) {
    const long got = syscall(SYS_getdents64, proc, buffer, sizeof buffer);
    if (got <= 0) break;
    for (long at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const Entry*>(buffer + at);
      at += entry->length;
      pid_t pid = 0;
      bool number = entry->name[0] != '\0';
      for (const char* c = entry->name; *c != '\0' && number; ++c) {
        number = *c >= '0' && *c <= '9';
        pid = pid * 10 + (*c - '0');
      }
      if (number && ParentOf(proc, entry->name) == parent) {
        kill(pid, SIGKILL);
        ++found;
      }
    }
  }
  close(proc);
  return found;
}

// The trainer, in the keeper's child: its own process group, SIGKILL when the keeper dies, every
// signal at its default and unblocked, then exec. An exec error goes back through `exec_errors`.
[[noreturn]] void ExecTrainer(pid_t keeper, int exec_errors, const char* executable,
                              char* const* argv, char* const* envp) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != keeper) _exit(127);  // the keeper died before prctl
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &defaults, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // The keeper holds nothing of the runner's; its own descriptors are close-on-exec.
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(executable, argv, envp);
  const int e = errno;
  (void)!write(exec_errors, &e, sizeof e);
  _exit(127);
}

// The keeper's state once the trainer runs.
class Keeper {
 public:
  Keeper(pid_t trainer, int control, int report, int signals)
      : self_(getpid()), trainer_(trainer), control_(control), report_(report), signals_(signals) {}

  [[noreturn]] void Run() {
    for (;;) {
      pollfd fds[2] = {{control_, POLLIN, 0}, {signals_, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) Finish();
      DrainSignals(true);
      ReapExited();
      if (trainer_reaped_) Finish();
      if (fds[0].revents != 0) ReadCommands();
    }
  }

 private:
  // The signals that came: SIGCHLD (handled by ReapExited), the others forwarded to the trainer.
  void DrainSignals(bool forward) {
    signalfd_siginfo infos[16];
    ssize_t got;
    while ((got = read(signals_, infos, sizeof infos)) > 0) {
      for (ssize_t i = 0; i < got / static_cast<ssize_t>(sizeof infos[0]); ++i) {
        const int signal = static_cast<int>(infos[i].ssi_signo);
        if (forward && signal != SIGCHLD) Signal(signal);
      }
    }
  }

  void Signal(int signal) {
    if (!trainer_reaped_) kill(-trainer_, signal);
  }

  // One byte per signal to send to the trainer's group; the end of the stream: the runner is
  // gone (or let the trial go).
  void ReadCommands() {
    unsigned char commands[64];
    const ssize_t got = read(control_, commands, sizeof commands);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (got <= 0) Finish();
    for (ssize_t i = 0; i < got; ++i)
      Signal(commands[i]);
  }

  // Reaps the children that exited. The trainer's group is killed before the trainer is reaped:
  // until then its pid keeps the group id from being reused.
  void ReapExited() {
    for (;;) {
      siginfo_t info{};
      if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
      int status = 0;
      if (info.si_pid == trainer_ && !trainer_reaped_) kill(-trainer_, SIGKILL);
      while (waitpid(info.si_pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (info.si_pid == trainer_ && !trainer_reaped_) {
        trainer_reaped_ = true;
        trainer_status_ = status;
      }
    }
  }

  // Kills the trainer's group and every process left below the keeper (orphans of the tree come
  // to it, a child subreaper), reaps them all, reports how the trainer ended and exits.
  [[noreturn]] void Finish() {
    Signal(SIGKILL);
    for (;;) {
      KillChildrenOf(self_);
      ReapExited();
      siginfo_t info{};
      if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD) break;
      if (info.si_pid != 0) continue;
      pollfd wake{signals_, POLLIN, 0};  // a child dying, or 20 ms (an orphan arriving)
      poll(&wake, 1, 20);
      DrainSignals(false);
    }
    if (trainer_reaped_) Report(report_, kTrainerEnded, trainer_status_);
    _exit(0);
  }

  pid_t self_;
  pid_t trainer_;
  int control_;
  int report_;
  int signals_;
  bool trainer_reaped_ = false;
  int trainer_status_ = 0;
};

struct KeeperSetup {
  int in, out, err;  // the trainer's stdin, stdout and stderr
  int control;       // the keeper's end of the control socket
  int report;        // the write end of the report pipe
  const char* executable;
  char* const* argv;
  char* const* envp;
};

// The keeper, just forked from the runner with every signal blocked.
[[noreturn]] void RunKeeper(const KeeperSetup& setup) {
  setpgid(0, 0);  // out of the runner's group: a terminal's Ctrl-C does not reach it
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_NAME, "bayestune-trial");
  struct sigaction action {};
  for (int sig = 1; sig < NSIG; ++sig) {
    action.sa_handler = sig == SIGPIPE ? SIG_IGN : SIG_DFL;
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &action, nullptr);
  }
  if (dup2(setup.in, STDIN_FILENO) < 0 || dup2(setup.out, STDOUT_FILENO) < 0 ||
      dup2(setup.err, STDERR_FILENO) < 0) {
    Report(setup.report, kKeeperFailed, errno);
    _exit(127);
  }
  // Nothing of the runner's stays open here: its database, sockets, and above all the runner's
  // ends of other keepers' control sockets, which must close when the runner dies.
  CloseAllBut(setup.control, setup.report);
  // The trainer gets the limit on open files the user set, not the runner's raised one (after
  // CloseAllBut, which closes up to the raised limit).
  if (trainer_open_files.rlim_cur > 0) setrlimit(RLIMIT_NOFILE, &trainer_open_files);
  sigset_t watched;
  sigemptyset(&watched);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
    sigaddset(&watched, sig);
  const int signals = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
  int exec_errors[2];
  if (signals < 0 || pipe2(exec_errors, O_CLOEXEC) != 0) {
    Report(setup.report, kKeeperFailed, errno);
    _exit(127);
  }
  const pid_t keeper = getpid();
  // A raw clone rather than fork(): no pthread_atfork handler of the runner's libraries runs here.
  const pid_t trainer = static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
  if (trainer == 0) {
    ExecTrainer(keeper, exec_errors[1], setup.executable, setup.argv, setup.envp);
  }
  if (trainer < 0) {
    Report(setup.report, kKeeperFailed, errno);
    _exit(127);
  }
  setpgid(trainer, trainer);  // also here, so that the group exists before the runner hears of it
  close(exec_errors[1]);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_errors[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  close(exec_errors[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    while (waitpid(trainer, nullptr, 0) < 0 && errno == EINTR) {
    }
    Report(setup.report, kExecFailed, exec_errno);
    _exit(127);
  }
  Report(setup.report, kTrainerStarted, trainer);
  Keeper(trainer, setup.control, setup.report, signals).Run();
}

}  // namespace

void RaiseOpenFileLimit() {
  // At most 2^20 (the kernel's default fs.nr_open; an unlimited hard limit cannot be the soft one).
  constexpr rlim_t kMost = rlim_t{1} << 20;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = std::min(limit.rlim_max, kMost);
  if (limit.rlim_cur >= wanted) return;
  const rlimit before = limit;
  limit.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) trainer_open_files = before;
}

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
  int report_fds[2];
  if (pipe2(report_fds, O_CLOEXEC) != 0) {
    throw LaunchError(std::string("cannot make a pipe: ") + DescribeErrno(errno));
  }
  FileDescriptor report_read(report_fds[0]);
  FileDescriptor report_write(report_fds[1]);
  // A socket rather than a pipe: writing to a keeper that is gone is EPIPE (MSG_NOSIGNAL), not a
  // SIGPIPE that would kill the runner.
  int control_fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control_fds) != 0) {
    throw LaunchError(std::string("cannot make a socket pair: ") + DescribeErrno(errno));
  }
  FileDescriptor control_runner(control_fds[0]);
  FileDescriptor control_keeper(control_fds[1]);
  std::vector<char*> argv = CStrings(launch.argv);
  std::vector<char*> envp = CStrings(launch.environment);
  const KeeperSetup setup{in.get(),           out.get(),
                          err.get(),          control_keeper.get(),
                          report_write.get(), launch.executable.c_str(),
                          argv.data(),        envp.data()};

  // Signals stay blocked across fork: no handler of the runner runs in the keeper, which watches
  // them through a signalfd, and the trainer unblocks them after resetting them.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = fork();
  if (pid == 0) RunKeeper(setup);
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    throw LaunchError(std::string("cannot start a process: fork failed: ") +
                      DescribeForkErrno(fork_errno));
  }
  report_write.Reset();
  control_keeper.Reset();
  TrialProcess process;
  process.keeper_pid_ = pid;
  // Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 on kernels before 5.3
  // (ENOSYS): the runner then looks for exits every 10 ms instead.
  process.pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));

  KeeperReport first;
  ssize_t n;
  do {
    n = read(report_read.get(), &first, sizeof first);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof first) || first.kind != kTrainerStarted) {
    const ProcessExit keeper = process.WaitExit();
    if (n == static_cast<ssize_t>(sizeof first) && first.kind == kExecFailed) {
      throw LaunchError(
          DescribeExecFailure(launch.executable, first.value, PathOf(launch.environment)));
    }
    if (n == static_cast<ssize_t>(sizeof first) && first.kind == kKeeperFailed) {
      throw LaunchError(std::string("cannot start a process: ") + DescribeForkErrno(first.value));
    }
    throw LaunchError("cannot start the trainer: the process that watches it " + keeper.Describe() +
                      " before starting it");
  }
  process.trainer_pid_ = first.value;
  process.control_fd_ = control_runner.Release();
  process.report_fd_ = report_read.Release();
  return process;
}

TrialProcess::TrialProcess(TrialProcess&& other) noexcept {
  *this = std::move(other);
}

TrialProcess& TrialProcess::operator=(TrialProcess&& other) noexcept {
  if (this != &other) {
    Close();
    keeper_pid_ = std::exchange(other.keeper_pid_, -1);
    trainer_pid_ = std::exchange(other.trainer_pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    control_fd_ = std::exchange(other.control_fd_, -1);
    report_fd_ = std::exchange(other.report_fd_, -1);
    exit_ = other.exit_;
    keeper_lost_ = other.keeper_lost_;
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
  for (int* fd : {&pidfd_, &control_fd_, &report_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  keeper_pid_ = -1;
  trainer_pid_ = -1;
}

void TrialProcess::SignalGroup(int signal) noexcept {
  if (!running() || control_fd_ < 0 || signal <= 0 || signal > 255) return;
  const auto byte = static_cast<unsigned char>(signal);
  ssize_t n;
  do {
    n = send(control_fd_, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
}

bool TrialProcess::KillWithoutKeeper() noexcept {
  if (!running()) return false;
  // The keeper reaps the trainer only after killing its group, and a keeper that does not act
  // reaps nothing: the trainer's pid, and so its group id, is not reused before this.
  if (trainer_pid_ > 0) kill(-trainer_pid_, SIGKILL);
  kill(keeper_pid_, SIGKILL);
  return true;
}

std::optional<ProcessExit> TrialProcess::Reap(bool block) {
  if (exit_ || keeper_pid_ <= 0) return exit_;
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(keeper_pid_, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return std::nullopt;
  if (reaped < 0) {  // ECHILD: reaped elsewhere
    exit_ = ProcessExit{false, 0, true};
    return exit_;
  }
  // The keeper is gone, and with it the trainer's tree; how the trainer ended is in its report.
  std::optional<int> trainer_status;
  KeeperReport report;
  while (report_fd_ >= 0 &&
         read(report_fd_, &report, sizeof report) == static_cast<ssize_t>(sizeof report)) {
    if (report.kind == kTrainerEnded) trainer_status = report.value;
  }
  if (!trainer_status && trainer_pid_ > 0) {
    // The keeper itself was killed (the OOM killer, a kill -9 of it): the trainer died with it
    // (PR_SET_PDEATHSIG); what is left of its group still holds the group id, so kill it.
    kill(-trainer_pid_, SIGKILL);
  }
  keeper_lost_ = !trainer_status;
  const int decoded = trainer_status.value_or(status);
  ProcessExit result;
  if (WIFSIGNALED(decoded)) {
    result.signaled = true;
    result.code = WTERMSIG(decoded);
  } else {
    result.code = WEXITSTATUS(decoded);
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
