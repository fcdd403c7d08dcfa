#pragma once

#include <ostream>
#include <vector>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Writes a study and its trials as JSON shaped like an AI Platform training job with
// hyperparameter tuning (projects.jobs.get): the study is the job, each trial a
// HyperparameterOutput in trainingOutput.trials. docs/store.md has an example and says where it
// differs from AI Platform:
//
//   {"jobId": <study name>, "createTime", "state": ACTIVE | COMPLETED,
//    "trainingInput": {"hyperparameters": <the spec, as StudySpecToJson writes it>},
//    "trainingOutput": {"completedTrialCount": "<finished trials>", "trials": [
//        {"trialId": "3", "hyperparameters": {name: "value", ...}, "startTime", "endTime",
//         "state": bayestune's trial state, "finalMetric": {"trainingStep": "20",
//         "objectiveValue": 0.93}, "isTrialStoppedEarly": false,
//         "allMetrics": [{"trainingStep", "objectiveValue"}, ...]  (the objective's measurements)
//         "otherMetrics": [{"metricTag", "trainingStep", "value"}, ...]  (the other tags, if any)
//         "failureReason": "..."  (when there is one)}, ...],
//      "isHyperparameterTuningJob": true, "hyperparameterMetricTag": <tag>}}
//
// As in Google's JSON: 64-bit integers (trialId, trainingStep, completedTrialCount) are strings,
// times are RFC 3339 UTC, an absent value is left out, NaN and infinities are the strings "NaN",
// "Infinity" and "-Infinity". Indented by two spaces, fields in the order above.
void WriteStudyJson(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials);

}  // namespace bayestune
