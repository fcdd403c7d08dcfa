#include "run_plan.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_name.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "bayestune/trial_runner/trial_command.h"
#include "cli_errors.h"
#include "shell_word.h"

namespace bayestune::cli {

namespace fs = std::filesystem;

std::string DefaultStudyName(const fs::path& config_path) {
  const fs::path absolute = fs::absolute(config_path).lexically_normal();
  std::string name = absolute.stem().string();
  if (name == "tuning" || name == "hptuning_config" || name == "config") {
    const std::string folder = absolute.parent_path().filename().string();
    if (!folder.empty()) name = folder;
  }
  for (char& c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) c = '-';
  }
  // A valid study name (study_name.h): no leading '.' or '-', at most kMaxStudyNameBytes.
  name.erase(0, name.find_first_not_of(".-"));
  if (name.size() > kMaxStudyNameBytes) name.resize(kMaxStudyNameBytes);
  if (name.empty()) name = "study";
  ValidateStudyName(name);  // holds by construction
  return name;
}

void CheckStudyFlag(const std::string& name) {
  if (std::string problem = StudyNameProblem(name); !problem.empty()) {
    throw UsageError("--study: " + problem);
  }
}

ExampleTrainer ExampleTrainerFor(const std::string& python_module) {
  if (python_module.empty()) return {"[python3, train.py]", "python3 train.py"};
  return {"[python3, -m, " + python_module + "]", "python3 -m " + ShellWord(python_module)};
}

TuningConfig LoadConfig(const std::string& path, std::string* python_module) {
  const auto result = LoadTuningConfigFile(path);
  if (python_module) *python_module = result.python_module;
  std::cerr << FormatDiagnostics(result.diagnostics);
  if (!result.ok()) {
    int errors = 0;
    for (const auto& d : result.diagnostics)
      errors += d.IsError() ? 1 : 0;
    if (errors == 1) throw ReportedError();  // the one line above says it all
    throw InvalidArgument(path + " has " + std::to_string(errors) +
                          " errors (above); fix them and run again. Nothing was run");
  }
  return result.config;
}

std::optional<RelativeTrainer> ResolveRunnerPaths(RunnerSpec& runner,
                                                  const fs::path& config_folder) {
  std::optional<RelativeTrainer> relative;
  if (!runner.command.empty()) {
    relative = RelativeTrainer{"", config_folder};
    std::string& program = runner.command.front();
    // Its first word: [python3 /data/train.py] (a command line in one item, which the trainer
    // check explains) is not a path to make absolute.
    const std::string first_word = program.substr(0, program.find(' '));
    if (first_word.find('/') != std::string::npos && fs::path(program).is_relative()) {
      relative = RelativeTrainer{program, config_folder};
      program = (config_folder / program).lexically_normal().string();
    }
  }
  if (!runner.job_dir.empty() && fs::path(runner.job_dir).is_relative()) {
    runner.job_dir = (config_folder / runner.job_dir).lexically_normal().string();
  }
  return relative;
}

