#pragma once

#include <optional>

#include "bayestune/optimizer/search_space.h"
#include "local_refinement.h"

namespace bayestune {

// The box of GpBanditOptions::ucb_margin: [margin, 1 - margin] on the model coordinates of the
// DOUBLE parameters, the others free in [0, 1] (an INTEGER or DISCRETE parameter of few values has
// its only feasible points on the faces, and a categorical is one-hot). nullopt when the margin is
// not positive or the space has no DOUBLE parameter. A margin above 0.5 is taken as 0.5.
std::optional<SearchBox> UcbMarginBox(const SearchSpace& space, double margin);

}  // namespace bayestune
