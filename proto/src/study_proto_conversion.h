#pragma once

#include <optional>
#include <string>

#include "bayestune/optimizer/study.h"
#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/v1/study_service.pb.h"

namespace bayestune::proto {

// Between the messages of bayestune.v1 and the optimizer's types. The *FromProto functions check
// what a client sent and throw InvalidArgument naming the field (`spec.params[1].type`) and what
// would be valid.

v1::StudySpec StudySpecToProto(const StudySpec& spec);
// Zero values take AI Platform's defaults (MAXIMIZE, maxTrials 1, ...); the result is validated.
StudySpec StudySpecFromProto(const v1::StudySpec& message);

// The study's state is COMPLETED exactly when `progress` is done.
v1::Study StudyToProto(const StudyRecord& record, const StudyProgress& progress);
StudyProgress StudyProgressFromProto(const v1::StudyProgress& message);

v1::Measurement MeasurementToProto(const Measurement& measurement);
Measurement MeasurementFromProto(const v1::Measurement& message);

// An owner with attempt 0 and no client id is none (the call is unconditional); an attempt below
// 1 otherwise throws InvalidArgument naming `owner.attempt`.
v1::TrialOwner TrialOwnerToProto(const TrialOwner& owner);
std::optional<TrialOwner> TrialOwnerFromProto(const v1::TrialOwner& message);

// `study` and `spec` give the trial's study name and the metric of its final measurement.
v1::Trial TrialToProto(const Trial& trial, const std::string& study, const StudySpec& spec);
Trial TrialFromProto(const v1::Trial& message);

v1::Trial::State TrialStateToProto(TrialState state);
TrialState TrialStateFromProto(v1::Trial::State state);

}  // namespace bayestune::proto
