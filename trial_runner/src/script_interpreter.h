#pragma once

#include <optional>
#include <string>

namespace bayestune {

// The interpreter that a script's first line names: "#!/usr/bin/python3 -u" gives path
// "/usr/bin/python3" and argument "-u" (the kernel passes the rest of the line as one argument).
struct ScriptInterpreter {
  std::string path;
  std::string argument;
  std::string line;  // the #! line as written, for messages
};

// The interpreter of `program` when it starts with "#!", else nullopt (a binary, an unreadable
// file).
std::optional<ScriptInterpreter> ReadScriptInterpreter(const std::string& program);

// What stops the script `program` from running because of its #! line: an interpreter that does
// not exist or is not an executable file, or, for "#!/usr/bin/env NAME", a NAME that is not in
// `path_variable` (the PATH the trainer gets). nullopt when there is nothing wrong with it, or
// `program` is not a script. The text names the program, its #! line and what to do.
std::optional<std::string> ScriptInterpreterProblem(const std::string& program,
                                                    const std::string& path_variable);

// Why execve(program) failed with `error`, for the user: "cannot run '<program>': " and the #!
// interpreter problem when there is one (execve reports a missing interpreter as ENOENT, as if
// the script itself were missing), else the errno text.
std::string DescribeExecFailure(const std::string& program, int error,
                                const std::string& path_variable);

}  // namespace bayestune
