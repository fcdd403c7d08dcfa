#include "bayestune/optimizer/study.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/median_stopping_rule.h"
#include "bayestune/optimizer/study_name.h"
#include "split_mix.h"

namespace bayestune {
namespace {

bool IsPending(TrialState state) {
  return state == TrialState::kActive || state == TrialState::kStopping;
}

// Suggest computes outside the transaction this many times before it computes inside it.
constexpr int kOptimisticSuggestAttempts = 3;

// Whether two lists of a study's trials have the same trials in the same states: then a
// suggestion planned on one is still right for the other.
bool SameTrialStates(const std::vector<Trial>& a, const std::vector<Trial>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].state != b[i].state || a[i].attempt != b[i].attempt ||
        a[i].client_id != b[i].client_id) {
      return false;
    }
  }
  return true;
}

std::string TrialName(std::int64_t id) {
  return "trial " + std::to_string(id);
}

// The measurement that becomes the objective: LAST is the highest step (for equal steps, the
// later record); BEST is the best value under the goal (for equal values, the earlier one).
std::optional<Measurement> SelectFinal(const std::vector<Measurement>& measurements,
                                       const StudySpec& spec) {
  std::optional<Measurement> chosen;
  for (const auto& m : measurements) {
    if (!chosen) {
      chosen = m;
    } else if (spec.measurement_selection == MeasurementSelection::kLast) {
      if (m.step >= chosen->step) chosen = m;
    } else if (spec.IsBetter(m.value, chosen->value)) {
      chosen = m;
    }
  }
  return chosen;
}

}  // namespace

Study::Study(std::shared_ptr<StudyRepository> repository, StudyRecord record,
             std::unique_ptr<Designer> designer)
    : repository_(std::move(repository)),
      record_(std::move(record)),
      space_(record_.spec.parameters),
      designer_(designer ? std::move(designer) : MakeDesigner(record_.spec)) {}

std::shared_ptr<Study> Study::Create(std::shared_ptr<StudyRepository> repository,
                                     const std::string& name, const StudySpec& spec,
                                     const std::string& spec_text) {
  return CreateWithDesigner(std::move(repository), name, spec, nullptr, spec_text);
}

std::shared_ptr<Study> Study::CreateWithDesigner(std::shared_ptr<StudyRepository> repository,
                                                 const std::string& name, const StudySpec& spec,
                                                 std::unique_ptr<Designer> designer,
                                                 const std::string& spec_text) {
  ValidateStudyName(name);
  ValidateStudySpec(spec);
  std::optional<StudyRecord> record;
  repository->RunInTransaction([&] {
    if (auto existing = repository->FindStudy(name)) {
      if (existing->spec != spec) {
        throw AlreadyExists("a study named '" + name + "' already exists with a different spec (" +
                            DescribeSpecChanges(existing->spec, spec) +
                            "); pick another study name, or delete the old study first");
      }
      record = *existing;
      return;
    }
    StudyRecord fresh;
    fresh.name = name;
    fresh.spec = spec;
    fresh.spec_text = spec_text;
    record = repository->CreateStudy(fresh);
  });
  return std::shared_ptr<Study>(
      new Study(std::move(repository), std::move(*record), std::move(designer)));
}

std::shared_ptr<Study> Study::Open(std::shared_ptr<StudyRepository> repository,
                                   const std::string& name) {
  return OpenWithDesigner(std::move(repository), name, nullptr);
}

std::shared_ptr<Study> Study::OpenWithDesigner(std::shared_ptr<StudyRepository> repository,
                                               const std::string& name,
                                               std::unique_ptr<Designer> designer) {
  auto record = repository->FindStudy(name);
  if (!record) throw NotFound("no study named '" + name + "'");
  return std::shared_ptr<Study>(
      new Study(std::move(repository), std::move(*record), std::move(designer)));
}

