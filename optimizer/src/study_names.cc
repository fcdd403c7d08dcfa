#include "bayestune/optimizer/study_names.h"

namespace bayestune {

NotFound StudyDeletedError(const std::string& name, std::int64_t id, const std::string& where) {
  return NotFound("study '" + name + "' (id " + std::to_string(id) + ") was deleted" +
                  (where.empty() ? "" : " from " + where) +
                  " (by bayestune delete, a DeleteStudy call to bayestune serve, or "
                  "Study::Delete), and its trials with it; open it again by its name to start it "
                  "anew");
}

void StudyNames::Remember(const StudyRecord& study) {
  std::lock_guard lock(mutex_);
  names_[study.id] = study.name;
}

NotFound StudyNames::Missing(std::int64_t id, const std::string& where) const {
  std::lock_guard lock(mutex_);
  const auto known = names_.find(id);
  if (known == names_.end()) return NotFound("no study with id " + std::to_string(id));
  return StudyDeletedError(known->second, id, where);
}

}  // namespace bayestune
