// Export of a study with every parameter type and every trial state, after a round trip through
// SQLite, against the exact expected CSV and JSON (the JSON checked by hand against the Job
// resource of AI Platform Training v1: field names, types and State enum values).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bayestune/store/sqlite_study_repository.h"
#include "bayestune/store/study_csv_export.h"
#include "bayestune/store/study_json_export.h"
#include "temp_folder.h"

using namespace bayestune;
using bayestune::testing::TempFolder;

namespace {

constexpr double k10am = 1714557600;  // 2024-05-01T10:00:00Z

StudySpec EveryTypeSpec() {
  StudySpec spec;
  spec.goal = Goal::kMaximize;
  spec.metric_tag = "accuracy";
  spec.max_trials = 10;
  spec.seed = 0;
  spec.max_parallel_trials = 2;
  spec.algorithm = Algorithm::kRandomSearch;
  spec.parameters = {ParameterSpec::Double("learning_rate", 1e-4, 1e-1, ScaleType::kLog),
                     ParameterSpec::Integer("layers", 1, 8),
                     ParameterSpec::Categorical("optimizer", {"adam", "sgd", "rms,prop"}),
                     ParameterSpec::Discrete("dropout", {0.1, 0.25, 0.5})};
  return spec;
}

// The tuning.yaml of EveryTypeSpec, with trainingInput.args.
const char* const kEveryTypeYaml = R"yaml(trainingInput:
  args: ["--data=/data/mnist", "--epochs=20"]
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: accuracy
    maxTrials: 10
    maxParallelTrials: 2
    algorithm: RANDOM_SEARCH
    params:
      - {parameterName: learning_rate, type: DOUBLE, minValue: 0.0001, maxValue: 0.1,
         scaleType: UNIT_LOG_SCALE}
      - {parameterName: layers, type: INTEGER, minValue: 1, maxValue: 8,
         scaleType: UNIT_LINEAR_SCALE}
      - {parameterName: optimizer, type: CATEGORICAL, categoricalValues: [adam, sgd, "rms,prop"]}
      - {parameterName: dropout, type: DISCRETE, discreteValues: [0.1, 0.25, 0.5],
         scaleType: UNIT_LINEAR_SCALE}
runner:
  command: [python3, train.py]
)yaml";

Trial MakeTrial(TrialState state, double learning_rate, int layers, const char* optimizer,
                double dropout) {
  Trial trial;
  trial.state = state;
  trial.parameters = {{"learning_rate", learning_rate},
                      {"layers", layers},
                      {"optimizer", optimizer},
                      {"dropout", dropout}};
  return trial;
}

// One trial in each state, stored in SQLite and read back.
std::pair<StudyRecord, std::vector<Trial>> EveryStateStudy(const std::string& database) {
  auto repository = SqliteStudyRepository::Open(database);
  StudyRecord study;
  study.name = "mnist-sweep";
  study.spec = EveryTypeSpec();
  study.spec_text = kEveryTypeYaml;
  study.created_time = k10am - 60;
  study = repository->CreateStudy(study);

  Trial succeeded = MakeTrial(TrialState::kSucceeded, 0.001, 3, "adam", 0.25);
  succeeded.client_id = "runner";
  succeeded.gpus = {0};
  succeeded.start_time = k10am;
  succeeded.end_time = k10am + 90.5;
  succeeded.final_value = 0.93;
  succeeded.final_step = 20;
  succeeded.measurements = {
      {.metric = "accuracy", .step = 10, .value = 0.9, .wall_time = k10am + 45},
      {.metric = "loss", .step = 20, .value = 0.21, .wall_time = k10am + 90},
      {.metric = "accuracy", .step = 20, .value = 0.93, .wall_time = k10am + 90}};

  Trial stopped = MakeTrial(TrialState::kSucceeded, 0.05, 8, "sgd", 0.5);
  stopped.start_time = k10am + 0.25;
  stopped.end_time = k10am + 30.75;
  stopped.final_value = 0.41;
  stopped.final_step = 5;
  stopped.stopped_early = true;
  stopped.measurements = {
      {.metric = "accuracy", .step = 5, .value = 0.41, .wall_time = k10am + 30}};

  Trial failed = MakeTrial(TrialState::kFailed, 0.0001, 1, "rms,prop", 0.1);
  failed.start_time = k10am + 100;
  failed.end_time = k10am + 101;
  failed.attempt = 2;
  failed.failure_reason = "exit code 1; log tail:\n\"CUDA out of memory\"";

  Trial infeasible = MakeTrial(TrialState::kInfeasible, 0.02, 2, "adam", 0.1);
  infeasible.start_time = k10am + 200;
  infeasible.end_time = k10am + 260;
  infeasible.final_step = 3;
  infeasible.failure_reason = "the objective value is nan";

  Trial stopping = MakeTrial(TrialState::kStopping, 0.003, 4, "sgd", 0.25);
  stopping.start_time = k10am + 300;
  stopping.measurements = {
      {.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = k10am + 310}};

  Trial active = MakeTrial(TrialState::kActive, 0.0125, 5, "adam", 0.5);
  active.start_time = k10am + 400.123456;

  Trial requested = MakeTrial(TrialState::kRequested, 0.1, 6, "sgd", 0.1);

  for (const Trial& trial : {succeeded, stopped, failed, infeasible, stopping, active, requested})
    repository->AddTrial(study.id, trial);
  return {study, repository->ListTrials(study.id)};
}