Study::SuggestPlan Study::PlanSuggestion(std::vector<Trial> trials, int count,
                                         const std::string& client_id) {
  SuggestPlan plan;
  if (!client_id.empty()) {
    for (const Trial& t : trials) {
      if (IsPending(t.state) && t.client_id == client_id) plan.handed_out.push_back(t);
    }
    if (!plan.handed_out.empty()) {
      plan.returning_client = true;
      return plan;
    }
  }
  if (IsDoneLocked(trials)) return plan;
  for (Trial& t : trials) {
    if (static_cast<int>(plan.handed_out.size()) == count) break;
    if (t.state != TrialState::kRequested) continue;
    t.state = TrialState::kActive;
    t.client_id = client_id;
    plan.handed_out.push_back(t);
  }
  long long budget =
      static_cast<long long>(record_.spec.max_trials) - static_cast<long long>(trials.size());
  if (auto capacity = designer_->Capacity(space_)) {
    const long long left =
        static_cast<long long>(std::min<std::size_t>(*capacity, std::numeric_limits<int>::max())) -
        static_cast<long long>(trials.size());
    budget = std::min(budget, left);
  }
  plan.designer_points = static_cast<int>(
      std::max(0LL, std::min<long long>(count - static_cast<int>(plan.handed_out.size()), budget)));
  plan.trials = std::move(trials);
  return plan;
}

std::vector<ParameterValues> Study::ComputePoints(const SuggestPlan& plan) {
  if (plan.designer_points <= 0) return {};
  std::vector<Trial> history;
  if (!record_.spec.resume_previous_job_id.empty()) {
    if (auto previous = repository_->FindStudy(record_.spec.resume_previous_job_id)) {
      for (Trial& t : repository_->ListTrials(previous->id)) {
        if (!t.IsFinished()) continue;
        try {
          space_.Validate(t.parameters);
        } catch (const InvalidArgument&) {
          continue;  // a trial of a different space tells this one nothing
        }
        t.id = -t.id;  // history ids never clash with this study's
        history.push_back(std::move(t));
      }
    }
  }
  history.insert(history.end(), plan.trials.begin(), plan.trials.end());
  DesignerInput input{space_, record_.spec, history, plan.designer_points,
                      SplitMix64(record_.spec.seed ^ SplitMix64(plan.trials.size()))};
  std::vector<ParameterValues> points = designer_->Suggest(input);
  if (static_cast<int>(points.size()) > plan.designer_points) points.resize(plan.designer_points);
  return points;
}

std::vector<Trial> Study::CommitSuggestion(const SuggestPlan& plan,
                                           std::vector<ParameterValues> points,
                                           const std::string& client_id) {
  if (plan.returning_client) return plan.handed_out;
  const double now = NowSeconds();
  std::vector<Trial> result;
  for (Trial t : plan.handed_out) {
    t.start_time = now;
    repository_->UpdateTrial(record_.id, t);
    result.push_back(std::move(t));
  }
  for (ParameterValues& point : points) {
    Trial t;
    t.state = TrialState::kActive;
    t.parameters = std::move(point);
    t.client_id = client_id;
    t.start_time = now;
    result.push_back(repository_->AddTrial(record_.id, std::move(t)));
  }
  return result;
}

std::vector<Trial> Study::Suggest(int count, const std::string& client_id) {
  if (count < 1) {
    throw InvalidArgument("count must be at least 1, got " + std::to_string(count));
  }
  // Threads of this process would only collide: they take turns. Other processes are kept apart
  // by the repository's transactions.
  std::lock_guard suggest_lock(suggest_mutex_);
  // The designer (a GP fit: milliseconds to a second) runs outside the repository's transaction,
  // on a snapshot of the trials, so that a database's write lock is held only briefly. The points
  // are committed when the study has not changed meanwhile; otherwise the work is redone, and
  // after a few tries done inside the transaction.
  for (int attempt = 0; attempt < kOptimisticSuggestAttempts; ++attempt) {
    const std::vector<Trial> snapshot = repository_->ListTrials(record_.id);
    const SuggestPlan plan = PlanSuggestion(snapshot, count, client_id);
    if (plan.designer_points == 0) break;  // nothing to compute: one short transaction below
    std::vector<ParameterValues> points = ComputePoints(plan);
    std::optional<std::vector<Trial>> result;
    repository_->RunInTransaction([&] {
      if (!SameTrialStates(repository_->ListTrials(record_.id), snapshot)) return;
      result = CommitSuggestion(plan, std::move(points), client_id);
    });
    if (result) return *result;
  }
  std::vector<Trial> result;
  repository_->RunInTransaction([&] {
    const SuggestPlan plan = PlanSuggestion(repository_->ListTrials(record_.id), count, client_id);
    result = CommitSuggestion(plan, ComputePoints(plan), client_id);
  });
  return result;
}

