#pragma once

#include <ostream>
#include <vector>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune {

// Writes a study's trials as CSV (RFC 4180: CRLF line ends, a field quoted when it holds a comma,
// a double quote or a line break, its quotes doubled), one row per trial in the order given,
// under the header
//
//   trial,state,<each parameter, in the spec's order>,objective,step,start_time,end_time,
//   duration_seconds,stopped_early,failure_reason
//
// Parameters as the trainer gets them (ParameterValue::ToString); objective and step: the final
// value and its step; times: ISO-8601 UTC (FormatUtcTimestamp); duration: end minus start in
// seconds; stopped_early: true or false. A field with no value (no objective yet, no end time) is
// empty.
void WriteStudyCsv(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials);

}  // namespace bayestune