// RFC 4180: CRLF line ends; a field with a comma, quote or line break in quotes, quotes doubled.
const std::string kExpectedCsv =
    "trial,state,learning_rate,layers,optimizer,dropout,objective,step,start_time,end_time,"
    "duration_seconds,stopped_early,failure_reason\r\n"
    "1,SUCCEEDED,0.001,3,adam,0.25,0.93,20,2024-05-01T10:00:00Z,2024-05-01T10:01:30.500Z,90.5,"
    "false,\r\n"
    "2,SUCCEEDED,0.05,8,sgd,0.5,0.41,5,2024-05-01T10:00:00.250Z,2024-05-01T10:00:30.750Z,30.5,true,"
    "\r\n"
    "3,FAILED,1e-04,1,\"rms,prop\",0.1,,,2024-05-01T10:01:40Z,2024-05-01T10:01:41Z,1,false,\"exit "
    "code 1; log tail:\n\"\"CUDA out of memory\"\"\"\r\n"
    "4,INFEASIBLE,0.02,2,adam,0.1,,3,2024-05-01T10:03:20Z,2024-05-01T10:04:20Z,60,false,the "
    "objective value is nan\r\n"
    "5,STOPPING,0.003,4,sgd,0.25,,,2024-05-01T10:05:00Z,,,false,\r\n"
    "6,ACTIVE,0.0125,5,adam,0.5,,,2024-05-01T10:06:40.123456Z,,,false,\r\n"
    "7,REQUESTED,0.1,6,sgd,0.1,,,,,,false,\r\n";

