#include "bayestune/optimizer/study.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <unordered_set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study_name.h"
#include "closest_match.h"
#include "split_mix.h"
#include "stopped_trial_values.h"
#include "time_format.h"

namespace bayestune {
namespace {

// Hashes what Measurement's == compares (std::hash<double> gives 0.0 and -0.0 the same hash).
struct MeasurementHash {
  std::size_t operator()(const Measurement& m) const {
    std::size_t h = std::hash<std::string>()(m.metric);
    for (const std::size_t part : {std::hash<std::int64_t>()(m.step), std::hash<double>()(m.value),
                                   std::hash<double>()(m.wall_time), std::hash<int>()(m.attempt)}) {
      h ^= part + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
  }
};

// When a trial that is being finished ended: `ended_at` where known and finite, kept within
// [start, now] (the clocks of a batch system and of this machine may differ), else now.
double EndTimeOf(const Trial& trial, std::optional<double> ended_at) {
  const double now = NowSeconds();
  if (!ended_at || !std::isfinite(*ended_at)) return now;
  return std::clamp(*ended_at, std::min(trial.start_time.value_or(*ended_at), now), now);
}

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
                                       const StudySpec& spec, Goal goal) {
  std::optional<Measurement> chosen;
  for (const auto& m : measurements) {
    if (!chosen) {
      chosen = m;
    } else if (spec.measurement_selection == MeasurementSelection::kLast) {
      if (m.step >= chosen->step) chosen = m;
    } else if (IsBetterUnder(goal, m.value, chosen->value)) {
      chosen = m;
    }
  }
  return chosen;
}

// Why a trial has no value of `metric`: what its current attempt reported instead, and the
// closest of those. A client that measured under a misspelt metric ('val_los' for the study's
// 'val_loss') had every trial fail with only "no measurement of the metric 'val_loss' was
// reported", though the measurements were there under the other name.
std::string NoMeasurementReason(const Trial& trial, const std::string& metric,
                                const std::string& note) {
  std::string reason = "no measurement of the metric '" + metric + "' was reported" + note;
  std::set<std::string> reported;
  for (const Measurement& m : trial.measurements) {
    if (trial.IsCurrentAttempt(m)) reported.insert(m.metric);
  }
  if (reported.empty()) return reason;
  const std::vector<std::string> names(reported.begin(), reported.end());
  constexpr std::size_t kMostListed = 10;
  reason += "; this attempt reported ";
  for (std::size_t i = 0; i < names.size() && i < kMostListed; ++i) {
    reason += (i ? ", '" : "'") + names[i] + "'";
  }
  if (names.size() > kMostListed) {
    reason += ", ... (" + std::to_string(names.size()) + " metrics)";
  }
  if (auto closest = ClosestMatch(metric, names)) {
    reason += "; '" + *closest + "' is close to it: check the metric the measurements name";
  }
  return reason;
}

}  // namespace

bool MapObjectiveValues(const StudySpec& from, const StudySpec& to, Trial& trial) {
  const std::vector<MetricSpec> from_objectives = Objectives(from);
  const std::vector<double> from_values = ObjectiveValues(trial, from);
  std::vector<double> values;
  for (const MetricSpec& wanted : Objectives(to)) {
    std::size_t k = 0;
    while (k < from_objectives.size() && from_objectives[k].metric_id != wanted.metric_id)
      ++k;
    if (k < from_objectives.size() && k < from_values.size()) {
      values.push_back(from_values[k]);
      continue;
    }
    // Not an objective of `from`, but its trainer may have reported the metric all the same
    // (a runner and a worker keep every scalar): its value as `to` selects it, as Complete takes
    // a study's other objectives. A study of two objectives resumed from one of the first alone
    // learned nothing from trials that had measured both.
    const auto measured = SelectFinal(trial.MeasurementsOf(wanted.metric_id), to, wanted.goal);
    if (!measured || !std::isfinite(measured->value)) return false;
    values.push_back(measured->value);
  }
  trial.final_value = values.front();
  trial.final_values = IsMultiObjective(to) ? values : std::vector<double>{};
  return true;
}

namespace {

void CheckMeasurement(std::int64_t trial_id, const Measurement& m) {
  // Its metric by the rule of a study's own tags, as the runner and the gRPC server check it
  // before they call here: an embedder's tag in bytes that are not UTF-8 was stored, and then
  // every gRPC answer holding the trial (GetTrial, ListTrials) could not be read by its client.
  if (!m.metric.empty()) {
    if (std::string problem = MetricTagProblem(m.metric); !problem.empty()) {
      throw InvalidArgument("measurement metric of " + TrialName(trial_id) + " (at step " +
                            std::to_string(m.step) + ") " + problem);
    }
  }
  if (!std::isfinite(m.value)) {
    throw InvalidArgument("measurement value of " + TrialName(trial_id) + " (" +
                          (m.metric.empty() ? std::string("the objective") : m.metric) +
                          " at step " + std::to_string(m.step) + ") is " + FormatDouble(m.value) +
                          "; it must be a finite number: complete the trial as infeasible instead");
  }
  if (m.step < 0) {
    throw InvalidArgument("measurement step of " + TrialName(trial_id) + " is " +
                          std::to_string(m.step) + "; steps are 0 or more");
  }
  // 0 is "now" (AddMeasurements); any other time must be one a clock could have given.
  if (m.wall_time != 0) {
    if (const std::string problem = WallTimeProblem(m.wall_time, NowSeconds()); !problem.empty()) {
      throw InvalidArgument("measurement wall_time of " + TrialName(trial_id) + " (" +
                            (m.metric.empty() ? std::string("the objective") : m.metric) +
                            " at step " + std::to_string(m.step) + ") is " +
                            FormatDouble(m.wall_time) + ", which " + problem +
                            "; give seconds since the Unix epoch, or 0 for now");
    }
  }
}

std::uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

std::string_view StudyEndName(StudyEnd end) {
  switch (end) {
    case StudyEnd::kNone:
      return "not ended";
    case StudyEnd::kMaxTrials:
      return "max trials";
    case StudyEnd::kFailureLimit:
      return "failure limit";
    case StudyEnd::kSpaceExhausted:
      return "space exhausted";
  }
  return "?";
}

bool RanksBefore(const Trial& a, const Trial& b, const StudySpec& spec) {
  // A trial trained to the end ranks before any trial stopped early: a value cut off at a rung is
  // not comparable with a final one.
  if (a.stopped_early != b.stopped_early) return !a.stopped_early;
  if (*a.final_value != *b.final_value) return spec.IsBetter(*a.final_value, *b.final_value);
  return a.id < b.id;
}

std::vector<Trial> RankTrials(std::vector<Trial> trials, const StudySpec& spec) {
  std::erase_if(trials, [](const Trial& t) {
    return t.state != TrialState::kSucceeded || !t.final_value || std::isnan(*t.final_value);
  });
  if (IsMultiObjective(spec)) {
    // Several objectives: by non-domination rank (the Pareto front first), then as for one
    // objective by the first.
    std::vector<std::vector<double>> points;
    for (const Trial& t : trials)
      points.push_back(ObjectiveValues(t, spec));
    const std::vector<int> ranks = ParetoRanks(points, ObjectiveGoals(spec));
    std::vector<std::size_t> order(trials.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (trials[a].stopped_early != trials[b].stopped_early) return !trials[a].stopped_early;
      if (ranks[a] != ranks[b]) return ranks[a] < ranks[b];
      return RanksBefore(trials[a], trials[b], spec);
    });
    std::vector<Trial> ranked;
    for (std::size_t i : order)
      ranked.push_back(std::move(trials[i]));
    return ranked;
  }
  std::sort(trials.begin(), trials.end(),
            [&](const Trial& a, const Trial& b) { return RanksBefore(a, b, spec); });
  return trials;
}

Study::Study(std::shared_ptr<StudyRepository> repository, StudyRecord record,
             std::shared_ptr<Designer> designer, std::shared_ptr<const StoppingRule> stopping_rule)
    : repository_(std::move(repository)),
      record_(std::move(record)),
      space_(record_.spec.parameters),
      designer_(designer ? std::move(designer)
                         : std::shared_ptr<Designer>(MakeDesigner(record_.spec))),
      stopping_rule_(stopping_rule ? std::move(stopping_rule) : MakeStoppingRule(record_.spec)) {}

StudyRecord Study::OpenRecord(StudyRepository& repository, const std::string& name,
                              StudyOptions& options, bool& budgets_changed) {
  // Whether the existing study can be opened with options.spec: true when it has that spec, false
  // when only budgets differ (to be updated); throws for any other difference.
  const auto same_spec = [&](const StudyRecord& existing) {
    if (options.error_if_exists) {
      throw AlreadyExists("a study named '" + name + "' already exists");
    }
    if (!options.spec) return true;
    if (!options.spec->seed) options.spec->seed = existing.spec.seed;
    if (*options.spec == existing.spec) return true;
    if (!OnlyBudgetsDiffer(existing.spec, *options.spec)) {
      throw AlreadyExists("a study named '" + name + "' already exists with a different spec (" +
                          DescribeSpecChanges(existing.spec, *options.spec) +
                          "); only maxTrials, maxParallelTrials and maxFailedTrials of an existing "
                          "study can change. To tune with " +
                          DescribeChangedSettings(existing.spec, *options.spec) +
                          ", start a new study (another name) with resumePreviousJobId: " + name +
                          " so that it learns from this one");
    }
    return false;
  };
  // Read first without a transaction, so that opening a study as it is never writes (a reader's
  // repository may be read-only).
  if (std::optional<StudyRecord> existing = repository.FindStudy(name)) {
    if (same_spec(*existing)) return *existing;
  } else if (!options.create_if_missing) {
    throw NotFound("no study named '" + name + "'");
  }
  if (!options.spec) {
    throw InvalidArgument("study '" + name + "' does not exist; a spec is needed to create it");
  }
  // A new study's name names its trial folders: it must be a name, not a path. A study made
  // before that rule (an old database) still opens.
  ValidateStudyName(name);
  ValidateStudySpec(*options.spec);
  std::optional<StudyRecord> record;
  repository.RunInTransaction([&] {
    // Looked up again inside the transaction: another process may have changed it meanwhile.
    std::optional<StudyRecord> existing = repository.FindStudy(name);
    if (!existing) {
      if (!options.create_if_missing) throw NotFound("no study named '" + name + "'");
      // A study learns from the one it resumes: a typo would silently start from scratch.
      std::vector<std::string> names;
      for (const StudyRecord& study : repository.ListStudies())
        names.push_back(study.name);
      if (std::string problem = ResumeStudyProblem(*options.spec, names); !problem.empty()) {
        throw InvalidArgument("study '" + name + "': resumePreviousJobId: " + problem +
                              " (a study learns from the finished trials of that one)");
      }
      StudyRecord fresh;
      fresh.name = name;
      fresh.spec = *options.spec;
      if (!fresh.spec.seed) fresh.spec.seed = RandomSeed();
      fresh.spec_text = options.spec_text;
      record = repository.CreateStudy(fresh);
      return;
    }
    if (same_spec(*existing)) {
      record = *existing;
      return;
    }
    const StudyChange change{NowSeconds(), DescribeSpecChanges(existing->spec, *options.spec)};
    repository.UpdateStudySpec(existing->id, *options.spec, options.spec_text, change);
    record = *repository.GetStudy(existing->id);
    budgets_changed = true;
  });
  return *record;
}

std::shared_ptr<Study> Study::Open(std::shared_ptr<StudyRepository> repository,
                                   const std::string& name, StudyOptions options) {
  if (!repository) {
    // Not a crash at the first call: the repository is where the study lives.
    throw InvalidArgument("Study::Open of study '" + name +
                          "': the repository is null; give one, such as "
                          "std::make_shared<InMemoryStudyRepository>() or "
                          "SqliteStudyRepository::Open(path)");
  }
  bool budgets_changed = false;
  StudyRecord record = OpenRecord(*repository, name, options, budgets_changed);
  auto study = std::shared_ptr<Study>(new Study(std::move(repository), std::move(record),
                                                std::move(options.designer),
                                                std::move(options.stopping_rule)));
  if (budgets_changed) {
    // A completed study whose maxTrials grew goes on (and one whose budget shrank may end).
    study->repository_->RunInTransaction(
        [&] { study->StoreState(study->repository_->ListTrials(study->id())); });
  }
  return study;
}

std::vector<StudyRecord> Study::List(StudyRepository& repository) {
  return repository.ListStudies();
}

StudyRecord Study::CurrentRecord() {
  auto record = repository_->GetStudy(record_.id);
  if (!record) throw repository_->DeletedStudy(record_);
  return *record;
}

void Study::RethrowNamingStudy() {
  CurrentRecord();  // throws DeletedStudy when it was
  throw;
}

void Study::InTransaction(const std::function<void()>& body) {
  try {
    repository_->RunInTransaction(body);
  } catch (const NotFound&) {
    RethrowNamingStudy();
  }
}

StudyRecord Study::Record() {
  return CurrentRecord();
}

std::vector<StudyChange> Study::Changes() {
  try {
    return repository_->ListStudyChanges(record_.id);
  } catch (const NotFound&) {
    RethrowNamingStudy();
  }
}

void Study::Delete() {
  try {
    repository_->DeleteStudy(record_.id);
  } catch (const NotFound&) {
    RethrowNamingStudy();
  }
}

Study::SuggestPlan Study::PlanSuggestion(std::vector<Trial> trials, int count,
                                         const std::string& client_id) {
  SuggestPlan plan;
  plan.spec = CurrentRecord().spec;
  if (!client_id.empty()) {
    for (const Trial& t : trials) {
      if (IsPending(t.state) && t.client_id == client_id) plan.handed_out.push_back(t);
    }
    if (!plan.handed_out.empty()) {
      plan.returning_client = true;
      return plan;
    }
  }
  if (ProgressOf(trials, plan.spec).done()) return plan;
  for (Trial& t : trials) {
    if (static_cast<int>(plan.handed_out.size()) == count) break;
    if (t.state != TrialState::kRequested) continue;
    t.state = TrialState::kActive;
    t.client_id = client_id;
    plan.handed_out.push_back(t);
  }
  long long budget =
      static_cast<long long>(plan.spec.max_trials) - static_cast<long long>(trials.size());
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
  if (!plan.spec.resume_previous_job_id.empty()) {
    if (auto previous = repository_->FindStudy(plan.spec.resume_previous_job_id)) {
      for (Trial& t : repository_->ListTrials(previous->id)) {
        if (!t.IsFinished()) continue;
        try {
          space_.Validate(t.parameters);
        } catch (const InvalidArgument&) {
          continue;  // a trial of a different space tells this one nothing
        }
        // A value is taken by its metric, never by its position: a trial that lacks one of this
        // study's metrics tells its model nothing (a study of 'loss' resumed from one of
        // 'accuracy' took each accuracy as a loss, under the new goal).
        if (t.state == TrialState::kSucceeded &&
            !MapObjectiveValues(previous->spec, plan.spec, t)) {
          continue;
        }
        t.id = -t.id;  // history ids never clash with this study's
        history.push_back(std::move(t));
      }
    }
  }
  history.insert(history.end(), plan.trials.begin(), plan.trials.end());
  // Trials stopped early are not finished: their cut-off values reach the model through
  // TrialsForModel (a BOHB-style fidelity), never as final values.
  history = TrialsForModel(std::move(history), plan.spec);
  const std::uint64_t seed = plan.spec.seed.value_or(0);
  DesignerInput input{space_, plan.spec, history, plan.designer_points,
                      SplitMix64(seed ^ SplitMix64(plan.trials.size()))};
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
  if (result.empty()) {
    // Nothing to give: a grid that ran out ends the study here.
    StoreState(repository_->ListTrials(record_.id));
  }
  return result;
}

std::vector<Trial> Study::SuggestOnTally(int count, const std::string& client_id) {
  // As PlanSuggestion and ComputePoints do from every trial, from the counts and the few trials
  // that matter: the same points for the same study (the designer's seed counts the trials).
  SuggestPlan plan;
  plan.spec = CurrentRecord().spec;
  TrialTally tally = repository_->TallyTrials(record_.id, client_id, count);
  if (!client_id.empty() && !tally.pending_of_client.empty()) return tally.pending_of_client;
  StudyProgress counted;
  for (const auto& [state, trials] : tally.counts)
    counted.Add(state.first, state.second, static_cast<int>(trials));
  if (!WithEnd(counted, plan.spec, designer_->Capacity(space_)).done()) {
    for (Trial& t : tally.requested) {
      t.state = TrialState::kActive;
      t.client_id = client_id;
      plan.handed_out.push_back(std::move(t));
    }
    long long budget = static_cast<long long>(plan.spec.max_trials) - tally.total;
    if (auto capacity = designer_->Capacity(space_)) {
      budget = std::min(budget, static_cast<long long>(std::min<std::size_t>(
                                    *capacity, std::numeric_limits<int>::max())) -
                                    tally.total);
    }
    plan.designer_points = static_cast<int>(std::max(
        0LL, std::min<long long>(count - static_cast<int>(plan.handed_out.size()), budget)));
  }
  std::vector<ParameterValues> points;
  if (plan.designer_points > 0) {
    // Trials that hold their parameters alone, for a designer that looks at nothing else: the
    // same points as from every trial read in full.
    std::vector<Trial> points_taken;
    if (designer_->UsesTrials(space_)) {
      for (ParameterValues& parameters : repository_->ListTrialParameters(record_.id)) {
        Trial t;
        t.parameters = std::move(parameters);
        points_taken.push_back(std::move(t));
      }
    }
    const std::uint64_t seed = plan.spec.seed.value_or(0);
    DesignerInput input{space_, plan.spec, points_taken, plan.designer_points,
                        SplitMix64(seed ^ SplitMix64(static_cast<std::uint64_t>(tally.total)))};
    points = designer_->Suggest(input);
    if (static_cast<int>(points.size()) > plan.designer_points) points.resize(plan.designer_points);
  }
  return CommitSuggestion(plan, std::move(points), client_id);
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
  // after a few tries done inside the transaction. A designer that suggests quickly (random and
  // grid search) is run inside it at once: one read of the trials rather than two, or none when
  // it looks at no trial (random search in a space with a DOUBLE): planned on the store's counts.
  // A designer that looks only at the trials' parameters (random search in a finite space) plans
  // on the counts too, given the parameters alone; but for a study resumed from another, whose
  // finished trials' points it avoids as well (ComputePoints).
  const bool quick = designer_->SuggestsQuickly();
  const bool parameters_only =
      designer_->UsesOnlyTrialParameters() && record_.spec.resume_previous_job_id.empty();
  if (quick && (!designer_->UsesTrials(space_) || parameters_only)) {
    std::vector<Trial> result;
    InTransaction([&] { result = SuggestOnTally(count, client_id); });
    return result;
  }
  const int optimistic_attempts = quick ? 0 : kOptimisticSuggestAttempts;
  for (int attempt = 0; attempt < optimistic_attempts; ++attempt) {
    const std::vector<Trial> snapshot = Trials();
    const SuggestPlan plan = PlanSuggestion(snapshot, count, client_id);
    if (plan.designer_points == 0) break;  // nothing to compute: one short transaction below
    std::vector<ParameterValues> points = ComputePoints(plan);
    std::optional<std::vector<Trial>> result;
    InTransaction([&] {
      if (!SameTrialStates(repository_->ListTrials(record_.id), snapshot)) return;
      if (!(CurrentRecord().spec == plan.spec)) return;
      result = CommitSuggestion(plan, std::move(points), client_id);
    });
    if (result) return *result;
  }
  std::vector<Trial> result;
  InTransaction([&] {
    const SuggestPlan plan = PlanSuggestion(repository_->ListTrials(record_.id), count, client_id);
    result = CommitSuggestion(plan, ComputePoints(plan), client_id);
  });
  return result;
}

Trial Study::RequestTrial(const ParameterValues& parameters) {
  space_.Validate(parameters);
  Trial t;
  t.state = TrialState::kRequested;
  t.parameters = parameters;
  std::optional<Trial> added;
  InTransaction([&] {
    const std::vector<Trial> trials = repository_->ListTrials(record_.id);
    // Suggest hands out nothing once the study is over: the trial would stay REQUESTED for ever.
    const StudyProgress progress = ProgressOf(trials, CurrentRecord().spec);
    if (progress.done()) {
      // What would let it run: raising maxTrials helps only a study ended by it.
      std::string why;
      std::string help;
      if (progress.end == StudyEnd::kFailureLimit) {
        why = std::to_string(progress.failed) + " trials failed, its failure limit";
        help =
            "retry the failed trials (RetryFailedTrials, bayestune run --retry-failed) or "
            "raise maxFailedTrials first";
      } else {
        why = std::to_string(progress.finished()) + " of " + std::to_string(progress.target()) +
              " trials finished";
        help = progress.end == StudyEnd::kSpaceExhausted
                   ? "its designer has no point left (" +
                         std::string(CurrentRecord().spec.algorithm == Algorithm::kGridSearch
                                         ? "a grid of "
                                         : "a search space of ") +
                         std::to_string(progress.target()) +
                         " points), and a larger maxTrials does not change that"
                   : "raise maxTrials first";
      }
      throw FailedPrecondition("study '" + record_.name + "' is over (" +
                               std::string(StudyEndName(progress.end)) + ": " + why +
                               "); a requested trial would never run: " + help);
    }
    // Nor while the trials finished, running and queued already take all that maxTrials (or the
    // grid) allows: the study ends once those finish, and this one would stay REQUESTED.
    if (progress.left() - progress.requested <= 0) {
      const int taken = progress.finished() + progress.active + progress.requested;
      const std::string counts = std::to_string(progress.finished()) + " finished, " +
                                 std::to_string(progress.active) + " running, " +
                                 std::to_string(progress.requested) + " requested";
      const std::string why = progress.capacity
                                  ? "its designer's " + std::to_string(progress.target()) +
                                        " points are all taken (" + counts + ")"
                                  : "maxTrials (" + std::to_string(progress.max_trials) +
                                        ") has none left (" + counts + ")";
      const std::string help =
          progress.capacity ? "a larger maxTrials does not change that"
                            : "raise maxTrials to at least " + std::to_string(taken + 1) + " first";
      throw FailedPrecondition("study '" + record_.name + "' has no trial left to request: " + why +
                               "; a requested trial would never run: " + help);
    }
    added = repository_->AddTrial(record_.id, t);
    StoreState(repository_->ListTrials(record_.id));
  });
  return *added;
}

Trial Study::PendingTrialOrThrow(std::int64_t trial_id, const std::optional<TrialOwner>& owner,
                                 bool with_measurements) {
  auto trial = with_measurements ? repository_->GetTrial(record_.id, trial_id)
                                 : repository_->GetTrialWithoutMeasurements(record_.id, trial_id);
  if (!trial) {
    throw NotFound("study '" + record_.name + "' has no " + TrialName(trial_id));
  }
  if (owner && (trial->attempt != owner->attempt || trial->client_id != owner->client_id)) {
    std::string now =
        std::string(TrialStateName(trial->state)) + ", attempt " + std::to_string(trial->attempt);
    if (!trial->client_id.empty()) now += " for client " + trial->client_id;
    throw FailedPrecondition(TrialName(trial_id) + " of study '" + record_.name +
                             "' is no longer attempt " + std::to_string(owner->attempt) +
                             " of client " + owner->client_id + ": it is " + now +
                             "; this client lost it and must stop its process");
  }
  if (!IsPending(trial->state)) {
    throw FailedPrecondition(TrialName(trial_id) + " of study '" + record_.name + "' is " +
                             std::string(TrialStateName(trial->state)) +
                             "; only an ACTIVE or STOPPING trial can take this");
  }
  return *trial;
}

void Study::AddMeasurements(std::int64_t trial_id, std::span<const Measurement> measurements,
                            const std::optional<TrialOwner>& owner) {
  for (const Measurement& m : measurements)
    CheckMeasurement(trial_id, m);
  if (measurements.empty()) return;
  InTransaction([&] {
    // Neither the trial's measurements nor a scan of them: what this costs is the batch's, not
    // the trial's history. Reading them all for each batch made a trainer that reported 10^6
    // steps through `bayestune worker` (100 calls of 10,000) take minutes of the server's time,
    // the later calls slower than the earlier (grpc_bench --long-trial-steps, docs/grpc.md).
    const Trial trial = PendingTrialOrThrow(trial_id, owner, /*with_measurements=*/false);
    const double now = NowSeconds();
    std::vector<Measurement> batch(measurements.begin(), measurements.end());
    for (Measurement& m : batch) {
      if (m.metric.empty()) m.metric = record_.spec.metric_tag;
      if (m.wall_time == 0) m.wall_time = now;
      m.attempt = trial.attempt;
    }
    // Exact repeats of this attempt's are left out: stored already (a batch sent again after
    // its answer was lost), or twice in this batch.
    const std::vector<bool> stored = repository_->StoredMeasurements(record_.id, trial_id, batch);
    std::unordered_set<Measurement, MeasurementHash> added;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (stored[i] || !added.insert(batch[i]).second) continue;
      repository_->AddMeasurement(record_.id, trial_id, batch[i]);
    }
  });
}

