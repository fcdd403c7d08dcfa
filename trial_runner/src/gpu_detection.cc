#include "bayestune/trial_runner/gpu_detection.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>

#include "bayestune/trial_runner/trial_command.h"

extern char** environ;

namespace bayestune {
namespace {

// "0,1,3" -> {0, 1, 3}; nullopt unless every entry is a non-negative integer.
std::optional<std::vector<int>> ParseIdList(const std::string& text) {
  std::vector<int> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty() || item.size() > 6 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    ids.push_back(std::stoi(item));
  }
  return ids;
}

std::optional<int> CountWithNvml(std::string& note) {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    note = "NVML: libnvidia-ml.so.1 not found";
    return std::nullopt;
  }
  using InitFn = int (*)();
  using CountFn = int (*)(unsigned int*);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "nvmlInit_v2"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "nvmlDeviceGetCount_v2"));
  auto shutdown = reinterpret_cast<InitFn>(dlsym(lib, "nvmlShutdown"));
  std::optional<int> result;
  if (!init || !count || !shutdown) {
    note = "NVML: libnvidia-ml.so.1 lacks nvmlInit_v2 or nvmlDeviceGetCount_v2";
  } else if (int rc = init(); rc != 0) {
    note = "NVML: nvmlInit_v2 failed with code " + std::to_string(rc);
  } else {
    unsigned int n = 0;
    if (int rc2 = count(&n); rc2 == 0) {
      result = static_cast<int>(n);
    } else {
      note = "NVML: nvmlDeviceGetCount_v2 failed with code " + std::to_string(rc2);
    }
    shutdown();
  }
  dlclose(lib);
  return result;
}

// The UUID of each GPU NVML finds ("GPU-5f2b1c7e-..."), by its index; nullopt (with a note) when
// NVML cannot say.
std::optional<std::vector<std::string>> UuidsWithNvml(std::string& note) {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    note = "NVML: libnvidia-ml.so.1 not found";
    return std::nullopt;
  }
  using InitFn = int (*)();
  using CountFn = int (*)(unsigned int*);
  using HandleFn = int (*)(unsigned int, void**);
  using UuidFn = int (*)(void*, char*, unsigned int);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "nvmlInit_v2"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "nvmlDeviceGetCount_v2"));
  auto handle_of = reinterpret_cast<HandleFn>(dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
  auto uuid_of = reinterpret_cast<UuidFn>(dlsym(lib, "nvmlDeviceGetUUID"));
  auto shutdown = reinterpret_cast<InitFn>(dlsym(lib, "nvmlShutdown"));
  std::optional<std::vector<std::string>> result;
  if (!init || !count || !handle_of || !uuid_of || !shutdown) {
    note = "NVML: libnvidia-ml.so.1 lacks nvmlDeviceGetHandleByIndex_v2 or nvmlDeviceGetUUID";
  } else if (int rc = init(); rc != 0) {
    note = "NVML: nvmlInit_v2 failed with code " + std::to_string(rc);
  } else {
    unsigned int n = 0;
    if (int rc2 = count(&n); rc2 != 0) {
      note = "NVML: nvmlDeviceGetCount_v2 failed with code " + std::to_string(rc2);
    } else {
      result.emplace();
      for (unsigned int i = 0; i < n && result; ++i) {
        void* device = nullptr;
        char uuid[96] = {};
        if (handle_of(i, &device) != 0 || uuid_of(device, uuid, sizeof uuid) != 0) {
          note = "NVML: the UUID of GPU " + std::to_string(i) + " cannot be read";
          result.reset();
        } else {
          result->push_back(uuid);
        }
      }
    }
    shutdown();
  }
  dlclose(lib);
  return result;
}

std::optional<int> CountWithCudaDriver(std::string& note) {
  // Left loaded: unloading a GPU driver library is not safe.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    note = "CUDA driver: libcuda.so.1 not found";
    return std::nullopt;
  }
  using InitFn = int (*)(unsigned int);
  using CountFn = int (*)(int*);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "cuDeviceGetCount"));
  if (!init || !count) {
    note = "CUDA driver: libcuda.so.1 lacks cuInit or cuDeviceGetCount";
    return std::nullopt;
  }
  if (int rc = init(0); rc != 0) {
    note = "CUDA driver: cuInit failed with code " + std::to_string(rc);
    return std::nullopt;
  }
  int n = 0;
  if (int rc = count(&n); rc != 0) {
    note = "CUDA driver: cuDeviceGetCount failed with code " + std::to_string(rc);
    return std::nullopt;
  }
  return n;
}

// Runs `program -L` and returns its standard output, or nullopt (with a note) when it cannot run,
// fails, or takes longer than the timeout.
std::optional<std::string> RunNvidiaSmi(const std::string& program, double timeout_seconds,
                                        std::string& note) {
  std::string executable;
  try {
    executable = ResolveExecutable(program, SearchPath(CurrentEnvironment()));
  } catch (const std::exception&) {
    note = program + ": not found";
    return std::nullopt;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    note = program + ": cannot make a pipe: " + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::string arg0 = program;
  std::string arg1 = "-L";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    note = program + ": cannot run: " + std::strerror(rc);
    return std::nullopt;
  }
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    char buffer[4096];
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    note = program + " -L did not answer within " + std::to_string(timeout_seconds) + " s";
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    note = program + " -L failed (no driver loaded?)";
    return std::nullopt;
  }
  return output;
}

// The ids of "GPU <n>: <name> (UUID: ...)" lines.
std::vector<int> ParseNvidiaSmiList(const std::string& output) {
  std::vector<int> ids;
  std::stringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("GPU ", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (auto id = ParseIdList(line.substr(4, colon - 4)); id && id->size() == 1) {
      ids.push_back(id->front());
    }
  }
  return ids;
}