// The whole export, checked by hand against AI Platform Training v1's Job resource: every field
// name and type is AI Platform's; the states are its State enum (trial 4, INFEASIBLE, is FAILED;
// trial 5, asked to stop early but still running, is RUNNING; trial 7, queued, is QUEUED);
// completedTrialCount counts the SUCCEEDED trials; bayestune's own states, failure reasons and
// other metrics are in the "bayestune" objects.
const std::string kExpectedJson = R"json({
  "jobId": "mnist-sweep",
  "createTime": "2024-05-01T09:59:00Z",
  "startTime": "2024-05-01T10:00:00Z",
  "state": "RUNNING",
  "trainingInput": {
    "args": [
      "--data=/data/mnist",
      "--epochs=20"
    ],
    "hyperparameters": {
      "goal": "MAXIMIZE",
      "hyperparameterMetricTag": "accuracy",
      "maxTrials": 10,
      "maxParallelTrials": 2,
      "maxFailedTrials": 0,
      "enableTrialEarlyStopping": false,
      "algorithm": "RANDOM_SEARCH",
      "params": [
        {
          "parameterName": "learning_rate",
          "type": "DOUBLE",
          "minValue": 0.0001,
          "maxValue": 0.1,
          "scaleType": "UNIT_LOG_SCALE"
        },
        {
          "parameterName": "layers",
          "type": "INTEGER",
          "minValue": 1,
          "maxValue": 8,
          "scaleType": "UNIT_LINEAR_SCALE"
        },
        {
          "parameterName": "optimizer",
          "type": "CATEGORICAL",
          "categoricalValues": [
            "adam",
            "sgd",
            "rms,prop"
          ]
        },
        {
          "parameterName": "dropout",
          "type": "DISCRETE",
          "discreteValues": [
            0.1,
            0.25,
            0.5
          ],
          "scaleType": "UNIT_LINEAR_SCALE"
        }
      ]
    }
  },
  "trainingOutput": {
    "completedTrialCount": "2",
    "consumedMLUnits": 0,
    "trials": [
      {
        "trialId": "1",
        "hyperparameters": {
          "learning_rate": "0.001",
          "layers": "3",
          "optimizer": "adam",
          "dropout": "0.25"
        },
        "startTime": "2024-05-01T10:00:00Z",
        "endTime": "2024-05-01T10:01:30.500Z",
        "state": "SUCCEEDED",
        "finalMetric": {
          "trainingStep": "20",
          "objectiveValue": 0.93
        },
        "isTrialStoppedEarly": false,
        "allMetrics": [
          {
            "trainingStep": "10",
            "objectiveValue": 0.9
          },
          {
            "trainingStep": "20",
            "objectiveValue": 0.93
          }
        ],
        "bayestune": {
          "state": "SUCCEEDED",
          "otherMetrics": [
            {
              "metricTag": "loss",
              "trainingStep": "20",
              "value": 0.21
            }
          ]
        }
      },
      {
        "trialId": "2",
        "hyperparameters": {
          "learning_rate": "0.05",
          "layers": "8",
          "optimizer": "sgd",
          "dropout": "0.5"
        },
        "startTime": "2024-05-01T10:00:00.250Z",
        "endTime": "2024-05-01T10:00:30.750Z",
        "state": "SUCCEEDED",
        "finalMetric": {
          "trainingStep": "5",
          "objectiveValue": 0.41
        },
        "isTrialStoppedEarly": true,
        "allMetrics": [
          {
            "trainingStep": "5",
            "objectiveValue": 0.41
          }
        ],
        "bayestune": {
          "state": "SUCCEEDED"
        }
      },
      {
        "trialId": "3",
        "hyperparameters": {
          "learning_rate": "1e-04",
          "layers": "1",
          "optimizer": "rms,prop",
          "dropout": "0.1"
        },
        "startTime": "2024-05-01T10:01:40Z",
        "endTime": "2024-05-01T10:01:41Z",
        "state": "FAILED",
        "isTrialStoppedEarly": false,
        "allMetrics": [],
        "bayestune": {
          "state": "FAILED",
          "failureReason": "exit code 1; log tail:\n\"CUDA out of memory\"",
          "attempt": 2
        }
      },
      {
        "trialId": "4",
        "hyperparameters": {
          "learning_rate": "0.02",
          "layers": "2",
          "optimizer": "adam",
          "dropout": "0.1"
        },
        "startTime": "2024-05-01T10:03:20Z",
        "endTime": "2024-05-01T10:04:20Z",
        "state": "FAILED",
        "isTrialStoppedEarly": false,
        "allMetrics": [],
        "bayestune": {
          "state": "INFEASIBLE",
          "failureReason": "the objective value is nan"
        }
      },
      {
        "trialId": "5",
        "hyperparameters": {
          "learning_rate": "0.003",
          "layers": "4",
          "optimizer": "sgd",
          "dropout": "0.25"
        },
        "startTime": "2024-05-01T10:05:00Z",
        "state": "RUNNING",
        "isTrialStoppedEarly": false,
        "allMetrics": [
          {
            "trainingStep": "1",
            "objectiveValue": 0.5
          }
        ],
        "bayestune": {
          "state": "STOPPING"
        }
      },
      {
        "trialId": "6",
        "hyperparameters": {
          "learning_rate": "0.0125",
          "layers": "5",
          "optimizer": "adam",
          "dropout": "0.5"
        },
        "startTime": "2024-05-01T10:06:40.123456Z",
        "state": "RUNNING",
        "isTrialStoppedEarly": false,
        "allMetrics": [],
        "bayestune": {
          "state": "ACTIVE"
        }
      },
      {
        "trialId": "7",
        "hyperparameters": {
          "learning_rate": "0.1",
          "layers": "6",
          "optimizer": "sgd",
          "dropout": "0.1"
        },
        "state": "QUEUED",
        "isTrialStoppedEarly": false,
        "allMetrics": [],
        "bayestune": {
          "state": "REQUESTED"
        }
      }
    ],
    "isHyperparameterTuningJob": true,
    "hyperparameterMetricTag": "accuracy"
  },
  "bayestune": {
    "studyState": "ACTIVE",
    "measurementSelection": "LAST",
    "seed": "0"
  }
}
)json";