namespace {

// The script an interpreter's command runs, when its first argument names one by its extension
// (python3 train.py, bash run.sh); nullopt otherwise (python3 -m pkg, a compiled trainer).
std::optional<std::string> InterpretedScript(const std::vector<std::string>& command) {
  if (command.size() < 2) return std::nullopt;
  static const std::regex kInterpreter(
      R"((python[0-9.]*|bash|sh|dash|zsh|Rscript|node|perl|ruby))");
  static const std::regex kScript(R"(.+\.(py|sh|bash|R|r|js|mjs|pl|rb))");
  const std::string program = fs::path(command[0]).filename().string();
  const std::string& script = command[1];
  if (!std::regex_match(program, kInterpreter) || script.starts_with('-') ||
      !std::regex_match(script, kScript)) {
    return std::nullopt;
  }
  return script;
}

// Whether bash finds `script` in `path_variable`: given a script name without '/' that is not in
// the working folder, bash runs the first readable file of that name in PATH, as it finds
// commands (`bash train.sh` with train.sh in ~/bin). The other interpreters do not look there.
bool BashFindsInPath(const std::string& interpreter, const std::string& script,
                     const std::string& path_variable) {
  if (interpreter != "bash" || script.find('/') != std::string::npos) return false;
  std::stringstream dirs(path_variable);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + script;
    std::error_code error;
    if (fs::is_regular_file(candidate, error) && ::access(candidate.c_str(), R_OK) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

namespace {

// ResolveExecutable's advice, written for runner.command ("such as [python3, train.py]", "such as
// runner.command: [python3, train.py]", "as items of their own"), as a command line after --.
std::string AsCommandLineAdvice(std::string problem) {
  const auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = 0; (at = problem.find(from, at)) != std::string::npos; at += to.size())
      problem.replace(at, from.size(), to);
  };
  replace_all("such as runner.command: [", "such as [");
  replace_all("as items of their own (no shell splits them)",
              "as words of their own after -- (not quoted together)");
  for (std::size_t at = 0; (at = problem.find("such as [", at)) != std::string::npos;) {
    const std::size_t open = at + std::string("such as ").size();
    const std::size_t close = problem.find(']', open);
    if (close == std::string::npos) break;
    std::string words;
    std::stringstream items(problem.substr(open + 1, close - open - 1));
    for (std::string item; std::getline(items, item, ',');) {
      const std::size_t first = item.find_first_not_of(' ');
      words += " " + ShellWord(first == std::string::npos ? "" : item.substr(first));
    }
    const std::string line = "-- " + words.substr(1);
    problem.replace(open, close + 1 - open, line);
    at = open + line.size();
  }
  return problem;
}

}  // namespace

namespace {

// Where a relative runner.command[0] that is not there was looked for: beside the YAML file, which
// a user who wrote the path from the current folder (./trainers/train.sh, run as
// `bayestune run configs/tuning.yaml`) did not expect; with the path that would find it.
std::string RelativeTrainerNote(const std::string& resolved, const RelativeTrainer& relative) {
  std::error_code error;
  const fs::path folder = relative.config_folder;
  // A YAML file in the current folder: the two folders are one.
  if (fs::exists(resolved, error) || fs::equivalent(folder, fs::current_path(error), error)) {
    return "";
  }
  std::string note = " (a relative runner.command[0] is relative to the YAML file's folder, " +
                     folder.string() + ", not to the folder bayestune is started in";
  const fs::path here = fs::absolute(relative.written, error).lexically_normal();
  if (!error && fs::exists(here, error) && !error) {
    note += "; '" + relative.written + "' is there from " + fs::current_path(error).string() +
            ": write it as " + here.lexically_relative(folder).string() + " or " + here.string();
  }
  return note + ")";
}

}  // namespace

std::string TrainerProblem(const RunnerSpec& runner, bool after_dashes,
                           const std::optional<RelativeTrainer>& relative) {
  if (after_dashes) return AsCommandLineAdvice(TrainerProblem(runner, false));
  std::string path_variable = SearchPath(CurrentEnvironment());
  if (auto it = runner.env.find("PATH"); it != runner.env.end()) path_variable = it->second;
  try {
    ResolveExecutable(runner.command.front(), path_variable);
    // The interpreter exists; a script it cannot find failed every trial in turn ("can't open
    // file"), using the study up. Trainers run in this process's working folder.
    if (const auto script = InterpretedScript(runner.command)) {
      const std::string interpreter = fs::path(runner.command[0]).filename().string();
      std::error_code error;
      if (!fs::exists(*script, error) && !error &&
          !BashFindsInPath(interpreter, *script, path_variable)) {
        std::string problem = interpreter + " would run '" + *script + "', which is not in " +
                              fs::current_path(error).string() +
                              " (trainers run in the folder bayestune is started in)" +
                              (interpreter == "bash" ? " nor in the trainer's PATH" : "") +
                              "; give the script's path from there, or an absolute one";
        // A script beside the YAML file, run from elsewhere: the path that finds it.
        const fs::path beside =
            (relative ? relative->config_folder / *script : fs::path()).lexically_normal();
        if (relative && fs::path(*script).is_relative() && fs::exists(beside, error)) {
          const fs::path from_here = beside.lexically_proximate(fs::current_path(error));
          const bool below = !from_here.empty() && *from_here.begin() != "..";
          problem +=
              " (it is beside the YAML file: " + ShellWord((below ? from_here : beside).string()) +
              ", or run bayestune from " + ShellWord(relative->config_folder.string()) + ")";
        }
        return problem;
      }
    }
    return "";
  } catch (const InvalidArgument& error) {
    std::string message = error.what();
    const std::string field = "runner.command[0]: ";
    if (message.rfind(field, 0) == 0) message.erase(0, field.size());
    if (relative && !relative->written.empty()) {
      message += RelativeTrainerNote(runner.command.front(), *relative);
    }
    return message;
  }
}

fs::path DefaultJobDir(const fs::path& database, const std::string& study) {
  return fs::absolute(database).lexically_normal().parent_path() / "bayestune-jobs" / study;
}

std::optional<std::vector<int>> ParseGpuList(const std::string& text) {
  if (text == "auto") return std::nullopt;
  if (text == "none" || text == "cpu") return std::vector<int>{};
  std::vector<int> ids;
  std::set<int> seen;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    int id = -1;
    const auto parsed = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || parsed.ec != std::errc() || parsed.ptr != item.data() + item.size() ||
        id < 0) {
      throw UsageError("--gpus '" + text + "': '" + item +
                       "' is not a GPU id; give ids such as 0,1,3 (as nvidia-smi numbers them), "
                       "auto to detect them, or none for CPU-only trials");
    }
    if (!seen.insert(id).second) {
      throw UsageError("--gpus '" + text + "': GPU " + item + " is listed twice");
    }
    ids.push_back(id);
    if (end == text.size()) break;
    begin = end + 1;
  }
  return ids;
}

