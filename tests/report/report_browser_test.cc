// Reports rendered by headless Chromium (Debian's `chromium`): the page loads with no console
// message at all (no error, no blocked load, no script exception), its script runs, and the DOM
// Chromium built holds every section with the right number of marks. Screenshots are kept under
// the build tree, tests/report/artifacts/, for people to look at.
//
// How it is checked, and why this way: Chromium runs with --headless --dump-dom --screenshot and
// --enable-logging=stderr --v=0, which logs every console message of the page (console calls,
// uncaught exceptions, Content-Security-Policy violations, failed loads) to stderr as a line with
// ":CONSOLE"; the test requires none. The page's own script sets data-report-script="ready" on
// <html> when it has run through, and --dump-dom prints the DOM after the load event, so the
// marker and the counts come from the page as the browser built it. This needs no DevTools
// client and no change to the page under test.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "headless_chromium.h"
#include "report_layout_probe.h"
#include "report_page_checks.h"
#include "report_test_studies.h"
#include "temp_folder.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

std::string RequireChromium() {
  const auto chromium = FindChromium();
  if (!chromium) {
    FAIL(
        "headless Chromium is not installed (no 'chromium' on PATH); run scripts/install-deps "
        "--test, which installs Debian's chromium package");
  }
  return *chromium;
}

std::string ArtifactPath(const std::string& name) {
  const std::string folder = std::string(BAYESTUNE_BINARY_DIR) + "/tests/report/artifacts";
  std::filesystem::create_directories(folder);
  return folder + "/" + name;
}

// Writes the study's report with the real `bayestune report` command.
std::string WriteReport(const TempFolder& folder, const std::string& database,
                        const std::string& study) {
  const std::string html = folder.File("report.html");
  const auto result = RunProgram({BAYESTUNE_CLI, "report", study, "--db", database, "--out", html},
                                 folder.File("cli"));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return html;
}

// Loads the page; requires a clean load and returns the DOM Chromium built.
std::string LoadCleanly(const std::string& chromium, const std::string& html,
                        const TempFolder& folder, const std::string& screenshot, int height) {
  const ChromiumPage page = LoadInChromium(chromium, html, folder.path(), screenshot, 1280, height);
  INFO("chromium stderr:\n" << page.run.err);
  REQUIRE_FALSE(page.run.timed_out);
  REQUIRE(page.run.exit_code == 0);
  for (const std::string& message : page.console_messages) {
    UNSCOPED_INFO("console: " << message);
  }
  CHECK(page.console_messages.empty());
  CHECK(page.dom.find("data-report-script=\"ready\"") != std::string::npos);
  std::ifstream png(screenshot, std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  CHECK(std::string(magic + 1, 3) == "PNG");
  CHECK(std::filesystem::file_size(screenshot) > 20000);
  std::cout << "screenshot: " << screenshot << std::endl;
  return page.dom;
}

std::vector<Trial> TrialsOf(const std::string& database, const std::string& study,
                            StudySpec* spec) {
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  auto repository = SqliteStudyRepository::Open(database, read_only);
  const StudyRecord record = *repository->FindStudy(study);
  *spec = record.spec;
  return repository->ListTrials(record.id);
}

}  // namespace