void Study::AddMeasurement(std::int64_t trial_id, const Measurement& measurement,
                           const std::optional<TrialOwner>& owner) {
  AddMeasurements(trial_id, std::span<const Measurement>(&measurement, 1), owner);
}

Trial Study::Complete(std::int64_t trial_id, std::optional<double> value,
                      std::optional<std::int64_t> step, const std::optional<TrialOwner>& owner,
                      std::optional<double> end_time) {
  if (step && *step < 0) {
    throw InvalidArgument("the final step of " + TrialName(trial_id) + " is " +
                          std::to_string(*step) + "; steps are 0 or more");
  }
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    const StudySpec& spec = record_.spec;
    const std::string& tag = spec.metric_tag;
    const auto objective = trial.MeasurementsOf(tag);
    std::optional<Measurement> final;
    if (value) {
      final = Measurement{.metric = tag, .step = 0, .value = *value, .wall_time = NowSeconds()};
      if (step) {
        final->step = *step;
      } else if (!objective.empty()) {
        final->step = SelectFinal(objective, spec, spec.goal)->step;
      }
    } else {
      final = SelectFinal(objective, spec, spec.goal);
    }
    const bool was_stopping = trial.state == TrialState::kStopping;
    // A multi-objective study's other objectives come from their measurements.
    std::vector<double> values;
    std::string missing;
    if (final) values.push_back(final->value);
    for (std::size_t i = 1; i < spec.metrics.size() && final; ++i) {
      const MetricSpec& metric = spec.metrics[i];
      if (auto other = SelectFinal(trial.MeasurementsOf(metric.metric_id), spec, metric.goal)) {
        values.push_back(other->value);
      } else if (missing.empty()) {
        missing = metric.metric_id;
      }
    }
    trial.final_values.clear();
    if (!final) {
      trial.state = TrialState::kFailed;
      trial.failure_reason = NoMeasurementReason(trial, tag, "");
    } else if (!missing.empty()) {
      trial.state = TrialState::kFailed;
      trial.final_value.reset();
      trial.failure_reason =
          NoMeasurementReason(trial, missing, " (an objective of the study's metrics)");
    } else if (!std::isfinite(final->value)) {
      trial.state = TrialState::kInfeasible;
      trial.final_step = final->step;
      trial.failure_reason = "the objective value is " + FormatDouble(final->value);
    } else {
      trial.state = TrialState::kSucceeded;
      trial.final_value = final->value;
      trial.final_step = final->step;
      trial.failure_reason.clear();
      if (IsMultiObjective(spec)) trial.final_values = values;
    }
    trial.stopped_early = was_stopping;
    trial.end_time = EndTimeOf(trial, end_time);
  });
}

