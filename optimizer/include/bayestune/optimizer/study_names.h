#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/study_repository.h"

namespace bayestune {

// The one error of a call about the study `name` (id `id`) that was deleted since it was handed
// out, by any layer that finds it gone (the repository, Study): "study 'mnist' (id 1) was deleted
// from <where> (...)". `where`: the database, or "" when the repository has no name.
NotFound StudyDeletedError(const std::string& name, std::int64_t id, const std::string& where);

// The names of the studies a repository handed out (created, found, listed), by id, so that a
// call about a study deleted since (by another process, `bayestune delete`, a DeleteStudy call to
// `bayestune serve`) names it: a Study handle's calls said "no study with id 1". Ids are never
// reused, so an id handed out and not found any more is a study deleted. Thread-safe.
class StudyNames {
 public:
  void Remember(const StudyRecord& study);
  // The error of a call about study `id`, not in the repository: "study 'mnist' (id 1) was deleted
  // from <where> ...", or "no study with id 1" for an id never handed out. `where`: the database,
  // or "" when it has no name.
  NotFound Missing(std::int64_t id, const std::string& where) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::string> names_;
};

}  // namespace bayestune
