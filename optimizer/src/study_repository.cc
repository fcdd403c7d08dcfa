#include "bayestune/optimizer/study_repository.h"

namespace bayestune {

std::string_view StudyStateName(StudyState state) {
  return state == StudyState::kActive ? "ACTIVE" : "COMPLETED";
}

std::optional<StudyState> ParseStudyState(std::string_view name) {
  if (name == "ACTIVE") return StudyState::kActive;
  if (name == "COMPLETED") return StudyState::kCompleted;
  return std::nullopt;
}

}  // namespace bayestune