TEST_CASE("Chromium renders the report of a study with trials in every state") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  const std::string html = WriteReport(folder, database, "mnist-sweep");
  // A copy of the page measures its own layout after everything else has run (the probe draws
  // nothing, so the screenshot is the page's).
  const std::string probed = folder.File("probed.html");
  WriteProbedPage(html, probed);
  const std::string dom =
      LoadCleanly(chromium, probed, folder, ArtifactPath("report-every-state.png"), 4600);
  StudySpec spec;
  const auto trials = TrialsOf(database, "mnist-sweep", &spec);
  CheckReportMarks(dom, spec, trials);
  const ExpectedMarks expected = ExpectedMarksOf(spec, trials);
  CHECK(expected.stopped > 0);
  CHECK(expected.failed > 0);

  // The layout as Chromium made it: each problem is a defect once seen in this screenshot.
  const PageLayout layout = ParsePageLayout(dom);
  REQUIRE(layout.measured);
  for (const std::string& problem : layout.problems)
    UNSCOPED_INFO("layout: " << problem);
  CHECK(layout.problems.empty());
  // And the probe measured what is there: both settings tables, every slice point, the count
  // labels of the demo's three repeated trials, every curve, the category labels.
  const std::size_t valued = expected.succeeded + expected.stopped;
  const DuplicateGroups duplicates = DuplicateGroupsOf(spec, trials);
  CHECK(duplicates.groups == spec.parameters.size());  // trials 21 to 23, in every plot
  CHECK(layout.facts.at("settingsTables") == 2);
  CHECK(layout.facts.at("slicePlots") == static_cast<double>(spec.parameters.size()));
  CHECK(layout.facts.at("slicePoints") == static_cast<double>(valued * spec.parameters.size()));
  CHECK(layout.facts.at("duplicateLabels") == static_cast<double>(duplicates.groups));
  CHECK(layout.facts.at("duplicateTrials") == static_cast<double>(duplicates.trials));
  CHECK(layout.facts.at("curves") == static_cast<double>(expected.curves));
  // Accuracy curves rise from near 0.1 to above 0.9: they span most of the chart's height.
  CHECK(layout.facts.at("curveSpan") > 0.6);
  CHECK(layout.facts.at("categoryLabels") == 3);  // adam, sgd, rmsprop
  CHECK(layout.facts.at("pcLines") == static_cast<double>(valued));
}

TEST_CASE("Chromium draws learning curves that plateau whole, and clips the one that diverged") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  CreatePlateauStudy(SqliteStudyRepository::Open(database));
  const std::string html = WriteReport(folder, database, "loss-plateau");
  const std::string probed = folder.File("probed.html");
  WriteProbedPage(html, probed);
  const std::string dom =
      LoadCleanly(chromium, probed, folder, ArtifactPath("report-loss-plateau.png"), 4200);
  const PageLayout layout = ParsePageLayout(dom);
  REQUIRE(layout.measured);
  for (const std::string& problem : layout.problems)
    UNSCOPED_INFO("layout: " << problem);
  // No curve runs flat along an edge: the falling start of every loss curve is drawn where it is.
  CHECK(layout.problems.empty());
  CHECK(layout.facts.at("curves") == 12);
  // Only the diverged trial's curve goes beyond the chart (and is clipped there); the others lie
  // whole inside it and span most of its height.
  CHECK(layout.facts.at("curvesLeaving") == 1);
  CHECK(layout.facts.at("curveSpan") > 0.6);
  CHECK(SectionOf(dom, "learning-curves").find("far-out measurements lie beyond the axis") !=
        std::string::npos);
}

TEST_CASE("Chromium renders the report of a 10,000-trial study") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  CreateLargeStudy(SqliteStudyRepository::Open(database), "big", 10000, 5);
  const std::string html = WriteReport(folder, database, "big");
  CHECK(std::filesystem::file_size(html) < 3u * 1024 * 1024);
  const std::string dom =
      LoadCleanly(chromium, html, folder, ArtifactPath("report-10000.png"), 4900);
  // Each chart drew what it says it drew.
  for (const char* section : {"history", "parallel-coordinates", "slices", "learning-curves"}) {
    INFO(section);
    const std::string markup = SectionOf(dom, section);
    CHECK(CountOf(markup, " data-trial=\"") >= std::stoul(AttributeOf(markup, "data-drawn")));
  }
  CHECK(KindCount(dom, "parallel-coordinates", "line") == 1000);
  CHECK(KindCount(dom, "learning-curves", "curve") == 200);
  CHECK(KindCount(dom, "gpu-timeline", "busy") >= 8);
}

