// Scheduling overhead per trial through Slurm (SlurmCommands + bayestune-job on the test
// cluster) beside the local launch of the same trainer. Prints figures; never passes or fails.
//
//   slurm_bench [--jobs=20] [--pipeline=100] [--parallel=4] [--poll=0.5] [--fast-scheduler]
//
// The cluster runs with Slurm's scheduling defaults (batch_sched_delay=3: a job starts 1 to 3 s
// after sbatch), or with batch_sched_delay=0 (--fast-scheduler), as the tests' cluster does.
//
// Sequential rows (one job at a time): submit -> trainer start, and trainer end -> seen ended,
// by watching exit_status.json (every 10 ms) or by squeue (every --poll s). Pipeline: --pipeline
// jobs, --parallel in the queue at once, ends seen by exit_status.json with one squeue call for
// all jobs every --poll s: total time and sbatch/squeue calls per job.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bayestune/trial_runner/slurm_commands.h"
#include "bayestune/trial_runner/slurm_job_files.h"
#include "bayestune/trial_runner/trial_command.h"
#include "bayestune/trial_runner/trial_process.h"
#include "slurm_job_exit_status.h"
#include "slurm_job_launch.h"
#include "slurm_test_cluster.h"

using namespace bayestune;
namespace fs = std::filesystem;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The trainer's start time (third field of its `started` file) and end time (`ended`).
double StartedAt(const fs::path& dir) {
  std::istringstream in(ReadText(dir / "started"));
  long pid = 0, pgid = 0;
  double at = 0;
  in >> pid >> pgid >> at;
  return at;
}
double EndedAt(const fs::path& dir) {
  return std::atof(ReadText(dir / "ended").c_str());
}

struct Job {
  fs::path dir;
  SlurmJobFiles files;
  SlurmJobRequest request;
  SlurmJobLaunch launch;
};

Job Prepare(const fs::path& dir) {
  fs::create_directories(dir);
  Job job;
  job.dir = dir;
  job.files = SlurmJobFilesFor(dir);
  job.launch.executable = BAYESTUNE_SLURM_TEST_TRAINER;
  job.launch.argv = {"trainer", "--lr=0.1"};
  job.launch.environment = {"TEST_TRAINER_DIR=" + dir.string()};
  job.launch.working_dir = dir;
  job.launch.stdout_path = dir / "stdout.log";
  job.launch.stderr_path = dir / "stderr.log";
  job.launch.status_path = job.files.status;
  WriteSlurmJobLaunch(job.files.launch, job.launch);
  WriteFileAtomically(job.files.script, SlurmJobScript(BAYESTUNE_JOB_PROGRAM, job.files.launch),
                      0755);
  job.request.script = job.files.script;
  job.request.gpus = 1;
  job.request.output_file = job.files.log;
  job.request.working_dir = dir;
  return job;
}

struct Stats {
  std::vector<double> values;
  void Add(double v) { values.push_back(v); }
  double Quantile(double q) const {
    if (values.empty()) return 0;
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5)];
  }
  std::string Text() const {
    char line[128];
    std::snprintf(line, sizeof line, "median %7.1f ms, p90 %7.1f ms, max %7.1f ms",
                  Quantile(0.5) * 1000, Quantile(0.9) * 1000, Quantile(1.0) * 1000);
    return line;
  }
};

double Option(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--" + name + "=", 0) == 0) return std::atof(arg.c_str() + name.size() + 3);
  }
  return fallback;
}

void Sleep(double seconds) {
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(seconds * 1e6)));
}

// One job at a time through Slurm; the end is seen by exit_status.json or by squeue.
void Sequential(testing::SlurmTestCluster& cluster, const fs::path& root, int jobs, bool by_squeue,
                double poll) {
  SlurmCommandsOptions options;
  options.environment = cluster.Environment();
  SlurmCommands commands(options);
  Stats to_start, to_seen;
  for (int i = 0; i < jobs; ++i) {
    const Job job = Prepare(root / ((by_squeue ? "squeue-" : "file-") + std::to_string(i)));
    const double submitted = Now();
    const SlurmJobId id = commands.Submit(job.request);
    double seen = 0;
    while (seen == 0) {
      if (by_squeue) {
        Sleep(poll);
        if (commands.Query({id}).at(id).phase == SlurmJobPhase::kFinished) seen = Now();
      } else {
        Sleep(0.01);
        if (fs::exists(job.files.status)) seen = Now();
      }
    }
    to_start.Add(StartedAt(job.dir) - submitted);
    to_seen.Add(seen - EndedAt(job.dir));
  }
  const SlurmCallCounts& calls = commands.calls();
  std::printf("Slurm, 1 at a time, end seen by %s (%d jobs):\n",
              by_squeue ? "squeue" : "exit_status.json (10 ms)", jobs);
  std::printf("  submit -> trainer start:      %s\n", to_start.Text().c_str());
  std::printf("  trainer end -> end seen:      %s\n", to_seen.Text().c_str());
  std::printf("  calls per job: sbatch %.2f, squeue %.2f, scontrol %.2f\n",
              calls.sbatch / double(jobs), calls.squeue / double(jobs),
              calls.scontrol / double(jobs));
}

