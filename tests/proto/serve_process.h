#pragma once

#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace bayestune::testing {

// The path of the built `bayestune` command.
std::string BayestuneProgram();

// A real `bayestune serve --listen <listen> <args>` process, started and waited for until it
// prints the port it listens on. Its stderr (the server's log) goes to `log_path`.
class ServeProcess {
 public:
  // `wrapper`: a command that runs the rest of its arguments, such as a shell that sets a limit
  // and execs them; the server is then `wrapper`'s process.
  ServeProcess(const std::vector<std::string>& args, const std::string& log_path,
               const std::string& listen = "127.0.0.1:0",
               const std::vector<std::string>& wrapper = {});

  const std::string& address() const { return address_; }  // 127.0.0.1:PORT
  pid_t pid() const { return process_->pid(); }
  // Sends `signal_number` and returns the exit code (-1 when it did not exit within 30 s).
  int Stop(int signal_number);
  // SIGKILL: the server dies at once, whatever it was doing.
  void Kill();
  bool Running();
  // What the server logged so far.
  std::string Log() const;

 private:
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  std::string address_;
};

}  // namespace bayestune::testing
