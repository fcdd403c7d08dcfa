#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bayestune::testing {

// The markup of <section id="`id`"> up to its </section> ("" when there is none).
std::string SectionOf(std::string_view page, std::string_view id);
// How often `needle` occurs in `text`.
std::size_t CountOf(std::string_view text, std::string_view needle);
// The value of the first `name="..."` attribute in `markup`, "" when there is none.
std::string AttributeOf(std::string_view markup, std::string_view name);

}  // namespace bayestune::testing
