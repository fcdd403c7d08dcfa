// grpc_bench: the study service under load, on 127.0.0.1, server and clients in this process.
//   grpc_bench [--clients 32] [--trials-per-client 50] [--measurements-per-client 200]
//              [--history 100,1000] [--suggest-samples 5] [--algorithm gp|random]
//              [--space mixed|finite] [--queued 0] [--db-dir DIR|memory]
//   grpc_bench --long-trial-steps 1000000 [--db-dir DIR|memory]
// --algorithm picks the designer whose SuggestTrials latency is measured after each --history
// (gp: the default designer, the GP bandit; random: RANDOM_SEARCH); --space finite makes its
// study's two DOUBLEs DISCRETE (100 and 51 values: 122,400 points), so that random search avoids
// repeats. --queued adds that many REQUESTED trials (queued, as RequestTrial makes them) after each
// history, which the SuggestTrials calls hand out first (StudyRepository::TallyTrials finds the
// first of them). --long-trial-steps N times instead one trial that reports N steps as
// `bayestune worker` sends them: AddMeasurements calls of the service's most (10,000), each with
// its own wall time, and the last call sent once more (a retry after a lost reply); the first and
// last tenth of the calls are timed apart, so that a call whose cost grows with the trial's history
// shows. Prints figures; never passes or fails on time.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "../../proto/src/study_service.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/proto/study_client.h"
#include "bayestune/proto/study_server.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "model_encoding.h"

using namespace bayestune;
using Clock = std::chrono::steady_clock;

namespace {

struct Flags {
  int clients = 32;
  int trials_per_client = 50;
  int measurements_per_client = 200;
  std::vector<int> history = {100, 1000};
  int suggest_samples = 5;
  Algorithm algorithm = Algorithm::kUnspecified;
  bool finite_space = false;
  int queued = 0;
  std::string db_dir;
  std::int64_t long_trial_steps = 0;
};

proto::StudyClientOptions ClientOptions(const std::string& address) {
  proto::StudyClientOptions options;
  options.server_address = address;
  options.call_timeout = std::chrono::minutes(10);
  return options;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--clients") {
      flags.clients = std::stoi(value);
    } else if (flag == "--trials-per-client") {
      flags.trials_per_client = std::stoi(value);
    } else if (flag == "--measurements-per-client") {
      flags.measurements_per_client = std::stoi(value);
    } else if (flag == "--history") {
      flags.history.clear();
      std::istringstream list(value);
      for (std::string item; std::getline(list, item, ',');)
        flags.history.push_back(std::stoi(item));
    } else if (flag == "--suggest-samples") {
      flags.suggest_samples = std::stoi(value);
    } else if (flag == "--algorithm") {
      if (value == "gp") {
        flags.algorithm = Algorithm::kUnspecified;
      } else if (value == "random") {
        flags.algorithm = Algorithm::kRandomSearch;
      } else {
        std::fprintf(stderr, "grpc_bench: --algorithm: gp or random, got %s\n", value.c_str());
        std::exit(2);
      }
    } else if (flag == "--space") {
      if (value != "mixed" && value != "finite") {
        std::fprintf(stderr, "grpc_bench: --space: mixed or finite, got %s\n", value.c_str());
        std::exit(2);
      }
      flags.finite_space = value == "finite";
    } else if (flag == "--queued") {
      flags.queued = std::stoi(value);
    } else if (flag == "--long-trial-steps") {
      flags.long_trial_steps = std::stoll(value);
    } else if (flag == "--db-dir") {
      flags.db_dir = value;
    } else {
      std::fprintf(stderr, "grpc_bench: unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return flags;
}

// The study database: SQLite in a fresh folder (under --db-dir, else the system's temporary
// folder), or memory with --db-dir memory.
std::shared_ptr<StudyRepository> MakeRepository(const Flags& flags, std::string* where,
                                                std::string* folder_made) {
  if (flags.db_dir == "memory") {
    *where = "in memory";
    return std::make_shared<InMemoryStudyRepository>();
  }
  const std::filesystem::path base = flags.db_dir.empty() ? std::filesystem::temp_directory_path()
                                                          : std::filesystem::path(flags.db_dir);
  std::string folder = (base / "grpc_bench-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) {
    std::fprintf(stderr, "grpc_bench: cannot make a folder in %s\n", base.c_str());
    std::exit(1);
  }
  *where = folder + "/studies.db (SQLite)";
  *folder_made = folder;
  return SqliteStudyRepository::Open(folder + "/studies.db");
}

StudySpec BenchSpec(Algorithm algorithm, int max_trials) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_parallel_trials = max_trials;
  spec.algorithm = algorithm;
  spec.parameters = {ParameterSpec::Double("lr", 1e-4, 1e-1, ScaleType::kLog),
                     ParameterSpec::Integer("layers", 1, 8),
                     ParameterSpec::Double("dropout", 0.0, 0.5),
                     ParameterSpec::Categorical("optimizer", {"adam", "sgd", "rmsprop"})};
  return spec;
}

double Percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
  return ms[std::min(index, ms.size() - 1)];
}

double ProcessCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void Report(const char* what, const std::vector<double>& ms, double wall_ms) {
  std::printf("%-16s %7zu calls  %9.0f calls/s  p50 %7.2f ms  p99 %7.2f ms\n", what, ms.size(),
              static_cast<double>(ms.size()) / (wall_ms / 1000.0), Percentile(ms, 0.50),
              Percentile(ms, 0.99));
}

// Runs `body(client_index, client, latencies)` on every client at once; returns the wall time.
template <typename Body>
double RunClients(const std::vector<std::unique_ptr<proto::StudyClient>>& clients,
                  std::vector<double>& latencies, Body body) {
  std::mutex mutex;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (std::size_t c = 0; c < clients.size(); ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      body(static_cast<int>(c), *clients[c], mine);
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads)
    t.join();
  return Since(start);
}

void ThroughputBench(const Flags& flags, const std::string& address) {
  const std::string study = "throughput";
  std::vector<std::unique_ptr<proto::StudyClient>> clients;
  for (int c = 0; c < flags.clients; ++c) {
    clients.push_back(std::make_unique<proto::StudyClient>(ClientOptions(address)));
  }
  clients[0]->CreateStudy(
      study, BenchSpec(Algorithm::kRandomSearch, flags.clients * flags.trials_per_client));
  std::vector<std::vector<std::int64_t>> trials(clients.size());
  std::vector<double> suggest_ms;
  double wall = RunClients(clients, suggest_ms, [&](int c, proto::StudyClient& client, auto& ms) {
    const auto start = Clock::now();
    for (const Trial& t :
         client.SuggestTrials(study, flags.trials_per_client, "bench-" + std::to_string(c))) {
      trials[c].push_back(t.id);
    }
    ms.push_back(Since(start));
  });
  Report("SuggestTrials", suggest_ms, wall);

  std::vector<double> measure_ms;
  wall = RunClients(clients, measure_ms, [&](int c, proto::StudyClient& client, auto& ms) {
    for (int i = 0; i < flags.measurements_per_client; ++i) {
      const std::int64_t trial = trials[c][i % trials[c].size()];
      const auto start = Clock::now();
      client.AddMeasurement(study, trial, i, 0.001 * i);
      ms.push_back(Since(start));
    }
  });
  Report("AddMeasurement", measure_ms, wall);

  std::vector<double> complete_ms;
  wall = RunClients(clients, complete_ms, [&](int c, proto::StudyClient& client, auto& ms) {
    for (std::int64_t trial : trials[c]) {
      const auto start = Clock::now();
      client.CompleteTrial(study, trial, 0.5 + 0.001 * static_cast<double>(trial));
      ms.push_back(Since(start));
    }
  });
  Report("CompleteTrial", complete_ms, wall);
}

// One trial's --long-trial-steps measurements, sent as the worker sends them.
void LongTrialBench(const Flags& flags, const std::string& address) {
  const std::string study = "long-trial";
  proto::StudyClient client(ClientOptions(address));
  client.CreateStudy(study, BenchSpec(Algorithm::kRandomSearch, 1));
  const std::int64_t trial = client.SuggestTrials(study, 1, "bench").at(0).id;
  const std::int64_t batch = proto::StudyServiceImpl::kMaxMeasurementsPerCall;
  std::vector<double> ms;
  std::vector<Measurement> measurements;
  const auto start = Clock::now();
  for (std::int64_t first = 0; first < flags.long_trial_steps; first += batch) {
    measurements.clear();
    for (std::int64_t step = first; step < std::min(first + batch, flags.long_trial_steps); ++step)
      measurements.push_back({.metric = "accuracy",
                              .step = step,
                              .value = 1e-7 * static_cast<double>(step),
                              .wall_time = 1.7e9 + 1e-3 * static_cast<double>(step)});
    const auto call = Clock::now();
    client.AddMeasurements(study, trial, measurements);
    ms.push_back(Since(call));
  }
  const double wall = Since(start);
  const auto retry = Clock::now();
  client.AddMeasurements(study, trial, measurements);  // stored already: nothing is added
  const double retry_ms = Since(retry);
  const std::size_t tenth = std::max<std::size_t>(1, ms.size() / 10);
  const auto mean = [](auto begin, auto end) {
    return std::accumulate(begin, end, 0.0) / static_cast<double>(end - begin);
  };
  std::printf(
      "one trial, %lld steps in %zu AddMeasurements calls of %lld: %.1f s, %.0f "
      "measurements/s; mean call: first tenth %.1f ms, last tenth %.1f ms; the last call "
      "again (a retry): %.1f ms\n",
      static_cast<long long>(flags.long_trial_steps), ms.size(), static_cast<long long>(batch),
      wall / 1000.0, static_cast<double>(flags.long_trial_steps) / (wall / 1000.0),
      mean(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(tenth)),
      mean(ms.end() - static_cast<std::ptrdiff_t>(tenth), ms.end()), retry_ms);
  const Trial stored = client.GetTrial(study, trial);
  if (static_cast<std::int64_t>(stored.measurements.size()) != flags.long_trial_steps) {
    std::fprintf(stderr, "grpc_bench: the trial holds %zu measurements, not %lld\n",
                 stored.measurements.size(), static_cast<long long>(flags.long_trial_steps));
    std::exit(1);
  }
}

