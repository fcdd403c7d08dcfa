#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bayestune/optimizer/designer.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/stopping_rule.h"
#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Why a study suggests nothing more.
enum class StudyEnd {
  kNone,            // it goes on
  kMaxTrials,       // maxTrials trials finished
  kFailureLimit,    // the failure limit (FailureLimit(spec)) was reached
  kSpaceExhausted,  // the designer has no point left (a grid smaller than maxTrials)
};
std::string_view StudyEndName(StudyEnd end);  // "max trials", ...

// For a study `to` that resumes study `from` (resumePreviousJobId): rewrites a SUCCEEDED trial of
// `from` so that its final value(s) are those of `to`'s objectives, each found by metric id: the
// value `from` recorded for it when it is an objective of `from`, else the trial's measurements of
// that metric (its current attempt's) as `to` selects them (measurementSelection and the metric's
// goal), as Study::Complete takes a multi-objective study's other objectives. false (the trial
// tells `to` nothing) when one has neither, or a value that is not finite.
bool MapObjectiveValues(const StudySpec& from, const StudySpec& to, Trial& trial);

// Counts of a study's trials by what they are doing, and whether the study is done.
struct StudyProgress {
  int requested = 0;
  int active = 0;  // ACTIVE and STOPPING
  int succeeded = 0;
  int failed = 0;
  int infeasible = 0;
  int stopped_early = 0;  // among succeeded
  int max_trials = 0;
  // The trials the study's designer can make when that is fewer than max_trials (a grid of fewer
  // combinations: Designer::Capacity); nullopt otherwise.
  std::optional<int> capacity;
  int failure_limit = 0;  // FailureLimit(spec)
  StudyEnd end = StudyEnd::kNone;

  int finished() const { return succeeded + failed + infeasible; }
  bool done() const { return end != StudyEnd::kNone; }
  // The trials the study runs in all: max_trials, or the capacity when that is fewer.
  int target() const { return capacity ? *capacity : max_trials; }
  // Trials still to run, the requested ones included: target() minus the finished and active.
  int left() const;
  // Counts `trials` trials in `state` (stopped early or not).
  void Add(TrialState state, bool stopped_early = false, int trials = 1);
};

// " (19 stopped early)" after a count of succeeded trials, "" when none was: a trial ASHA or the
// median rule stopped is SUCCEEDED (as AI Platform records it) but was trained to a rung only, so
// a count of succeeded trials alone reads as if every one had trained to the end.
std::string StoppedEarlyNote(int stopped_early);

// The counts of `trials` under `spec` (maxTrials, the failure limit, and the capacity of the
// spec's designer, MakeDesigner(spec)).
StudyProgress CountProgress(const std::vector<Trial>& trials, const StudySpec& spec);
// The same with the capacity of another designer (Designer::Capacity; nullopt: no limit).
StudyProgress CountProgress(const std::vector<Trial>& trials, const StudySpec& spec,
                            std::optional<std::size_t> capacity);
// `counted` (its counts of trials by state) with spec's maxTrials and failure limit, and how the
// study ends under them and `capacity`, if it does.
StudyProgress WithEnd(StudyProgress counted, const StudySpec& spec,
                      std::optional<std::size_t> capacity);

// Whether SUCCEEDED trial `a` ranks before SUCCEEDED trial `b`: a trial trained to the end before
// one stopped early (whose value is only where it was cut off), then a better value under the
// spec's goal, then the lower id (the earliest trial wins a tie). Both need a final value.
bool RanksBefore(const Trial& a, const Trial& b, const StudySpec& spec);
// The SUCCEEDED trials with a value, best first (RanksBefore). The one ranking every part of
// bayestune shows: `best`, `status`, the live view, the report, ListOptimalTrials.
std::vector<Trial> RankTrials(std::vector<Trial> trials, const StudySpec& spec);