Trial Study::UpdatePendingTrial(std::int64_t trial_id, const std::optional<TrialOwner>& owner,
                                const std::function<void(Trial&)>& change) {
  std::optional<Trial> updated;
  InTransaction([&] {
    Trial trial = PendingTrialOrThrow(trial_id, owner);
    const TrialState before = trial.state;
    change(trial);
    repository_->UpdateTrial(record_.id, trial);
    if (trial.state != before) StoreState(repository_->ListTrials(record_.id));
    updated = std::move(trial);
  });
  return *updated;
}

Trial Study::Fail(std::int64_t trial_id, const std::string& reason,
                  const std::optional<TrialOwner>& owner, std::optional<double> end_time) {
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    trial.state = TrialState::kFailed;
    trial.final_value.reset();
    trial.final_values.clear();
    trial.failure_reason = reason.empty() ? "failed (no reason given)" : reason;
    trial.end_time = EndTimeOf(trial, end_time);
  });
}

Trial Study::MarkInfeasible(std::int64_t trial_id, const std::string& reason,
                            const std::optional<TrialOwner>& owner,
                            std::optional<double> end_time) {
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    trial.state = TrialState::kInfeasible;
    trial.final_value.reset();
    trial.final_values.clear();
    trial.failure_reason = reason.empty() ? "marked infeasible" : reason;
    trial.end_time = EndTimeOf(trial, end_time);
  });
}