// AI Platform Training v1's job State enum: the only values a "state" may take, job or trial.
const std::set<std::string> kJobStates = {"STATE_UNSPECIFIED", "QUEUED", "PREPARING",  "RUNNING",
                                          "SUCCEEDED",         "FAILED", "CANCELLING", "CANCELLED"};

// A study of `trials` (made with MakeTrial and given times here) in `state`, exported.
nlohmann::ordered_json ExportOf(const std::string& database, StudyState state,
                                std::vector<Trial> trials, int max_failed_trials = 0) {
  auto repository = SqliteStudyRepository::Open(database);
  StudyRecord study;
  study.name = "grid";
  study.spec = EveryTypeSpec();
  study.spec.max_trials = 4;
  study.spec.max_failed_trials = max_failed_trials;
  study.created_time = k10am - 60;
  study = repository->CreateStudy(study);
  for (Trial& trial : trials)
    repository->AddTrial(study.id, trial);
  repository->SetStudyState(study.id, state);
  study = *repository->GetStudy(study.id);
  std::ostringstream json;
  WriteStudyJson(json, study, repository->ListTrials(study.id));
  return nlohmann::ordered_json::parse(json.str());
}

Trial Finished(TrialState state, double start, double end) {
  Trial trial = MakeTrial(state, 0.001, 3, "adam", 0.25);
  trial.start_time = start;
  trial.end_time = end;
  if (state == TrialState::kSucceeded) {
    trial.final_value = 0.9;
    trial.final_step = 1;
  } else {
    trial.failure_reason = "exit code 1";
  }
  return trial;
}

// A study of EveryTypeSpec with early stopping on (ASHA's rungs at steps 1 and 3 of 9, in
// `brackets` brackets; without `asha`, the median rule), created in `repository`.
StudyRecord EarlyStoppingStudy(StudyRepository& repository, const std::string& name, bool asha,
                               int brackets = 1) {
  StudyRecord study;
  study.name = name;
  study.spec = EveryTypeSpec();
  study.spec.enable_early_stopping = true;
  if (asha) {
    study.spec.early_stopping = {
        .rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 9, .brackets = brackets};
  }
  study.created_time = k10am - 60;
  return repository.CreateStudy(study);
}

// A trial SUCCEEDED from 10:00 to 10:01 whose accuracy curve is `curve` (step, value), reported
// at 10:00 + step seconds; its value the last point's.
Trial WithCurve(std::vector<std::pair<std::int64_t, double>> curve, bool stopped_early) {
  Trial trial = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  trial.stopped_early = stopped_early;
  trial.final_step = curve.back().first;
  trial.final_value = curve.back().second;
  for (auto [step, value] : curve) {
    trial.measurements.push_back({.metric = "accuracy",
                                  .step = step,
                                  .value = value,
                                  .wall_time = k10am + static_cast<double>(step),
                                  .attempt = 1});
  }
  return trial;
}
}  // namespace

TEST_CASE("CSV export: one RFC 4180 row per trial, parameters in spec order", "[export]") {
  TempFolder folder;
  const auto [study, trials] = EveryStateStudy(folder.File("study.db"));
  std::ostringstream csv;
  WriteStudyCsv(csv, study, trials);
  CHECK(csv.str() == kExpectedCsv);
}

TEST_CASE("JSON export: the Job resource of AI Platform Training v1", "[export]") {
  TempFolder folder;
  const auto [study, trials] = EveryStateStudy(folder.File("study.db"));
  std::ostringstream json;
  WriteStudyJson(json, study, trials);
  CHECK(json.str() == kExpectedJson);
  const auto job = nlohmann::ordered_json::parse(json.str());
  CHECK(kJobStates.count(job.at("state").get<std::string>()) == 1);
  for (const auto& trial : job.at("trainingOutput").at("trials")) {
    CHECK(kJobStates.count(trial.at("state").get<std::string>()) == 1);
  }
}