RunPlan PlanRun(const RunArguments& arguments, TuningConfig config,
                const std::string& python_module) {
  const fs::path config_folder =
      fs::absolute(arguments.config_path).lexically_normal().parent_path();
  RunPlan plan;
  if (!arguments.study.empty()) CheckStudyFlag(arguments.study);
  plan.study = arguments.study.empty() ? DefaultStudyName(arguments.config_path) : arguments.study;
  plan.database = fs::absolute(arguments.database).lexically_normal();

  RunnerSpec& runner = config.runner;
  plan.relative_trainer = ResolveRunnerPaths(runner, config_folder);
  if (!arguments.trainer.empty()) {
    plan.relative_trainer.reset();
    runner.command = arguments.trainer;
    plan.trainer_from_command_line = true;
  } else if (runner.command.empty()) {
    // A file made for AI Platform names its trainer as trainingInput.pythonModule: the advice
    // runs that module, not a train.py the user may not have.
    const ExampleTrainer example = ExampleTrainerFor(python_module);
    throw UsageError(arguments.config_path +
                     " has no trainer command: add one to its runner block (runner: {command: " +
                     example.yaml_list + "}) or give it after --: bayestune run " +
                     arguments.config_path + " -- " + example.command_line);
  }

  if (!arguments.job_dir.empty()) {
    plan.job_dir = fs::absolute(arguments.job_dir).lexically_normal();
    plan.job_dir_source = "--job-dir";
  } else if (!runner.job_dir.empty()) {
    plan.job_dir = runner.job_dir;
    plan.job_dir_source = "runner.jobDir";
  } else {
    plan.job_dir = DefaultJobDir(plan.database, plan.study);
    plan.job_dir_source =
        "the default trial folder (beside the database " + ShellWord(plan.database.string()) + ")";
  }
  runner.job_dir = plan.job_dir.string();

  if (!arguments.gpus.empty()) runner.gpus = ParseGpuList(arguments.gpus);
  if (arguments.launcher == "slurm") {
    runner.launcher = LauncherKind::kSlurm;
  } else if (arguments.launcher == "local") {
    runner.launcher = LauncherKind::kLocal;
  } else if (!arguments.launcher.empty()) {
    throw UsageError("--launcher " + arguments.launcher + ": valid launchers are local and slurm");
  }
  plan.config = std::move(config);
  return plan;
}

}  // namespace bayestune::cli
