// The trial runner's overhead per trial with the Slurm launcher beside the local launcher, on the
// test cluster, and a many-trial study of a fast trainer. Prints figures; never passes or fails.
//
//   slurm_runner_bench [--overhead-trials=20] [--trials=200] [--parallel=4] [--squeue=2]
//                      [--file-poll=0.1] [--slurm-defaults]
//
// Overhead (one trial at a time, a trainer that ends at once): launch -> trainer start (the
// runner's start event to the trainer's first line in the ledger; under Slurm, sbatch returning
// to the trainer running on the node) and trainer end -> next launch (the trainer's last line to
// the next trial's start event: the end seen, the trial recorded, the next one suggested and
// launched). Study: --trials trials, --parallel at once: total time, and Slurm calls per trial.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/trial_runner/slurm_launcher.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "slurm_test_cluster.h"

using namespace bayestune;
namespace fs = std::filesystem;

namespace {

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Option(int argc, char** argv, const std::string& name, double fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(prefix, 0) == 0) return std::atof(arg.c_str() + prefix.size());
  }
  return fallback;
}

bool Flag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == "--" + name) return true;
  }
  return false;
}

class StartTimes : public RunnerEvents {
 public:
  void OnTrialStarted(const TrialStartedEvent& e) override { started[e.trial.id] = WallNow(); }
  void OnWarning(std::optional<std::int64_t>, const std::string& message) override {
    std::fprintf(stderr, "warning: %s\n", message.c_str());
  }
  std::map<std::int64_t, double> started;
};

// "start|end <trial> <job> <gpus> <time>" lines of slurm_test_trainer's ledger.
std::map<std::int64_t, std::pair<double, double>> ReadLedger(const fs::path& path) {
  std::map<std::int64_t, std::pair<double, double>> spans;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string what, job, gpus;
    std::int64_t trial = 0;
    double time = 0;
    words >> what >> trial >> job >> gpus >> time;
    (what == "start" ? spans[trial].first : spans[trial].second) = time;
  }
  return spans;
}

struct Outcome {
  double seconds = 0;
  int trials = 0;
  SlurmCallCounts calls;
  std::vector<double> to_start;  // launch -> trainer start
  std::vector<double> to_next;   // trainer end -> next launch
};

Outcome RunStudy(testing::SlurmTestCluster* cluster, const fs::path& root, const std::string& name,
                 int trials, int parallel, double squeue_seconds, double file_poll_seconds) {
  const fs::path dir = root / name;
  fs::create_directories(dir);
  StudySpec spec;
  spec.metric_tag = "accuracy";
  spec.max_trials = trials;
  spec.max_parallel_trials = parallel;
  spec.max_failed_trials = trials;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), name,
                           {.create_if_missing = true, .spec = spec});
  TrialRunnerOptions options;
  options.runner.command = {BAYESTUNE_SLURM_TEST_TRAINER};
  options.runner.job_dir = (dir / "jobs").string();
  options.runner.env = {{"TEST_TRAINER_LEDGER", (dir / "ledger").string()}};
  options.metric_poll_seconds = 1;
  std::shared_ptr<SlurmLauncher> slurm;
  if (cluster != nullptr) {
    options.runner.launcher = LauncherKind::kSlurm;
    options.runner.gpus_per_trial = 1;
    options.runner.slurm.partition = cluster->partition();
    SlurmLauncherOptions launcher;
    launcher.commands.environment = cluster->Environment();
    launcher.job_program = BAYESTUNE_JOB_PROGRAM;
    launcher.squeue_seconds = squeue_seconds;
    launcher.file_poll_seconds = file_poll_seconds;
    slurm = std::make_shared<SlurmLauncher>(launcher);
    options.launcher = slurm;
  } else {
    options.runner.gpus = std::vector<int>{};
    options.runner.cpu_trials = parallel;
    options.gpu_lock_dir = (dir / "locks").string();
  }
  auto events = std::make_shared<StartTimes>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  const double begin = WallNow();
  const RunResult result = runner.Run();
  Outcome outcome;
  outcome.seconds = WallNow() - begin;
  outcome.trials = result.finished;
  if (result.outcome != RunOutcome::kStudyDone) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), result.message.c_str());
  }
  if (slurm) outcome.calls = slurm->calls();
  const auto spans = ReadLedger(dir / "ledger");
  for (const auto& [trial, span] : spans) {
    if (const auto it = events->started.find(trial); it != events->started.end()) {
      outcome.to_start.push_back(span.first - it->second);
    }
    if (const auto next = events->started.find(trial + 1); next != events->started.end()) {
      outcome.to_next.push_back(next->second - span.second);
    }
  }
  return outcome;
}