TEST_CASE("JSON export: the job's state, times and error follow the study", "[export]") {
  TempFolder folder;
  SECTION("a study no trial of which has started is QUEUED") {
    const auto job = ExportOf(folder.File("q.db"), StudyState::kActive,
                              {MakeTrial(TrialState::kRequested, 0.001, 3, "adam", 0.25)});
    CHECK(job.at("state") == "QUEUED");
    CHECK_FALSE(job.contains("startTime"));
    CHECK_FALSE(job.contains("endTime"));
    CHECK(job.at("trainingOutput").at("completedTrialCount") == "0");
  }
  SECTION("an active study with a finished trial is RUNNING, with no end time yet") {
    const auto job = ExportOf(folder.File("r.db"), StudyState::kActive,
                              {Finished(TrialState::kSucceeded, k10am, k10am + 10),
                               MakeTrial(TrialState::kRequested, 0.001, 3, "adam", 0.25)});
    CHECK(job.at("state") == "RUNNING");
    CHECK(job.at("startTime") == "2024-05-01T10:00:00Z");
    CHECK_FALSE(job.contains("endTime"));
  }
  SECTION("a study completed on its trial count SUCCEEDED, from its first start to its last end") {
    const auto job = ExportOf(folder.File("s.db"), StudyState::kCompleted,
                              {Finished(TrialState::kSucceeded, k10am + 5, k10am + 100),
                               Finished(TrialState::kFailed, k10am, k10am + 3),
                               Finished(TrialState::kInfeasible, k10am + 20, k10am + 30),
                               Finished(TrialState::kSucceeded, k10am + 50, k10am + 60)});
    CHECK(job.at("state") == "SUCCEEDED");
    CHECK(job.at("startTime") == "2024-05-01T10:00:00Z");
    CHECK(job.at("endTime") == "2024-05-01T10:01:40Z");
    CHECK_FALSE(job.contains("errorMessage"));
    CHECK(job.at("trainingOutput").at("completedTrialCount") == "2");
    CHECK(job.at("bayestune").at("studyState") == "COMPLETED");
  }
  SECTION("a study stopped by its failed-trial limit FAILED, and says so") {
    const auto job = ExportOf(folder.File("f.db"), StudyState::kCompleted,
                              {Finished(TrialState::kFailed, k10am, k10am + 3),
                               Finished(TrialState::kSucceeded, k10am + 5, k10am + 10),
                               Finished(TrialState::kFailed, k10am + 20, k10am + 30)},
                              2);
    CHECK(job.at("state") == "FAILED");
    CHECK(job.at("endTime") == "2024-05-01T10:00:30Z");
    CHECK(job.at("errorMessage") ==
          "2 trials failed, reaching the study's maxFailedTrials of 2; each failed trial's "
          "bayestune.failureReason says why");
  }
}

TEST_CASE("JSON export: a study without a tuning.yaml has no trainingInput.args", "[export]") {
  TempFolder folder;
  const auto job = ExportOf(folder.File("code.db"), StudyState::kActive, {});
  CHECK(job.at("trainingInput").size() == 1);
  CHECK(job.at("trainingInput").contains("hyperparameters"));
  CHECK(job.at("trainingOutput").at("trials").empty());
}

TEST_CASE("JSON export: a rerun trial's metrics are its final attempt's, earlier ones marked",
          "[export][attempt]") {
  TempFolder folder;
  Trial rerun = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  rerun.attempt = 2;
  rerun.final_value = 0.4;
  rerun.final_step = 2;
  rerun.measurements = {
      {.metric = "accuracy", .step = 1, .value = 0.9, .wall_time = k10am + 1, .attempt = 1},
      {.metric = "loss", .step = 1, .value = 0.1, .wall_time = k10am + 1, .attempt = 1},
      {.metric = "accuracy", .step = 1, .value = 0.3, .wall_time = k10am + 31, .attempt = 2},
      {.metric = "accuracy", .step = 2, .value = 0.4, .wall_time = k10am + 41, .attempt = 2}};
  const auto job = ExportOf(folder.File("rerun.db"), StudyState::kActive, {rerun});
  const auto& trial = job.at("trainingOutput").at("trials").at(0);
  REQUIRE(trial.at("allMetrics").size() == 2);
  CHECK(trial.at("allMetrics").at(0).at("objectiveValue") == 0.3);
  CHECK(trial.at("allMetrics").at(1).at("objectiveValue") == 0.4);
  const auto& own = trial.at("bayestune");
  CHECK(own.at("attempt") == 2);
  CHECK_FALSE(own.contains("otherMetrics"));  // attempt 1's loss is not the final attempt's
  REQUIRE(own.at("earlierAttempts").size() == 1);
  CHECK(own.at("earlierAttempts").at(0).at("attempt") == 1);
  const auto& earlier = own.at("earlierAttempts").at(0).at("metrics");
  REQUIRE(earlier.size() == 2);
  CHECK(earlier.at(0).at("metricTag") == "accuracy");
  CHECK(earlier.at(0).at("value") == 0.9);
  CHECK(earlier.at(1).at("metricTag") == "loss");
}

