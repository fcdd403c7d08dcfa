#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

enum class StudyState { kActive, kCompleted };
std::string_view StudyStateName(StudyState state);
std::optional<StudyState> ParseStudyState(std::string_view name);

struct StudyRecord {
  std::int64_t id = 0;
  std::string name;
  StudySpec spec;         // as parsed
  std::string spec_text;  // as given (the YAML), may be empty for a spec built in code
  StudyState state = StudyState::kActive;
  double created_time = 0;  // seconds since the Unix epoch
};

// A change of a study after its creation (budgets raised, failed trials retried), as kept in its
// history.
struct StudyChange {
  double time = 0;          // seconds since the Unix epoch
  std::string description;  // "maxTrials 20 -> 23"

  bool operator==(const StudyChange&) const = default;
};

// How many of a study's trials are in each state, with the few trials Study::Suggest plans with
// when its designer looks at none of them (Designer::UsesTrials): the first REQUESTED ones by id
// (handed out before new points) and the pending ones (ACTIVE, STOPPING) of one client (a client
// asking again gets them back), each with its parameters and measurements.
struct TrialTally {
  std::int64_t total = 0;
  std::map<std::pair<TrialState, bool>, std::int64_t> counts;  // (state, stopped_early) -> trials
  std::vector<Trial> requested;
  std::vector<Trial> pending_of_client;
};

// For each of `measurements`, whether `stored` holds it exactly (metric, step, value, wall time,
// attempt): what StudyRepository::StoredMeasurements answers, for a store that holds a trial's
// measurements in memory. Costs one pass over `stored`, keeping only `measurements` aside.
std::vector<bool> MatchStoredMeasurements(std::span<const Measurement> stored,
                                          std::span<const Measurement> measurements);

// Where studies, trials and measurements live. `Study` is written against this interface;
// InMemoryStudyRepository (here) and SqliteStudyRepository (store/) implement it.
//
// Every method is one atomic step. RunInTransaction makes a sequence of them atomic against every
// other writer, threads and processes alike; calls made inside `body` join that transaction.
// Implementations are thread-safe. Errors: NotFound for unknown ids, AlreadyExists for a
// duplicate study name, Unavailable or ResourceExhausted for storage trouble.
class StudyRepository {
 public:
  virtual ~StudyRepository() = default;

  // Assigns the id and created_time when they are 0.
  virtual StudyRecord CreateStudy(StudyRecord study) = 0;
  virtual std::optional<StudyRecord> FindStudy(const std::string& name) = 0;
  virtual std::optional<StudyRecord> GetStudy(std::int64_t study_id) = 0;
  virtual std::vector<StudyRecord> ListStudies() = 0;
  // Deletes the study with its trials and measurements.
  virtual void DeleteStudy(std::int64_t study_id) = 0;
  virtual void SetStudyState(std::int64_t study_id, StudyState state) = 0;
  // Replaces the study's spec and spec text, and appends `change` to its history.
  virtual void UpdateStudySpec(std::int64_t study_id, const StudySpec& spec,
                               const std::string& spec_text, const StudyChange& change) = 0;
  // Appends `change` to the study's history.
  virtual void AddStudyChange(std::int64_t study_id, const StudyChange& change) = 0;
  // The study's history, oldest first.
  virtual std::vector<StudyChange> ListStudyChanges(std::int64_t study_id) = 0;

  // Stores a new trial, giving it the next id of the study (the `id` passed is ignored).
  virtual Trial AddTrial(std::int64_t study_id, Trial trial) = 0;
  // Replaces every field of the stored trial except its measurements.
  virtual void UpdateTrial(std::int64_t study_id, const Trial& trial) = 0;
  // Stores the measurement as given (its attempt included).
  virtual void AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                              const Measurement& measurement) = 0;
  virtual std::optional<Trial> GetTrial(std::int64_t study_id, std::int64_t trial_id) = 0;
  // The trial with its parameters but without its measurements: all that a caller adding
  // measurements needs of it (Study::AddMeasurements), at a cost that does not grow with the
  // measurements it holds. This default reads the trial whole (GetTrial) and drops them.
  virtual std::optional<Trial> GetTrialWithoutMeasurements(std::int64_t study_id,
                                                           std::int64_t trial_id);
  // For each of `measurements` (their attempts given), whether the trial holds it already,
  // exactly: metric, step, value, wall time and attempt. NotFound for an unknown study or trial.
  // This default reads the trial whole (GetTrial); SqliteStudyRepository reads, by an index, only
  // the stored rows of the metrics asked about within the steps asked about, so that its cost is
  // that of the measurements asked about, not of the trial's history.
  virtual std::vector<bool> StoredMeasurements(std::int64_t study_id, std::int64_t trial_id,
                                               std::span<const Measurement> measurements);
  // In id order, with their measurements.
  virtual std::vector<Trial> ListTrials(std::int64_t study_id) = 0;
  // The study's TrialTally: the first `requested_limit` REQUESTED trials, and the pending trials of
  // `client_id` (none for ""). This default reads every trial (ListTrials); a store that can count
  // without reading them all does so (SqliteStudyRepository: SQL counts, and only the trials
  // returned read in full).
  virtual TrialTally TallyTrials(std::int64_t study_id, const std::string& client_id,
                                 int requested_limit);
  // The parameters of each of the study's trials that has some, in id order: all that a designer
  // avoiding repeats needs of them (Designer::UsesOnlyTrialParameters). This default reads every
  // trial (ListTrials); SqliteStudyRepository reads the parameters alone (no trial row, no
  // measurement).
  virtual std::vector<ParameterValues> ListTrialParameters(std::int64_t study_id);

  virtual void RunInTransaction(const std::function<void()>& body) = 0;

  // The error of a call about `study`, handed out by this repository and not in it any more:
  // StudyDeletedError, naming where it was (SqliteStudyRepository: the database). Study throws it,
  // so that its calls say what the repository's own calls about the study say.
  virtual NotFound DeletedStudy(const StudyRecord& study) const;
};

}  // namespace bayestune
