// Prints how fast the SQLite study store is; never passes or fails.
//
//   store_bench [FOLDER]   (default: a new folder under /tmp; the disk under it sets the figures,
//                           since every commit waits for fsync)
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"

using namespace bayestune;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

StudySpec BenchSpec(int max_trials) {
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = max_trials;
  spec.max_failed_trials = max_trials;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("learning_rate", 1e-4, 1e-1, ScaleType::kLog),
                     ParameterSpec::Integer("layers", 1, 8),
                     ParameterSpec::Categorical("optimizer", {"adam", "sgd"})};
  return spec;
}

// `writers` processes share one new file; each suggests, measures and completes `each` trials.
// Returns completions per second over the whole run.
double CompletionsPerSecond(const std::string& folder, int writers, int each) {
  const std::string database = folder + "/writers-" + std::to_string(writers) + ".db";
  // Created before the fork; no connection crosses it.
  Study::Open(SqliteStudyRepository::Open(database), "bench",
              {.create_if_missing = true, .spec = BenchSpec(writers * each)});
  const auto start = Clock::now();
  std::vector<pid_t> children;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      int code = 0;
      try {
        auto study = Study::Open(SqliteStudyRepository::Open(database), "bench");
        const std::string client = "w" + std::to_string(w);
        for (int i = 1; i <= each; ++i) {
          const Trial trial = study->Suggest(1, client).at(0);
          study->AddMeasurement(trial.id, {.metric = "accuracy", .step = i, .value = 0.5});
          study->Complete(trial.id);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "a writer failed\n");
  }
  return writers * each / SecondsSince(start);
}

// A study of `trials` finished trials with `measurements` measurements each, written in one go.
void WriteLargeStudy(const std::string& database, int trials, int measurements) {
  auto repository = SqliteStudyRepository::Open(database);
  const std::int64_t study_id =
      Study::Open(repository, "large", {.create_if_missing = true, .spec = BenchSpec(trials)})
          ->id();
  repository->RunInTransaction([&] {
    for (int i = 1; i <= trials; ++i) {
      Trial trial;
      trial.state = TrialState::kSucceeded;
      trial.parameters = {{"learning_rate", 1e-3 * (1 + i % 97)},
                          {"layers", 1 + i % 8},
                          {"optimizer", i % 2 == 0 ? "adam" : "sgd"}};
      trial.client_id = "runner";
      trial.gpus = {i % 8};
      trial.start_time = 1.7e9 + i;
      trial.end_time = 1.7e9 + i + 60;
      trial.final_value = 0.5 + 1e-5 * i;
      trial.final_step = measurements;
      for (int m = 1; m <= measurements; ++m)
        trial.measurements.push_back(
            {.metric = "accuracy", .step = m, .value = 0.1 * m, .wall_time = 1.7e9 + i + m});
      repository->AddTrial(study_id, std::move(trial));
    }
  });
}

// One trial's `total` measurements added in batches of `batch` (one tag, rising steps), as the
// runner stores a trainer that writes scalars fast: one AddMeasurements per read of its files.
// Returns the seconds it took.
double AddManyMeasurements(const std::string& database, int total, int batch) {
  auto study = Study::Open(SqliteStudyRepository::Open(database), "many",
                           {.create_if_missing = true, .spec = BenchSpec(1)});
  const Trial trial = study->Suggest(1, "bench").at(0);
  const auto start = Clock::now();
  std::vector<Measurement> measurements;
  for (int first = 1; first <= total; first += batch) {
    measurements.clear();
    for (int step = first; step < first + batch && step <= total; ++step) {
      measurements.push_back(
          {.metric = "accuracy", .step = step, .value = 0.5, .wall_time = 1.7e9 + step});
    }
    study->AddMeasurements(trial.id, measurements);
  }
  return SecondsSince(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string folder;
  if (argc > 1) {
    folder = argv[1];
  } else {
    folder = (fs::temp_directory_path() / ("store-bench-" + std::to_string(getpid()))).string();
    fs::create_directories(folder);
  }
  std::printf("store_bench: SQLite %s, files in %s\n", sqlite3_libversion(), folder.c_str());

  std::printf(
      "\ncompletions per second on one file (suggest + measure + complete, RANDOM_SEARCH,"
      " 3 transactions each, synchronous=FULL)\n");
  for (const auto& [writers, each] : {std::pair{1, 400}, std::pair{8, 50}}) {
    const double rate = CompletionsPerSecond(folder, writers, each);
    std::printf("  %d writer process%s x %d trials: %.0f completions/s\n", writers,
                writers == 1 ? "" : "es", each, rate);
  }

  constexpr int kTrials = 10'000;
  constexpr int kMeasurements = 5;
  const std::string large = folder + "/large.db";
  auto start = Clock::now();
  WriteLargeStudy(large, kTrials, kMeasurements);
  std::printf(
      "\na %d-trial study, %d measurements each: written in one transaction in %.2f s, "
      "file %.1f MiB\n",
      kTrials, kMeasurements, SecondsSince(start),
      static_cast<double>(fs::file_size(large)) / (1 << 20));
  std::vector<double> times;
  for (int run = 0; run < 5; ++run) {
    start = Clock::now();
    auto study = Study::Open(SqliteStudyRepository::Open(large), "large");
    const std::size_t loaded = study->Trials().size();
    times.push_back(SecondsSince(start));
    if (loaded != kTrials) std::fprintf(stderr, "loaded %zu trials\n", loaded);
  }
  std::sort(times.begin(), times.end());
  std::printf("  open + load all trials (Study::Open, Trials): median %.0f ms, best %.0f ms of 5\n",
              times[2] * 1e3, times[0] * 1e3);
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  start = Clock::now();
  const StudyProgress progress =
      Study::Open(SqliteStudyRepository::Open(large, read_only), "large")->Progress();
  std::printf("  read-only open + Progress (what `status` does): %.0f ms, %d succeeded\n",
              SecondsSince(start) * 1e3, progress.succeeded);

  std::printf(
      "\none trial's measurements added in batches of 1,000 (one AddMeasurements each, as the "
      "runner stores a trainer writing scalars fast)\n");
  for (const int total : {10'000, 50'000, 100'000}) {
    const std::string database = folder + "/many-" + std::to_string(total) + ".db";
    const double seconds = AddManyMeasurements(database, total, 1'000);
    std::printf("  %d measurements: %.2f s (%.1f us each)\n", total, seconds,
                seconds / total * 1e6);
  }

  if (argc <= 1) fs::remove_all(folder);
  return 0;
}
