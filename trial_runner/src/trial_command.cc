#include "bayestune/trial_runner/trial_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bayestune/optimizer/errors.h"
#include "script_interpreter.h"

extern char** environ;

namespace bayestune {
namespace {

void SetVariable(std::vector<std::string>& environment, std::map<std::string, std::size_t>& index,
                 const std::string& name, const std::string& value) {
  std::string entry = name + "=" + value;
  if (auto it = index.find(name); it != index.end()) {
    environment[it->second] = std::move(entry);
  } else {
    index[name] = environment.size();
    environment.push_back(std::move(entry));
  }
}

std::string JoinIds(const std::vector<int>& ids) {
  std::string text;
  for (int id : ids) {
    if (!text.empty()) text += ',';
    text += std::to_string(id);
  }
  return text;
}

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

// A script whose #! interpreter is missing passes execve's checks of the script itself and fails
// only when run: said before the study starts instead.
void CheckScriptInterpreter(const std::string& program, const std::string& path_variable) {
  if (auto problem = ScriptInterpreterProblem(program, path_variable)) {
    throw InvalidArgument("runner.command[0]: " + *problem);
  }
}

// Why a trainer path that does not exist may be meant otherwise: a shell's '~' or $VARIABLE,
// which nothing expands here (the path is made absolute beside the YAML file: '/dir/~/bin/t.sh').
std::string UnexpandedHint(const std::string& command) {
  const auto tilde = command.find('~');
  const bool has_tilde = tilde != std::string::npos && (tilde == 0 || command[tilde - 1] == '/');
  if (!has_tilde && command.find('$') == std::string::npos) return "";
  std::string hint =
      " ('~' and $VARIABLES are not expanded: no shell runs the trainer; write the "
      "path out";
  const char* home = std::getenv("HOME");
  if (has_tilde && home != nullptr && command.compare(tilde, 2, "~/") == 0) {
    hint += ", such as " + std::string(home) + command.substr(tilde + 1);
  }
  return hint + ")";
}

// The words of a trainer named with spaces in one list item ([python3 train.py]), when its first
// word is a program: "[python3, train.py]"; "" otherwise.
std::string SplitCommandAdvice(const std::string& command, const std::string& path_variable) {
  std::istringstream words(command);
  std::vector<std::string> list;
  for (std::string word; words >> word;)
    list.push_back(word);
  if (list.size() < 2) return "";
  bool found = list[0].find('/') != std::string::npos && IsExecutableFile(list[0]);
  std::stringstream dirs(path_variable);
  for (std::string dir; !found && std::getline(dirs, dir, ':');)
    found = IsExecutableFile((dir.empty() ? std::string(".") : dir) + "/" + list[0]);
  if (!found) return "";
  std::string text;
  for (const std::string& word : list)
    text += (text.empty() ? "[" : ", ") + word;
  return text + "]";
}

// One list item holding a whole command line: nothing splits it at its spaces.
std::string OneArgumentProblem(const std::string& command, const std::string& split) {
  return "runner.command[0]: the trainer '" + command +
         "' is one argument holding spaces, and no program has that name; give the program and "
         "each of its arguments as items of their own (no shell splits them), such as " +
         split;
}

}  // namespace

std::string TfConfigJson(std::int64_t trial_id) {
  nlohmann::json config = {
      {"cluster", nlohmann::json::object()},
      {"task", {{"type", "worker"}, {"index", 0}, {"trial", std::to_string(trial_id)}}}};
  return config.dump();
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> environment;
  for (char** entry = environ; entry && *entry; ++entry)
    environment.emplace_back(*entry);
  return environment;
}

std::optional<std::string> EnvironmentValue(const std::vector<std::string>& environment,
                                            std::string_view name) {
  std::optional<std::string> value;
  for (const std::string& entry : environment) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      value = entry.substr(name.size() + 1);
    }
  }
  return value;
}

