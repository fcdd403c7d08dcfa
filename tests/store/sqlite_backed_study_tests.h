#pragma once
// Force-included (-include) before tests/optimizer/study_test.cc in the store_study_tests
// program: the optimizer's own Study tests, unchanged, then run on SQLite. Their
// `std::make_shared<InMemoryStudyRepository>()` makes a SqliteRepositoryOnTempFile instead.

#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/store/sqlite_study_repository.h"
#include "temp_folder.h"

namespace bayestune {

// A SqliteStudyRepository on a new database file of its own, removed when it goes away.
class SqliteRepositoryOnTempFile : public StudyRepository {
 public:
  SqliteRepositoryOnTempFile() : sqlite_(SqliteStudyRepository::Open(folder_.File("study.db"))) {}

  StudyRecord CreateStudy(StudyRecord study) override { return sqlite_->CreateStudy(study); }
  std::optional<StudyRecord> FindStudy(const std::string& name) override {
    return sqlite_->FindStudy(name);
  }
  std::optional<StudyRecord> GetStudy(std::int64_t id) override { return sqlite_->GetStudy(id); }
  std::vector<StudyRecord> ListStudies() override { return sqlite_->ListStudies(); }
  void DeleteStudy(std::int64_t id) override { sqlite_->DeleteStudy(id); }
  void SetStudyState(std::int64_t id, StudyState state) override {
    sqlite_->SetStudyState(id, state);
  }
  void UpdateStudySpec(std::int64_t id, const StudySpec& spec, const std::string& spec_text,
                       const StudyChange& change) override {
    sqlite_->UpdateStudySpec(id, spec, spec_text, change);
  }
  void AddStudyChange(std::int64_t id, const StudyChange& change) override {
    sqlite_->AddStudyChange(id, change);
  }
  std::vector<StudyChange> ListStudyChanges(std::int64_t id) override {
    return sqlite_->ListStudyChanges(id);
  }
  Trial AddTrial(std::int64_t study_id, Trial trial) override {
    return sqlite_->AddTrial(study_id, std::move(trial));
  }
  void UpdateTrial(std::int64_t study_id, const Trial& trial) override {
    sqlite_->UpdateTrial(study_id, trial);
  }
  void AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                      const Measurement& measurement) override {
    sqlite_->AddMeasurement(study_id, trial_id, measurement);
  }
  std::optional<Trial> GetTrial(std::int64_t study_id, std::int64_t trial_id) override {
    return sqlite_->GetTrial(study_id, trial_id);
  }
  std::optional<Trial> GetTrialWithoutMeasurements(std::int64_t study_id,
                                                   std::int64_t trial_id) override {
    return sqlite_->GetTrialWithoutMeasurements(study_id, trial_id);
  }
  std::vector<bool> StoredMeasurements(std::int64_t study_id, std::int64_t trial_id,
                                       std::span<const Measurement> measurements) override {
    return sqlite_->StoredMeasurements(study_id, trial_id, measurements);
  }
  std::vector<Trial> ListTrials(std::int64_t study_id) override {
    return sqlite_->ListTrials(study_id);
  }
  TrialTally TallyTrials(std::int64_t study_id, const std::string& client_id,
                         int requested_limit) override {
    return sqlite_->TallyTrials(study_id, client_id, requested_limit);
  }
  void RunInTransaction(const std::function<void()>& body) override {
    sqlite_->RunInTransaction(body);
  }
  NotFound DeletedStudy(const StudyRecord& study) const override {
    return sqlite_->DeletedStudy(study);
  }

 private:
  testing::TempFolder folder_;  // declared first: removed after the repository has closed
  std::shared_ptr<SqliteStudyRepository> sqlite_;
};

}  // namespace bayestune

#define InMemoryStudyRepository SqliteRepositoryOnTempFile
