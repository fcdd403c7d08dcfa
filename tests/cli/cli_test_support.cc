#include "cli_test_support.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bayestune/store/sqlite_study_repository.h"
#include "test_study_yaml.h"

namespace bayestune::testing {

std::string BayestunePath() {
  return BAYESTUNE_BINARY_DIR "/cli/bayestune";
}
std::string TrainerPath() {
  return BAYESTUNE_BINARY_DIR "/gpu_models/bayestune-mlp";
}

namespace {

// `env -C DIR NAME=value... program args...`: env changes the folder and the environment, then
// becomes the program (same pid, so signals reach it).
std::vector<std::string> InFolder(const std::string& dir, const std::vector<std::string>& argv,
                                  const std::vector<std::string>& environment) {
  std::vector<std::string> command = {"/usr/bin/env", "-C", dir};
  command.insert(command.end(), environment.begin(), environment.end());
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

std::vector<std::string> Bayestune(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BayestunePath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

ChildResult RunInFolder(const std::string& dir, const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment) {
  static int calls = 0;
  ChildProcess child(InFolder(dir, argv, environment), dir + "/.call-" + std::to_string(++calls));
  return child.Wait();
}

ChildResult RunBayestune(const std::string& dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment) {
  return RunInFolder(dir, Bayestune(args), environment);
}

std::unique_ptr<ChildProcess> StartBayestune(const std::string& dir,
                                             const std::vector<std::string>& args,
                                             const std::string& capture_prefix,
                                             const std::vector<std::string>& environment) {
  return std::make_unique<ChildProcess>(InFolder(dir, Bayestune(args), environment),
                                        capture_prefix);
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
  return StudyYamlHead(max_trials, max_parallel) +
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

namespace bayestune::testing {

std::vector<std::string> LinesNotMatching(const std::string& text,
                                          const std::vector<std::string>& allowed) {
  std::vector<std::regex> patterns;
  for (const auto& pattern : allowed)
    patterns.emplace_back(pattern);
  std::vector<std::string> odd;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (std::none_of(patterns.begin(), patterns.end(),
                     [&](const std::regex& p) { return std::regex_match(line, p); })) {
      odd.push_back(line);
    }
  }
  return odd;
}

std::shared_ptr<Study> CategoricalGridStudy(const TempFolder& dir, const std::string& name,
                                            const std::string& parameter,
                                            const std::vector<std::string>& values) {
  StudySpec spec;
  spec.metric_tag = "score";
  spec.max_trials = static_cast<int>(values.size());
  spec.algorithm = Algorithm::kGridSearch;
  spec.parameters = {ParameterSpec::Categorical(parameter, values)};
  return Study::Open(SqliteStudyRepository::Open(dir.File("bayestune.db")), name,
                     {.create_if_missing = true, .spec = spec});
}

}  // namespace bayestune::testing
