#include "study_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/parameter.h"
#include "bayestune/optimizer/pareto_front.h"
#include "bayestune/optimizer/study_name.h"
#include "bayestune/spec_file/tuning_config_loader.h"
#include "status_conversion.h"
#include "study_proto_conversion.h"

namespace bayestune::proto {
namespace {

constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxReasonBytes = 64 * 1024;

// A name a client chose (study, client id): at most 256 bytes, no control characters.
// Protobuf has already checked that it is UTF-8.
void CheckName(const char* field, const std::string& value, bool required) {
  if (value.empty()) {
    if (required) throw InvalidArgument(std::string(field) + ": must not be empty");
    return;
  }
  if (value.size() > kMaxNameBytes) {
    throw InvalidArgument(std::string(field) + ": " + std::to_string(value.size()) +
                          " bytes long; at most " + std::to_string(kMaxNameBytes) +
                          " bytes are allowed");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw InvalidArgument(std::string(field) +
                            ": holds a control character; use printable characters only");
    }
  }
}

// A measurement's metric: empty (the study's tag), or a tag by the rule of a study's own tags
// (MetricTagProblem: UTF-8 without control characters, at most 1,024 bytes), so that every
// study's objective can be reported.
void CheckMetric(const std::string& field, const std::string& metric) {
  if (metric.empty()) return;
  if (std::string problem = MetricTagProblem(metric); !problem.empty()) {
    throw InvalidArgument(field + ": " + problem);
  }
}

void CheckReason(const char* field, const std::string& value) {
  if (value.size() > kMaxReasonBytes) {
    throw InvalidArgument(std::string(field) + ": " + std::to_string(value.size()) +
                          " bytes long; at most " + std::to_string(kMaxReasonBytes) +
                          " bytes are allowed");
  }
}

void CheckTrialId(std::int64_t trial_id) {
  if (trial_id < 1) {
    throw InvalidArgument("trial_id: must be 1 or more (trial ids start at 1), got " +
                          std::to_string(trial_id));
  }
}

void CheckStep(const char* field, std::int64_t step) {
  if (step < 0) {
    throw InvalidArgument(std::string(field) + ": steps are 0 or more, got " +
                          std::to_string(step));
  }
}

void CheckFinite(const char* field, double value, const char* instead) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string(field) + ": must be a finite number, got " +
                          FormatDouble(value) + "; " + instead);
  }
}

}  // namespace

StudyServiceImpl::StudyServiceImpl(std::shared_ptr<StudyRepository> repository,
                                   std::optional<BearerToken> token, int max_calls)
    : repository_(std::move(repository)), token_(std::move(token)), max_calls_(max_calls) {}

template <typename Body>
grpc::Status StudyServiceImpl::Serve(grpc::ServerContext& context, Body&& body) {
  // Every error answered here is marked as the service's (kServiceErrorKey), so that a client
  // tells it from gRPC's own (a request over --max-message-mb), whatever its message says.
  const auto answer = [&context](grpc::Status status) {
    if (!status.ok()) context.AddTrailingMetadata(kServiceErrorKey, "1");
    return status;
  };
  // The token first: a call without a valid one is answered at once and never takes a slot, so
  // that unauthenticated clients, however many, cannot keep authenticated ones out.
  if (token_) {
    if (grpc::Status denied = token_->Check(context); !denied.ok()) return answer(denied);
  }
  if (calls_in_slots_.fetch_add(1) >= max_calls_) {
    calls_in_slots_.fetch_sub(1);
    return answer(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "the server is serving " + std::to_string(max_calls_) +
                                   " calls already (--max-calls); try again shortly"));
  }
  struct SlotRelease {
    std::atomic<int>& calls;
    ~SlotRelease() { calls.fetch_sub(1); }
  } release{calls_in_slots_};
  try {
    body();
    return grpc::Status::OK;
  } catch (const std::exception& e) {
    return answer(ToStatus(e));
  }
}

