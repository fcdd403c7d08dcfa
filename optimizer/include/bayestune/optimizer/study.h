#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bayestune/optimizer/designer.h"
#include "bayestune/optimizer/search_space.h"
#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Counts of a study's trials by what they are doing.
struct StudyProgress {
  int requested = 0;
  int active = 0;  // ACTIVE and STOPPING
  int succeeded = 0;
  int failed = 0;
  int infeasible = 0;
  int stopped_early = 0;  // among succeeded
  int max_trials = 0;
  int finished() const { return succeeded + failed + infeasible; }
  // Trials still to run, the requested ones included: max_trials minus the finished and active.
  int left() const;
  void Add(TrialState state, bool stopped_early = false);
};

// The counts of `trials`, out of `max_trials`.
StudyProgress CountProgress(const std::vector<Trial>& trials, int max_trials);

// The one API to a study: suggest trials, report measurements, complete them, ask which is best.
// Every call is one transaction of the repository, so that several threads and processes (a
// runner, a server, a status reader) can share one study. Thread-safe.
class Study {
 public:
  // Creates the study, or opens it when one of that name exists with the same spec. Throws
  // AlreadyExists when it exists with another spec, InvalidArgument when the spec is invalid.
  static std::shared_ptr<Study> Create(std::shared_ptr<StudyRepository> repository,
                                       const std::string& name, const StudySpec& spec,
                                       const std::string& spec_text = "");
  // Throws NotFound naming the study.
  static std::shared_ptr<Study> Open(std::shared_ptr<StudyRepository> repository,
                                     const std::string& name);
  // The same with a designer of the caller's instead of MakeDesigner(spec): for an embedding
  // program that sets GpBanditOptions (UCB instead of log EI, ...) or brings its own. Every process
  // that shares the study should use the same designer. nullptr: MakeDesigner(spec).
  static std::shared_ptr<Study> CreateWithDesigner(std::shared_ptr<StudyRepository> repository,
                                                   const std::string& name, const StudySpec& spec,
                                                   std::unique_ptr<Designer> designer,
                                                   const std::string& spec_text = "");
  static std::shared_ptr<Study> OpenWithDesigner(std::shared_ptr<StudyRepository> repository,
                                                 const std::string& name,
                                                 std::unique_ptr<Designer> designer);

  std::int64_t id() const { return record_.id; }
  const std::string& name() const { return record_.name; }
  const StudySpec& spec() const { return record_.spec; }
  const std::string& spec_text() const { return record_.spec_text; }
  const SearchSpace& space() const { return space_; }
  StudyRepository& repository() { return *repository_; }

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

  // Queues a trial with the given parameters; the next Suggest hands it out first.
  Trial RequestTrial(const ParameterValues& parameters);

  // Records an intermediate measurement of a pending trial.
  void AddMeasurement(std::int64_t trial_id, const Measurement& measurement);

  // Completes a pending trial. With a value: that is the objective (at `step` when given). Without:
  // the objective comes from the trial's measurements of spec.metric_tag (LAST or BEST); with none
  // the trial fails. A NaN or infinite value makes the trial INFEASIBLE. Throws
  // FailedPrecondition when the trial is already finished.
  Trial Complete(std::int64_t trial_id, std::optional<double> value = std::nullopt,
                 std::optional<std::int64_t> step = std::nullopt);
  Trial Fail(std::int64_t trial_id, const std::string& reason);
  Trial MarkInfeasible(std::int64_t trial_id, const std::string& reason);

  // The early-stopping rule, when the spec enables it: true when the trial should stop, and then
  // the trial becomes STOPPING.
  bool ShouldStop(std::int64_t trial_id);
  // Marks a pending trial STOPPING (a client asked to stop it).
  Trial Stop(std::int64_t trial_id);
  // Puts an ACTIVE or STOPPING trial back to REQUESTED with the same parameters and the next
  // attempt number (its process died with the runner); its measurements are kept.
  Trial Requeue(std::int64_t trial_id, const std::string& reason);
  // Records where a pending trial runs and since when (the runner, when it launches it).
  Trial MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus);

  Trial GetTrial(std::int64_t trial_id);  // throws NotFound
  std::vector<Trial> Trials();
  // The best SUCCEEDED trial under the goal, nullopt when there is none.
  std::optional<Trial> BestTrial();
  // The SUCCEEDED trials sorted from best to worst, at most `limit` (0: all).
  std::vector<Trial> BestTrials(std::size_t limit = 0);
  StudyProgress Progress();
  // True when nothing more will be suggested: maxTrials finished, the failure limit reached, or the
  // designer exhausted. The study is then marked COMPLETED.
  bool IsDone();

 private:
  // What a Suggest call does, decided on a list of the study's trials without writing anything.
  struct SuggestPlan {
    std::vector<Trial> trials;      // as the designer sees them (handed-out ones ACTIVE)
    std::vector<Trial> handed_out;  // REQUESTED trials to make ACTIVE, or a returning client's
    bool returning_client = false;
    int designer_points = 0;  // new points wanted from the designer
  };

  Study(std::shared_ptr<StudyRepository> repository, StudyRecord record,
        std::unique_ptr<Designer> designer);
  Trial PendingTrialOrThrow(std::int64_t trial_id);
  // In one transaction: reads the pending trial, applies `change`, writes it back.
  Trial UpdatePendingTrial(std::int64_t trial_id, const std::function<void(Trial&)>& change);
  bool IsDoneLocked(const std::vector<Trial>& trials);
  SuggestPlan PlanSuggestion(std::vector<Trial> trials, int count, const std::string& client_id);
  std::vector<ParameterValues> ComputePoints(const SuggestPlan& plan);
  std::vector<Trial> CommitSuggestion(const SuggestPlan& plan, std::vector<ParameterValues> points,
                                      const std::string& client_id);

  std::shared_ptr<StudyRepository> repository_;
  StudyRecord record_;
  SearchSpace space_;
  std::unique_ptr<Designer> designer_;
  std::mutex mutex_;          // record_.state
  std::mutex suggest_mutex_;  // one Suggest at a time in this process
};

}  // namespace bayestune
