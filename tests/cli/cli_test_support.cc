#include "cli_test_support.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bayestune::testing {

std::string BayestunePath() {
  return BAYESTUNE_BINARY_DIR "/cli/bayestune";
}
std::string TrainerPath() {
  return BAYESTUNE_BINARY_DIR "/gpu_models/bayestune-mlp";
}

namespace {

// `env -C DIR NAME=value... bayestune args...`: env changes the folder and the environment, then
// becomes bayestune (same pid, so signals reach it).
std::vector<std::string> CommandLine(const std::string& dir, const std::vector<std::string>& args,
                                     const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {"/usr/bin/env", "-C", dir};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.push_back(BayestunePath());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

ChildResult RunBayestune(const std::string& dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment) {
  static int calls = 0;
  ChildProcess child(CommandLine(dir, args, environment),
                     dir + "/.bayestune-call-" + std::to_string(++calls));
  return child.Wait();
}

std::unique_ptr<ChildProcess> StartBayestune(const std::string& dir,
                                             const std::vector<std::string>& args,
                                             const std::string& capture_prefix) {
  return std::make_unique<ChildProcess>(CommandLine(dir, args, {}), capture_prefix);
}

std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteTextFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

bool WaitForText(const std::filesystem::path& path, const std::string& text, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadTextFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

std::string SmallStudyYaml(int max_trials, int max_parallel, const std::string& trainer_flags) {
  return "trainingInput:\n"
         "  hyperparameters:\n"
         "    goal: MAXIMIZE\n"
         "    hyperparameterMetricTag: accuracy\n"
         "    maxTrials: " +
         std::to_string(max_trials) +
         "\n"
         "    maxParallelTrials: " +
         std::to_string(max_parallel) +
         "\n"
         "    params:\n"
         "      - parameterName: n_layers\n"
         "        type: INTEGER\n"
         "        minValue: 1\n"
         "        maxValue: 4\n"
         "        scaleType: UNIT_LINEAR_SCALE\n"
         "      - parameterName: momentum\n"
         "        type: DOUBLE\n"
         "        minValue: 0.5\n"
         "        maxValue: 0.99\n"
         "        scaleType: UNIT_LOG_SCALE\n"
         "runner:\n"
         "  command: [" +
         TrainerPath() + ", " + trainer_flags +
         "]\n"
         "  gpus: []\n";
}

}  // namespace bayestune::testing
