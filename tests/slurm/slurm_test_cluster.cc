#include "slurm_test_cluster.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bayestune/trial_runner/trial_command.h"
#include "leftover_processes.h"
#include "log_tail.h"
#include "runner_identity.h"

namespace bayestune::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFolderPrefix = "bayestune-slurm-test-";
constexpr const char* kDaemonPath = "/usr/local/sbin:/usr/sbin:/sbin";

std::string PathVariable() {
  const char* path = std::getenv("PATH");
  return std::string(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin") + ":" + kDaemonPath;
}

std::optional<std::string> Find(const std::string& program) {
  try {
    return ResolveExecutable(program, PathVariable());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Program(const std::string& name) {
  if (auto path = Find(name)) return *path;
  throw std::runtime_error(name + " is not installed");
}

void WriteText(const fs::path& path, const std::string& text, mode_t mode = 0644) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  chmod(path.c_str(), mode);
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void MakeDir(const fs::path& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot make " + path.string() + ": " + std::strerror(errno));
  }
  chmod(path.c_str(), mode);
}

// A TCP port nothing listens on now (the kernel's pick for port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string ShortHostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string host = name;
  return host.substr(0, host.find('.'));
}

// Kills every process whose environment holds `entry`, again until none is left (a process may
// fork while the previous pass reads /proc).
void KillAllWith(const std::string& entry) {
  for (int pass = 0; pass < 100; ++pass) {
    if (KillProcesses(FindProcessesWithEnvironmentEntry(entry)).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool IsZombie(pid_t pid) {
  const std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || stat.substr(close + 2, 1) == "Z";
}

// Clusters whose test process is gone (killed outright, so that Stop never ran): their
// leftover slurmstepd and jobs are killed and their folders removed.
void SweepAbandonedClusters() {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/tmp", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kFolderPrefix, 0) != 0) continue;
    const auto owner = RunnerIdentity::FromClientId(ReadText(entry.path() / "owner"));
    if (owner && owner->Check() != RunnerIdentity::Liveness::kGone) continue;
    if (!owner) {
      // No owner file yet: a cluster being made right now, or one killed before writing it.
      struct stat info {};
      if (stat(entry.path().c_str(), &info) != 0 || time(nullptr) - info.st_mtime < 600) continue;
    }
    KillAllWith("SLURM_CONF=" + (entry.path() / "slurm.conf").string());
    fs::remove_all(entry.path(), error);
  }
}

}  // namespace

std::optional<std::string> SlurmTestCluster::WhyUnavailable() {
  if (geteuid() != 0) {
    return "not root: the test cluster's daemons (munged, slurmctld, slurmd) and its fake GPUs "
           "(mknod) need root";
  }
  std::string missing;
  for (const auto& [program, package] :
       {std::pair{"munged", "munge"}, std::pair{"munge", "munge"},
        std::pair{"slurmctld", "slurmctld"}, std::pair{"slurmd", "slurmd"},
        std::pair{"slurmstepd", "slurmd"}, std::pair{"sbatch", "slurm-client"},
        std::pair{"squeue", "slurm-client"}, std::pair{"scancel", "slurm-client"},
        std::pair{"scontrol", "slurm-client"}, std::pair{"sinfo", "slurm-client"}}) {
    if (!Find(program)) {
      missing +=
          std::string(missing.empty() ? "" : ", ") + program + " (Debian package " + package + ")";
    }
  }
  if (!missing.empty()) {
    return "not installed: " + missing + "; scripts/install-deps --test installs them";
  }
  return std::nullopt;
}

SlurmTestCluster::SlurmTestCluster(SlurmTestClusterOptions options) : options_(options) {
  if (auto why = WhyUnavailable()) throw std::runtime_error("no Slurm test cluster: " + *why);
  try {
    Start();
  } catch (...) {
    Stop();
    throw;
  }
}

SlurmTestCluster::~SlurmTestCluster() {
  Stop();
}

std::vector<std::string> SlurmTestCluster::Environment() const {
  std::vector<std::string> environment;
  for (const std::string& entry : CurrentEnvironment()) {
    if (entry.rfind("SLURM_CONF=", 0) != 0) environment.push_back(entry);
  }
  environment.push_back("SLURM_CONF=" + conf().string());
  return environment;
}

void SlurmTestCluster::WriteConfig(int ctld_port, int slurmd_port) const {
  const std::string d = dir_.string();
  std::ostringstream conf;
  conf << "# A bayestune test cluster: one node, fake GPUs, no accounting.\n"
       << "ClusterName=bayestunetest\n"
       << "SlurmctldHost=" << node_ << "\n"
       << "SlurmctldPort=" << ctld_port << "\n"
       << "SlurmdPort=" << slurmd_port << "\n"
       << "SlurmUser=root\nSlurmdUser=root\n"
       << "AuthType=auth/munge\nCredType=cred/munge\n"
       << "AuthInfo=socket=" << d << "/run/munge.socket\n"
       << "StateSaveLocation=" << d << "/state\n"
       << "SlurmdSpoolDir=" << d << "/spool\n"
       << "SlurmctldLogFile=" << d << "/log/slurmctld.log\n"
       << "SlurmdLogFile=" << d << "/log/slurmd.log\n"
       << "SlurmctldPidFile=" << d << "/run/slurmctld.pid\n"
       << "SlurmdPidFile=" << d << "/run/slurmd.pid\n"
       << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
       // The node's CPUs and memory as written below, whatever the machine has.
       << "SlurmdParameters=config_overrides\n"
       << "GresTypes=gpu\nReturnToService=2\n"
       << "SchedulerType=sched/backfill\nMpiDefault=none\n"
       << "JobAcctGatherType=jobacct_gather/none\n"
       << "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n"
       << "MinJobAge=" << options_.min_job_age_seconds << "\n"
       << "KillWait=" << options_.kill_wait_seconds << "\n"
       << (options_.message_timeout_seconds > 0
               ? "MessageTimeout=" + std::to_string(options_.message_timeout_seconds) + "\n"
               : std::string())
       << (options_.prolog.empty() ? std::string() : "Prolog=" + options_.prolog.string() + "\n")
       << (options_.scheduler_parameters.empty()
               ? std::string()
               : "SchedulerParameters=" + options_.scheduler_parameters + "\n")
       << "NodeName=" << node_ << " CPUs=" << options_.cpus
       << " RealMemory=8000 Gres=gpu:" << options_.gpus << " State=UNKNOWN\n"
       << "PartitionName=" << partition_ << " Nodes=" << node_
       << " Default=YES MaxTime=INFINITE State=UP\n";
  WriteText(dir_ / "slurm.conf", conf.str());
  std::string gres;
  if (options_.gpus > 0) {
    gres = "NodeName=" + node_ + " Name=gpu File=" + d + "/dev/fakegpu[0-" +
           std::to_string(options_.gpus - 1) + "]\n";
  }
  WriteText(dir_ / "gres.conf", gres);
}

void SlurmTestCluster::Start() {
  const auto begin = std::chrono::steady_clock::now();
  SweepAbandonedClusters();
  std::string pattern = std::string("/tmp/") + kFolderPrefix + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("cannot make the cluster's folder: ") +
                             std::strerror(errno));
  }
  dir_ = pattern;
  // munged wants the socket's folders searchable by everyone, and its key readable by it alone.
  chmod(dir_.c_str(), 0755);
  WriteText(dir_ / "owner", RunnerIdentity::Current().ClientId(0));
  for (const char* sub : {"run", "state", "spool", "log", "dev"})
    MakeDir(dir_ / sub, 0755);
  MakeDir(dir_ / "munge", 0700);
  {
    std::ifstream random("/dev/urandom", std::ios::binary);
    std::string key(1024, '\0');
    random.read(key.data(), static_cast<std::streamsize>(key.size()));
    WriteText(dir_ / "munge" / "munge.key", key, 0400);
  }
  // Fake GPUs: character devices (NVIDIA's major number); with plain files Slurm runs the jobs
  // but sets no CUDA_VISIBLE_DEVICES.
  for (int i = 0; i < options_.gpus; ++i) {
    const fs::path device = dir_ / "dev" / ("fakegpu" + std::to_string(i));
    if (mknod(device.c_str(), S_IFCHR | 0666, makedev(195, static_cast<unsigned>(i))) != 0) {
      throw std::runtime_error("cannot make the fake GPU " + device.string() + ": " +
                               std::strerror(errno));
    }
  }
  node_ = ShortHostName();
  commands_ = std::make_unique<SlurmCommandRunner>(Environment(), 30.0, dir_);

  auto launch = [this](const std::string& name, std::vector<std::string> argv) {
    daemons_.push_back(LaunchDaemon(name, std::move(argv)));
    daemon_names_.push_back(name);
  };
  launch("munged", {"munged", "--foreground", "--socket=" + (dir_ / "run/munge.socket").string(),
                    "--key-file=" + (dir_ / "munge/munge.key").string(),
                    "--pid-file=" + (dir_ / "run/munged.pid").string(),
                    "--seed-file=" + (dir_ / "munge/munged.seed").string(),
                    "--log-file=" + (dir_ / "log/munged.log").string()});
  const auto munge_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!fs::exists(dir_ / "run/munge.socket")) {
    if (daemons_[0].PollExit() || std::chrono::steady_clock::now() > munge_deadline) {
      throw std::runtime_error("munged did not start:\n" + LogTails());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // A port found free may be taken before slurmctld binds it: then try others.
  for (int attempt = 1;; ++attempt) {
    WriteConfig(FreePort(), FreePort());
    launch("slurmctld", {"slurmctld", "-D", "-f", conf().string()});
    std::vector<std::string> slurmd = {"slurmd", "-D", "-f", conf().string()};
    if (!options_.node_private_dir.empty()) {
      slurmd = {"unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "/bin/sh",
                "-c",
                "mount -t tmpfs bayestune-node \"$0\" && exec \"$@\"",
                options_.node_private_dir.string(),
                Program("slurmd"),
                "-D",
                "-f",
                conf().string()};
    }
    launch("slurmd", slurmd);
    if (WaitUntilIdle()) break;
    if (attempt == 3)
      throw std::runtime_error("slurmctld or slurmd could not bind a port:\n" + LogTails());
    for (int i = 0; i < 2; ++i) {
      daemons_.back().SignalGroup(SIGKILL);
      daemons_.back().WaitExit();
      daemons_.pop_back();
      daemon_names_.pop_back();
    }
  }
  start_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

TrialProcess SlurmTestCluster::LaunchDaemon(const std::string& name,
                                            std::vector<std::string> argv) const {
  ProcessLaunch daemon;
  daemon.executable = Program(argv[0]);
  daemon.argv = std::move(argv);
  daemon.environment = Environment();
  daemon.stdout_path = dir_ / "log" / (name + ".out");
  daemon.stderr_path = daemon.stdout_path;
  return TrialProcess::Launch(daemon);
}

void SlurmTestCluster::StopController() {
  const auto it = std::find(daemon_names_.begin(), daemon_names_.end(), "slurmctld");
  if (it == daemon_names_.end()) throw std::runtime_error("the cluster has no slurmctld");
  TrialProcess& ctld = daemons_[static_cast<std::size_t>(it - daemon_names_.begin())];
  ctld.SignalGroup(SIGTERM);
  ctld.WaitExit();
}

void SlurmTestCluster::StartController() {
  const auto it = std::find(daemon_names_.begin(), daemon_names_.end(), "slurmctld");
  if (it == daemon_names_.end()) throw std::runtime_error("the cluster has no slurmctld");
  daemons_[static_cast<std::size_t>(it - daemon_names_.begin())] =
      LaunchDaemon("slurmctld", {"slurmctld", "-D", "-f", conf().string()});
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<long>(options_.start_timeout_seconds * 1000));
  while (!Run("sinfo", {"--noheader"}).exit.succeeded()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("slurmctld did not answer again:\n" + LogTails());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool SlurmTestCluster::WaitUntilIdle() {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<long>(options_.start_timeout_seconds * 1000));
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < daemons_.size(); ++i) {
      if (daemons_[i].PollExit()) {
        const std::string logs = LogTails();
        if (logs.find("Address already in use") != std::string::npos) return false;
        throw std::runtime_error(daemon_names_[i] + " " + daemons_[i].exit()->Describe() +
                                 " while the test cluster started:\n" + logs);
      }
    }
    const SlurmCommandOutput output =
        Run("sinfo", {"--noheader", "--format=%t", "--nodes=" + node_});
    last = output.out + output.err;
    if (output.exit.succeeded() && output.out.rfind("idle", 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the test cluster's node was not idle within " +
                           std::to_string(options_.start_timeout_seconds) +
                           " s (sinfo said: " + last + "):\n" + LogTails());
}

SlurmCommandOutput SlurmTestCluster::Run(const std::string& program,
                                         const std::vector<std::string>& args) {
  return commands_->Run(program, args);
}

std::vector<pid_t> SlurmTestCluster::DaemonPids() const {
  std::vector<pid_t> pids;
  for (const TrialProcess& daemon : daemons_)
    pids.push_back(daemon.pid());
  return pids;
}

std::vector<pid_t> SlurmTestCluster::ProcessesOfCluster() const {
  std::vector<pid_t> pids;
  const std::string entry = "SLURM_CONF=" + conf().string();
  std::error_code error;
  for (const auto& proc : fs::directory_iterator("/proc", error)) {
    const std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid() || IsZombie(pid)) continue;
    const std::string environ = ReadText(proc.path() / "environ");
    std::size_t start = 0;
    while (start < environ.size()) {
      std::size_t end = environ.find('\0', start);
      if (end == std::string::npos) end = environ.size();
      if (environ.compare(start, end - start, entry) == 0) {
        pids.push_back(pid);
        break;
      }
      start = end + 1;
    }
  }
  return pids;
}

std::string SlurmTestCluster::LogTails() const {
  std::string text;
  for (const char* log :
       {"munged.out", "slurmctld.out", "slurmctld.log", "slurmd.out", "slurmd.log"}) {
    const std::string tail = LogTail(dir_ / "log" / log, 15);
    if (!tail.empty()) text += std::string("--- ") + log + ":\n" + tail + "\n";
  }
  return text;
}

void SlurmTestCluster::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // The daemons first, slurmd before the controller, so that nothing starts new jobs; then
  // slurmstepd and the jobs, which live in sessions of their own.
  for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
    it->SignalGroup(SIGKILL);
    it->WaitExit();
  }
  if (!dir_.empty()) KillAllWith("SLURM_CONF=" + conf().string());
  commands_.reset();
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

}  // namespace bayestune::testing