std::string Median(std::vector<double> values) {
  if (values.empty()) return "-";
  std::sort(values.begin(), values.end());
  const double median = values[values.size() / 2];
  const double p90 = values[std::min(values.size() - 1, values.size() * 9 / 10)];
  char text[64];
  std::snprintf(text, sizeof text, "%.0f ms (p90 %.0f)", median * 1000, p90 * 1000);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const int overhead_trials = static_cast<int>(Option(argc, argv, "overhead-trials", 20));
  const int trials = static_cast<int>(Option(argc, argv, "trials", 200));
  const int parallel = static_cast<int>(Option(argc, argv, "parallel", 4));
  const double squeue = Option(argc, argv, "squeue", 2);
  const double file_poll = Option(argc, argv, "file-poll", 0.1);
  if (auto why = testing::SlurmTestCluster::WhyUnavailable()) {
    std::printf("no Slurm test cluster: %s\n", why->c_str());
    return 1;
  }
  testing::SlurmTestClusterOptions cluster_options;
  if (Flag(argc, argv, "slurm-defaults")) cluster_options.scheduler_parameters = "";
  testing::SlurmTestCluster cluster(cluster_options);
  const fs::path root = cluster.dir().parent_path() /
                        ("bayestune-runner-bench-" + std::to_string(static_cast<long>(WallNow())));
  std::printf("cluster: %s; squeue every %.2f s, exit_status.json looked for every %.2f s\n",
              cluster_options.scheduler_parameters.empty() ? "Slurm's scheduling defaults"
                                                           : "batch_sched_delay=0",
              squeue, file_poll);

  const Outcome local = RunStudy(nullptr, root, "local-overhead", overhead_trials, 1, 0, 0);
  const Outcome slurm =
      RunStudy(&cluster, root, "slurm-overhead", overhead_trials, 1, squeue, file_poll);
  std::printf("\n%d trials one at a time (median, p90):\n", overhead_trials);
  std::printf("  local: launch -> trainer start %s; trainer end -> next launch %s\n",
              Median(local.to_start).c_str(), Median(local.to_next).c_str());
  std::printf("  slurm: sbatch done -> trainer start %s; trainer end -> next sbatch done %s\n",
              Median(slurm.to_start).c_str(), Median(slurm.to_next).c_str());
  std::printf("  totals: local %.1f s, slurm %.1f s\n", local.seconds, slurm.seconds);

  const Outcome local_study = RunStudy(nullptr, root, "local-study", trials, parallel, 0, 0);
  const Outcome slurm_study =
      RunStudy(&cluster, root, "slurm-study", trials, parallel, squeue, file_poll);
  const double n = std::max(1, slurm_study.trials);
  std::printf("\n%d trials, %d at once, a trainer that ends at once:\n", trials, parallel);
  std::printf("  local: %.1f s (%.1f trials/s)\n", local_study.seconds,
              local_study.trials / local_study.seconds);
  std::printf(
      "  slurm: %.1f s (%.1f trials/s); per trial: %.2f sbatch, %.2f squeue, %.2f "
      "scontrol, %.2f scancel\n",
      slurm_study.seconds, slurm_study.trials / slurm_study.seconds, slurm_study.calls.sbatch / n,
      slurm_study.calls.squeue / n, slurm_study.calls.scontrol / n, slurm_study.calls.scancel / n);
  std::error_code error;
  fs::remove_all(root, error);
  return 0;
}
