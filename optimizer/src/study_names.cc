#include "bayestune/optimizer/study_names.h"

namespace bayestune {

void StudyNames::Remember(const StudyRecord& study) {
  std::lock_guard lock(mutex_);
  names_[study.id] = study.name;
}

NotFound StudyNames::Missing(std::int64_t id, const std::string& where) const {
  std::lock_guard lock(mutex_);
  const auto known = names_.find(id);
  if (known == names_.end()) return NotFound("no study with id " + std::to_string(id));
  return NotFound("study '" + known->second + "' (id " + std::to_string(id) + ") was deleted" +
                  (where.empty() ? "" : " from " + where) +
                  " (by another process: bayestune delete, or a DeleteStudy call to bayestune "
                  "serve), and its trials with it; open it again by its name to start it anew");
}

}  // namespace bayestune