// The UUID of each "GPU <n>: <name> (UUID: GPU-...)" line, at index n ("" where a line lacks one).
std::vector<std::string> ParseNvidiaSmiUuids(const std::string& output) {
  std::vector<std::string> uuids;
  std::stringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("GPU ", 0) != 0) continue;
    const auto colon = line.find(':');
    const auto at = line.rfind("(UUID: ");
    if (colon == std::string::npos) continue;
    const auto id = ParseIdList(line.substr(4, colon - 4));
    if (!id || id->size() != 1 || id->front() > 4096) continue;
    if (uuids.size() <= static_cast<std::size_t>(id->front())) uuids.resize(id->front() + 1);
    if (at != std::string::npos && line.back() == ')') {
      uuids[id->front()] = line.substr(at + 7, line.size() - at - 8);
    }
  }
  return uuids;
}

// The GPUs that a CUDA_VISIBLE_DEVICES other than a list of numbers leaves, as CUDA reads it:
// entries in order, each a GPU number or a GPU's UUID ("GPU-5f2b1c7e-...", or a prefix that only
// one GPU's UUID starts with, as a cluster's scheduler or a container may give them), up to the
// first that is neither (`-1`, a MIG instance "MIG-...", which is no whole GPU and cannot be
// handed out by number): CUDA sees no GPU from there on. UUIDs are read from NVML, else
// `nvidia-smi -L`. Never every GPU of the machine: until fieldtest16 such a value was ignored
// and every GPU that NVML found was handed out, without a word, to trials of a run that had
// been given one GPU, or none (CUDA_VISIBLE_DEVICES=-1).
DetectedGpus VisibleByUuid(const std::string& visible, const GpuDetectionOptions& options) {
  DetectedGpus found;
  found.source = "CUDA_VISIBLE_DEVICES";
  std::optional<std::vector<std::string>> uuids;
  std::string uuid_source;
  std::stringstream in(visible);
  std::string entry;
  while (std::getline(in, entry, ',')) {
    if (auto id = ParseIdList(entry); id && id->size() == 1) {
      found.ids.push_back(id->front());
      continue;
    }
    std::string stop;
    if (entry.size() > 4 && entry.rfind("GPU-", 0) == 0) {
      if (!uuids) {
        std::string why;
        if (options.use_nvml) uuids = UuidsWithNvml(why);
        uuid_source = "NVML";
        if (!uuids && !options.nvidia_smi.empty()) {
          std::string smi_note;
          if (auto output =
                  RunNvidiaSmi(options.nvidia_smi, options.nvidia_smi_timeout_seconds, smi_note)) {
            uuids = ParseNvidiaSmiUuids(*output);
            uuid_source = "nvidia-smi -L";
          } else {
            why += (why.empty() ? "" : "; ") + smi_note;
          }
        }
        if (!uuids) {
          uuids.emplace();
          uuid_source = "the GPUs' UUIDs cannot be read: " + why;
        }
      }
      int matches = 0;
      for (std::size_t i = 0; i < uuids->size(); ++i) {
        if ((*uuids)[i].rfind(entry, 0) == 0) {
          if (matches++ == 0) found.ids.push_back(static_cast<int>(i));
        }
      }
      if (matches == 1) {
        found.source = "CUDA_VISIBLE_DEVICES, by UUID (" + uuid_source + ")";
        continue;
      }
      if (matches > 1) found.ids.pop_back();
      stop = matches > 1 ? "the start of the UUID of several GPUs (" + uuid_source + ")"
                         : "not the UUID of a GPU of this machine (" + uuid_source + ")";
    } else {
      stop = entry.rfind("MIG-", 0) == 0
                 ? "a MIG instance, which bayestune cannot hand out by number"
                 : "neither a GPU number nor a GPU's UUID";
    }
    found.notes.push_back("CUDA_VISIBLE_DEVICES='" + visible + "': '" + entry + "' is " + stop +
                          ", and CUDA sees no GPU from there on; give the GPUs to use by number "
                          "(--gpus, runner.gpus; nvidia-smi -L lists them)");
    break;
  }
  return found;
}

std::vector<int> FirstIds(int count) {
  std::vector<int> ids;
  for (int i = 0; i < count; ++i)
    ids.push_back(i);
  return ids;
}

}  // namespace

DetectedGpus DetectGpus(const GpuDetectionOptions& options) {
  DetectedGpus found;
  if (options.use_cuda_visible_devices) {
    if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
      if (auto ids = ParseIdList(visible)) {
        found.ids = std::move(*ids);
        found.source = "CUDA_VISIBLE_DEVICES";
        return found;
      }
      return VisibleByUuid(visible, options);
    }
  }
  std::string note;
  if (options.use_nvml) {
    if (auto n = CountWithNvml(note)) {
      found.ids = FirstIds(*n);
      found.source = "NVML";
      return found;
    }
    found.notes.push_back(note);
  }
  if (options.use_cuda_driver) {
    if (auto n = CountWithCudaDriver(note)) {
      found.ids = FirstIds(*n);
      found.source = "CUDA driver";
      return found;
    }
    found.notes.push_back(note);
  }
  if (!options.nvidia_smi.empty()) {
    if (auto output = RunNvidiaSmi(options.nvidia_smi, options.nvidia_smi_timeout_seconds, note)) {
      found.ids = ParseNvidiaSmiList(*output);
      found.source = "nvidia-smi";
      return found;
    }
    found.notes.push_back(note);
  }
  found.source = "none";
  return found;
}

}  // namespace bayestune