StopDecision Study::ShouldStop(std::int64_t trial_id, const std::optional<TrialOwner>& owner) {
  StopDecision decision;
  InTransaction([&] {
    Trial trial = PendingTrialOrThrow(trial_id, owner);
    if (trial.state == TrialState::kStopping) {
      decision = {true, "asked to stop"};
      return;
    }
    if (!stopping_rule_) return;
    decision = stopping_rule_->Decide(trial, repository_->ListTrials(record_.id), record_.spec);
    if (decision.stop) {
      trial.state = TrialState::kStopping;
      trial.stop_rung = decision.rung;
      repository_->UpdateTrial(record_.id, trial);
    }
  });
  return decision;
}

Trial Study::Stop(std::int64_t trial_id) {
  return UpdatePendingTrial(trial_id, std::nullopt,
                            [](Trial& trial) { trial.state = TrialState::kStopping; });
}

Trial Study::Requeue(std::int64_t trial_id, const std::string& reason,
                     const std::optional<TrialOwner>& owner, bool ran) {
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    trial.state = TrialState::kRequested;
    if (ran) trial.attempt += 1;
    trial.client_id.clear();
    trial.gpus.clear();
    trial.start_time.reset();
    trial.stop_rung.clear();
    trial.failure_reason = reason;
  });
}

