#include "best_trial_text.h"

#include <algorithm>

#include "shown_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {

void PrintBestTrial(std::ostream& out, const Trial& trial, const StudySpec& spec) {
  out << "best trial: " << trial.id << ", "
      << FormatFinalObjective(trial, spec).value_or(ShownText(spec.metric_tag) + " (no value)")
      << " (" << GoalName(spec.goal) << ")\n";
  std::size_t width = 0;
  for (const auto& parameter : spec.parameters)
    width = std::max(width, parameter.name.size());
  for (const auto& parameter : spec.parameters) {
    const auto found = trial.parameters.find(parameter.name);
    if (found == trial.parameters.end()) continue;
    out << "  " << parameter.name << std::string(width - parameter.name.size() + 2, ' ')
        << ShownText(found->second.ToString()) << "\n";
  }
  out << "trainer arguments: " << FormatTrainerArguments(trial) << "\n";
}

}  // namespace bayestune::cli