std::shared_ptr<Study> StudyServiceImpl::OpenStudy(const std::string& field,
                                                   const std::string& name, StudyRecord* record) {
  CheckName(field.c_str(), name, /*required=*/true);
  std::lock_guard lock(studies_mutex_);
  auto& cached = studies_[name];
  try {
    // Looked up on every call, so that a study deleted and created again (by this server or by
    // another process on the same database: a new study id) is never served from a stale `Study`.
    if (cached) {
      StudyRecord stored = cached->Record();
      if (record != nullptr) *record = std::move(stored);
      return cached;
    }
  } catch (const NotFound&) {
    cached.reset();
  }
  try {
    cached = Study::Open(repository_, name);
    if (record != nullptr) *record = cached->Record();
  } catch (const NotFound&) {
    studies_.erase(name);
    throw NotFound(field + ": no study named '" + name +
                   "'; ListStudies shows the studies there are");
  }
  return cached;
}

v1::Trial StudyServiceImpl::Describe(Study& study, const Trial& trial) const {
  return TrialToProto(trial, study.name(), study.spec());
}

v1::Study StudyServiceImpl::DescribeStudy(const std::string& name) {
  StudyRecord record;
  auto study = OpenStudy("name", name, &record);
  return StudyToProto(record, study->Progress());
}

void StudyServiceImpl::CreateOrOpen(const std::string& name, const StudySpec& spec,
                                    const std::string& spec_text) {
  StudyOptions options;
  options.create_if_missing = true;
  options.spec = spec;
  options.spec_text = spec_text;
  auto study = Study::Open(repository_, name, std::move(options));
  std::lock_guard lock(studies_mutex_);
  studies_[name] = std::move(study);
}

grpc::Status StudyServiceImpl::CreateStudy(grpc::ServerContext* context,
                                           const v1::CreateStudyRequest* request,
                                           v1::Study* response) {
  return Serve(*context, [&] {
    CheckName("name", request->name(), /*required=*/true);
    if (std::string problem = StudyNameProblem(request->name()); !problem.empty()) {
      throw InvalidArgument("name: " + problem);
    }
    StudySpec spec;
    std::string spec_text;
    std::string resume_field;
    switch (request->config_case()) {
      case v1::CreateStudyRequest::kTuningYaml: {
        const auto loaded = ParseTuningConfig(request->tuning_yaml(), "tuning_yaml");
        if (!loaded.ok()) {
          std::vector<Diagnostic> errors;
          for (const auto& d : loaded.diagnostics) {
            if (d.IsError()) errors.push_back(d);
          }
          throw InvalidArgument(FormatDiagnostics(errors));
        }
        spec = loaded.config.study;
        spec_text = request->tuning_yaml();
        resume_field = "tuning_yaml: trainingInput.hyperparameters.resumePreviousJobId";
        break;
      }
      case v1::CreateStudyRequest::kSpec:
        spec = StudySpecFromProto(request->spec());
        resume_field = "spec.resume_previous_job_id";
        break;
      case v1::CreateStudyRequest::CONFIG_NOT_SET:
        throw InvalidArgument(
            "tuning_yaml, spec: give the study's tuning.yaml text or its structured spec");
    }
    // A new study must name an existing one to learn from; one that exists already was checked
    // when it was made (and Create checks that the spec is the same).
    std::vector<std::string> names;
    for (const StudyRecord& study : Study::List(*repository_))
      names.push_back(study.name);
    if (std::find(names.begin(), names.end(), request->name()) == names.end()) {
      if (std::string problem = ResumeStudyProblem(spec, names); !problem.empty()) {
        throw InvalidArgument(resume_field + ": " + problem +
                              " (a study learns from the finished trials of that one)");
      }
    }
    CreateOrOpen(request->name(), spec, spec_text);
    try {
      *response = DescribeStudy(request->name());
    } catch (const NotFound&) {
      // A DeleteStudy of another client came between: it said "no study named 'x'", as if this
      // call had created nothing.
      throw NotFound("name: study '" + request->name() +
                     "' was created, then deleted by another call (DeleteStudy) before this one "
                     "could answer; call CreateStudy again to create it anew");
    }
  });
}