Trial Study::MarkStarted(std::int64_t trial_id, const std::vector<int>& gpus,
                         const std::optional<TrialOwner>& owner) {
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    trial.gpus = gpus;
    trial.start_time = NowSeconds();
  });
}

Trial Study::ExcludePause(std::int64_t trial_id, double seconds,
                          const std::optional<TrialOwner>& owner) {
  if (!std::isfinite(seconds) || seconds < 0) {
    throw InvalidArgument("paused seconds: " + FormatDouble(seconds) +
                          " is not a pause; give 0 or more seconds");
  }
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    if (trial.start_time) trial.start_time = std::min(*trial.start_time + seconds, NowSeconds());
  });
}

Trial Study::RecordJob(std::int64_t trial_id, const std::string& job_id,
                       const std::optional<TrialOwner>& owner) {
  if (job_id.empty() || job_id.find_first_of(",: \n") != std::string::npos) {
    throw InvalidArgument("'" + job_id + "' is not a job id (such as 4242)");
  }
  return UpdatePendingTrial(trial_id, owner, [&](Trial& trial) {
    trial.jobs.push_back({.attempt = trial.attempt, .job_id = job_id});
  });
}

std::vector<Trial> Study::RetryFailedTrials() {
  std::vector<Trial> retried;
  InTransaction([&] {
    for (Trial trial : repository_->ListTrials(record_.id)) {
      if (trial.state != TrialState::kFailed) continue;
      trial.state = TrialState::kRequested;
      trial.failure_reason = "retried after attempt " + std::to_string(trial.attempt) +
                             " failed: " + trial.failure_reason;
      trial.attempt += 1;
      trial.client_id.clear();
      trial.gpus.clear();
      trial.start_time.reset();
      trial.end_time.reset();
      trial.final_step.reset();
      trial.final_value.reset();
      trial.final_values.clear();
      trial.stopped_early = false;
      repository_->UpdateTrial(record_.id, trial);
      retried.push_back(std::move(trial));
    }
    if (retried.empty()) return;
    repository_->AddStudyChange(
        record_.id, {NowSeconds(), std::to_string(retried.size()) + " failed trial" +
                                       (retried.size() == 1 ? "" : "s") + " queued to run again"});
    StoreState(repository_->ListTrials(record_.id));
  });
  return retried;
}