Trial Study::RequestTrial(const ParameterValues& parameters) {
  space_.Validate(parameters);
  std::lock_guard lock(mutex_);
  Trial t;
  t.state = TrialState::kRequested;
  t.parameters = parameters;
  std::optional<Trial> added;
  repository_->RunInTransaction([&] { added = repository_->AddTrial(record_.id, t); });
  return *added;
}

Trial Study::PendingTrialOrThrow(std::int64_t trial_id) {
  auto trial = repository_->GetTrial(record_.id, trial_id);
  if (!trial) {
    throw NotFound("study '" + record_.name + "' has no " + TrialName(trial_id));
  }
  if (!IsPending(trial->state)) {
    throw FailedPrecondition(TrialName(trial_id) + " of study '" + record_.name + "' is " +
                             std::string(TrialStateName(trial->state)) +
                             "; only an ACTIVE or STOPPING trial can take this");
  }
  return *trial;
}

void Study::AddMeasurement(std::int64_t trial_id, const Measurement& measurement) {
  if (!std::isfinite(measurement.value)) {
    throw InvalidArgument("measurement value of " + TrialName(trial_id) +
                          " must be a finite number; complete the trial as infeasible instead");
  }
  std::lock_guard lock(mutex_);
  repository_->RunInTransaction([&] {
    PendingTrialOrThrow(trial_id);
    Measurement m = measurement;
    if (m.metric.empty()) m.metric = record_.spec.metric_tag;
    if (m.wall_time == 0) m.wall_time = NowSeconds();
    repository_->AddMeasurement(record_.id, trial_id, m);
  });
}

Trial Study::Complete(std::int64_t trial_id, std::optional<double> value,
                      std::optional<std::int64_t> step) {
  std::lock_guard lock(mutex_);
  std::optional<Trial> done;
  repository_->RunInTransaction([&] {
    Trial trial = PendingTrialOrThrow(trial_id);
    const auto objective = trial.MeasurementsOf(record_.spec.metric_tag);
    std::optional<Measurement> final;
    if (value) {
      final = Measurement{record_.spec.metric_tag, 0, NowSeconds(), *value};
      if (step) {
        final->step = *step;
      } else if (!objective.empty()) {
        final->step = SelectFinal(objective, record_.spec)->step;
      }
    } else {
      final = SelectFinal(objective, record_.spec);
    }
    const bool was_stopping = trial.state == TrialState::kStopping;
    if (!final) {
      trial.state = TrialState::kFailed;
      trial.failure_reason =
          "no measurement of the metric '" + record_.spec.metric_tag + "' was reported";
    } else if (!std::isfinite(final->value)) {
      trial.state = TrialState::kInfeasible;
      trial.final_step = final->step;
      trial.failure_reason = "the objective value is " + FormatDouble(final->value);
    } else {
      trial.state = TrialState::kSucceeded;
      trial.final_value = final->value;
      trial.final_step = final->step;
      trial.failure_reason.clear();
    }
    trial.stopped_early = was_stopping;
    trial.end_time = NowSeconds();
    repository_->UpdateTrial(record_.id, trial);
    done = trial;
  });
  return *done;
}

Trial Study::UpdatePendingTrial(std::int64_t trial_id, const std::function<void(Trial&)>& change) {
  std::lock_guard lock(mutex_);
  std::optional<Trial> updated;
  repository_->RunInTransaction([&] {
    Trial trial = PendingTrialOrThrow(trial_id);
    change(trial);
    repository_->UpdateTrial(record_.id, trial);
    updated = std::move(trial);
  });
  return *updated;
}

Trial Study::Fail(std::int64_t trial_id, const std::string& reason) {
  return UpdatePendingTrial(trial_id, [&](Trial& trial) {
    trial.state = TrialState::kFailed;
    trial.final_value.reset();
    trial.failure_reason = reason.empty() ? "failed (no reason given)" : reason;
    trial.end_time = NowSeconds();
  });
}

Trial Study::MarkInfeasible(std::int64_t trial_id, const std::string& reason) {
  return UpdatePendingTrial(trial_id, [&](Trial& trial) {
    trial.state = TrialState::kInfeasible;
    trial.final_value.reset();
    trial.failure_reason = reason.empty() ? "marked infeasible" : reason;
    trial.end_time = NowSeconds();
  });
}

