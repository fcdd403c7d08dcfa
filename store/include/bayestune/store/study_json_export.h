#pragma once

#include <ostream>
#include <vector>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Writes a study and its trials as the Job resource of AI Platform Training v1 (what
// projects.jobs.get returns for a hyperparameter tuning job): the study is the job, each trial a
// HyperparameterOutput in trainingOutput.trials. Every field AI Platform defines has its meaning
// and its enum values there; what bayestune knows beyond that is under "bayestune" objects, one
// for the job and one a trial. docs/store.md has an example and the mapping of the states:
//
//   {"jobId": <study name>, "createTime", "startTime", "endTime" (once over),
//    "state": QUEUED | RUNNING | SUCCEEDED | FAILED, "errorMessage" (when FAILED),
//    "trainingInput": {"args": [...] (when any), "hyperparameters": <HyperparameterSpec>},
//    "trainingOutput": {"completedTrialCount": "<SUCCEEDED trials>", "consumedMLUnits": 0,
//      "trials": [{"trialId": "3", "hyperparameters": {name: "value", ...}, "startTime",
//         "endTime", "state": QUEUED | RUNNING | SUCCEEDED | FAILED,
//         "finalMetric": {"trainingStep": "20", "objectiveValue": 0.93},
//         "isTrialStoppedEarly": false, "allMetrics": [{"trainingStep", "objectiveValue"}, ...],
//         "bayestune": {"state": <bayestune's trial state>, "failureReason" (when any),
//                       "otherMetrics": [{"metricTag", "trainingStep", "value"}, ...] (if any)}},
//        ...],
//      "isHyperparameterTuningJob": true, "hyperparameterMetricTag": <tag>},
//    "bayestune": {"studyState": ACTIVE | COMPLETED, "measurementSelection", "seed"}}
//
// As in Google's JSON: 64-bit integers (trialId, trainingStep, completedTrialCount, seed) are
// strings, times are RFC 3339 UTC, an absent value is left out, NaN and infinities are the strings
// "NaN", "Infinity" and "-Infinity". Indented by two spaces, fields in the order above.
void WriteStudyJson(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials);

}  // namespace bayestune
