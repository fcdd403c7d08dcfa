#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "bayestune/optimizer/study_names.h"
#include "bayestune/optimizer/study_repository.h"

namespace bayestune {

// A StudyRepository that keeps everything in this process's memory: the default for an embedded
// optimizer, and the reference the SQLite repository is tested against.
class InMemoryStudyRepository : public StudyRepository {
 public:
  StudyRecord CreateStudy(StudyRecord study) override;
  std::optional<StudyRecord> FindStudy(const std::string& name) override;
  std::optional<StudyRecord> GetStudy(std::int64_t study_id) override;
  std::vector<StudyRecord> ListStudies() override;
  void DeleteStudy(std::int64_t study_id) override;
  void SetStudyState(std::int64_t study_id, StudyState state) override;
  void UpdateStudySpec(std::int64_t study_id, const StudySpec& spec, const std::string& spec_text,
                       const StudyChange& change) override;
  void AddStudyChange(std::int64_t study_id, const StudyChange& change) override;
  std::vector<StudyChange> ListStudyChanges(std::int64_t study_id) override;

  Trial AddTrial(std::int64_t study_id, Trial trial) override;
  void UpdateTrial(std::int64_t study_id, const Trial& trial) override;
  void AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                      const Measurement& measurement) override;
  std::optional<Trial> GetTrial(std::int64_t study_id, std::int64_t trial_id) override;
  // Copies the trial without its measurements.
  std::optional<Trial> GetTrialWithoutMeasurements(std::int64_t study_id,
                                                   std::int64_t trial_id) override;
  // Looks through the trial's measurements in place (no copy).
  std::vector<bool> StoredMeasurements(std::int64_t study_id, std::int64_t trial_id,
                                       std::span<const Measurement> measurements) override;
  std::vector<Trial> ListTrials(std::int64_t study_id) override;
  // From counts and indexes kept as trials are written (as SQLite's trial_counts): copies only the
  // trials it returns, and never walks the study's trials.
  TrialTally TallyTrials(std::int64_t study_id, const std::string& client_id,
                         int requested_limit) override;
  // Copies the parameters alone.
  std::vector<ParameterValues> ListTrialParameters(std::int64_t study_id) override;

  void RunInTransaction(const std::function<void()>& body) override;

 private:
  struct StoredStudy {
    StudyRecord record;
    std::map<std::int64_t, Trial> trials;
    std::vector<StudyChange> changes;
    // What TallyTrials answers from, kept by AddTrial and UpdateTrial (Counted, Uncounted): the
    // trials by (state, stopped early), the queued (REQUESTED) ones, and the pending (ACTIVE,
    // STOPPING) ones by client.
    std::map<std::pair<TrialState, bool>, std::int64_t> counts;
    std::set<std::int64_t> requested;
    std::map<std::string, std::set<std::int64_t>> pending_by_client;
  };
  StoredStudy& StudyOrThrow(std::int64_t study_id);
  Trial& TrialOrThrow(std::int64_t study_id, std::int64_t trial_id);
  // Adds `trial` to its study's counts and indexes, or takes it out of them.
  static void Counted(StoredStudy& study, const Trial& trial);
  static void Uncounted(StoredStudy& study, const Trial& trial);

  std::recursive_mutex mutex_;
  std::map<std::int64_t, StoredStudy> studies_;
  std::int64_t next_study_id_ = 1;
  StudyNames names_;  // of the studies created, deleted ones too
};

}  // namespace bayestune
