#include "bayestune/optimizer/designer.h"

#include "bayestune/optimizer/gp_bandit_designer.h"
#include "bayestune/optimizer/grid_designer.h"
#include "bayestune/optimizer/random_designer.h"

namespace bayestune {

std::unique_ptr<Designer> MakeDesigner(const StudySpec& spec) {
  switch (spec.algorithm) {
    case Algorithm::kRandomSearch:
      return std::make_unique<RandomDesigner>();
    case Algorithm::kGridSearch:
      return std::make_unique<GridDesigner>();
    case Algorithm::kUnspecified:
      break;
  }
  return std::make_unique<GpBanditDesigner>();
}

}  // namespace bayestune
