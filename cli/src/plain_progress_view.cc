#include "plain_progress_view.h"

#include "shown_text.h"
#include "trial_formatting.h"

namespace bayestune::cli {

void PlainProgressView::Print(LineKind, const std::string& text) {
  out_ << FormatLocalTime(NowSeconds()) << " " << ShownText(text, ShownLines::kMultiLine)
       << std::endl;
}

}  // namespace bayestune::cli
