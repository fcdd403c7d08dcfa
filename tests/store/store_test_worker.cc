// The test helper program: the tests of tests/store start it as real processes that share one
// database file.
//
//   store_test_worker open DB [--read-only] [--as-nobody]
//       opens DB and prints "OK <studies>" or "<ERROR_CODE>: <message>"; --as-nobody first drops
//       root's privileges (uid and gid 65534), so that file permissions apply
//   store_test_worker study-ops DB CLIENT CYCLES
//       CYCLES times: suggest one trial of study "concurrent" for CLIENT, add two measurements
//       (accuracy and loss at step i), complete it; prints "<trial id> <i>" after each
//   store_test_worker crash-writer DB CLIENT
//       suggests, measures and completes (or fails, every fifth) trials of study "crash" until
//       killed; after each Complete or Fail returns, writes "<trial id>\n" to fd 3
//   store_test_worker status-reader DB FINISHED
//       reads study "concurrent" read-only, as `status` does, until FINISHED trials are finished;
//       prints how many reads it made
#include <grp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "test_studies.h"

using namespace bayestune;

namespace {

int OpenDatabase(const std::vector<std::string>& args) {
  SqliteOpenOptions options;
  bool as_nobody = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if (args[i] == "--read-only") options.read_only = true;
    if (args[i] == "--as-nobody") as_nobody = true;
  }
  if (as_nobody && geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
      std::perror("dropping privileges");
      return 1;
    }
  }
  try {
    auto repository = SqliteStudyRepository::Open(args[1], options);
    std::cout << "OK " << repository->ListStudies().size() << "\n";
  } catch (const Error& e) {
    std::cout << ErrorCodeName(e.code()) << ": " << e.what() << "\n";
  }
  return 0;
}

int StudyOps(const std::vector<std::string>& args) {
  auto study = Study::Open(SqliteStudyRepository::Open(args[1]), "concurrent");
  const std::string& client = args[2];
  const int cycles = std::stoi(args[3]);
  for (int i = 1; i <= cycles; ++i) {
    const auto trials = study->Suggest(1, client);
    if (trials.empty())
      throw std::runtime_error("no trial suggested at cycle " + std::to_string(i));
    const std::int64_t id = trials[0].id;
    study->AddMeasurement(id, {.metric = "accuracy", .step = i, .value = i * 0.001});
    study->AddMeasurement(id, {.metric = "loss", .step = i, .value = -i * 0.001});
    study->Complete(id);
    std::cout << id << " " << i << "\n";
  }
  return 0;
}

int CrashWriter(const std::vector<std::string>& args) {
  auto study =
      Study::Open(SqliteStudyRepository::Open(args[1]), "crash",
                  {.create_if_missing = true, .spec = testing::RandomSearchSpec(1'000'000)});
  const std::string& client = args[2];
  for (;;) {
    const auto trials = study->Suggest(1, client);
    if (trials.empty()) return 0;
    const Trial& trial = trials[0];
    const auto step = static_cast<std::int64_t>(trial.measurements.size()) + 1;
    study->AddMeasurement(trial.id, {.metric = "accuracy", .step = step, .value = trial.id * 0.5});
    if (trial.id % 5 == 0) {
      study->Fail(trial.id, "failed on purpose");
    } else {
      study->Complete(trial.id);
    }
    const std::string ack = std::to_string(trial.id) + "\n";
    if (write(3, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size())) return 1;
  }
}

int StatusReader(const std::vector<std::string>& args) {
  const int target = std::stoi(args[2]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  int reads = 0;
  for (;;) {
    // Open anew now and then, as each `status` command does.
    auto study = Study::Open(SqliteStudyRepository::Open(args[1], read_only), "concurrent");
    for (int i = 0; i < 10; ++i, ++reads) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const StudyProgress progress = study->Progress();
      study->BestTrial();
      if (progress.finished() >= target) {
        std::cout << reads << "\n";
        return 0;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        std::cerr << "only " << progress.finished() << " of " << target
                  << " trials finished after 2 minutes\n";
        return 1;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 2 && args[0] == "open") return OpenDatabase(args);
    if (args.size() == 4 && args[0] == "study-ops") return StudyOps(args);
    if (args.size() == 3 && args[0] == "crash-writer") return CrashWriter(args);
    if (args.size() == 3 && args[0] == "status-reader") return StatusReader(args);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: store_test_worker open|study-ops|crash-writer|status-reader ... (see the "
               "comment at the top of store_test_worker.cc)\n";
  return 2;
}
