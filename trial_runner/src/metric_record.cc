#include "metric_record.h"

#include <iterator>

namespace bayestune {

std::string MetricRecord::FullTag() const {
  if (run.empty() || run == ".") return tag;
  return run.str() + "/" + tag.str();
}

std::string MetricWarning::ToString() const {
  return file + ": offset " + std::to_string(offset) + ": " + message;
}

void MetricPoll::Append(MetricPoll&& other) {
  records.insert(records.end(), std::make_move_iterator(other.records.begin()),
                 std::make_move_iterator(other.records.end()));
  warnings.insert(warnings.end(), std::make_move_iterator(other.warnings.begin()),
                  std::make_move_iterator(other.warnings.end()));
  unread.insert(unread.end(), std::make_move_iterator(other.unread.begin()),
                std::make_move_iterator(other.unread.end()));
}

}  // namespace bayestune