// The same trainer launched here, directly and through bayestune-job.
void Local(const fs::path& root, int jobs, bool through_job_program) {
  Stats to_start, to_seen;
  for (int i = 0; i < jobs; ++i) {
    const Job job =
        Prepare(root / ((through_job_program ? "local-job-" : "local-") + std::to_string(i)));
    ProcessLaunch launch;
    if (through_job_program) {
      launch.executable = BAYESTUNE_JOB_PROGRAM;
      launch.argv = {"bayestune-job", job.files.launch.string()};
      launch.environment = CurrentEnvironment();
    } else {
      launch.executable = job.launch.executable;
      launch.argv = job.launch.argv;
      launch.environment = CurrentEnvironment();
      launch.environment.insert(launch.environment.end(), job.launch.environment.begin(),
                                job.launch.environment.end());
    }
    launch.stdout_path = job.launch.stdout_path;
    launch.stderr_path = job.launch.stderr_path;
    const double launched = Now();
    TrialProcess process = TrialProcess::Launch(launch);
    process.WaitExit();
    const double seen = Now();
    to_start.Add(StartedAt(job.dir) - launched);
    to_seen.Add(seen - EndedAt(job.dir));
  }
  std::printf("local fork/exec%s (%d runs):\n",
              through_job_program ? " of bayestune-job" : " of the trainer", jobs);
  std::printf("  launch -> trainer start:      %s\n", to_start.Text().c_str());
  std::printf("  trainer end -> exit reaped:   %s\n", to_seen.Text().c_str());
}

// `total` jobs, `parallel` in the queue at once.
void Pipeline(testing::SlurmTestCluster& cluster, const fs::path& root, int total, int parallel,
              double poll) {
  SlurmCommandsOptions options;
  options.environment = cluster.Environment();
  SlurmCommands commands(options);
  std::map<SlurmJobId, Job> queued;
  int submitted = 0;
  int finished = 0;
  const double begin = Now();
  double last_query = 0;
  while (finished < total) {
    while (static_cast<int>(queued.size()) < parallel && submitted < total) {
      Job job = Prepare(root / ("pipeline-" + std::to_string(submitted++)));
      const SlurmJobId id = commands.Submit(job.request);
      queued.emplace(id, std::move(job));
    }
    Sleep(0.01);
    for (auto it = queued.begin(); it != queued.end();) {
      if (fs::exists(it->second.files.status)) {
        ++finished;
        it = queued.erase(it);
      } else {
        ++it;
      }
    }
    // What a launcher does besides: one squeue for all its jobs, for those that end without
    // writing exit_status.json (cancelled, node failure).
    if (Now() - last_query >= poll && !queued.empty()) {
      std::vector<SlurmJobId> ids;
      for (const auto& [id, job] : queued)
        ids.push_back(id);
      commands.Query(ids);
      last_query = Now();
    }
  }
  const double seconds = Now() - begin;
  const SlurmCallCounts& calls = commands.calls();
  std::printf("Slurm pipeline: %d jobs, %d in the queue at once, squeue every %.2f s:\n", total,
              parallel, poll);
  std::printf("  total %.1f s, %.2f jobs/s, %.0f ms per job\n", seconds, total / seconds,
              seconds * 1000 / total);
  std::printf("  calls per job: sbatch %.2f, squeue %.2f, scontrol %.2f\n",
              calls.sbatch / double(total), calls.squeue / double(total),
              calls.scontrol / double(total));
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = static_cast<int>(Option(argc, argv, "jobs", 20));
  const int pipeline = static_cast<int>(Option(argc, argv, "pipeline", 100));
  const int parallel = static_cast<int>(Option(argc, argv, "parallel", 4));
  const double poll = Option(argc, argv, "poll", 0.5);
  if (auto why = testing::SlurmTestCluster::WhyUnavailable()) {
    std::printf("slurm_bench: no Slurm test cluster here: %s\n", why->c_str());
    return 0;
  }
  const fs::path root = fs::temp_directory_path() / ("slurm-bench-" + std::to_string(getpid()));
  fs::create_directories(root);
  bool fast_scheduler = false;
  for (int i = 1; i < argc; ++i)
    fast_scheduler |= std::string(argv[i]) == "--fast-scheduler";
  testing::SlurmTestClusterOptions cluster_options;
  if (!fast_scheduler) cluster_options.scheduler_parameters.clear();
  testing::SlurmTestCluster cluster(cluster_options);
  std::printf("test cluster started in %.2f s; SchedulerParameters: %s\n", cluster.start_seconds(),
              fast_scheduler ? "batch_sched_delay=0" : "Slurm's defaults");
  Local(root, jobs, false);
  Local(root, jobs, true);
  Sequential(cluster, root, jobs, false, poll);
  Sequential(cluster, root, jobs, true, poll);
  if (pipeline > 0) Pipeline(cluster, root, pipeline, parallel, poll);
  cluster.Stop();
  fs::remove_all(root);
  return 0;
}