TEST_CASE("JSON export: the Slurm job of every attempt, kept through SQLite", "[export][slurm]") {
  TempFolder folder;
  Trial trial = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  trial.attempt = 2;
  trial.jobs = {{.attempt = 1, .job_id = "4242"}, {.attempt = 2, .job_id = "4250"}};
  Trial local = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  const auto job = ExportOf(folder.File("slurm.db"), StudyState::kActive, {trial, local});
  const auto& trials = job.at("trainingOutput").at("trials");
  REQUIRE(trials.size() == 2);
  const auto& jobs = trials.at(0).at("bayestune").at("slurmJobs");
  REQUIRE(jobs.size() == 2);
  CHECK(jobs.at(0) == nlohmann::ordered_json{{"attempt", 1}, {"jobId", "4242"}});
  CHECK(jobs.at(1) == nlohmann::ordered_json{{"attempt", 2}, {"jobId", "4250"}});
  CHECK_FALSE(trials.at(1).at("bayestune").contains("slurmJobs"));  // a local trial has none
}

TEST_CASE("CSV export: a Slurm study's last column is the job id of every attempt",
          "[export][slurm]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("slurm-csv.db"));
  StudyRecord study;
  study.name = "slurm";
  study.spec = EveryTypeSpec();
  study = repository->CreateStudy(study);
  Trial requeued = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  requeued.attempt = 2;
  requeued.jobs = {{.attempt = 1, .job_id = "4242"}, {.attempt = 2, .job_id = "4250"}};
  Trial once = Finished(TrialState::kSucceeded, k10am, k10am + 60);
  once.jobs = {{.attempt = 1, .job_id = "4243"}};
  Trial queued = MakeTrial(TrialState::kRequested, 0.1, 6, "sgd", 0.1);
  for (const Trial& trial : {requeued, once, queued})
    repository->AddTrial(study.id, trial);
  std::ostringstream csv;
  WriteStudyCsv(csv, study, repository->ListTrials(study.id));
  CHECK(csv.str() ==
        "trial,state,learning_rate,layers,optimizer,dropout,objective,step,start_time,end_time,"
        "duration_seconds,stopped_early,failure_reason,slurm_jobs\r\n"
        "1,SUCCEEDED,0.001,3,adam,0.25,0.9,1,2024-05-01T10:00:00Z,2024-05-01T10:01:00Z,60,false,,"
        "4242 2:4250\r\n"
        "2,SUCCEEDED,0.001,3,adam,0.25,0.9,1,2024-05-01T10:00:00Z,2024-05-01T10:01:00Z,60,false,,"
        "4243\r\n"
        "3,REQUESTED,0.1,6,sgd,0.1,,,,,,false,,\r\n");
  // A study none of whose trials ran as a Slurm job has no such column: kExpectedCsv.
}

TEST_CASE("JSON export: an ASHA study's spec survives SQLite, and each trial shows its rung",
          "[export][asha]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("asha.db"));
  const StudyRecord study = EarlyStoppingStudy(*repository, "asha", /*asha=*/true);
  CHECK(repository->GetStudy(study.id)->spec.early_stopping == study.spec.early_stopping);
  repository->AddTrial(study.id, WithCurve({{1, 0.3}, {4, 0.4}}, /*stopped_early=*/true));
  std::ostringstream json;
  WriteStudyJson(json, *repository->GetStudy(study.id), repository->ListTrials(study.id));
  const auto job = nlohmann::ordered_json::parse(json.str());
  const auto& trial = job.at("trainingOutput").at("trials").at(0);
  CHECK(trial.at("isTrialStoppedEarly") == true);
  // Rungs at steps 1 and 3: it reached rung 1 (its step 4) and was stopped there.
  CHECK(trial.at("bayestune").at("rung") == "rung 1 (step 3)");
  CHECK(job.at("bayestune").at("earlyStopping").at("rule") == "ASHA");
  CHECK(job.at("bayestune").at("earlyStopping").at("maxStep") == "9");
}

