#pragma once

#include <map>
#include <string>
#include <vector>

namespace bayestune::testing {

// A script that measures a report page's layout as Chromium laid it out (bounding boxes of
// elements and of SVG marks and text, in the page and in each chart's own units) and writes what
// it found into <body data-layout-facts="name=value ..." data-layout-problems="... | ...">, where
// --dump-dom shows it. Problems it looks for, each a defect once seen in a screenshot:
//   - Study settings: the two tables overlap, stick out of their section, or need scrolling;
//   - slice plots: a mark (point or the best trial's ring) not inside its plot area with a margin
//     of a unit (headroom); two trials drawn at the same spot; a count label outside the chart;
//   - learning curves: a curve running flat along the lowest or highest line any curve reaches
//     within the plot (values pinned to the axis' edge);
//   - parallel coordinates: a category label crossed by a trial's line or by an axis line.
// Facts: settingsTables, slicePlots, slicePoints, duplicateLabels (count labels) and
// duplicateTrials (the trials they count), curves, curvePoints, curveSpan (the share of the
// plot's height the curves span), curvesLeaving (curves with a point beyond the plot, clipped),
// categoryLabels, pcLines.
extern const char* const kLayoutProbeScript;

// A copy of the page at `html` with `before` (markup, such as another test's script) and then
// the probe run after everything else, written to `probed`.
void WriteProbedPage(const std::string& html, const std::string& probed,
                     const std::string& before = "");

struct PageLayout {
  std::map<std::string, double> facts;
  std::vector<std::string> problems;
  bool measured = false;  // the probe ran through
};

// What the probe wrote into the DOM that Chromium dumped.
PageLayout ParsePageLayout(const std::string& dom);

}  // namespace bayestune::testing