grpc::Status StudyServiceImpl::GetStudy(grpc::ServerContext* context,
                                        const v1::GetStudyRequest* request, v1::Study* response) {
  return Serve(*context, [&] { *response = DescribeStudy(request->name()); });
}

grpc::Status StudyServiceImpl::ListStudies(grpc::ServerContext* context,
                                           const v1::ListStudiesRequest* /*request*/,
                                           v1::ListStudiesResponse* response) {
  return Serve(*context, [&] {
    for (const StudyRecord& record : Study::List(*repository_)) {
      try {
        *response->add_studies() = DescribeStudy(record.name);
      } catch (const NotFound&) {
        response->mutable_studies()->RemoveLast();  // deleted in the meantime
      }
    }
  });
}

grpc::Status StudyServiceImpl::DeleteStudy(grpc::ServerContext* context,
                                           const v1::DeleteStudyRequest* request,
                                           v1::DeleteStudyResponse* /*response*/) {
  return Serve(*context, [&] {
    OpenStudy("name", request->name())->Delete();
    std::lock_guard lock(studies_mutex_);
    studies_.erase(request->name());
  });
}

grpc::Status StudyServiceImpl::SuggestTrials(grpc::ServerContext* context,
                                             const v1::SuggestTrialsRequest* request,
                                             v1::SuggestTrialsResponse* response) {
  return Serve(*context, [&] {
    if (request->count() < 1 || request->count() > kMaxSuggestCount) {
      throw InvalidArgument("count: must be from 1 to " + std::to_string(kMaxSuggestCount) +
                            ", got " + std::to_string(request->count()));
    }
    CheckName("client_id", request->client_id(), /*required=*/false);
    auto study = OpenStudy("study", request->study());
    auto trials = study->Suggest(request->count(), request->client_id());
    // Its client gave up (its deadline passed, it disconnected) while the call waited, for the
    // database's lock say: it never gets these trials. One with a client id gets them back when
    // it asks again; without one, no one could, and they stayed ACTIVE for ever (the study never
    // done): they go back to the queue for the next client.
    // The deadline is checked too: on a loaded machine gRPC's timer may not yet have cancelled
    // a call whose deadline has passed (the client has its DEADLINE_EXCEEDED already).
    const bool gone =
        context->IsCancelled() || std::chrono::system_clock::now() > context->deadline();
    if (gone && request->client_id().empty()) {
      for (Trial& t : trials) {
        t = study->Requeue(t.id,
                           "handed out to a SuggestTrials call without client_id whose client "
                           "was gone before the answer (its deadline passed, or it disconnected)",
                           t.Owner(), /*ran=*/false);
      }
      throw Unavailable(
          "SuggestTrials: the client was gone before the answer; its trials were "
          "put back in the queue");
    }
    for (const Trial& t : trials)
      *response->add_trials() = Describe(*study, t);
    response->set_study_done(static_cast<int>(trials.size()) < request->count() && study->IsDone());
  });
}

grpc::Status StudyServiceImpl::AddMeasurement(grpc::ServerContext* context,
                                              const v1::AddMeasurementRequest* request,
                                              v1::AddMeasurementResponse* /*response*/) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    CheckFinite("value", request->value(),
                "complete the trial with infeasible set when it has no usable value");
    CheckMetric("metric", request->metric());
    CheckStep("step", request->step());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    study->AddMeasurement(
        request->trial_id(),
        Measurement{
            .metric = request->metric(), .step = request->step(), .value = request->value()},
        owner);
  });
}

