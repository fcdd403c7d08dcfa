// The Slurm launcher's checks that need no cluster: where bayestune-job is, the job dir and
// database filesystem warnings, what the start event says.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/trial_runner/slurm_launcher.h"
#include "bayestune/trial_runner/trial_launcher.h"
#include "bayestune/trial_runner/trial_paths.h"
#include "bayestune/trial_runner/trial_runner.h"
#include "filesystem_kind.h"
#include "slurm_job_exit_status.h"
#include "slurm_test_support.h"
#include "test_files.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

// A stand-in for a Slurm command in `bin`: a shell script, executable.
void StandIn(const std::filesystem::path& bin, const std::string& program,
             const std::string& script) {
  WriteFile(bin / program, "#!/bin/sh\n" + script);
  std::filesystem::permissions(bin / program, std::filesystem::perms::owner_all);
}

// Starts `launcher` for study `name` with its jobs under dir/jobs, its warnings into `warnings`.
void StartCollecting(SlurmLauncher& launcher, const std::string& name, const RunnerSpec& runner,
                     const std::filesystem::path& dir, std::vector<std::string>& warnings) {
  launcher.Start(name, runner, StudySpec{}, dir / "jobs",
                 [&warnings](std::optional<std::int64_t>, const std::string& message) {
                   warnings.push_back(message);
                 });
}

// Trial `id`'s first attempt as run by Slurm job `job_id`, re-attached to (its folder made).
std::unique_ptr<LaunchedTrial> ReattachJob(SlurmLauncher& launcher,
                                           const std::filesystem::path& dir, std::int64_t id,
                                           const std::string& job_id) {
  Trial trial;
  trial.id = id;
  trial.attempt = 1;
  trial.jobs = {{1, job_id}};
  const TrialPaths paths = TrialPathsFor(dir / "jobs", id, 1);
  std::filesystem::create_directories(paths.dir);
  return launcher.Reattach(trial, paths);
}

// The launch of trial `id`'s first attempt running /bin/true, its folder made under dir/jobs.
TrialLaunchRequest TrueRequest(const std::filesystem::path& dir, std::int64_t id) {
  TrialLaunchRequest request;
  request.trial.id = id;
  request.trial.attempt = 1;
  request.command.executable = "/bin/true";
  request.command.argv = {"/bin/true"};
  request.paths = TrialPathsFor(dir / "jobs", id, 1);
  std::filesystem::create_directories(request.paths.dir);
  return request;
}

// Why the launch of `request` failed: Launch's LaunchError, or, for a trial whose sbatch is tried
// again at Refresh (Launch returns it not Submitted), its end's launch_error once the tries are
// over; "(submitted)" when it was submitted.
std::string LaunchFailure(SlurmLauncher& launcher, const TrialLaunchRequest& request) {
  std::unique_ptr<LaunchedTrial> trial;
  try {
    trial = launcher.Launch(request);
  } catch (const LaunchError& e) {
    return e.what();
  }
  for (int turn = 0; turn < 2000 && !trial->Submitted(); ++turn) {
    launcher.Refresh(turn);
    if (auto end = trial->PollEnd()) return end->launch_error;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "(submitted)";
}

std::string AllLines(const std::vector<std::string>& warnings) {
  std::string all;
  for (const std::string& warning : warnings)
    all += warning + "\n";
  return all;
}

}  // namespace

TEST_CASE("network filesystems are told from local ones by their statfs type", "[slurm][fs]") {
  CHECK(NetworkFilesystemOfType(0x6969) == "NFS");
  CHECK(NetworkFilesystemOfType(0xFF534D42L) == "CIFS");
  CHECK(NetworkFilesystemOfType(0x0BD00BD0) == "Lustre");
  CHECK(NetworkFilesystemOfType(0x47504653) == "GPFS");
  CHECK(NetworkFilesystemOfType(0xEF53) == std::nullopt);      // ext4
  CHECK(NetworkFilesystemOfType(0x58465342) == std::nullopt);  // xfs
  CHECK(NetworkFilesystemOfType(0x01021994) == std::nullopt);  // tmpfs: local, not shared
  // This test's own folder is not on a network filesystem here.
  CHECK(NetworkFilesystemOf(MakeTempDir("fs_kind") / "study.db") == std::nullopt);
}