TEST_CASE("Chromium renders the report of a study whose trials all failed") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  CreateOnlyFailedStudy(SqliteStudyRepository::Open(database), "all-failed", 8);
  const std::string html = WriteReport(folder, database, "all-failed");
  const std::string dom =
      LoadCleanly(chromium, html, folder, ArtifactPath("report-only-failed.png"), 2500);
  StudySpec spec;
  CheckReportMarks(dom, spec, TrialsOf(database, "all-failed", &spec));
}

TEST_CASE("Chromium shows hostile study text as text, in the page and in tooltips") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  auto study = CreateHostileStudy(SqliteStudyRepository::Open(database));
  const std::string html = WriteReport(folder, database, study->name());
  // A probe appended to a copy of the page hovers over trial 1 and writes what the tooltip shows
  // into the DOM; the screenshot shows the tooltip. The layout probe runs after it.
  const std::string probe =
      "<script>"
      "document.querySelector('#history [data-trial=\"1\"]').dispatchEvent("
      "new MouseEvent('mouseover', {bubbles: true}));"
      "document.dispatchEvent(new MouseEvent('mousemove', {clientX: 420, clientY: 420}));"
      "var tip = document.querySelector('.tip');"
      "document.body.setAttribute('data-probe', [tip.style.display, tip.children.length,"
      " tip.textContent.indexOf('acc\\x3cscript>alert(1)\\x3c/script> = 0.55 at step 1') > 0,"
      " document.querySelectorAll('.hl').length].join(' '));"
      "</script>";
  const std::string probed = folder.File("probed.html");
  WriteProbedPage(html, probed, probe);
  const std::string dom =
      LoadCleanly(chromium, probed, folder, ArtifactPath("report-escaping.png"), 3800);
  // Had any of it been markup, the DOM would hold these elements.
  CHECK(dom.find("<b>bold</b>") == std::string::npos);
  CHECK(dom.find("<script>alert") == std::string::npos);
  CHECK(dom.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  CHECK(dom.find("<title>&lt;/title&gt;&lt;script&gt;") != std::string::npos);
  // The tooltip is shown, as text (no child elements), with the metric tag as it was written,
  // and trial 1 is highlighted in every chart that draws it and in the table.
  const std::string result = AttributeOf(dom, "data-probe");
  INFO("probe: " << result);
  CHECK(result.rfind("block 0 true ", 0) == 0);
  CHECK(std::stoi(result.substr(13)) >= 8);
  // Long unbroken names (the study's) and long categories keep the layout whole: the settings
  // tables side by side without overlap, category labels clear of the lines.
  const PageLayout layout = ParsePageLayout(dom);
  REQUIRE(layout.measured);
  for (const std::string& problem : layout.problems)
    UNSCOPED_INFO("layout: " << problem);
  CHECK(layout.problems.empty());
  CHECK(layout.facts.at("settingsTables") == 2);
  CHECK(layout.facts.at("categoryLabels") == 3);
}

TEST_CASE("The Chromium check sees console errors, blocked loads and a script that fails") {
  const std::string chromium = RequireChromium();
  TempFolder folder;
  const std::string html = folder.File("broken.html");
  std::ofstream(html)
      << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta "
         "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
         "'unsafe-inline'\"></head><body><img src=\"https://example.com/x.png\"><script>"
         "console.error('broken'); undefinedFunction();"
         "document.documentElement.setAttribute('data-report-script', 'ready');"
         "</script></body></html>";
  const ChromiumPage page = LoadInChromium(chromium, html, folder.path());
  INFO("chromium stderr:\n" << page.run.err);
  REQUIRE(page.run.exit_code == 0);
  CHECK(page.console_messages.size() >= 3);  // the blocked image, console.error, the exception
  CHECK(page.dom.find("data-report-script=\"ready\"") == std::string::npos);
}