grpc::Status StudyServiceImpl::AddMeasurements(grpc::ServerContext* context,
                                               const v1::AddMeasurementsRequest* request,
                                               v1::AddMeasurementsResponse* /*response*/) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    if (request->measurements_size() > kMaxMeasurementsPerCall) {
      throw InvalidArgument("measurements: " + std::to_string(request->measurements_size()) +
                            " in one call; at most " + std::to_string(kMaxMeasurementsPerCall) +
                            " are allowed: send them in several calls");
    }
    std::vector<Measurement> measurements;
    measurements.reserve(request->measurements_size());
    for (int i = 0; i < request->measurements_size(); ++i) {
      const v1::Measurement& m = request->measurements(i);
      const std::string field = "measurements[" + std::to_string(i) + "]";
      CheckFinite((field + ".value").c_str(), m.value(),
                  "complete the trial with infeasible set when it has no usable value");
      CheckMetric(field + ".metric", m.metric());
      CheckStep((field + ".step").c_str(), m.step());
      if (!std::isfinite(m.wall_time()) || m.wall_time() < 0) {
        throw InvalidArgument(field + ".wall_time: seconds since the Unix epoch (0: now), got " +
                              FormatDouble(m.wall_time()));
      }
      measurements.push_back(Measurement{
          .metric = m.metric(), .step = m.step(), .value = m.value(), .wall_time = m.wall_time()});
    }
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    study->AddMeasurements(request->trial_id(), measurements, owner);
  });
}

grpc::Status StudyServiceImpl::CompleteTrial(grpc::ServerContext* context,
                                             const v1::CompleteTrialRequest* request,
                                             v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    CheckReason("infeasible_reason", request->infeasible_reason());
    if (request->has_final_value()) {
      if (request->infeasible()) {
        throw InvalidArgument(
            "final_value, infeasible: give a final value or mark the trial infeasible, not both");
      }
      CheckFinite("final_value", request->final_value(),
                  "set infeasible (with infeasible_reason) for a trial without a usable value");
    }
    if (request->has_final_step() && !request->has_final_value()) {
      throw InvalidArgument(
          "final_step: given without final_value; give both, or neither to take the objective "
          "from the trial's measurements");
    }
    if (request->has_final_step()) CheckStep("final_step", request->final_step());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    if (request->infeasible()) {
      *response = Describe(
          *study, study->MarkInfeasible(request->trial_id(), request->infeasible_reason(), owner));
      return;
    }
    std::optional<double> value;
    std::optional<std::int64_t> step;
    if (request->has_final_value()) value = request->final_value();
    if (request->has_final_step()) step = request->final_step();
    *response = Describe(*study, study->Complete(request->trial_id(), value, step, owner));
  });
}

grpc::Status StudyServiceImpl::ShouldStopTrial(grpc::ServerContext* context,
                                               const v1::ShouldStopTrialRequest* request,
                                               v1::ShouldStopTrialResponse* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    const StopDecision decision = study->ShouldStop(request->trial_id(), owner);
    response->set_should_stop(decision.stop);
    response->set_reason(decision.reason);
    for (const RungPromotion& promotion : decision.promotions) {
      v1::RungPromotion* out = response->add_promotions();
      out->set_rung(promotion.rung);
      out->set_step(promotion.step);
      out->set_reason(promotion.reason);
    }
  });
}

grpc::Status StudyServiceImpl::StopTrial(grpc::ServerContext* context,
                                         const v1::StopTrialRequest* request, v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    auto study = OpenStudy("study", request->study());
    *response = Describe(*study, study->Stop(request->trial_id()));
  });
}

grpc::Status StudyServiceImpl::GetTrial(grpc::ServerContext* context,
                                        const v1::GetTrialRequest* request, v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    auto study = OpenStudy("study", request->study());
    *response = Describe(*study, study->GetTrial(request->trial_id()));
  });
}