// How Study::Open finds or makes a study (LevelDB's Options, Ceres' Solver::Options): every field
// has the default an embedding program most likely wants, said where it is declared.
struct StudyOptions {
  // Create the study when none of that name exists; `spec` must then be given. Default: false, so
  // that a typo in a name is NotFound rather than a new, empty study.
  bool create_if_missing = false;
  // Throw AlreadyExists when a study of that name already exists. Default: false.
  bool error_if_exists = false;
  // The spec the study has. To create one: required. For an existing study: nullopt takes the
  // stored spec; a spec that differs from the stored one only in its budgets (maxTrials,
  // maxParallelTrials, maxFailedTrials) updates them, and the change is kept in the study's
  // history (Study::Changes); any other difference throws AlreadyExists naming the fields. A spec
  // without a seed takes the stored one; a new study without one gets a random seed, stored with
  // it, so that two studies differ and either can be reproduced.
  std::optional<StudySpec> spec;
  // The spec as the user wrote it (tuning.yaml), kept with the study for `status` and workers;
  // "" for a spec built in code. Replaced when `spec` changes the budgets.
  std::string spec_text;
  // Proposes the trials. nullptr (the default): MakeDesigner(spec), the GP bandit, random or grid
  // search by spec.algorithm. Every process that shares a study should use the same kind.
  std::shared_ptr<Designer> designer;
  // Decides early stops. nullptr (the default): MakeStoppingRule(spec), the median rule when
  // enableTrialEarlyStopping is on.
  std::shared_ptr<const StoppingRule> stopping_rule;
};

// The one API to a study: suggest trials, report measurements, complete them, ask which is best.
// Every call that changes the study is one transaction of the repository, so that several threads
// and processes (a runner, a server, a status reader) can share one study; a call that only reads
// never writes, so a Study over a read-only repository answers every reading call. Thread-safe.
//
// Trials are run by clients (a runner, a worker, a gRPC client). The calls that a running trial's
// client makes take an optional TrialOwner (the client id and attempt it was handed): with one,
// the change is made only while the trial is still that client's attempt, so that a client that
// lost its trial (requeued by another runner, finished by someone else) is told so
// (FailedPrecondition) instead of overwriting the trial's new attempt.
class Study {
 public:
  // Opens the study `name` of `repository`, or creates it (see StudyOptions). Throws NotFound when
  // it does not exist and options.create_if_missing is false; AlreadyExists when it exists with
  // another spec (other than budgets) or options.error_if_exists; InvalidArgument for an invalid
  // name or spec, a new study whose resumePreviousJobId names no study of `repository`, or a null
  // `repository`.
  static std::shared_ptr<Study> Open(std::shared_ptr<StudyRepository> repository,
                                     const std::string& name, StudyOptions options = {});
  // The studies in `repository`, in creation order.
  static std::vector<StudyRecord> List(StudyRepository& repository);

  std::int64_t id() const { return record_.id; }
  const std::string& name() const { return record_.name; }
  // The spec as this object knows it; budgets that another process changed since show in
  // Progress() and take effect at once.
  const StudySpec& spec() const { return record_.spec; }
  const std::string& spec_text() const { return record_.spec_text; }
  double created_time() const { return record_.created_time; }
  const SearchSpace& space() const { return space_; }
  // The study's record as stored now (spec, state). Throws NotFound when it was deleted.
  StudyRecord Record();
  // What changed since the study was created, oldest first.
  std::vector<StudyChange> Changes();
  // Deletes the study with its trials and measurements. Later calls (of any Study of it) throw
  // NotFound: "study 's' (id 1) was deleted from x.db ..." (StudyRepository::DeletedStudy).
  void Delete();

  // Up to `count` trials to run, made ACTIVE for `client_id`. A client that asks again while its
  // trials are still active gets those back. REQUESTED trials go out first, then new points from
  // the designer. Fewer than `count` (maybe none) when maxTrials is reached or the designer has no
  // more points. Throws InvalidArgument for count < 1.
  //
  // The designer runs outside the repository's transaction on a snapshot of the trials; the new
  // trials are written in one short transaction if the study's trials (ids, states, attempts,
  // clients) are still as in the snapshot, else the work is redone (after 3 tries, inside the
  // transaction). So a GP fit never holds a database's write lock.
  std::vector<Trial> Suggest(int count, const std::string& client_id = "");