TEST_CASE("a job dir under /tmp or on a tmpfs is private to this machine", "[slurm][fs]") {
  CHECK_THAT(NodeLocalReason("/tmp/bayestune-jobs/book").value_or(""),
             Catch::Contains("under /tmp"));
  CHECK_THAT(NodeLocalReason("/dev/shm/x").value_or(""), Catch::Contains("/dev/shm"));
  CHECK_THAT(NodeLocalReason("/home/../tmp/a").value_or(""), Catch::Contains("under /tmp"));
  CHECK(NodeLocalReason("/tmpfoo/jobs") == std::nullopt);  // a name that starts with tmp
  CHECK(NodeLocalReason("/home/me/jobs") == std::nullopt);
}

TEST_CASE("the Slurm launcher warns of a node-local job dir and says what each job asks for",
          "[slurm][launcher-unit]") {
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  // Stand-ins for Slurm's commands, which Start looks for in PATH (this test needs no Slurm).
  const auto bin = MakeTempDir("slurm-launcher-unit-bin");
  for (const char* program : {"sbatch", "squeue", "scontrol", "scancel"}) {
    WriteFile(bin / program, "#!/bin/sh\nexit 1\n");
    std::filesystem::permissions(bin / program, std::filesystem::perms::owner_all);
  }
  options.commands.environment = {"PATH=" + bin.string()};
  SlurmLauncher launcher(options);
  RunnerSpec runner;
  runner.gpus_per_trial = 2;
  runner.slurm.partition = "gpu";
  runner.slurm.time = "1:00:00";
  runner.slurm.extra_args = {"--exclusive"};
  StudySpec spec;
  spec.max_parallel_trials = 6;
  std::vector<std::string> warnings;
  const LauncherStart start =
      launcher.Start("book", runner, spec, "/tmp/bayestune-jobs/book",
                     [&](std::optional<std::int64_t>, const std::string& message) {
                       warnings.push_back(message);
                     });
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("/tmp/bayestune-jobs/book") &&
                              Catch::Contains("private to this machine") &&
                              Catch::Contains("runner.jobDir"));
  CHECK(start.max_running == 6);  // maxParallelTrials jobs in the queue
  CHECK(start.base_environment.empty());
  CHECK_THAT(start.event.slurm_request,
             Catch::StartsWith("sbatch --parsable --partition=gpu --time=1:00:00 --gres=gpu:2") &&
                 Catch::Contains("--no-requeue --exclusive"));
  CHECK(launcher.FreeSlots(4) == 2);
  CHECK(launcher.FreeSlots(6) == 0);
}

TEST_CASE("bayestune-job: the one configured, else beside this program, else in PATH",
          "[slurm][launcher-unit]") {
  CHECK(FindSlurmJobProgram(JobProgram(), "") == JobProgram());
  CHECK_THROWS_AS(FindSlurmJobProgram("/nonexistent/bayestune-job", ""), InvalidArgument);
  const std::filesystem::path folder = std::filesystem::path(JobProgram()).parent_path();
  CHECK(FindSlurmJobProgram("", "/nonexistent:" + folder.string()) == folder / "bayestune-job");
  CHECK_THROWS_WITH(FindSlurmJobProgram("", "/nonexistent"),
                    Catch::Contains("bayestune-job") && Catch::Contains("PATH"));
}

TEST_CASE("the Slurm launcher stops at its start when a Slurm command is not in PATH",
          "[slurm][launcher-unit]") {
  const auto bin = MakeTempDir("slurm-launcher-unit-partial");
  for (const char* program : {"sbatch", "scontrol", "scancel"}) {  // no squeue
    WriteFile(bin / program, "#!/bin/sh\nexit 1\n");
    std::filesystem::permissions(bin / program, std::filesystem::perms::owner_all);
  }
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  SlurmLauncher launcher(options);
  CHECK_THROWS_AS_WITH(launcher.Start("book", RunnerSpec{}, StudySpec{}, "/shared/jobs/book",
                                      [](std::optional<std::int64_t>, const std::string&) {}),
                       InvalidArgument,
                       Catch::Contains("'squeue' was not found in PATH (" + bin.string() + ")") &&
                           Catch::Contains("slurm-client"));
}