TEST_CASE("CSV export: an ASHA study has each trial's rung after stopped_early, through SQLite",
          "[export][asha]") {
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("asha-csv.db"));
  // Two brackets: trial 1 (bracket 0) has rungs at steps 1 and 3, trial 2 (bracket 1) at 3.
  const StudyRecord study = EarlyStoppingStudy(*repository, "asha", /*asha=*/true, 2);
  const Trial stopped = WithCurve({{1, 0.3}, {4, 0.4}}, /*stopped_early=*/true);
  const Trial promoted = WithCurve({{3, 0.5}, {9, 0.9}}, /*stopped_early=*/false);
  Trial queued = MakeTrial(TrialState::kRequested, 0.1, 6, "sgd", 0.1);  // no rung yet
  for (const Trial& trial : {stopped, promoted, queued})
    repository->AddTrial(study.id, trial);
  std::ostringstream csv;
  WriteStudyCsv(csv, *repository->GetStudy(study.id), repository->ListTrials(study.id));
  CHECK(csv.str() ==
        "trial,state,learning_rate,layers,optimizer,dropout,objective,step,start_time,end_time,"
        "duration_seconds,stopped_early,rung,failure_reason\r\n"
        "1,SUCCEEDED,0.001,3,adam,0.25,0.4,4,2024-05-01T10:00:00Z,2024-05-01T10:01:00Z,60,true,"
        "\"rung 1 (step 3, bracket 0)\",\r\n"
        "2,SUCCEEDED,0.001,3,adam,0.25,0.9,9,2024-05-01T10:00:00Z,2024-05-01T10:01:00Z,60,false,"
        "\"rung 0 (step 3, bracket 1)\",\r\n"
        "3,REQUESTED,0.1,6,sgd,0.1,,,,,,false,,\r\n");

  // The median rule has no rungs: its study's CSV is what it was before the column existed.
  const StudyRecord median = EarlyStoppingStudy(*repository, "median", /*asha=*/false);
  repository->AddTrial(median.id, stopped);
  std::ostringstream median_csv;
  WriteStudyCsv(median_csv, *repository->GetStudy(median.id), repository->ListTrials(median.id));
  CHECK(median_csv.str() ==
        "trial,state,learning_rate,layers,optimizer,dropout,objective,step,start_time,end_time,"
        "duration_seconds,stopped_early,failure_reason\r\n"
        "1,SUCCEEDED,0.001,3,adam,0.25,0.4,4,2024-05-01T10:00:00Z,2024-05-01T10:01:00Z,60,true,"
        "\r\n");
}

TEST_CASE("CSV export: a parameter named as a column of its own (step, objective) is param.<name>",
          "[export]") {
  // Parameters named step and objective gave the header trial,state,step,objective,objective,
  // step,...: pandas called the second ones step.1 and objective.1, and csv.DictReader kept the
  // last, so row["step"] was the measurement's step and not the parameter (newuser11).
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  StudyRecord study;
  study.name = "clash";
  study.spec.metric_tag = "loss";
  study.spec.max_trials = 5;
  study.spec.parameters = {ParameterSpec::Integer("step", 1, 5),
                           ParameterSpec::Double("objective", 0.1, 1),
                           ParameterSpec::Double("lr", 0.1, 1)};
  study = repository->CreateStudy(study);
  Trial trial;
  trial.state = TrialState::kSucceeded;
  trial.parameters = {{"step", std::int64_t{3}}, {"objective", 0.5}, {"lr", 0.25}};
  trial.final_value = 1.5;
  trial.final_step = 7;
  repository->AddTrial(study.id, trial);
  std::ostringstream csv;
  WriteStudyCsv(csv, study, repository->ListTrials(study.id));
  const std::string text = csv.str();
  CHECK(text.starts_with("trial,state,param.step,param.objective,lr,objective,step,start_time,"));
  CHECK_THAT(text, Catch::Contains("\r\n1,SUCCEEDED,3,0.5,0.25,1.5,7,"));
  // A study without such a name keeps its columns as they were.
  std::ostringstream plain;
  study.spec.parameters = {ParameterSpec::Double("lr", 0.1, 1)};
  WriteStudyCsv(plain, study, {});
  CHECK(plain.str().starts_with("trial,state,lr,objective,step,"));
}

