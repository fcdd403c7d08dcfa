#include "report_layout_probe.h"

#include <fstream>
#include <sstream>

#include "headless_chromium.h"
#include "report_page_checks.h"

namespace bayestune::testing {

// Plot areas are found from what the chart draws: a chart's bottom axis starts with its line
// along the bottom of the plot (left to right), its left axis with its line up the left side.
const char* const kLayoutProbeScript = R"js(
(function () {
  var problems = [];
  var facts = {};
  function clean(text) { return String(text).replace(/[<>&"|]/g, '?').slice(0, 40); }
  function overlaps(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
           Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  }
  function number(e, name) { return parseFloat(e.getAttribute(name)); }
  function plotOf(svg) {
    var plot = {left: NaN, top: NaN, right: NaN, bottom: NaN};
    svg.querySelectorAll('g.ax > line:first-child').forEach(function (line) {
      var x1 = number(line, 'x1'), y1 = number(line, 'y1');
      var x2 = number(line, 'x2'), y2 = number(line, 'y2');
      if (y1 === y2) { plot.left = x1; plot.right = x2; plot.bottom = y1; }
      if (x1 === x2) { plot.top = Math.min(y1, y2); }
    });
    return plot;
  }
  function strokeHalf(e) {
    var style = getComputedStyle(e);
    return style.stroke === 'none' ? 0 : (parseFloat(style.strokeWidth) || 0) / 2;
  }
  // Whether the segment (x0, y0)-(x1, y1) meets the box (Liang-Barsky).
  function segmentMeetsBox(x0, y0, x1, y1, box) {
    var t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    var p = [-dx, dx, -dy, dy];
    var q = [x0 - box.left, box.right - x0, y0 - box.top, box.bottom - y0];
    for (var i = 0; i < 4; ++i) {
      if (p[i] === 0) {
        if (q[i] < 0) return false;
      } else {
        var t = q[i] / p[i];
        if (p[i] < 0) { if (t > t1) return false; if (t > t0) t0 = t; }
        else { if (t < t0) return false; if (t < t1) t1 = t; }
      }
    }
    return true;
  }

  function checkSettings() {
    var settings = document.getElementById('settings');
    var tables = settings.querySelectorAll('table');
    facts.settingsTables = tables.length;
    var section = settings.getBoundingClientRect();
    for (var i = 0; i < tables.length; ++i) {
      var a = tables[i].getBoundingClientRect();
      if (a.left < section.left - 0.5 || a.right > section.right + 0.5) {
        problems.push('settings: table ' + (i + 1) + ' sticks out of its section');
      }
      for (var j = i + 1; j < tables.length; ++j) {
        if (overlaps(a, tables[j].getBoundingClientRect())) {
          problems.push('settings: tables ' + (i + 1) + ' and ' + (j + 1) + ' overlap');
        }
      }
    }
    settings.querySelectorAll('.scroll').forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        problems.push('settings: a table is cut off by ' + (box.scrollWidth - box.clientWidth) +
                      ' px (it scrolls)');
      }
    });
  }

  function checkSlices() {
    var plots = 0, points = 0, labels = 0, labelled = 0;
    document.querySelectorAll('#slices svg.chart').forEach(function (svg) {
      ++plots;
      var plot = plotOf(svg);
      var name = clean(svg.getAttribute('data-parameter'));
      var spots = {};
      svg.querySelectorAll('circle').forEach(function (c) {
        var box = c.getBBox(), half = strokeHalf(c);
        if (box.x - half < plot.left + 1 || box.x + box.width + half > plot.right - 1 ||
            box.y - half < plot.top + 1 || box.y + box.height + half > plot.bottom - 1) {
          problems.push('slice ' + name + ': the mark at ' + number(c, 'cx') + ',' +
                        number(c, 'cy') + ' is not inside the plot ' + plot.left + ' ' +
                        plot.top + ' ' + plot.right + ' ' + plot.bottom + ' with a margin');
        }
        if (c.getAttribute('data-kind') !== 'slice') return;
        ++points;
        var spot = number(c, 'cx').toFixed(1) + ',' + number(c, 'cy').toFixed(1);
        if (spots[spot]) {
          problems.push('slice ' + name + ': trials ' + spots[spot] + ' and ' +
                        c.getAttribute('data-trial') + ' are drawn at the same spot');
        } else {
          spots[spot] = c.getAttribute('data-trial');
        }
      });
      var view = svg.viewBox.baseVal;
      svg.querySelectorAll('text.dup-count').forEach(function (t) {
        ++labels;
        labelled += parseInt(t.getAttribute('data-count'), 10);
        var box = t.getBBox();
        if (box.x < 0 || box.y < 0 || box.x + box.width > view.width ||
            box.y + box.height > view.height) {
          problems.push('slice ' + name + ': the count ' + t.textContent + ' is outside the chart');
        }
      });
    });
    facts.slicePlots = plots;
    facts.slicePoints = points;
    facts.duplicateLabels = labels;
    facts.duplicateTrials = labelled;
  }

  function checkLearningCurves() {
    var svg = document.querySelector('#learning-curves svg.chart');
    facts.curves = 0;
    if (!svg) return;
    var plot = plotOf(svg);
    var curves = [], lowest = -Infinity, highest = Infinity, count = 0;
    svg.querySelectorAll('polyline').forEach(function (line) {
      var points = line.getAttribute('points').trim().split(/\s+/).map(function (pair) {
        return pair.split(',').map(Number);
      });
      curves.push({trial: line.getAttribute('data-trial'), points: points});
      // The lowest and highest lines drawn, in the plot (what lies beyond it is clipped).
      points.forEach(function (p) {
        if (p[1] < plot.top - 0.5 || p[1] > plot.bottom + 0.5) return;
        lowest = Math.max(lowest, p[1]);
        highest = Math.min(highest, p[1]);
      });
      count += points.length;
    });
    curves.forEach(function (curve) {
      for (var k = 1; k < curve.points.length; ++k) {
        var y = curve.points[k][1];
        if (y === curve.points[k - 1][1] && (y === lowest || y === highest)) {
          problems.push('learning curves: the curve of trial ' + curve.trial +
                        ' runs flat along the ' + (y === lowest ? 'bottom' : 'top') +
                        ' edge, from x ' + curve.points[k - 1][0] + ' to ' + curve.points[k][0]);
          break;
        }
      }
    });
    // Curves with a point beyond the plot's top or bottom (clipped there).
    facts.curvesLeaving = curves.filter(function (curve) {
      return curve.points.some(function (p) { return p[1] < plot.top || p[1] > plot.bottom; });
    }).length;
    facts.curves = curves.length;
    facts.curvePoints = count;
    facts.curveSpan = curves.length ? ((lowest - highest) / (plot.bottom - plot.top)).toFixed(3) : 0;
  }

  function checkParallelCoordinates() {
    var svg = document.querySelector('#parallel-coordinates svg.chart');
    facts.categoryLabels = 0;
    if (!svg) return;
    var segments = [];
    var lines = svg.querySelectorAll('path[data-kind="line"]');
    lines.forEach(function (path) {
      var re = /([ML])\s*(-?[\d.]+)[ ,]\s*(-?[\d.]+)/g, m, last = null;
      while ((m = re.exec(path.getAttribute('d'))) !== null) {
        var point = [parseFloat(m[2]), parseFloat(m[3])];
        if (m[1] === 'L' && last) segments.push([last, point, path.getAttribute('data-trial')]);
        last = point;
      }
    });
    facts.pcLines = lines.length;
    var axes = svg.querySelectorAll('g.pc-ax');
    var hints = svg.querySelectorAll('text.hint');
    var axisLines = [];
    axes.forEach(function (axis) { axisLines.push(axis.querySelector('line')); });
    var labels = 0;
    axes.forEach(function (axis, index) {
      if (!hints[index] || hints[index].textContent !== 'categories') return;
      axis.querySelectorAll('text').forEach(function (text) {
        ++labels;
        var b = text.getBBox();
        var box = {left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height};
        var name = clean(text.textContent);
        for (var s = 0; s < segments.length; ++s) {
          var seg = segments[s];
          // A line's half width around it.
          var wide = {left: box.left - 0.6, top: box.top - 0.6, right: box.right + 0.6,
                      bottom: box.bottom + 0.6};
          if (segmentMeetsBox(seg[0][0], seg[0][1], seg[1][0], seg[1][1], wide)) {
            problems.push('parallel coordinates: the label ' + name + ' of axis ' + (index + 1) +
                          ' is crossed by the line of trial ' + seg[2]);
            break;
          }
        }
        axisLines.forEach(function (line, other) {
          if (segmentMeetsBox(number(line, 'x1'), number(line, 'y1'), number(line, 'x2'),
                              number(line, 'y2'), box)) {
            problems.push('parallel coordinates: the label ' + name + ' of axis ' + (index + 1) +
                          ' lies on axis ' + (other + 1));
          }
        });
      });
    });
    facts.categoryLabels = labels;
  }

  [checkSettings, checkSlices, checkLearningCurves, checkParallelCoordinates].forEach(
      function (check) {
        try { check(); } catch (e) { problems.push('the probe failed: ' + e.message); }
      });
  document.body.setAttribute('data-layout-facts', Object.keys(facts).map(function (key) {
    return key + '=' + facts[key];
  }).join(' '));
  document.body.setAttribute('data-layout-problems',
                             problems.map(function (p) { return p.replace(/[<>&"|]/g, '?'); })
                                 .join(' | '));
})();
)js";

void WriteProbedPage(const std::string& html, const std::string& probed,
                     const std::string& before) {
  std::string page = ReadWholeFile(html);
  page.replace(page.rfind("</body>"), 7,
               before + "<script>" + kLayoutProbeScript + "</script></body>");
  std::ofstream(probed) << page;
}

PageLayout ParsePageLayout(const std::string& dom) {
  PageLayout layout;
  if (dom.find(" data-layout-facts=\"") == std::string::npos) return layout;
  layout.measured = true;
  std::istringstream facts(AttributeOf(dom, "data-layout-facts"));
  std::string fact;
  while (facts >> fact) {
    const auto equals = fact.find('=');
    if (equals == std::string::npos) continue;
    layout.facts[fact.substr(0, equals)] = std::stod(fact.substr(equals + 1));
  }
  const std::string problems = AttributeOf(dom, "data-layout-problems");
  std::size_t start = 0;
  while (start < problems.size()) {
    const auto end = problems.find(" | ", start);
    layout.problems.push_back(problems.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 3;
  }
  return layout;
}

}  // namespace bayestune::testing