  // Queues a trial with the given parameters; the next Suggest hands it out first. Throws
  // FailedPrecondition when the study is over, or when the trials finished, running and queued
  // already take all that maxTrials (or a grid) allows (Suggest would never hand it out), saying
  // how many those are and what would let it run.
  Trial RequestTrial(const ParameterValues& parameters);

  // Records measurements of a pending trial, in order, in one transaction, tagged with the trial's
  // current attempt. A measurement equal to one the attempt already has (metric, step, value and
  // wall time) is not stored twice, so a client may resend a batch whose answer it lost. Throws
  // InvalidArgument (nothing stored) for a non-finite value, a negative step or a metric that is
  // no valid tag (MetricTagProblem: UTF-8 without control characters, at most 1,024 bytes; ""
  // is the objective's), NotFound for an unknown trial, FailedPrecondition when the trial is not
  // pending or not `owner`'s.
  void AddMeasurements(std::int64_t trial_id, std::span<const Measurement> measurements,
                       const std::optional<TrialOwner>& owner = std::nullopt);
  void AddMeasurement(std::int64_t trial_id, const Measurement& measurement,
                      const std::optional<TrialOwner>& owner = std::nullopt);

  // Completes a pending trial. With a value: that is the objective (at `step` when given). Without:
  // the objective comes from the current attempt's measurements of spec.metric_tag (LAST or BEST);
  // with none the trial fails. A NaN or infinite value makes the trial INFEASIBLE. Throws
  // FailedPrecondition when the trial is already finished or not `owner`'s.
  // `end_time` (seconds since the epoch): when the trial ended, where that was before now (a Slurm
  // job collected after it ended: Slurm's EndTime); kept within [start_time, now]. nullopt: now.
  Trial Complete(std::int64_t trial_id, std::optional<double> value = std::nullopt,
                 std::optional<std::int64_t> step = std::nullopt,
                 const std::optional<TrialOwner>& owner = std::nullopt,
                 std::optional<double> end_time = std::nullopt);
  Trial Fail(std::int64_t trial_id, const std::string& reason,
             const std::optional<TrialOwner>& owner = std::nullopt,
             std::optional<double> end_time = std::nullopt);
  Trial MarkInfeasible(std::int64_t trial_id, const std::string& reason,
                       const std::optional<TrialOwner>& owner = std::nullopt,
                       std::optional<double> end_time = std::nullopt);