// SuggestTrials latency of --algorithm's designer once `completed` trials are done.
void SuggestLatencyBench(const Flags& flags, const std::shared_ptr<StudyRepository>& repository,
                         const std::string& address, int completed) {
  const std::string name = "history-" + std::to_string(completed);
  StudySpec spec =
      BenchSpec(flags.algorithm, completed + flags.queued + flags.suggest_samples + 100);
  if (flags.finite_space) {
    std::vector<double> rates;
    std::vector<double> dropouts;
    for (int k = 0; k < 100; ++k)
      rates.push_back(1e-4 * std::pow(1e3, k / 99.0));
    for (int k = 0; k <= 50; ++k)
      dropouts.push_back(0.01 * k);
    spec.parameters[0] = ParameterSpec::Discrete("lr", rates);
    spec.parameters[2] = ParameterSpec::Discrete("dropout", dropouts);
  }
  auto study = Study::Open(repository, name, {.create_if_missing = true, .spec = spec});
  // The history goes in directly, in one transaction: finished trials at random points.
  std::mt19937_64 random(completed);
  std::uniform_real_distribution<double> unit(0, 1);
  repository->RunInTransaction([&] {
    for (int i = 0; i < completed; ++i) {
      Eigen::VectorXd x(study->space().ModelDimensions());
      for (int d = 0; d < x.size(); ++d)
        x[d] = unit(random);
      Trial t;
      t.state = TrialState::kSucceeded;
      t.parameters = DecodeFromModel(study->space(), x);
      t.client_id = "history";
      t.start_time = 1.7e9 + i;
      t.end_time = 1.7e9 + i + 60;
      t.final_value = std::sin(3 * t.parameters.at("dropout").AsDouble()) +
                      0.1 * static_cast<double>(t.parameters.at("layers").AsInteger());
      t.final_step = 1;
      t.measurements.push_back({.metric = "accuracy", .step = 1, .value = *t.final_value});
      repository->AddTrial(study->id(), std::move(t));
    }
    for (int i = 0; i < flags.queued; ++i) {
      Eigen::VectorXd x(study->space().ModelDimensions());
      for (int d = 0; d < x.size(); ++d)
        x[d] = unit(random);
      Trial t;
      t.state = TrialState::kRequested;
      t.parameters = DecodeFromModel(study->space(), x);
      repository->AddTrial(study->id(), std::move(t));
    }
  });

  proto::StudyClient client(ClientOptions(address));
  std::vector<double> ms;
  std::vector<double> cpu_ms;  // of this process (server and client): what load does not inflate
  for (int i = 0; i < flags.suggest_samples; ++i) {
    const auto start = Clock::now();
    const double cpu_start = ProcessCpuMs();
    const auto trials = client.SuggestTrials(name, 1, "bench-" + std::to_string(i));
    ms.push_back(Since(start));
    cpu_ms.push_back(ProcessCpuMs() - cpu_start);
    client.CompleteTrial(name, trials.at(0).id, 0.5);
  }
  std::printf(
      "SuggestTrials after %5d completed trials%s (%s%s): p50 %8.1f ms  max %8.1f ms  "
      "(%d calls; CPU p50 %.1f ms)\n",
      completed, flags.queued > 0 ? (" + " + std::to_string(flags.queued) + " queued").c_str() : "",
      spec.algorithm == Algorithm::kUnspecified
          ? "the GP bandit"
          : std::string(AlgorithmName(spec.algorithm)).c_str(),
      flags.finite_space ? ", finite space" : "", Percentile(ms, 0.5),
      *std::max_element(ms.begin(), ms.end()), flags.suggest_samples, Percentile(cpu_ms, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  std::string where;
  std::string folder_made;
  auto repository = MakeRepository(flags, &where, &folder_made);
  proto::StudyServerOptions options;
  options.listen_address = "127.0.0.1:0";
  proto::StudyServer server(repository, options);
  const std::string address = "127.0.0.1:" + std::to_string(server.Start());
  std::printf(
      "grpc_bench: %d client%s, one channel each, plaintext, server in this process on %s, "
      "database %s, %u CPUs\n",
      flags.long_trial_steps > 0 ? 1 : flags.clients,
      flags.long_trial_steps > 0 || flags.clients == 1 ? "" : "s", address.c_str(), where.c_str(),
      std::thread::hardware_concurrency());

  if (flags.long_trial_steps > 0) {
    LongTrialBench(flags, address);
  } else {
    ThroughputBench(flags, address);
    for (int completed : flags.history)
      SuggestLatencyBench(flags, repository, address, completed);
  }
  server.Shutdown(std::chrono::seconds(1));
  server.Wait();
  repository.reset();
  if (!folder_made.empty()) std::filesystem::remove_all(folder_made);
  return 0;
}
