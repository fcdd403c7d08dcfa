#include "bayestune/optimizer/designer.h"

#include "bayestune/optimizer/random_designer.h"

namespace bayestune {

std::unique_ptr<Designer> MakeDesigner(const StudySpec& spec) {
  switch (spec.algorithm) {
    case Algorithm::kRandomSearch:
      return std::make_unique<RandomDesigner>();
    case Algorithm::kGridSearch:
    case Algorithm::kUnspecified:
      // The GP bandit and the grid arrive with the optimizer issue; until then, random points.
      return std::make_unique<RandomDesigner>();
  }
  return std::make_unique<RandomDesigner>();
}

}  // namespace bayestune
