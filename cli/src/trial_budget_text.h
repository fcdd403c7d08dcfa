#pragma once

#include <string>

#include "bayestune/optimizer/study.h"

namespace bayestune::cli {

// How the commands speak of a study's maxTrials against the trials it made (finished and
// running). maxTrials may be lowered below them (the study is then done): "5 of 2" would read as
// an error, so such a study's counts name the lowered budget instead.

// Whether maxTrials is below the trials the study made (finished and running).
bool MaxTrialsLowered(const StudyProgress& counts);

// "maxTrials 2 was lowered below the 5 trials made".
std::string MaxTrialsLoweredText(const StudyProgress& counts);

// "the grid has 12 combinations, fewer than maxTrials 20" when the study's designer can make
// fewer trials than maxTrials (StudyProgress::capacity); for random search in a finite space "the
// search space has 12 points, fewer than maxTrials 20"; "" otherwise.
std::string CapacityText(const StudyProgress& counts, Algorithm algorithm);

// "7 of 10 finished"; "5 finished (maxTrials 2 was lowered below the 5 trials made)"; "7 of 12
// finished (the grid has 12 combinations, fewer than maxTrials 20)".
std::string FinishedOfMaxTrials(const StudyProgress& counts, Algorithm algorithm);

}  // namespace bayestune::cli
