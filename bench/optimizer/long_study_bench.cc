// long_study_bench: one long study of the default designer (the GP bandit) end to end over gRPC,
// as a fast trainer drives it: SuggestTrials, evaluate hartmann6 (microseconds), CompleteTrial,
// one trial at a time. The server runs in a child process on a fresh SQLite database, so that
// its peak resident memory is its own.
//   long_study_bench [--trials 10000] [--report-every 1000] [--db-dir DIR]
// Prints, per window of trials, the SuggestTrials latency (p50, p90, max), the server's resident
// memory, the best value so far; at the end the server's peak resident memory. Never passes or
// fails on time.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "bayestune/proto/study_client.h"
#include "bayestune/proto/study_server.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "benchmark_functions.h"

using namespace bayestune;
using Clock = std::chrono::steady_clock;

namespace {

// Serves `database` on 127.0.0.1 until `commands` reaches its end; writes the port to `port_out`.
[[noreturn]] void ServeChild(const std::string& database, int commands, int port_out) {
  int code = 0;
  try {
    proto::StudyServerOptions options;
    options.listen_address = "127.0.0.1:0";
    proto::StudyServer server(SqliteStudyRepository::Open(database), options);
    const int port = server.Start();
    if (write(port_out, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) _exit(3);
    close(port_out);
    char byte = 0;
    while (read(commands, &byte, 1) > 0) {
    }
    server.Shutdown(std::chrono::seconds(1));
    server.Wait();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "long_study_bench server: %s\n", e.what());
    code = 2;
  }
  _exit(code);
}

double ResidentMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0.0;
}

double Percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
  return ms[std::min(index, ms.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"one long GP study end to end over gRPC"};
  int trials = 10000;
  int report_every = 1000;
  std::string db_dir = std::filesystem::temp_directory_path().string();
  app.add_option("--trials", trials, "trials of the study")->check(CLI::PositiveNumber);
  app.add_option("--report-every", report_every, "trials per printed window")
      ->check(CLI::PositiveNumber);
  app.add_option("--db-dir", db_dir, "where the SQLite database is made (a fresh subfolder)")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);

  std::string folder = (std::filesystem::path(db_dir) / "long_study_bench-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) {
    std::fprintf(stderr, "long_study_bench: cannot make a folder in %s\n", db_dir.c_str());
    return 1;
  }
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return 1;
  const pid_t server = fork();
  if (server < 0) return 1;
  if (server == 0) {
    close(to_child[1]);
    close(from_child[0]);
    ServeChild(folder + "/studies.db", to_child[0], from_child[1]);
  }
  close(to_child[0]);
  close(from_child[1]);
  int port = 0;
  if (read(from_child[0], &port, sizeof port) != static_cast<ssize_t>(sizeof port)) {
    std::fprintf(stderr, "long_study_bench: the server did not start\n");
    return 1;
  }

  const std::string name = "hartmann6";
  const bench::BenchmarkFunction& f = bench::FindBenchmarkFunction(name);
  StudySpec spec;
  spec.goal = Goal::kMinimize;
  spec.metric_tag = "value";
  spec.max_trials = trials;
  spec.max_parallel_trials = 1;
  spec.seed = 1;
  for (int j = 0; j < f.dimensions(); ++j)
    spec.parameters.push_back(ParameterSpec::Double("x" + std::to_string(j + 1), 0.0, 1.0));

  proto::StudyClientOptions options;
  options.server_address = "127.0.0.1:" + std::to_string(port);
  options.call_timeout = std::chrono::minutes(10);
  int code = 0;
  try {
    proto::StudyClient client(options);
    client.CreateStudy("long", spec);
    std::printf(
        "long_study_bench: %d trials of hartmann6 (6 DOUBLE), the GP bandit, one at a time over "
        "gRPC, server in a child process on SQLite (%s)\n",
        trials, folder.c_str());
    std::printf(
        "| trials | SuggestTrials p50 ms | p90 ms | max ms | trials/s | server RSS MiB |"
        " best regret |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    std::fflush(stdout);
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> window;
    auto window_start = Clock::now();
    const auto start = Clock::now();
    for (int i = 1; i <= trials; ++i) {
      const auto t0 = Clock::now();
      const std::vector<Trial> suggested = client.SuggestTrials("long", 1, "long-study");
      window.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (suggested.size() != 1) throw std::runtime_error("SuggestTrials gave no trial");
      std::vector<double> x;
      for (int j = 0; j < f.dimensions(); ++j)
        x.push_back(suggested[0].parameters.at("x" + std::to_string(j + 1)).AsDouble());
      const double value = f.evaluate(x);
      best = std::min(best, value);
      client.CompleteTrial("long", suggested[0].id, value);
      if (i % report_every == 0 || i == trials) {
        const double seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
        std::printf(
            "| %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.3g |\n", i, Percentile(window, 0.5),
            Percentile(window, 0.9), *std::max_element(window.begin(), window.end()),
            static_cast<double>(window.size()) / seconds, ResidentMiB(server), best - f.optimum);
        std::fflush(stdout);
        window.clear();
        window_start = Clock::now();
      }
    }
    std::printf("%d trials in %.0f s\n", trials,
                std::chrono::duration<double>(Clock::now() - start).count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "long_study_bench: %s\n", e.what());
    code = 1;
  }
  close(to_child[1]);  // the server shuts down
  int status = 0;
  rusage usage{};
  wait4(server, &status, 0, &usage);
  std::printf("server peak resident memory: %.0f MiB (exit status %d)\n",
              static_cast<double>(usage.ru_maxrss) / 1024.0,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  std::filesystem::remove_all(folder);
  return code;
}
