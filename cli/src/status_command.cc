// `bayestune status [STUDY] [--db FILE]`: where a study stands: counts, the best trial so far, the
// trials running now.
#include <iostream>

#include "bayestune/optimizer/asha_stopping_rule.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_repository.h"
#include "command_help.h"
#include "commands.h"
#include "exit_codes.h"
#include "leftover_processes.h"
#include "runner_identity.h"
#include "shown_text.h"
#include "slurm_queue.h"
#include "step_budget.h"
#include "study_selection.h"
#include "trial_budget_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {
namespace {

// "7 of 10 finished: 6 succeeded (2 stopped early), 1 failed; 2 running, 1 left"
// (FinishedOfMaxTrials: "5 finished (maxTrials 2 was lowered below the 5 trials made): ..." after
// maxTrials was lowered), with "1 running, 1 waiting in Slurm's queue" when `waiting` of the active
// trials' jobs are pending.
std::string DescribeCounts(const StudyProgress& counts, Algorithm algorithm, int waiting) {
  std::string text = FinishedOfMaxTrials(counts, algorithm) + ": " +
                     std::to_string(counts.succeeded) + " succeeded" +
                     StoppedEarlyNote(counts.stopped_early);
  if (counts.failed > 0) text += ", " + std::to_string(counts.failed) + " failed";
  if (counts.infeasible > 0) text += ", " + std::to_string(counts.infeasible) + " infeasible";
  text += "; " + std::to_string(counts.active - waiting) + " running, ";
  if (waiting > 0) text += std::to_string(waiting) + " waiting in Slurm's queue, ";
  text += std::to_string(counts.left()) + " left";
  if (counts.requested > 0) text += " (" + std::to_string(counts.requested) + " queued to rerun)";
  return text;
}

// ", but its runner is gone (...)" for an active trial whose runner died; "" otherwise.
std::string RunnerGoneText(const Trial& trial) {
  const auto holder = RunnerIdentity::FromClientId(trial.client_id);
  if (!holder || holder->Check() != RunnerIdentity::Liveness::kGone) return "";
  // `bayestune run` and `bayestune worker` both run a TrialRunner, which takes back the trials of
  // this machine's dead runners at its start: either may be what died.
  return trial.CurrentJobId().empty()
             ? ", but its runner is gone (it runs again when `bayestune run` or `bayestune "
               "worker` of this study next starts on this machine)"
             : ", but its runner is gone (the next `bayestune run` or `bayestune worker` of this "
               "study on this machine re-attaches to Slurm job " +
                   trial.CurrentJobId() + ")";
}

void PrintStatus(const StudySnapshot& snapshot, const StudySelection& selection) {
  const StudyRecord& study = snapshot.study;
  const StudySpec& spec = study.spec;
  const double now = NowSeconds();
  const StudyProgress counts = CountProgress(snapshot.trials, spec);
  const auto ranked = RankTrials(snapshot.trials, spec);

  std::string state = "active";
  if (counts.end == StudyEnd::kFailureLimit) {
    // The limit's figure, as run says it: "11 trials failed, the limit (the default: ...)" read
    // as if the limit were 11 when it was 10.
    state = "stopped: " + std::to_string(counts.failed) + " trials failed, the limit is " +
            std::to_string(FailureLimit(spec)) + " (" + DescribeFailureLimit(spec) +
            "); after fixing the trainer, bayestune run --retry-failed goes on";
  } else if (counts.done()) {
    state = "done";
  }
  std::cout << "study      " << ShownText(study.name) << " (" << state << "), in "
            << selection.database << "\n";
  std::string objectives;
  for (const MetricSpec& m : Objectives(spec))
    objectives += (objectives.empty() ? "" : ", ") + std::string(GoalName(m.goal)) + " " +
                  ShownText(m.metric_id);
  std::cout << (IsMultiObjective(spec) ? "objectives " : "objective  ") << objectives << " ("
            << MeasurementSelectionName(spec.measurement_selection) << " value of each trial), "
            << DescribeAlgorithm(spec.algorithm) << ", maxParallelTrials "
            << spec.max_parallel_trials << "\n";
  std::cout << "created    " << FormatLocalTime(study.created_time);
  if (spec.seed) std::cout << ", seed " << *spec.seed;
  std::cout << "\n";
  // What changed since: budgets raised, failed trials retried.
  for (const StudyChange& change : snapshot.repository->ListStudyChanges(study.id)) {
    std::cout << "changed    " << FormatLocalTime(change.time) << ": " << change.description
              << "\n";
  }
  const SlurmQueue queue = AskSlurmQueue(snapshot.trials);
  const auto waits = [&](const Trial& trial) { return queue.Pending(trial) != nullptr; };
  std::cout << "trials     " << DescribeCounts(counts, spec.algorithm, queue.PendingCount())
            << "\n";
  if (const std::string saved = DescribeStepsSaved(CountSteps(snapshot.trials, spec));
      !saved.empty()) {
    std::cout << "stopping   " << saved << "\n";
  }
  if (ranked.empty()) {
    // A study that is over will have none: "yet" promised one (fieldtest12, a study whose every
    // trial failed).
    std::cout << "best       " << (state == "active" ? "none yet" : "none: no trial succeeded")
              << "\n";
  } else if (IsMultiObjective(spec)) {
    // The Pareto front: its size, and its first trials by the first objective.
    const std::vector<Trial> front = ParetoOptimalTrials(snapshot.trials, spec);
    std::cout << "front      " << CountOf(static_cast<long long>(front.size()), "trial")
              << " on the Pareto front"
              << (front.size() > 5 ? ", the first 5 by " + ShownText(spec.metric_tag)
                                   : std::string())
              << "\n";
    for (std::size_t i = 0; i < front.size() && i < 5; ++i) {
      std::cout << "           trial " << front[i].id << ": "
                << *FormatFinalObjective(front[i], spec) << " (" << FormatParameters(front[i], spec)
                << ")\n";
    }
  } else {
    const Trial& best = ranked.front();
    std::cout << "best       trial " << best.id << ": " << *FormatFinalObjective(best, spec) << " ("
              << FormatParameters(best, spec) << ")\n";
  }
  const char* label = "running    ";
  for (const auto& trial : snapshot.trials) {
    if (trial.state != TrialState::kActive && trial.state != TrialState::kStopping) continue;
    if (waits(trial)) continue;
    std::cout << label << "trial " << trial.id << (trial.jobs.empty() ? " on " : " as ")
              << FormatWhereRun(trial);
    // Its run, apart from its job's wait in Slurm's queue (as the run's end line says it).
    if (const auto took = FormatActiveRunTime(trial, queue, now)) std::cout << " for " << *took;
    std::cout << ", " << FormatLatestObjective(trial, spec).value_or("no measurement yet");
    if (const std::string rung = RungText(trial, spec); !rung.empty()) std::cout << ", " << rung;
    if (trial.state == TrialState::kStopping) std::cout << ", stopping";
    std::cout << RunnerGoneText(trial) << " (" << FormatParameters(trial, spec) << ")\n";
    label = "           ";
  }
  // Submitted, not started: "waiting    trial 2: Slurm job 43 is pending (squeue: Resources),
  // submitted 5m ago".
  label = "waiting    ";
  for (const auto& trial : snapshot.trials) {
    if (trial.state != TrialState::kActive && trial.state != TrialState::kStopping) continue;
    if (!waits(trial)) continue;
    const SlurmJobStatus& job = *queue.Pending(trial);
    std::cout << label << "trial " << trial.id << " in Slurm's queue: Slurm job "
              << trial.CurrentJobId() << " is pending"
              << (job.reason.empty() || job.reason == "None"
                      ? std::string()
                      : " (squeue: " + ShownText(job.reason) + ")");
    if (const auto seconds = TrialRunSeconds(trial, now)) {
      std::cout << ", submitted " << FormatDuration(*seconds) << " ago";
    }
    std::cout << RunnerGoneText(trial) << " (" << FormatParameters(trial, spec) << ")\n";
    label = "           ";
  }
  if (!queue.problem.empty()) {
    std::cout << "slurm      cannot tell which jobs run and which wait in Slurm's queue: "
              << FirstLine(queue.problem) << "\n";
  }
  // What the trials of a runner that died with their keepers left running on this machine.
  label = "leftover   ";
  for (const TrialProcessEntry& process : FindLeftoverTrialProcesses(study.name)) {
    std::cout << label << ShownText(process.Describe()) << " of trial " << process.trial
              << ": its runner is gone; the next `bayestune run` or `bayestune worker` of this "
                 "study on this machine kills it (or: kill "
              << process.pid << ")\n";
    label = "           ";
  }
}

}  // namespace

void AddStatusCommand(CLI::App& app, int& exit_code) {
  auto* command = AddCommand(
      app, "status", "Show where a study stands",
      "Prints the trials finished, failed, running and left, the best trial so far, and what "
      "each running trial is doing. Reads the database without changing it, so it can run while "
      "`bayestune run` works. Trials run as Slurm jobs: squeue says which jobs still wait in "
      "Slurm's queue.\n\nExamples:\n  bayestune status\n  bayestune status book --db "
      "runs.db",
      "0 shown, 2 bad usage, 3 no such database or study");
  auto selection = std::make_shared<StudySelection>();
  AddStudySelectionOptions(*command, *selection);
  command->callback([selection, &exit_code] {
    PrintStatus(ReadStudy(*selection, "status"), *selection);
    exit_code = kExitOk;
  });
}

}  // namespace bayestune::cli