Trial Study::GetTrial(std::int64_t trial_id) {
  try {
    auto trial = repository_->GetTrial(record_.id, trial_id);
    if (!trial) throw NotFound("study '" + record_.name + "' has no " + TrialName(trial_id));
    return *trial;
  } catch (const NotFound&) {
    RethrowNamingStudy();
  }
}

std::vector<Trial> Study::Trials() {
  try {
    return repository_->ListTrials(record_.id);
  } catch (const NotFound&) {
    RethrowNamingStudy();
  }
}

std::vector<Trial> Study::BestTrials(std::size_t limit) {
  std::vector<Trial> ranked = RankTrials(Trials(), record_.spec);
  if (limit > 0 && ranked.size() > limit) ranked.resize(limit);
  return ranked;
}

std::optional<Trial> Study::BestTrial() {
  auto best = BestTrials(1);
  if (best.empty()) return std::nullopt;
  return best.front();
}

int StudyProgress::left() const {
  return std::max(0, target() - finished() - active);
}

void StudyProgress::Add(TrialState state, bool stopped_early, int trials) {
  switch (state) {
    case TrialState::kRequested:
      requested += trials;
      break;
    case TrialState::kActive:
    case TrialState::kStopping:
      active += trials;
      break;
    case TrialState::kSucceeded:
      succeeded += trials;
      if (stopped_early) this->stopped_early += trials;
      break;
    case TrialState::kFailed:
      failed += trials;
      break;
    case TrialState::kInfeasible:
      infeasible += trials;
      break;
  }
}

