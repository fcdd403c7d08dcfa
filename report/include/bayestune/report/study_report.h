#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bayestune/optimizer/study_repository.h"
#include "bayestune/optimizer/trial.h"
#include "bayestune/report/importance_options.h"

namespace bayestune {

struct ReportOptions {
  // The most trials one chart draws (history, parallel coordinates, each slice plot); more are
  // subsampled (drawing_sample.h), and the page says so. Counts, the best-so-far line, importance
  // and tables always use every trial.
  std::size_t max_drawn_trials = 1000;
  std::size_t max_learning_curves = 200;
  std::size_t max_curve_points = 120;  // vertices of one learning curve; more are thinned evenly
  // With more GPU-timeline bars than this, bars are merged into busy periods per lane.
  std::size_t max_timeline_bars = 2000;
  std::size_t best_trials = 10;  // rows of the best-trials table
  std::string generator = "bayestune";
  // When set, the page says when it was made; left unset, the output depends on the study alone.
  std::optional<double> generated_time;
  ImportanceOptions importance;
};

// Writes one self-contained HTML page about a study: everything inline (CSS, SVG, a small script
// for tooltips), nothing fetched from the network (a Content-Security-Policy forbids it). Sections
// (docs/report.md): optimisation history, parallel coordinates, slice plots, learning curves,
// parameter importance, best trials, GPU use over time, failures, study settings. All user text
// is escaped. The same study and options give the same bytes.
//
// Elements that stand for trials carry data-trial="<id>" and data-kind="<what>", and each section
// carries data-drawn / data-total counts, so that tools can check the page.
void WriteStudyReport(std::ostream& out, const StudyRecord& study, const std::vector<Trial>& trials,
                      const ReportOptions& options = {});

}  // namespace bayestune
