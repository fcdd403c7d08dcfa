#pragma once

#include <ostream>

#include "bayestune/optimizer/study_spec.h"
#include "bayestune/optimizer/trial.h"

namespace bayestune::cli {

// The best trial as `best` and the end of `run` print it:
//
//   best trial: 7, accuracy 0.975 at step 10 (MAXIMIZE)
//     n_layers  43
//     momentum  0.93
//   trainer arguments: --n_layers=43 --momentum=0.93
void PrintBestTrial(std::ostream& out, const Trial& trial, const StudySpec& spec);

}  // namespace bayestune::cli
