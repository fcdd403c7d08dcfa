#include "plain_progress_view.h"

#include "trial_formatting.h"

namespace bayestune::cli {

void PlainProgressView::Print(LineKind, const std::string& text) {
  out_ << FormatLocalTime(NowSeconds()) << " " << text << std::endl;
}

}  // namespace bayestune::cli