  // Applies the stopping rule to a pending trial: when it says stop (or someone asked to stop the
  // trial), the trial becomes STOPPING and the decision says why.
  StopDecision ShouldStop(std::int64_t trial_id,
                          const std::optional<TrialOwner>& owner = std::nullopt);
  // Marks a pending trial STOPPING (a client asked to stop it).
  Trial Stop(std::int64_t trial_id);
  // Puts an ACTIVE or STOPPING trial back to REQUESTED with the same parameters and the next
  // attempt number (its process died with the runner); its measurements are kept, under their
  // attempt. `ran` false: the attempt never started (handed out but not launched, or its trainer
  // could not be started): the trial keeps its attempt number, as no process ran it (it was
  // attempt 2 in `trials`, its folder trial-<n>/attempt-2/, with no attempt 1 anywhere).
  Trial Requeue(std::int64_t trial_id, const std::string& reason,
                const std::optional<TrialOwner>& owner = std::nullopt, bool ran = true);
  // Records where a pending trial runs and since when (the runner, when it launches it).
  Trial MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus,
                    const std::optional<TrialOwner>& owner = std::nullopt);
  // A pause of the pending trial's trainer (the runner suspended it with a Ctrl-Z): its start
  // time moves `seconds` later (never past now), so that its end minus its start, shown by
  // `trials` and exported as duration_seconds, is the time it ran, as the runner said it. Throws
  // InvalidArgument for a negative or non-finite `seconds`.
  Trial ExcludePause(std::int64_t trial_id, double seconds,
                     const std::optional<TrialOwner>& owner = std::nullopt);
  // Records the Slurm job that runs the pending trial's current attempt (Trial::jobs), so that a
  // runner started later re-attaches to it rather than running the attempt again.
  Trial RecordJob(std::int64_t trial_id, const std::string& job_id,
                  const std::optional<TrialOwner>& owner = std::nullopt);
  // Queues every FAILED trial to run again (REQUESTED, next attempt, same parameters), so that a
  // study stopped by its failure limit can go on once the trainer is fixed. Returns them; the
  // retry is kept in the study's history.
  std::vector<Trial> RetryFailedTrials();

  Trial GetTrial(std::int64_t trial_id);  // throws NotFound
  std::vector<Trial> Trials();
  // The best SUCCEEDED trial under the goal (RankTrials), nullopt when there is none.
  std::optional<Trial> BestTrial();
  // The SUCCEEDED trials from best to worst (RankTrials), at most `limit` (0: all).
  std::vector<Trial> BestTrials(std::size_t limit = 0);
  StudyProgress Progress();
  // True when nothing more will be suggested: maxTrials finished, the failure limit reached, or the
  // designer exhausted (Progress().end says which). Reads only; the stored state follows the
  // trials in the calls that change them.
  bool IsDone();

 private:
  // What a Suggest call does, decided on a list of the study's trials without writing anything.
  struct SuggestPlan {
    StudySpec spec;                 // as stored when planned (budgets may change)
    std::vector<Trial> trials;      // as the designer sees them (handed-out ones ACTIVE)
    std::vector<Trial> handed_out;  // REQUESTED trials to make ACTIVE, or a returning client's
    bool returning_client = false;
    int designer_points = 0;  // new points wanted from the designer
  };

  Study(std::shared_ptr<StudyRepository> repository, StudyRecord record,
        std::shared_ptr<Designer> designer, std::shared_ptr<const StoppingRule> stopping_rule);
  // The record of the study `name` as `options` want it (created, or with changed budgets).
  static StudyRecord OpenRecord(StudyRepository& repository, const std::string& name,
                                StudyOptions& options, bool& budgets_changed);
  StudyRecord CurrentRecord();
  // Inside a catch of NotFound: throws CurrentRecord's StudyRepository::DeletedStudy when the study
  // is gone (deleted by Delete, another Study or another process), rather than the store's "no
  // study with id 3" or "has no trial 2"; else rethrows.
  [[noreturn]] void RethrowNamingStudy();
  // repository_->RunInTransaction, a NotFound named as RethrowNamingStudy names it.
  void InTransaction(const std::function<void()>& body);
  Trial PendingTrialOrThrow(std::int64_t trial_id, const std::optional<TrialOwner>& owner,
                            bool with_measurements = true);
  // In one transaction: reads the pending trial, applies `change`, writes it back, and brings the
  // study's stored state up to date.
  Trial UpdatePendingTrial(std::int64_t trial_id, const std::optional<TrialOwner>& owner,
                           const std::function<void(Trial&)>& change);
  StudyProgress ProgressOf(const std::vector<Trial>& trials, const StudySpec& spec) const;
  // Inside a transaction: ACTIVE or COMPLETED as the trials say.
  void StoreState(const std::vector<Trial>& trials);
  SuggestPlan PlanSuggestion(std::vector<Trial> trials, int count, const std::string& client_id);
  // Suggest for a quick designer that looks at no trial (Designer::UsesTrials), or only at their
  // parameters (Designer::UsesOnlyTrialParameters), inside the transaction: planned on the
  // store's counts (TrialTally), reading no trial but those handed out (and, for the latter, the
  // trials' parameters alone: StudyRepository::ListTrialParameters).
  std::vector<Trial> SuggestOnTally(int count, const std::string& client_id);
  std::vector<ParameterValues> ComputePoints(const SuggestPlan& plan);
  std::vector<Trial> CommitSuggestion(const SuggestPlan& plan, std::vector<ParameterValues> points,
                                      const std::string& client_id);

  std::shared_ptr<StudyRepository> repository_;
  StudyRecord record_;
  SearchSpace space_;
  std::shared_ptr<Designer> designer_;
  std::shared_ptr<const StoppingRule> stopping_rule_;
  std::mutex suggest_mutex_;  // one Suggest at a time in this process
};

}  // namespace bayestune
