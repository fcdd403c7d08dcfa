#include "script_interpreter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace bayestune {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The first word of an env argument ("-S python3 -u" -> "python3"), skipping env's options.
std::string EnvProgram(const std::string& argument) {
  std::istringstream words(argument);
  for (std::string word; words >> word;) {
    if (word == "-S" || word == "--split-string") continue;
    if (word.starts_with("-")) return "";  // other options (-i, -u NAME...): not looked into
    if (word.find('=') != std::string::npos) continue;  // NAME=VALUE assignments
    return word;
  }
  return "";
}

std::string Advice(const std::string& program) {
  return "; fix its #! line (such as #!/usr/bin/env python3) or run it through its interpreter, "
         "such as runner.command: [python3, " +
         program + "]";
}

}  // namespace

std::optional<ScriptInterpreter> ReadScriptInterpreter(const std::string& program) {
  const int fd = ::open(program.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  char buffer[256];  // what the kernel reads of a #! line (BINPRM_BUF_SIZE)
  ssize_t got;
  do {
    got = ::pread(fd, buffer, sizeof buffer, 0);
  } while (got < 0 && errno == EINTR);
  ::close(fd);
  if (got < 2 || buffer[0] != '#' || buffer[1] != '!') return std::nullopt;
  std::string line(buffer, static_cast<std::size_t>(got));
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::string rest = Trim(line.substr(2));
  ScriptInterpreter interpreter;
  interpreter.line = line;
  const auto end = rest.find_first_of(" \t");
  interpreter.path = rest.substr(0, end);
  if (end != std::string::npos) interpreter.argument = Trim(rest.substr(end));
  return interpreter;
}

std::optional<std::string> ScriptInterpreterProblem(const std::string& program,
                                                    const std::string& path_variable) {
  const auto interpreter = ReadScriptInterpreter(program);
  if (!interpreter) return std::nullopt;
  const std::string head = "'" + program + "' starts with '" + interpreter->line + "', ";
  if (interpreter->path.empty()) return head + "which names no interpreter" + Advice(program);
  struct stat info {};
  if (::stat(interpreter->path.c_str(), &info) != 0) {
    return head + "but the interpreter '" + interpreter->path + "' does not exist" +
           Advice(program);
  }
  if (!IsExecutableFile(interpreter->path)) {
    return head + "but the interpreter '" + interpreter->path + "' is not an executable file" +
           Advice(program);
  }
  const auto slash = interpreter->path.rfind('/');
  if (interpreter->path.substr(slash == std::string::npos ? 0 : slash + 1) == "env") {
    const std::string name = EnvProgram(interpreter->argument);
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) {
      if (IsExecutableFile(name)) return std::nullopt;
      return head + "but '" + name + "' is not an executable file" + Advice(program);
    }
    std::stringstream dirs(path_variable);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      if (IsExecutableFile((dir.empty() ? std::string(".") : dir) + "/" + name)) {
        return std::nullopt;
      }
    }
    return head + "but '" + name + "' is not found in the trainer's PATH (" + path_variable + ")" +
           Advice(program);
  }
  return std::nullopt;
}

std::string DescribeExecFailure(const std::string& program, int error,
                                const std::string& path_variable) {
  std::string text = "cannot run '" + program + "': ";
  if (error == ENOENT || error == EACCES || error == ENOEXEC || error == ELOOP) {
    if (auto problem = ScriptInterpreterProblem(program, path_variable)) return text + *problem;
  }
  text += std::strerror(error);
  if (error == ENOEXEC)
    text += " (neither a program this machine runs nor a script with a #! line)";
  return text;
}

}  // namespace bayestune