TEST_CASE(
    "a cancel owed while Slurm was down, for a job that ended meanwhile, is not said to have "
    "cancelled it",
    "[slurm][launcher-unit]") {
  // Stand-ins that answer as the test sets them: squeue lists squeue.txt, scancel says
  // scancel.err with exit status scancel.rc.
  const auto dir = MakeTempDir("slurm-launcher-unit-owed");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  for (const char* program : {"sbatch", "scontrol"})
    StandIn(bin, program, "exit 1\n");
  StandIn(bin, "squeue", "cat '" + (dir / "squeue.txt").string() + "'\n");
  StandIn(bin, "scancel",
          "cat '" + (dir / "scancel.err").string() + "' >&2\nexit $(cat '" +
              (dir / "scancel.rc").string() + "')\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string() + ":/usr/bin:/bin"};  // and cat
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "owed", RunnerSpec{}, dir, warnings);
  const std::unique_ptr<LaunchedTrial> job = ReattachJob(launcher, dir, 1, "4242");
  REQUIRE(job != nullptr);
  WriteFile(dir / "squeue.txt", "4242|RUNNING|0|N/A|N/A|node1|None|\n");
  launcher.Refresh(1.0);
  // Its timeout's cancel cannot reach slurmctld.
  WriteFile(dir / "scancel.err",
            "scancel: error: Kill job error on job id 4242: Unable to contact slurm controller "
            "(connect failure)\n");
  WriteFile(dir / "scancel.rc", "1\n");
  job->Kill();
  INFO(warnings.size() << " warnings, the last: " << warnings.back());
  CHECK_THAT(warnings.back(), Catch::Contains("cancelling it as soon as Slurm answers again"));
  // Slurm answers again; the job ended meanwhile, so scancel has nothing to cancel.
  WriteFile(dir / "squeue.txt", "4242|COMPLETED|0|N/A|N/A|node1|None|\n");
  WriteFile(dir / "scancel.err",
            "scancel: error: Kill job error on job id 4242: Job/step already completing or "
            "completed\n");
  launcher.Refresh(100.0);
  const std::string all = AllLines(warnings);
  INFO(all);
  CHECK_THAT(all, !Catch::Contains("cancelled Slurm job 4242") &&
                      Catch::Contains("Slurm job 4242 had ended before its cancel reached Slurm"));
  // Owed no longer: Slurm is not asked again.
  const std::size_t said = warnings.size();
  launcher.Refresh(200.0);
  CHECK(warnings.size() == said);
}