std::string StoppedEarlyNote(int stopped_early) {
  return stopped_early > 0 ? " (" + std::to_string(stopped_early) + " stopped early)" : "";
}

StudyProgress CountProgress(const std::vector<Trial>& trials, const StudySpec& spec,
                            std::optional<std::size_t> capacity) {
  StudyProgress progress;
  for (const Trial& trial : trials)
    progress.Add(trial.state, trial.stopped_early);
  return WithEnd(progress, spec, capacity);
}

StudyProgress WithEnd(StudyProgress progress, const StudySpec& spec,
                      std::optional<std::size_t> capacity) {
  progress.max_trials = spec.max_trials;
  progress.failure_limit = FailureLimit(spec);
  progress.end = StudyEnd::kNone;
  progress.capacity.reset();
  if (capacity && *capacity < static_cast<std::size_t>(std::max(0, spec.max_trials))) {
    progress.capacity = static_cast<int>(*capacity);
  }
  if (progress.finished() >= spec.max_trials) {
    progress.end = StudyEnd::kMaxTrials;
  } else if (progress.failed >= progress.failure_limit) {
    progress.end = StudyEnd::kFailureLimit;
  } else if (progress.finished() >= progress.target()) {
    progress.end = StudyEnd::kSpaceExhausted;
  }
  return progress;
}

StudyProgress CountProgress(const std::vector<Trial>& trials, const StudySpec& spec) {
  std::optional<std::size_t> capacity;
  try {
    capacity = MakeDesigner(spec)->Capacity(SearchSpace(spec.parameters));
  } catch (const InvalidArgument&) {
    // A spec too broken for a search space (a damaged file): counted without a capacity.
  }
  return CountProgress(trials, spec, capacity);
}

StudyProgress Study::ProgressOf(const std::vector<Trial>& trials, const StudySpec& spec) const {
  return CountProgress(trials, spec, designer_->Capacity(space_));
}

StudyProgress Study::Progress() {
  // Two reads, no transaction: a reader's repository may be read-only.
  const StudySpec spec = CurrentRecord().spec;
  return ProgressOf(repository_->ListTrials(record_.id), spec);
}

bool Study::IsDone() {
  return Progress().done();
}

void Study::StoreState(const std::vector<Trial>& trials) {
  const StudyRecord current = CurrentRecord();
  const StudyState state =
      ProgressOf(trials, current.spec).done() ? StudyState::kCompleted : StudyState::kActive;
  if (state != current.state) repository_->SetStudyState(record_.id, state);
}

}  // namespace bayestune
