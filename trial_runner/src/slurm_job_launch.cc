#include "slurm_job_launch.h"

#include <nlohmann/json.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/trial_runner/slurm_job_files.h"
#include "regular_file.h"

namespace bayestune {
namespace {

using json = nlohmann::ordered_json;  // keeps the environment in its order

// Throws InvalidArgument naming `what` when `text` is not valid UTF-8.
void CheckUtf8(const std::string& text, const std::string& what) {
  try {
    (void)json(text).dump();
  } catch (const json::type_error&) {
    throw InvalidArgument(what +
                          " is not valid UTF-8, which the Slurm launch file (JSON) cannot "
                          "carry: '" +
                          json(text).dump(-1, ' ', true, json::error_handler_t::replace) + "'");
  }
}

std::string StringField(const json& object, const char* name, const std::string& where,
                        bool required) {
  const auto it = object.find(name);
  if (it == object.end()) {
    if (required) throw InvalidArgument(where + ": the field '" + name + "' is missing");
    return "";
  }
  if (!it->is_string()) throw InvalidArgument(where + ": '" + name + "' must be a string");
  return it->get<std::string>();
}

}  // namespace

std::string SlurmJobLaunchJson(const SlurmJobLaunch& launch) {
  CheckUtf8(launch.executable, "the trainer's path");
  for (std::size_t i = 0; i < launch.argv.size(); ++i) {
    CheckUtf8(launch.argv[i], "the trainer's argument " + std::to_string(i));
  }
  json environment = json::object();
  for (const std::string& entry : launch.environment) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InvalidArgument("the environment entry '" + entry + "' is not NAME=VALUE");
    }
    CheckUtf8(entry, "the environment variable " + entry.substr(0, eq));
    environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [path, what] : {std::pair{&launch.working_dir, "the working folder"},
                                   std::pair{&launch.stdout_path, "the stdout file"},
                                   std::pair{&launch.stderr_path, "the stderr file"},
                                   std::pair{&launch.status_path, "the exit status file"}}) {
    CheckUtf8(path->string(), what);
  }
  const json document = {
      {"version", kSlurmJobLaunchVersion},
      {"executable", launch.executable},
      {"argv", launch.argv},
      {"environment", environment},
      {"working_dir", launch.working_dir},
      {"stdout", launch.stdout_path},
      {"stderr", launch.stderr_path},
      {"status", launch.status_path},
  };
  return document.dump(2) + "\n";
}

SlurmJobLaunch ParseSlurmJobLaunch(const std::string& text, const std::string& where) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(where + " is not valid JSON: " + e.what());
  }
  if (!document.is_object()) throw InvalidArgument(where + " must hold a JSON object");
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer() ||
      version->get<int>() != kSlurmJobLaunchVersion) {
    throw InvalidArgument(where + ": 'version' must be " + std::to_string(kSlurmJobLaunchVersion) +
                          " (a bayestune-job of another bayestune version?)");
  }
  SlurmJobLaunch launch;
  launch.executable = StringField(document, "executable", where, false);
  const auto argv = document.find("argv");
  if (argv == document.end() || !argv->is_array() || argv->empty()) {
    throw InvalidArgument(where + ": 'argv' must be a list of strings, the trainer's first");
  }
  for (const json& arg : *argv) {
    if (!arg.is_string()) throw InvalidArgument(where + ": 'argv' must hold strings only");
    launch.argv.push_back(arg.get<std::string>());
  }
  if (const auto env = document.find("environment"); env != document.end()) {
    if (!env->is_object()) {
      throw InvalidArgument(where + ": 'environment' must be an object of NAME: value");
    }
    for (const auto& [name, value] : env->items()) {
      if (!value.is_string() || name.empty() || name.find('=') != std::string::npos) {
        throw InvalidArgument(where + ": the environment variable '" + name +
                              "' must have a name without '=' and a string value");
      }
      launch.environment.push_back(name + "=" + value.get<std::string>());
    }
  }
  launch.working_dir = StringField(document, "working_dir", where, false);
  launch.stdout_path = StringField(document, "stdout", where, true);
  launch.stderr_path = StringField(document, "stderr", where, true);
  launch.status_path = StringField(document, "status", where, true);
  return launch;
}

void WriteSlurmJobLaunch(const std::filesystem::path& path, const SlurmJobLaunch& launch) {
  WriteFileAtomically(path, SlurmJobLaunchJson(launch));
}

SlurmJobLaunch ReadSlurmJobLaunch(const std::filesystem::path& path) {
  // argv and environment reach exec(2), which takes a few MiB at most; JSON escaping may double
  // them. Anything else in the file's place is refused without blocking or reading it.
  constexpr std::size_t kMaxLaunchFileBytes = 16 << 20;
  const RegularFileContent file = ReadRegularFile(path, kMaxLaunchFileBytes);
  if (file.status == RegularFileRead::kAbsent) {
    throw InvalidArgument("cannot read the launch file '" + path.string() + "'");
  }
  if (file.status != RegularFileRead::kRead) {
    throw InvalidArgument("the launch file '" + path.string() + "' " + file.refusal);
  }
  return ParseSlurmJobLaunch(file.content, "the launch file '" + path.string() + "'");
}

SlurmJobLaunch SlurmJobLaunchFor(const TrialCommand& command, const TrialPaths& paths,
                                 const std::filesystem::path& status_path, int gpus,
                                 const std::filesystem::path& working_dir) {
  SlurmJobLaunch launch;
  launch.executable = command.executable;
  launch.argv = command.argv;
  for (const std::string& entry : command.environment) {
    if (entry.rfind("CUDA_VISIBLE_DEVICES=", 0) == 0) {
      if (gpus == 0) launch.environment.push_back("CUDA_VISIBLE_DEVICES=");
      continue;
    }
    launch.environment.push_back(entry);
  }
  launch.working_dir = working_dir;
  launch.stdout_path = paths.stdout_log;
  launch.stderr_path = paths.stderr_log;
  launch.status_path = status_path;
  return launch;
}

}  // namespace bayestune