grpc::Status StudyServiceImpl::ListTrials(grpc::ServerContext* context,
                                          const v1::ListTrialsRequest* request,
                                          v1::ListTrialsResponse* response) {
  return Serve(*context, [&] {
    std::set<TrialState> states;
    for (int i = 0; i < request->states_size(); ++i) {
      const auto state = static_cast<v1::Trial::State>(request->states(i));
      if (state == v1::Trial::STATE_UNSPECIFIED || !v1::Trial::State_IsValid(state)) {
        throw InvalidArgument(
            "states[" + std::to_string(i) + "]: unknown trial state " +
            std::to_string(request->states(i)) +
            "; give REQUESTED, ACTIVE, STOPPING, SUCCEEDED, FAILED or INFEASIBLE");
      }
      states.insert(TrialStateFromProto(state));
    }
    auto study = OpenStudy("study", request->study());
    for (const Trial& t : study->Trials()) {
      if (states.empty() || states.count(t.state) > 0)
        *response->add_trials() = Describe(*study, t);
    }
  });
}

grpc::Status StudyServiceImpl::ListOptimalTrials(grpc::ServerContext* context,
                                                 const v1::ListOptimalTrialsRequest* request,
                                                 v1::ListOptimalTrialsResponse* response) {
  return Serve(*context, [&] {
    auto study = OpenStudy("study", request->study());
    if (IsMultiObjective(study->spec())) {
      for (const Trial& t : ParetoOptimalTrials(study->Trials(), study->spec()))
        *response->add_trials() = Describe(*study, t);
      return;
    }
    const auto best = study->BestTrials();
    for (const Trial& t : best) {
      if (*t.final_value != *best.front().final_value) break;  // ranked best first
      *response->add_trials() = Describe(*study, t);
    }
  });
}

grpc::Status StudyServiceImpl::FailTrial(grpc::ServerContext* context,
                                         const v1::FailTrialRequest* request, v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    CheckReason("reason", request->reason());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    *response = Describe(*study, study->Fail(request->trial_id(), request->reason(), owner));
  });
}

grpc::Status StudyServiceImpl::RequeueTrial(grpc::ServerContext* context,
                                            const v1::RequeueTrialRequest* request,
                                            v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    CheckReason("reason", request->reason());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    *response = Describe(*study, study->Requeue(request->trial_id(), request->reason(), owner,
                                                !request->not_started()));
  });
}

grpc::Status StudyServiceImpl::MarkTrialStarted(grpc::ServerContext* context,
                                                const v1::MarkTrialStartedRequest* request,
                                                v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    std::vector<int> gpus(request->gpus().begin(), request->gpus().end());
    // The ids are kept with the trial and shown by every reader (`trials`, the report): 100,000
    // of them made a 600 KB device cell.
    if (gpus.size() > kMaxTrialGpus) {
      throw InvalidArgument("gpus: " + std::to_string(gpus.size()) + " GPU ids; a trial runs on " +
                            "at most " + std::to_string(kMaxTrialGpus));
    }
    std::set<int> seen;
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      if (gpus[i] < 0) {
        throw InvalidArgument("gpus[" + std::to_string(i) + "]: a GPU id is 0 or more, got " +
                              std::to_string(gpus[i]));
      }
      if (!seen.insert(gpus[i]).second) {
        throw InvalidArgument("gpus[" + std::to_string(i) + "]: GPU " + std::to_string(gpus[i]) +
                              " is listed twice; give each GPU once");
      }
    }
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    *response = Describe(*study, study->MarkStarted(request->trial_id(), gpus, owner));
  });
}

grpc::Status StudyServiceImpl::ExcludeTrialPause(grpc::ServerContext* context,
                                                 const v1::ExcludeTrialPauseRequest* request,
                                                 v1::Trial* response) {
  return Serve(*context, [&] {
    CheckTrialId(request->trial_id());
    const auto owner = TrialOwnerFromProto(request->owner());
    auto study = OpenStudy("study", request->study());
    *response =
        Describe(*study, study->ExcludePause(request->trial_id(), request->seconds(), owner));
  });
}

}  // namespace bayestune::proto
