#pragma once

#include "progress_view.h"

namespace bayestune::cli {

// Progress for a log file, CI or a pipe: one line per event, each starting with the local date and
// time ("2024-05-01 10:00:05 trial 3 started on GPU 1: n_layers=40 momentum=0.9").
class PlainProgressView : public ProgressView {
 public:
  using ProgressView::ProgressView;

 protected:
  void Print(LineKind kind, const std::string& text) override;
};

}  // namespace bayestune::cli