bool Study::ShouldStop(std::int64_t trial_id) {
  std::lock_guard lock(mutex_);
  bool stop = false;
  repository_->RunInTransaction([&] {
    Trial trial = PendingTrialOrThrow(trial_id);
    if (trial.state == TrialState::kStopping) {
      stop = true;
      return;
    }
    if (!record_.spec.enable_early_stopping) return;
    std::vector<Trial> completed;
    for (Trial& t : repository_->ListTrials(record_.id)) {
      if (t.state == TrialState::kSucceeded) completed.push_back(std::move(t));
    }
    stop = ShouldStopByMedianRule(trial, completed, record_.spec.metric_tag, record_.spec.goal);
    if (stop) {
      trial.state = TrialState::kStopping;
      repository_->UpdateTrial(record_.id, trial);
    }
  });
  return stop;
}

Trial Study::Stop(std::int64_t trial_id) {
  return UpdatePendingTrial(trial_id, [](Trial& trial) { trial.state = TrialState::kStopping; });
}

Trial Study::Requeue(std::int64_t trial_id, const std::string& reason) {
  return UpdatePendingTrial(trial_id, [&](Trial& trial) {
    trial.state = TrialState::kRequested;
    trial.attempt += 1;
    trial.client_id.clear();
    trial.gpus.clear();
    trial.start_time.reset();
    trial.failure_reason = reason;
  });
}

Trial Study::MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus) {
  return UpdatePendingTrial(trial_id, [&](Trial& trial) {
    trial.gpus = gpus;
    trial.start_time = NowSeconds();
  });
}

Trial Study::GetTrial(std::int64_t trial_id) {
  auto trial = repository_->GetTrial(record_.id, trial_id);
  if (!trial) throw NotFound("study '" + record_.name + "' has no " + TrialName(trial_id));
  return *trial;
}

std::vector<Trial> Study::Trials() {
  return repository_->ListTrials(record_.id);
}

std::vector<Trial> Study::BestTrials(std::size_t limit) {
  std::vector<Trial> succeeded;
  for (Trial& t : Trials()) {
    if (t.state == TrialState::kSucceeded && t.final_value) succeeded.push_back(std::move(t));
  }
  std::stable_sort(succeeded.begin(), succeeded.end(), [&](const Trial& a, const Trial& b) {
    return record_.spec.IsBetter(*a.final_value, *b.final_value);
  });
  if (limit > 0 && succeeded.size() > limit) succeeded.resize(limit);
  return succeeded;
}

std::optional<Trial> Study::BestTrial() {
  auto best = BestTrials(1);
  if (best.empty()) return std::nullopt;
  return best.front();
}

int StudyProgress::left() const {
  return std::max(0, max_trials - finished() - active);
}

void StudyProgress::Add(TrialState state, bool stopped_early) {
  switch (state) {
    case TrialState::kRequested:
      ++requested;
      break;
    case TrialState::kActive:
    case TrialState::kStopping:
      ++active;
      break;
    case TrialState::kSucceeded:
      ++succeeded;
      if (stopped_early) ++this->stopped_early;
      break;
    case TrialState::kFailed:
      ++failed;
      break;
    case TrialState::kInfeasible:
      ++infeasible;
      break;
  }
}

StudyProgress CountProgress(const std::vector<Trial>& trials, int max_trials) {
  StudyProgress progress;
  progress.max_trials = max_trials;
  for (const Trial& trial : trials)
    progress.Add(trial.state, trial.stopped_early);
  return progress;
}

StudyProgress Study::Progress() {
  return CountProgress(Trials(), record_.spec.max_trials);
}

bool Study::IsDoneLocked(const std::vector<Trial>& trials) {
  int finished = 0;
  int failed = 0;
  for (const Trial& t : trials) {
    if (t.IsFinished()) ++finished;
    if (t.state == TrialState::kFailed) ++failed;
  }
  int target = record_.spec.max_trials;
  if (auto capacity = designer_->Capacity(space_)) {
    target = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(target), *capacity));
  }
  const int max_failed = record_.spec.max_failed_trials > 0 ? record_.spec.max_failed_trials
                                                            : DefaultMaxFailedTrials(record_.spec);
  return finished >= target || failed >= max_failed;
}

bool Study::IsDone() {
  std::lock_guard lock(mutex_);
  bool done = false;
  repository_->RunInTransaction([&] {
    done = IsDoneLocked(repository_->ListTrials(record_.id));
    if (done && record_.state != StudyState::kCompleted) {
      repository_->SetStudyState(record_.id, StudyState::kCompleted);
      record_.state = StudyState::kCompleted;
    }
  });
  return done;
}

}  // namespace bayestune
