#include "ucb_margin.h"

#include <algorithm>
#include <vector>

namespace bayestune {

std::optional<SearchBox> UcbMarginBox(const SearchSpace& space, double margin) {
  if (!(margin > 0.0)) return std::nullopt;
  std::vector<int> coordinates;
  for (std::size_t i = 0; i < space.parameters().size(); ++i) {
    if (space.parameters()[i].type == ParameterType::kDouble)
      coordinates.push_back(space.ModelSlice(i).offset);
  }
  if (coordinates.empty()) return std::nullopt;
  const double half_width = 0.5 - std::min(margin, 0.5);
  return BoxAround(Eigen::VectorXd::Constant(space.ModelDimensions(), 0.5), half_width,
                   coordinates);
}

}  // namespace bayestune