TEST_CASE("CSV export: bytes that are not UTF-8 (a log's tail) become U+FFFD, the rest kept",
          "[export]") {
  // A failure reason holds the raw tail of a trainer's log; its Latin-1 bytes went into the CSV
  // as they were, and Python's csv and pandas.read_csv failed on the whole file with
  // UnicodeDecodeError. The JSON export already replaced them.
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  StudyRecord study;
  study.name = "latin1";
  study.spec.metric_tag = "score";
  study.spec.max_trials = 2;
  study.spec.parameters = {ParameterSpec::Categorical("c", {"caf\xc3\xa9", "x"})};
  study = repository->CreateStudy(study);
  Trial trial;
  trial.state = TrialState::kFailed;
  trial.parameters = {{"c", std::string("caf\xc3\xa9")}};
  trial.failure_reason = std::string(
      "the trainer exited with status 3\ncaf\xe9 \xff\xfe \xc3 ok \xe2\x82\xac\x1b[31m\0end", 58);
  repository->AddTrial(study.id, trial);
  const std::vector<Trial> trials = repository->ListTrials(study.id);
  std::ostringstream csv;
  WriteStudyCsv(csv, study, trials);
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK_THAT(csv.str(),
             Catch::Contains("1,FAILED,caf\xc3\xa9,,,,,,false,\"the trainer exited with "
                             "status 3\ncaf" +
                             replacement + " " + replacement + replacement + " " + replacement +
                             " ok \xe2\x82\xac\x1b[31m" + std::string(1, '\0') + "end\"\r\n"));
  for (const unsigned char c : {0xe9, 0xff, 0xfe}) {
    CHECK(csv.str().find(static_cast<char>(c)) == std::string::npos);
  }
}

TEST_CASE("CSV export: text a spreadsheet would run as a formula is kept as text", "[export]") {
  // OWASP's CSV injection: a cell that starts with =, +, -, @, a tab or a carriage return is a
  // formula to Excel and LibreOffice ("=cmd|' /C calc'!A0" runs a program). Such text gets a
  // leading ' (shown as text, the ' hidden); a plain number keeps its sign; JSON keeps every
  // value exactly.
  const std::vector<std::string> values = {"=cmd|' /C calc'!A0",
                                           "+1+1",
                                           "-2+3",
                                           "@SUM(A1)",
                                           "\tx",
                                           "\rx",
                                           "-1",
                                           "+5",
                                           "-0.5e3",
                                           "plain",
                                           "a=b"};
  TempFolder folder;
  auto repository = SqliteStudyRepository::Open(folder.File("study.db"));
  StudyRecord study;
  study.name = "hostile";
  study.spec.metric_tag = "score";
  study.spec.max_trials = 20;
  study.spec.parameters = {ParameterSpec::Categorical("c", values)};
  study = repository->CreateStudy(study);
  for (const std::string& value : values) {
    Trial trial;
    trial.state = TrialState::kFailed;
    trial.parameters = {{"c", value}};
    trial.failure_reason = "=HYPERLINK(\"http://x\",\"" + value + "\")";
    repository->AddTrial(study.id, trial);
  }
  const std::vector<Trial> trials = repository->ListTrials(study.id);
  std::ostringstream csv;
  WriteStudyCsv(csv, study, trials);
  std::istringstream lines(csv.str());
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> cells;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string row;
    // A value with a carriage return is quoted and spans a line break.
    while (std::getline(lines, line)) {
      row += line;
      if (std::count(row.begin(), row.end(), '"') % 2 == 0) break;
      row += '\n';
    }
    const std::size_t start = row.find(",FAILED,") + 8;
    cells.push_back(row.substr(start, row.find(",,", start) - start));
    CHECK_THAT(row, Catch::Contains(",\"'=HYPERLINK(\"\"http://x\"\","));
  }
  CHECK(cells == std::vector<std::string>{"'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)",
                                          "'\tx", "\"'\rx\"", "-1", "+5", "-0.5e3", "plain",
                                          "a=b"});
  std::ostringstream json;
  WriteStudyJson(json, study, trials);
  const auto job = nlohmann::json::parse(json.str());
  for (std::size_t i = 0; i < values.size(); ++i) {
    CHECK(job["trainingOutput"]["trials"][i]["hyperparameters"]["c"] == values[i]);
  }
}
