#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bayestune/optimizer/study_names.h"
#include "bayestune/optimizer/study_repository.h"

namespace bayestune {

namespace sqlite {
class Connection;
}

// Told about a connection's waits for a lock that another process holds (an sqlite3 shell left
// inside BEGIN IMMEDIATE, a backup writing the file), and decides how long they last: with one,
// busy_timeout does not end a wait. Called on the thread of the call that waits, with the
// connection's mutex held: it must not use the database.
class LockWaitObserver {
 public:
  virtual ~LockWaitObserver() = default;
  // At every step of a wait (every 10 ms or so once it lasts), with how long this statement has
  // waited so far: whether to go on waiting. false ends the wait: the call throws Unavailable,
  // saying how long it waited, and changes nothing.
  virtual bool KeepWaiting(std::chrono::milliseconds waited) = 0;
  // The lock was had after `waited`: the call goes on.
  virtual void WaitOver(std::chrono::milliseconds waited) = 0;
};

// How SqliteStudyRepository::Open treats its file.
struct SqliteOpenOptions {
  // For readers (status, export): never creates, upgrades or writes the file; every write throws
  // FailedPrecondition. Readers never block a writer, nor a writer them.
  bool read_only = false;
  // Create the file when it does not exist (not when read_only).
  bool create = true;
  // How long a call waits for a lock that another process holds before it throws Unavailable.
  // Waiting is silent: "database is locked" never reaches the caller before then.
  std::chrono::milliseconds busy_timeout{60'000};
  // Null: waits end after busy_timeout. Set: the observer decides how long a wait lasts, and is
  // told of it (`bayestune run` waits as long as the lock is held, with warnings, until Ctrl-C).
  std::shared_ptr<LockWaitObserver> lock_wait;
  // The most pages (4 KiB each) the file may grow to, for a quota; 0: no limit. A write past it
  // throws ResourceExhausted, as a full disk does.
  std::int64_t max_page_count = 0;
};

// The StudyRepository of a study database: one SQLite file that several processes (a runner, a
// server, `status` readers) use at once. The schema, the guarantees and the figures are in
// docs/store.md.
//
// Durability: write-ahead log with synchronous=FULL; every method that writes, and every
// RunInTransaction, is one transaction, committed to disk before the call returns, so that a crash
// or a power cut at any moment loses nothing that a call reported as done.
// Concurrency: RunInTransaction is BEGIN IMMEDIATE ... COMMIT (ROLLBACK when the body throws);
// calls inside the body join it. One connection per repository, guarded by a mutex, so that the
// repository is thread-safe; processes wait for each other's locks with backoff up to
// busy_timeout, or for as long as a LockWaitObserver says. Statements are prepared once and cached.
class SqliteStudyRepository : public StudyRepository {
 public:
  // The schema this version writes (PRAGMA user_version). Older files are upgraded when opened
  // for writing; a newer one is refused.
  static constexpr int kSchemaVersion = 9;

  // Opens the study database at `path`, creating it, or upgrading an older schema, as needed.
  // Errors name the file and say what to do: InvalidArgument for a missing folder, a file that is
  // not a bayestune database, or one written by a newer bayestune; NotFound for a missing file
  // opened read-only; Unavailable for a file or folder this user may not write;
  // ResourceExhausted for a full disk. A refused file is left as it was.
  static std::shared_ptr<SqliteStudyRepository> Open(const std::string& path,
                                                     const SqliteOpenOptions& options = {});
  ~SqliteStudyRepository() override;

  const std::string& path() const;
  bool read_only() const;

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

  // Parameters keep their type: an INTEGER value reads back as an integer, a DOUBLE as a double
  // (3.0 too). A NaN parameter value throws InvalidArgument; NaN and infinite objective and
  // measurement values are kept.
  Trial AddTrial(std::int64_t study_id, Trial trial) override;
  void UpdateTrial(std::int64_t study_id, const Trial& trial) override;
  void AddMeasurement(std::int64_t study_id, std::int64_t trial_id,
                      const Measurement& measurement) override;
  std::optional<Trial> GetTrial(std::int64_t study_id, std::int64_t trial_id) override;
  // Reads no measurement.
  std::optional<Trial> GetTrialWithoutMeasurements(std::int64_t study_id,
                                                   std::int64_t trial_id) override;
  // Reads, through the index measurements_by_step, the stored rows of each metric (and attempt)
  // asked about within the steps asked about: none for a batch of steps beyond those stored.
  std::vector<bool> StoredMeasurements(std::int64_t study_id, std::int64_t trial_id,
                                       std::span<const Measurement> measurements) override;
  std::vector<Trial> ListTrials(std::int64_t study_id) override;
  // Counts with SQL, and reads in full only the trials it returns.
  TrialTally TallyTrials(std::int64_t study_id, const std::string& client_id,
                         int requested_limit) override;
  // Reads trial_parameters alone, in its key's order.
  std::vector<ParameterValues> ListTrialParameters(std::int64_t study_id) override;

  void RunInTransaction(const std::function<void()>& body) override;
  // Names the database.
  NotFound DeletedStudy(const StudyRecord& study) const override;

 private:
  explicit SqliteStudyRepository(std::unique_ptr<sqlite::Connection> connection);
  // `study`, its name remembered (StudyNames).
  std::optional<StudyRecord> Remembered(std::optional<StudyRecord> study);

  std::unique_ptr<sqlite::Connection> connection_;
  StudyNames names_;  // of the studies handed out, to name one deleted since
};

}  // namespace bayestune
