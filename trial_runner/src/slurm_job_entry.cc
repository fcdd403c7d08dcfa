#include "slurm_job_entry.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "runner_identity.h"
#include "slurm_job_exit_status.h"
#include "slurm_job_launch.h"

namespace bayestune {
namespace {

constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The job's environment with the launch file's entries set on top (a later one of a name wins).
std::vector<std::string> TrainerEnvironment(const std::vector<std::string>& additions) {
  std::vector<std::string> environment = CurrentEnvironment();
  for (const std::string& entry : additions) {
    const std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(environment,
                  [&](const std::string& e) { return e.compare(0, prefix.size(), prefix) == 0; });
    environment.push_back(entry);
  }
  return environment;
}

// Ends this process as the trainer ended: its exit code, or its signal.
int EndAs(const ProcessExit& exit) {
  if (!exit.signaled) return exit.code;
  signal(exit.code, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, exit.code);
  sigprocmask(SIG_UNBLOCK, &only, nullptr);
  raise(exit.code);
  return 128 + exit.code;  // a signal whose default is not to end the process
}

}  // namespace

int RunSlurmJob(const std::filesystem::path& launch_file) {
  // Blocked before anything else, read through a signalfd: a SIGTERM that comes while the
  // trainer starts is passed on as soon as it runs, never lost.
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int sig : kForwardedSignals)
    sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, nullptr);
  const int signals = signalfd(-1, &forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals < 0) {
    std::cerr << "bayestune-job: signalfd failed: " << std::strerror(errno) << "\n";
    return 2;
  }

  SlurmJobLaunch launch;
  try {
    launch = ReadSlurmJobLaunch(launch_file);
  } catch (const std::exception& e) {
    std::cerr << "bayestune-job: " << e.what() << "\n";
    return 2;
  }

  SlurmJobExitStatus status;
  if (const char* id = std::getenv("SLURM_JOB_ID")) status.job_id = id;
  status.host = HostName();
  status.started_at = Now();

  TrialProcess trainer;
  try {
    ProcessLaunch process;
    process.argv = launch.argv;
    process.environment = TrainerEnvironment(launch.environment);
    process.stdout_path = launch.stdout_path;
    process.stderr_path = launch.stderr_path;
    if (!launch.working_dir.empty() && chdir(launch.working_dir.c_str()) != 0) {
      throw LaunchError("cannot enter the working folder '" + launch.working_dir.string() +
                        "' on " + status.host + ": " + std::strerror(errno));
    }
    process.executable = !launch.executable.empty()
                             ? launch.executable
                             : ResolveExecutable(launch.argv[0], SearchPath(process.environment));
    trainer = TrialProcess::Launch(process);
  } catch (const std::exception& e) {  // LaunchError, or InvalidArgument from the PATH lookup
    status.launch_error = e.what();
    status.ended_at = Now();
    std::cerr << "bayestune-job: could not start the trainer: " << e.what() << "\n";
    try {
      WriteSlurmJobExitStatus(launch.status_path, status);
    } catch (const std::exception& write_error) {
      std::cerr << "bayestune-job: " << write_error.what() << "\n";
    }
    return 127;
  }
  status.trainer_pid = trainer.pid();

  while (!trainer.PollExit()) {
    pollfd watched[2] = {{signals, POLLIN, 0}, {trainer.exit_fd(), POLLIN, 0}};
    const int count = trainer.exit_fd() >= 0 ? 2 : 1;
    // Without a pidfd (kernels before 5.3) the exit is looked for every 10 ms.
    if (poll(watched, count, trainer.exit_fd() >= 0 ? -1 : 10) < 0 && errno != EINTR) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    signalfd_siginfo info{};
    while (read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      const int sig = static_cast<int>(info.ssi_signo);
      status.signals_received.push_back(sig);
      trainer.SignalGroup(sig);
    }
  }
  status.exit = trainer.exit();
  status.ended_at = Now();
  try {
    WriteSlurmJobExitStatus(launch.status_path, status);
  } catch (const std::exception& e) {
    std::cerr << "bayestune-job: " << e.what() << "\n";
  }
  close(signals);
  return EndAs(*status.exit);
}

}  // namespace bayestune
