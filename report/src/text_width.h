#pragma once

#include <string>
#include <string_view>

namespace bayestune::report_internal {

// How wide `text` (valid UTF-8) is drawn at `font_size` pixels, estimated from classes of
// characters with the widths of a wide sans-serif (DejaVu Sans, Debian's default; narrower fonts
// come out smaller), so that text kept within the estimate fits where it is put. Characters
// outside ASCII count as a full em.
double EstimatedTextWidth(std::string_view text, double font_size);

// `text` as it is when it fits `max_width`, else the longest start of it that fits with "…".
std::string FitText(std::string_view text, double max_width, double font_size);

}  // namespace bayestune::report_internal