TEST_CASE(
    "sbatch refused for a submit limit is retried saying Slurm has not taken the job, not that it "
    "did not answer",
    "[slurm][launcher-unit]") {
  // A limit on jobs in the queue may pass (SlurmCommands: Unavailable), as a controller that is
  // down does; but Slurm answered, and the wait said "Slurm has not answered for ...".
  const auto dir = MakeTempDir("slurm-launcher-unit-limit");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  StandIn(bin, "sbatch",
          "echo 'sbatch: error: Batch job submission failed: Job violates accounting/QOS policy "
          "(job submit limit, user'\"'\"'s size and/or time limits)' >&2\nexit 1\n");
  StandIn(bin, "squeue", "exit 0\n");  // no job of the attempt's name
  for (const char* program : {"scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  options.submit_retry_seconds = {0.01, 0.02};
  options.submit_give_up_seconds = 0.1;
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "limit", RunnerSpec{}, dir, warnings);
  const TrialLaunchRequest request = TrueRequest(dir, 1);
  CHECK_THAT(LaunchFailure(launcher, request),
             Catch::Contains("job submit limit") && Catch::Contains("times in"));
  const std::string all = AllLines(warnings);
  INFO(all);
  CHECK_THAT(all, Catch::Contains("submitting again in") &&
                      Catch::Contains("(Slurm has not taken the job for ") &&
                      Catch::Contains("the run waits for it up to") &&
                      !Catch::Contains("has not answered"));
}

TEST_CASE(
    "sbatch refused for a QOS limit on each job's size or time fails at once naming the limit and "
    "the setting to change while a limit on the number of jobs is waited on",
    "[slurm][launcher-unit]") {
  // Slurm words both "Job violates accounting/QOS policy (job submit limit, user's size and/or
  // time limits)"; until this change the per-job limit was retried for 10 minutes too, although
  // such a job can never start. Slurm names the limit on a line of its own.
  const auto dir = MakeTempDir("slurm-launcher-unit-qos-limit");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  const auto calls = dir / "sbatch-calls";
  const auto refuse = [&](const std::string& limit) {
    StandIn(bin, "sbatch",
            "echo x >> '" + calls.string() + "'\necho 'sbatch: error: " + limit +
                "' >&2\necho 'sbatch: error: Batch job submission failed: Job violates "
                "accounting/QOS policy (job submit limit, user'\"'\"'s size and/or time limits)' "
                ">&2\nexit 1\n");
  };
  StandIn(bin, "squeue", "exit 0\n");  // no job of the attempt's name
  for (const char* program : {"sbatch", "scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");  // sbatch: each section's
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  options.submit_retry_seconds = {0.01, 0.02};
  options.submit_give_up_seconds = 0.2;
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  RunnerSpec runner;
  runner.slurm.time = "48:00:00";
  runner.slurm.qos = "short";
  StartCollecting(launcher, "qos", runner, dir, warnings);
  const TrialLaunchRequest request = TrueRequest(dir, 1);
  const auto sbatch_calls = [&] {
    const std::string text = ReadFile(calls);
    return std::count(text.begin(), text.end(), '\n');
  };
  const auto launch_error = [&] { return LaunchFailure(launcher, request); };
  SECTION("the job's time over the QOS's MaxWall") {
    refuse("QOSMaxWallDurationPerJobLimit");
    CHECK_THAT(launch_error(),
               Catch::Contains("QOSMaxWallDurationPerJobLimit") &&
                   Catch::Contains("can never start") &&
                   Catch::Contains("lower runner.slurm.time ('48:00:00')") &&
                   Catch::Contains("runner.slurm.qos ('short') one whose limit is higher") &&
                   !Catch::Contains("times in"));
    CHECK(sbatch_calls() == 1);
    CHECK_THAT(AllLines(warnings), !Catch::Contains("submitting again"));
  }
  SECTION("the job's CPUs over the QOS's MaxTRESPerJob") {
    refuse("QOSMaxCpuPerJobLimit");
    CHECK_THAT(launch_error(), Catch::Contains("QOSMaxCpuPerJobLimit") &&
                                   Catch::Contains("lower runner.slurm.cpusPerTrial"));
    CHECK(sbatch_calls() == 1);
  }
  SECTION("too many jobs of the user queued: waited on") {
    refuse("QOSMaxSubmitJobPerUserLimit");
    CHECK_THAT(launch_error(),
               Catch::Contains("QOSMaxSubmitJobPerUserLimit") && Catch::Contains("times in"));
    CHECK(sbatch_calls() > 2);
    CHECK_THAT(AllLines(warnings), Catch::Contains("submitting again"));
  }
}

TEST_CASE(
    "trials launched together while Slurm takes no job wait behind the first: one sbatch a "
    "try for them all",
    "[slurm][launcher-unit]") {
  // The runner launches the trials of a turn together (maxParallelTrials at a study's start).
  // Until this change each tried sbatch on its own, each with its own waits: with Slurm down, one
  // sbatch (and a MessageTimeout) per trial at every try, and one warning each.
  const bool slurm_back = GENERATE(true, false);
  INFO("Slurm takes jobs again: " << slurm_back);
  const auto dir = MakeTempDir("slurm-launcher-unit-together");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  const auto calls = dir / "sbatch-calls";
  const auto back = dir / "slurm-back";
  StandIn(
      bin, "sbatch",
      "echo x >> '" + calls.string() + "'\nif [ -e '" + back.string() +
          "' ]; then echo $$; exit 0; fi\necho 'sbatch: error: QOSMaxSubmitJobPerUserLimit' >&2\n"
          "echo 'sbatch: error: Batch job submission failed: Job violates accounting/QOS "
          "policy (job submit limit, user'\"'\"'s size and/or time limits)' >&2\nexit 1\n");
  StandIn(bin, "squeue", "exit 0\n");  // no job of the attempt's name
  for (const char* program : {"scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  options.submit_retry_seconds = {0.05};
  options.submit_give_up_seconds = 0.5;
  options.squeue_seconds = 1000;  // Refresh asks squeue of no job meanwhile
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "together", RunnerSpec{}, dir, warnings);
  std::vector<std::unique_ptr<LaunchedTrial>> trials;
  for (std::int64_t id : {1, 2, 3}) {
    trials.push_back(launcher.Launch(TrueRequest(dir, id)));
    CHECK_FALSE(trials.back()->Submitted());
  }
  const auto sbatch_calls = [&] {
    const std::string text = ReadFile(calls);
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  };
  CHECK(sbatch_calls() == 1);  // trials 2 and 3 wait behind trial 1
  const auto all_done = [&] {
    return std::all_of(trials.begin(), trials.end(),
                       [](const auto& t) { return t->Submitted() || t->PollEnd().has_value(); });
  };
  // Three tries of trial 1's, each one sbatch.
  for (int turn = 0; turn < 2000 && !all_done() && (slurm_back ? sbatch_calls() < 3 : true);
       ++turn) {
    launcher.Refresh(turn);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int tries = sbatch_calls();
  if (slurm_back) WriteFile(back, "");
  for (int turn = 0; turn < 2000 && !all_done(); ++turn) {
    launcher.Refresh(turn);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string all = AllLines(warnings);
  INFO(all);
  const auto Occurrences = [](const std::string& text, const std::string& part) {
    int count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
      ++count;
    return count;
  };
  CHECK(Occurrences(all, "not submitted yet: Slurm has not taken the job of trial 1 either") == 2);
  if (slurm_back) {
    CHECK(tries == 3);
    for (const auto& trial : trials)
      CHECK(trial->Submitted());
    CHECK(sbatch_calls() == tries + 3);  // one each once Slurm took jobs again
  } else {
    // Trial 1's tries only, until it gave up; the others end with it, never tried.
    CHECK(tries == Occurrences(all, "submitting again in") + 1);
    for (const auto& trial : trials) {
      const auto end = trial->PollEnd();
      REQUIRE(end.has_value());
      CHECK_THAT(end->launch_error,
                 Catch::Contains("QOSMaxSubmitJobPerUserLimit") && Catch::Contains("times in"));
      CHECK_FALSE(end->launch_stopped);
    }
  }
}

TEST_CASE(
    "sbatch that never answers while squeue fails too: giving up says how to cancel the job it "
    "may have made",
    "[slurm][launcher-unit]") {
  // Each sbatch may have made the job and lost its answer; squeue could never say. Until this
  // change the run ended saying only sbatch's error, and such a job ran on, followed by nobody.
  const auto dir = MakeTempDir("slurm-launcher-unit-give-up");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  StandIn(bin, "sbatch",
          "echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv "
          "operation' >&2\nexit 1\n");
  StandIn(bin, "squeue",
          "echo 'squeue: error: Unable to contact slurm controller (connect failure)' >&2\n"
          "exit 1\n");
  for (const char* program : {"scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  options.submit_retry_seconds = {0.01, 0.02};
  options.submit_give_up_seconds = 0.1;
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "lost", RunnerSpec{}, dir, warnings);
  const TrialLaunchRequest request = TrueRequest(dir, 1);
  CHECK_THAT(LaunchFailure(launcher, request), Catch::Contains("times in"));
  const std::string all = AllLines(warnings);
  INFO(all);
  CHECK_THAT(all, Catch::Contains("may have made a job although its answer was lost") &&
                      Catch::Contains("if `squeue --name=bayestune-lost-1` lists one, `scancel "
                                      "--name=bayestune-lost-1` cancels it"));
}

TEST_CASE(
    "a job pending on its partition's time or node limit is not said to wait for jobs under an "
    "account or QOS limit",
    "[slurm][launcher-unit]") {
  // "PartitionTimeLimit" ends in "Limit": the hint said the job waits until jobs of the user
  // under the same account or QOS limit end, which never frees a job asking for more time than
  // its partition's MaxTime.
  const auto dir = MakeTempDir("slurm-launcher-unit-partition-limit");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  for (const char* program : {"sbatch", "scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");
  StandIn(bin, "squeue", "cat '" + (dir / "squeue.txt").string() + "'\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string() + ":/usr/bin:/bin"};  // and cat
  options.pending_notice_seconds = 0;
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  RunnerSpec runner;
  runner.slurm.time = "48:00:00";
  StartCollecting(launcher, "limits", runner, dir, warnings);
  std::vector<std::unique_ptr<LaunchedTrial>> jobs;
  for (const std::int64_t id : {1, 2, 3, 4})
    jobs.push_back(ReattachJob(launcher, dir, id, std::to_string(4240 + id)));
  WriteFile(dir / "squeue.txt",
            "4241|PENDING|0|N/A|N/A|n/a|PartitionTimeLimit|\n"
            "4242|PENDING|0|N/A|N/A|n/a|PartitionNodeLimit|\n"
            "4243|PENDING|0|N/A|N/A|n/a|QOSMaxJobsPerUserLimit|\n"
            "4244|PENDING|0|N/A|N/A|n/a|QOSMaxWallDurationPerJobLimit|\n");
  launcher.Refresh(1.0);
  const auto said = [&](const std::string& job) {
    for (const std::string& warning : warnings) {
      if (warning.starts_with("Slurm job " + job + " has been pending")) return warning;
    }
    return std::string();
  };
  INFO(said("4241") << "\n" << said("4242") << "\n" << said("4243"));
  CHECK_THAT(said("4241"), Catch::Contains("(squeue's reason: PartitionTimeLimit): it asks for "
                                           "more time than its partition allows") &&
                               Catch::Contains("runner.slurm.time") &&
                               !Catch::Contains("account or QOS"));
  CHECK_THAT(said("4242"), Catch::Contains("(squeue's reason: PartitionNodeLimit)") &&
                               Catch::Contains("its partition's limits on a job") &&
                               !Catch::Contains("account or QOS"));
  CHECK_THAT(said("4243"), Catch::Contains("a limit of its account or QOS") &&
                               Catch::Contains("until jobs of yours under the same limit end"));
  // A limit on each job (its time, its GPUs) frees nothing as other jobs end either.
  CHECK_THAT(said("4244"), Catch::Contains("more than a limit of its account or QOS allows one "
                                           "job") &&
                               !Catch::Contains("until jobs of yours"));
}

TEST_CASE(
    "a cancel owed for a job no trial follows any more: 'Slurm answers again' only once it does",
    "[slurm][launcher-unit]") {
  // With no job followed, the squeue of a turn asks Slurm nothing; the turn still said "Slurm
  // answers again", then its owed scancel failed, and so on at every turn while Slurm was down.
  const auto dir = MakeTempDir("slurm-launcher-unit-owed-alone");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  for (const char* program : {"sbatch", "scontrol"})
    StandIn(bin, program, "exit 1\n");
  const std::string down =
      "slurm_load_jobs error: Unable to contact slurm controller (connect failure)";
  // squeue and scancel fail while the file `down` exists.
  for (const char* program : {"squeue", "scancel"}) {
    StandIn(bin, program,
            "if [ -e '" + (dir / "down").string() + "' ]; then echo '" + down +
                "' >&2; exit 1; fi\nexit 0\n");
  }
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string() + ":/usr/bin:/bin"};
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "alone", RunnerSpec{}, dir, warnings);
  std::unique_ptr<LaunchedTrial> job = ReattachJob(launcher, dir, 1, "4242");
  REQUIRE(job != nullptr);
  WriteFile(dir / "down", "");
  launcher.Refresh(1.0);  // squeue fails: said once
  job->Kill();            // scancel fails: owed
  job.reset();            // the runner moved on: no trial follows job 4242
  for (double now = 10; now < 50; now += 10)
    launcher.Refresh(now);
  const auto count = [&](const std::string& part) {
    return std::count_if(warnings.begin(), warnings.end(), [&](const std::string& warning) {
      return warning.find(part) != std::string::npos;
    });
  };
  std::string all = AllLines(warnings);
  INFO(all);
  const auto said_back = [&] {
    return std::count(warnings.begin(), warnings.end(), "Slurm answers again");
  };
  CHECK(said_back() == 0);
  CHECK(count("asking again every") == 1);
  std::filesystem::remove(dir / "down");
  launcher.Refresh(60);
  INFO(all);
  CHECK(count("cancelled Slurm job 4242, which could not be cancelled") == 1);
  CHECK(said_back() == 1);
}

TEST_CASE(
    "a second Ctrl-C while Slurm does not answer ends the run at once, leaving the trial to its "
    "job and saying how to cancel it",
    "[slurm][launcher-unit]") {
  // Until this change the run waited for Slurm to answer: for ever for a job whose scancel failed
  // (known id), up to submit_give_up_seconds (10 minutes) for one that ran although sbatch's
  // answer was lost (its id unknown). Requeueing the trial instead would run it twice once
  // slurmctld is back (its job runs on): it is left as a runner that died leaves it.
  const bool id_known = GENERATE(true, false);
  INFO("the job's id is known: " << id_known);
  const auto dir = MakeTempDir("slurm-launcher-unit-left");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  const std::string down = "echo 'error: Unable to contact slurm controller (connect failure)' >&2";
  if (id_known) {
    StandIn(bin, "sbatch", "echo 4242\n");
  } else {
    // Slurm takes the job and starts it (it opens its output), but sbatch's answer is lost.
    StandIn(bin, "sbatch",
            "for a; do case \"$a\" in --output=*) : > \"${a#--output=}\";; esac; done\n"
            "echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv "
            "operation' >&2\nexit 1\n");
  }
  // squeue says the job runs until the test says Slurm is down (file `down`).
  StandIn(bin, "squeue",
          "if [ -e '" + (dir / "down").string() + "' ]; then " + down +
              "; exit 1; fi\necho '4242|RUNNING|0|N/A|N/A|node1|None|'\n");
  for (const char* program : {"scontrol", "scancel"})
    StandIn(bin, program, down + "\nexit 1\n");
  if (!id_known) WriteFile(dir / "down", "");
  auto study = Study::Open(std::make_shared<InMemoryStudyRepository>(), "left",
                           {.create_if_missing = true, .spec = [] {
                              StudySpec spec;
                              spec.goal = Goal::kMaximize;
                              spec.metric_tag = "accuracy";
                              spec.max_trials = 1;
                              spec.max_parallel_trials = 1;
                              spec.algorithm = Algorithm::kRandomSearch;
                              spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
                              return spec;
                            }()});
  TrialRunnerOptions options;
  options.runner.command = {"/bin/true"};
  options.runner.job_dir = (dir / "jobs").string();
  options.runner.launcher = LauncherKind::kSlurm;
  options.runner.gpus_per_trial = 0;
  SlurmLauncherOptions slurm;
  slurm.job_program = JobProgram();
  slurm.commands.environment = {"PATH=" + bin.string() + ":/usr/bin:/bin"};
  slurm.squeue_seconds = 0.05;
  slurm.submit_retry_seconds = {300};
  slurm.working_dir = dir;
  options.launcher = std::make_shared<SlurmLauncher>(slurm);
  struct Warnings : RunnerEvents {
    void OnWarning(std::optional<std::int64_t>, const std::string& message) override {
      std::lock_guard lock(mutex);
      text += message + "\n";
    }
    std::string Text() {
      std::lock_guard lock(mutex);
      return text;
    }
    std::mutex mutex;
    std::string text;
  };
  auto events = std::make_shared<Warnings>();
  TrialRunner runner(std::make_shared<LocalStudyConnection>(study), options, events);
  std::atomic<bool> run_ended = false;
  RunResult result;
  std::thread run([&] {
    result = runner.Run();
    run_ended = true;
  });
  // The trial runs (known id: squeue said so) or its sbatch waits to be tried again (lost id).
  const bool running = WaitFor(
      [&] {
        const std::vector<Trial> trials = study->Trials();
        return id_known ? !trials.empty() && trials.front().jobs.size() == 1
                        : events->Text().find("again in 5m") != std::string::npos;
      },
      20);
  if (id_known) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // squeue says RUNNING
    WriteFile(dir / "down", "");
  }
  runner.RequestInterrupt(SIGINT);
  runner.RequestInterrupt(SIGINT);
  const bool ended = WaitFor([&] { return run_ended.load(); }, 20);
  if (!ended) {
    // Slurm answers again, the job cancelled: the run it waited for ends.
    std::filesystem::remove(dir / "down");
    StandIn(bin, "scancel", "exit 0\n");
    StandIn(bin, "squeue", "echo '4242|CANCELLED|0|N/A|N/A|node1|None|'\n");
  }
  run.join();
  const std::string warnings = events->Text();
  INFO(result.message << "\n" << warnings);
  REQUIRE(running);
  CHECK(ended);
  CHECK_THAT(result.message,
             Catch::Contains("1 trial(s) whose Slurm jobs could not be cancelled (Slurm does not "
                             "answer) are left to them: the next run of the study re-attaches"));
  if (id_known) {
    CHECK_THAT(warnings, Catch::Contains("Slurm job 4242 could not be cancelled") &&
                             Catch::Contains("`scancel 4242` cancels it once Slurm answers"));
  } else {
    CHECK_THAT(warnings, Catch::Contains("If `squeue --name=bayestune-left-1` lists it, "
                                         "`scancel --name=bayestune-left-1` cancels it"));
  }
  // As a runner that died leaves it: the next run re-attaches to its job (by its id, or by its
  // name and folder), rather than running the trial again beside it.
  const Trial trial = study->GetTrial(1);
  CHECK(trial.state == TrialState::kActive);
  CHECK(trial.attempt == 1);
  CHECK(trial.jobs.size() == (id_known ? 1u : 0u));
}

TEST_CASE(
    "a job of a gone runner's attempt that Slurm forgot is collected from its exit_status.json, "
    "not rerun",
    "[slurm][launcher-unit]") {
  // The runner died between sbatch and storing the job id, and the job ended more than MinJobAge
  // before the next run: squeue has no job of the attempt's name. Until this change the trial was
  // rerun (the result of the run it had was lost) although the job's exit_status.json names it.
  const auto dir = MakeTempDir("slurm-launcher-unit-forgotten");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  StandIn(bin, "squeue", "exit 0\n");  // no such job any more
  StandIn(bin, "scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n");
  for (const char* program : {"sbatch", "scancel"})
    StandIn(bin, program, "exit 1\n");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "forgotten", RunnerSpec{}, dir, warnings);
  Trial trial;
  trial.id = 1;
  trial.attempt = 1;  // no job id stored
  const TrialPaths paths = TrialPathsFor(dir / "jobs", 1, 1);
  std::filesystem::create_directories(paths.dir);
  const SlurmJobFiles files = SlurmJobFilesFor(paths.dir);
  WriteFile(files.script, "#!/bin/sh\n");  // the gone runner got as far as sbatch
  WriteFile(files.log, "");
  SlurmJobExitStatus status;
  status.job_id = "4242";
  status.host = "node1";
  status.exit = ProcessExit{.signaled = false, .code = 0};
  status.started_at = 1000;
  status.ended_at = 1010;
  WriteSlurmJobExitStatus(files.status, status);
  const std::unique_ptr<LaunchedTrial> job = launcher.Reattach(trial, paths);
  INFO(AllLines(warnings));
  REQUIRE(job != nullptr);
  CHECK(job->job_id() == "4242");
  launcher.Refresh(1.0);
  const auto end = job->PollEnd();
  REQUIRE(end.has_value());
  CHECK(end->exit.succeeded());
  CHECK(end->requeue_reason.empty());
  CHECK(end->launch_error.empty());
}

TEST_CASE(
    "a job whose id was lost and that ran, gone from Slurm without a trace, is requeued as an "
    "attempt that ran, not one never started",
    "[slurm][launcher-unit]") {
  // A gone runner's sbatch may have made a job (no id stored); Slurm could not be asked at the
  // next run, and once it answers it has no such job. Its output is in the attempt's folder: it
  // ran. Until this change the trial was requeued "not started: ..." with the launch errors of a
  // job never submitted.
  const auto dir = MakeTempDir("slurm-launcher-unit-vanished");
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  StandIn(bin, "squeue",
          "if [ -e '" + (dir / "down").string() +
              "' ]; then echo 'squeue: error: Unable to contact slurm controller' >&2; exit 1; "
              "fi\nexit 0\n");
  for (const char* program : {"sbatch", "scontrol", "scancel"})
    StandIn(bin, program, "exit 1\n");
  WriteFile(dir / "down", "");
  SlurmLauncherOptions options;
  options.job_program = JobProgram();
  options.commands.environment = {"PATH=" + bin.string()};
  options.submit_retry_seconds = {0.01};
  SlurmLauncher launcher(options);
  std::vector<std::string> warnings;
  StartCollecting(launcher, "vanished", RunnerSpec{}, dir, warnings);
  Trial trial;
  trial.id = 1;
  trial.attempt = 1;
  const TrialPaths paths = TrialPathsFor(dir / "jobs", 1, 1);
  std::filesystem::create_directories(paths.dir);
  const SlurmJobFiles files = SlurmJobFilesFor(paths.dir);
  WriteFile(files.script, "#!/bin/sh\n");
  WriteFile(files.log, "");  // Slurm opened it: the job started
  const std::unique_ptr<LaunchedTrial> job = launcher.Reattach(trial, paths);
  REQUIRE(job != nullptr);
  CHECK_FALSE(job->Submitted());
  std::filesystem::remove(dir / "down");
  std::optional<TrialEnd> end;
  for (int turn = 0; turn < 400 && !end; ++turn) {
    launcher.Refresh(turn);
    end = job->PollEnd();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  INFO(AllLines(warnings));
  REQUIRE(end.has_value());
  CHECK(end->launch_error.empty());
  CHECK_THAT(end->requeue_reason,
             Catch::Contains("Slurm has no job bayestune-vanished-1 in its folder any more, but "
                             "one ran there") &&
                 Catch::Contains("rerunning the trial as attempt 2"));
}
