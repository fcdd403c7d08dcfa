#include "serve_process.h"

#include <csignal>
#include <stdexcept>

#include "temp_folder.h"
#include "test_files.h"

namespace bayestune::testing {

std::string BayestuneProgram() {
  return std::string(BAYESTUNE_BINARY_DIR) + "/cli/bayestune";
}

ServeProcess::ServeProcess(const std::vector<std::string>& args, const std::string& log_path,
                           const std::string& listen, const std::vector<std::string>& wrapper)
    : log_path_(log_path) {
  std::vector<std::string> argv = wrapper;
  for (const std::string& word :
       {BayestuneProgram(), std::string("serve"), std::string("--listen"), listen})
    argv.push_back(word);
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv, log_path_);
  const auto line = process_->ReadLine(std::chrono::seconds(30));
  const std::string marker = "listening on ";
  const auto at = line ? line->find(marker) : std::string::npos;
  if (at == std::string::npos) {
    throw std::runtime_error("bayestune serve did not start: " + line.value_or("(no output)") +
                             "\n" + Log());
  }
  const auto end = line->find(' ', at + marker.size());
  address_ = line->substr(at + marker.size(), end - at - marker.size());
}

int ServeProcess::Stop(int signal_number) {
  process_->Signal(signal_number);
  return process_->Wait(std::chrono::seconds(30)).value_or(-1);
}

void ServeProcess::Kill() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(30));
}

bool ServeProcess::Running() {
  return !process_->Wait(std::chrono::milliseconds(0)).has_value();
}

std::string ServeProcess::Log() const {
  return ReadFile(log_path_);
}

}  // namespace bayestune::testing