std::string SearchPath(const std::vector<std::string>& environment) {
  if (auto path = EnvironmentValue(environment, "PATH")) return *path;
  const std::size_t size = confstr(_CS_PATH, nullptr, 0);
  if (size == 0) return "/bin:/usr/bin";
  std::string path(size, '\0');
  confstr(_CS_PATH, path.data(), size);
  path.resize(size - 1);  // confstr's size counts the terminating NUL
  return path;
}

void SetEnvironmentValue(std::vector<std::string>& environment, std::string_view name,
                         const std::string& value) {
  std::erase_if(environment, [&](const std::string& entry) {
    return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
           entry[name.size()] == '=';
  });
  environment.push_back(std::string(name) + "=" + value);
}

std::vector<std::string> TrialParameterFlags(const Trial& trial) {
  std::vector<std::string> flags;
  for (const auto& [name, value] : trial.parameters)
    flags.push_back("--" + name + "=" + value.ToString());
  return flags;
}

TrialCommand BuildTrialCommand(const RunnerSpec& runner, const std::string& executable,
                               const Trial& trial, const std::vector<int>& gpus,
                               const TrialPaths& paths,
                               const std::vector<std::string>& base_environment) {
  TrialCommand command;
  command.executable = executable;
  command.argv = runner.command;
  command.argv.insert(command.argv.end(), runner.args.begin(), runner.args.end());
  for (std::string& flag : TrialParameterFlags(trial))
    command.argv.push_back(std::move(flag));
  command.argv.push_back("--job-dir=" + paths.dir.string());

  std::map<std::string, std::size_t> index;
  for (const std::string& entry : base_environment) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    SetVariable(command.environment, index, entry.substr(0, eq), entry.substr(eq + 1));
  }
  for (const auto& [name, value] : runner.env)
    SetVariable(command.environment, index, name, value);
  SetVariable(command.environment, index, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
  SetVariable(command.environment, index, "CUDA_VISIBLE_DEVICES", JoinIds(gpus));
  SetVariable(command.environment, index, "TF_CONFIG", TfConfigJson(trial.id));
  SetVariable(command.environment, index, "CLOUD_ML_HP_METRIC_FILE", paths.metric_file.string());
  SetVariable(command.environment, index, "CLOUD_ML_TRIAL_ID", std::to_string(trial.id));
  return command;
}

std::string ResolveExecutable(const std::string& command, const std::string& path_variable) {
  if (command.empty()) {
    throw InvalidArgument(
        "runner.command is empty: give the trainer program and its fixed arguments as a list, "
        "such as [python3, train.py]");
  }
  if (command.find('/') != std::string::npos) {
    struct stat info {};
    if (stat(command.c_str(), &info) != 0) {
      if (const std::string split = SplitCommandAdvice(command, path_variable); !split.empty()) {
        throw InvalidArgument(OneArgumentProblem(command, split));
      }
      throw InvalidArgument("runner.command[0]: the trainer '" + command +
                            "' does not exist; give the path of an executable program" +
                            UnexpandedHint(command));
    }
    if (!IsExecutableFile(command)) {
      throw InvalidArgument("runner.command[0]: '" + command +
                            "' is not an executable file; make it executable (chmod +x) or run "
                            "it through its interpreter, such as [python3, " +
                            command + "]");
    }
    CheckScriptInterpreter(command, path_variable);
    return command;
  }
  std::stringstream dirs(path_variable);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + command;
    if (IsExecutableFile(candidate)) {
      CheckScriptInterpreter(candidate, path_variable);
      return candidate;
    }
  }
  if (const std::string split = SplitCommandAdvice(command, path_variable); !split.empty()) {
    throw InvalidArgument(OneArgumentProblem(command, split));
  }
  throw InvalidArgument("runner.command[0]: the trainer '" + command + "' was not found in PATH (" +
                        path_variable + "); give its path, such as ./" + command +
                        ", or install it");
}

}  // namespace bayestune
