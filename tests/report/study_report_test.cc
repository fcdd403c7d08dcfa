// The report page of studies stored in SQLite, checked without a browser: every section and the
// right number of marks, the goal's direction, escaping, determinism, and the size of a
// 10,000-trial report.
#include "bayestune/report/study_report.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>

#include "bayestune/optimizer/study.h"
#include "html_escape.h"
#include "report_page_checks.h"
#include "report_test_studies.h"
#include "step_budget.h"
#include "temp_folder.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

const char* const kSections[] = {
    "history",     "parallel-coordinates", "slices",   "learning-curves", "importance",
    "best-trials", "gpu-timeline",         "failures", "settings"};

struct Rendered {
  StudyRecord record;
  std::vector<Trial> trials;
  std::string page;
};

// Reads the study back from its database, read-only, as `bayestune report` does, and renders it.
Rendered Render(const std::string& database, const std::string& name,
                const ReportOptions& options = {}) {
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  auto repository = SqliteStudyRepository::Open(database, read_only);
  Rendered r;
  r.record = *repository->FindStudy(name);
  r.trials = repository->ListTrials(r.record.id);
  std::ostringstream out;
  WriteStudyReport(out, r.record, r.trials, options);
  r.page = out.str();
  return r;
}

void CheckEverySection(const std::string& page) {
  for (const char* id : kSections) {
    INFO("section " << id);
    CHECK(CountOf(page, "<section id=\"" + std::string(id) + "\"") == 1);
  }
}

// The page fetches nothing: a policy forbids it and no element points outside the file.
void CheckSelfContained(const std::string& page) {
  CHECK(page.find("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'") !=
        std::string::npos);
  CHECK(page.find(" src=") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
  CHECK(page.find("url(") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  CHECK(ToValidUtf8(page) == page);
}

StudySpec OneParameterSpec(Goal goal) {
  StudySpec spec;
  spec.goal = goal;
  spec.metric_tag = "loss";
  spec.max_trials = 5;
  spec.parameters = {ParameterSpec::Double("x", 0, 1)};
  return spec;
}

}  // namespace

TEST_CASE("The report of a study with trials in every state has every section and mark") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  const Rendered r = Render(database, "mnist-sweep");
  CheckEverySection(r.page);
  CheckSelfContained(r.page);
  CheckReportMarks(r.page, r.record.spec, r.trials);
  // The demo has every state, so every kind of mark is there.
  const ExpectedMarks expected = ExpectedMarksOf(r.record.spec, r.trials);
  CHECK(expected.stopped > 0);
  CHECK(expected.failed > 0);
  CHECK(expected.infeasible > 0);
  CHECK(expected.failed_ends > 0);
  CHECK(CountOf(SectionOf(r.page, "gpu-timeline"), "data-lane=\"CPU\"") > 0);
  CHECK(CountOf(SectionOf(r.page, "gpu-timeline"), "bar run open") == 3);  // ACTIVE, STOPPING
  CHECK(r.page.find("data-report-script") != std::string::npos);
  CHECK(r.page.find("class=\"banner\"") == std::string::npos);  // nothing subsampled
  // A crash is summed up by the first and the last line of its reason.
  CHECK(SectionOf(r.page, "failures")
            .find("<summary>FAILED: exit code 1; log tail: \xE2\x80\xA6 RuntimeError: CUDA out of "
                  "memory. Tried to allocate 2.00 GiB</summary>") != std::string::npos);
}

TEST_CASE("The report is the same bytes for the same study") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  CHECK(Render(database, "mnist-sweep").page == Render(database, "mnist-sweep").page);
}

TEST_CASE("Best so far follows the goal's direction") {
  const double values[] = {5, 3, 4, 1, 2};
  for (Goal goal : {Goal::kMinimize, Goal::kMaximize}) {
    StudyRecord record;
    record.name = "direction";
    record.spec = OneParameterSpec(goal);
    std::vector<Trial> trials;
    for (int i = 0; i < 5; ++i) {
      Trial t;
      t.id = i + 1;
      t.state = TrialState::kSucceeded;
      t.parameters = {{"x", 0.1 * (i + 1)}};
      t.final_value = values[i];
      trials.push_back(t);
    }
    std::ostringstream out;
    WriteStudyReport(out, record, trials);
    const std::string history = SectionOf(out.str(), "history");
    if (goal == Goal::kMinimize) {
      CHECK(AttributeOf(history, "data-improvements") == "3");  // 5, 3, 1
      CHECK(history.find("best 1 (trial 4)") != std::string::npos);
      CHECK(history.find("lowest value so far") != std::string::npos);
    } else {
      CHECK(AttributeOf(history, "data-improvements") == "1");  // 5
      CHECK(history.find("best 5 (trial 1)") != std::string::npos);
    }
    // The best-trials table ranks by the goal too.
    const std::string best = SectionOf(out.str(), "best-trials");
    CHECK(best.find("data-trial=\"" + std::string(goal == Goal::kMinimize ? "4" : "1") +
                    "\" data-kind=\"row\"><td class=\"n\">1</td>") != std::string::npos);
  }
}

TEST_CASE("Best so far ranks a trial trained to the end before any stopped early") {
  // As `best` ranks them: a stopped trial's cut-off value (9, 10) is the best only while no trial
  // before it was trained to the end, however good it looks. The line went up to 10 (trial 3)
  // while its label said "best 7 (trial 5)".
  StudyRecord record;
  record.name = "stopped";
  record.spec = OneParameterSpec(Goal::kMaximize);
  const double values[] = {9, 5, 10, 6, 7};
  const bool stopped[] = {true, false, true, false, false};
  std::vector<Trial> trials;
  for (int i = 0; i < 5; ++i) {
    Trial t;
    t.id = i + 1;
    t.state = TrialState::kSucceeded;
    t.parameters = {{"x", 0.1 * (i + 1)}};
    t.final_value = values[i];
    t.stopped_early = stopped[i];
    trials.push_back(t);
  }
  std::ostringstream out;
  WriteStudyReport(out, record, trials);
  const std::string history = SectionOf(out.str(), "history");
  CHECK(AttributeOf(history, "data-improvements") == "4");  // 9 (stopped), then 5, 6, 7
  CHECK(AttributeOf(history, "data-improvements") ==
        std::to_string(ExpectedMarksOf(record.spec, trials).improvements));
  CHECK(history.find("best 7 (trial 5)") != std::string::npos);
  // The line ends at trial 5's height, not at trial 3's.
  const std::smatch line = [&] {
    std::smatch m;
    std::regex_search(history, m, std::regex("<path d=\"([^\"]*)\" class=\"best-line\""));
    return m;
  }();
  REQUIRE(!line.empty());
  const std::string d = line[1];
  const std::string last_v = d.substr(d.rfind('V') + 1, d.rfind('H') - d.rfind('V') - 1);
  std::smatch point;
  REQUIRE(std::regex_search(history, point,
                            std::regex("<circle cx=\"[^\"]*\" cy=\"([^\"]*)\" r=\"[^\"]*\" "
                                       "class=\"ok\" data-trial=\"5\"")));
  CHECK(last_v == point[1].str());
}

TEST_CASE("The best trials' table names a parameter named as another column param.<name>") {
  // Its header was "rank trial loss step trial loss ran for on": which "loss" was the objective
  // was left to guess.
  StudyRecord record;
  record.name = "clash";
  record.spec = OneParameterSpec(Goal::kMinimize);
  record.spec.parameters = {ParameterSpec::Integer("trial", 1, 5),
                            ParameterSpec::Double("loss", 0, 1), ParameterSpec::Double("lr", 0, 1)};
  Trial t;
  t.id = 1;
  t.state = TrialState::kSucceeded;
  t.parameters = {{"trial", std::int64_t{4}}, {"loss", 0.5}, {"lr", 0.25}};
  t.final_value = 1.5;
  t.final_step = 7;
  std::ostringstream out;
  WriteStudyReport(out, record, {t});
  const std::string best = SectionOf(out.str(), "best-trials");
  CHECK(best.find("<th class=\"n\">rank</th><th class=\"n\">trial</th><th class=\"n\">loss</th>"
                  "<th class=\"n\">step</th><th>param.trial</th><th>param.loss</th><th>lr</th>"
                  "<th class=\"n\">ran for</th>") != std::string::npos);
}

TEST_CASE("The trials card says maxTrials was lowered below the trials made, as status does") {
  // After maxTrials 10 -> 4 on a study of 10 finished trials it read "10 of 4 planned".
  StudyRecord record;
  record.name = "lowered";
  record.spec = OneParameterSpec(Goal::kMinimize);
  record.spec.max_trials = 4;
  std::vector<Trial> trials;
  for (int i = 0; i < 10; ++i) {
    Trial t;
    t.id = i + 1;
    t.state = TrialState::kSucceeded;
    t.parameters = {{"x", 0.05 * (i + 1)}};
    t.final_value = 1.0 + i;
    trials.push_back(t);
  }
  std::ostringstream out;
  WriteStudyReport(out, record, trials);
  const std::string page = out.str();
  CHECK(page.find("maxTrials 4 was lowered below the 10 trials made") != std::string::npos);
  CHECK(page.find("of 4 planned") == std::string::npos);
  // Not lowered: "of 10 planned".
  record.spec.max_trials = 10;
  std::ostringstream again;
  WriteStudyReport(again, record, trials);
  CHECK(again.str().find("of 10 planned") != std::string::npos);
}

TEST_CASE("The report of an empty study says so in every section") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateEmptyStudy(SqliteStudyRepository::Open(database), "nothing-yet");
  const Rendered r = Render(database, "nothing-yet");
  CheckEverySection(r.page);
  CheckSelfContained(r.page);
  CHECK(CountOf(r.page, " data-trial=") == 0);
  CHECK(CountOf(r.page, "class=\"empty\"") == 8);  // every section but the settings
  CHECK(SectionOf(r.page, "history").find("No trials yet.") != std::string::npos);
}

TEST_CASE("The report of a study whose trials all failed shows the failures") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateOnlyFailedStudy(SqliteStudyRepository::Open(database), "all-failed", 8);
  const Rendered r = Render(database, "all-failed");
  CheckEverySection(r.page);
  CheckSelfContained(r.page);
  CheckReportMarks(r.page, r.record.spec, r.trials);
  CHECK(KindCount(r.page, "history", "failed") == 8);
  CHECK(SectionOf(r.page, "parallel-coordinates").find("class=\"empty\"") != std::string::npos);
  CHECK(SectionOf(r.page, "importance").find("needs at least 5 succeeded trials") !=
        std::string::npos);
  CHECK(SectionOf(r.page, "best-trials").find("No trial has succeeded yet.") != std::string::npos);
  CHECK(CountOf(SectionOf(r.page, "failures"), "<summary>FAILED: ") == 2);
  CHECK(r.page.find("card best") == std::string::npos);
}

TEST_CASE("Failures of one cause are one group, whatever numbers their reason holds") {
  // As a first run gives them: a wrong metric tag, whose reason names each trial's folder, and a
  // flag the trainer lacks, which argparse names with each trial's value. Each trial was a group
  // of its own, so the section listed causes as many times as they failed.
  StudyRecord record;
  record.name = "mistakes";
  record.spec = OneParameterSpec(Goal::kMaximize);
  std::vector<Trial> trials;
  for (int i = 1; i <= 7; ++i) {
    Trial t;
    t.id = i;
    t.state = TrialState::kFailed;
    t.parameters = {{"x", 0.1 * i}};
    const std::string folder = "/home/me/bayestune-jobs/mistakes/trial-" + std::to_string(i);
    t.failure_reason =
        i <= 4 ? "the trainer exited with status 0 without reporting the metric: metric 'accuracy' "
                 "not found; did you mean 'Accuracy/val'? (log: " +
                     folder + "/stderr.log)\n(" + folder + "/stdout.log and stderr.log are empty)"
               : "the trainer exited with status 2\nlast lines of " + folder +
                     "/stderr.log:\nusage: train.py [-h] [--x X] [--job-dir JOB_DIR]\n"
                     "train.py: error: unrecognized arguments: --beta1=0.9" +
                     std::to_string(17 * i) + "\n";
    trials.push_back(t);
  }
  std::ostringstream out;
  WriteStudyReport(out, record, trials);
  const std::string failures = SectionOf(out.str(), "failures");
  CHECK(KindCount(out.str(), "failures", "failure-group") == 2);
  // Each group is said by its first trial's reason, with the trials it holds.
  CHECK(failures.find("(/home/me/bayestune-jobs/mistakes/trial-1/stdout.log and stderr.log are "
                      "empty)</summary>") != std::string::npos);
  CHECK(failures.find("<td class=\"n\">4</td><td>1, 2, 3, 4</td>") != std::string::npos);
  CHECK(failures.find("unrecognized arguments: --beta1=0.985</summary>") != std::string::npos);
  CHECK(failures.find("<td class=\"n\">3</td><td>5, 6, 7</td>") != std::string::npos);
  // Another exit status is another cause.
  trials[6].failure_reason = "the trainer exited with status 1\nlast lines of x:\nerror 3";
  std::ostringstream other;
  WriteStudyReport(other, record, trials);
  CHECK(KindCount(other.str(), "failures", "failure-group") == 3);
}

TEST_CASE("The report of a 10,000-trial study is subsampled, says so, and stays small") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateLargeStudy(SqliteStudyRepository::Open(database), "big", 10000, 5);
  ReportOptions options;
  const Rendered r = Render(database, "big", options);
  CheckEverySection(r.page);
  CheckSelfContained(r.page);
  INFO("page size " << r.page.size());
  CHECK(r.page.size() < 3u * 1024 * 1024);
  CHECK(r.page.find("class=\"banner\"") != std::string::npos);
  const ExpectedMarks expected = ExpectedMarksOf(r.record.spec, r.trials);
  const std::size_t valued = expected.succeeded + expected.stopped;
  // Every chart draws at most its limit, says how many of how many, and keeps the best trials.
  const std::string history = SectionOf(r.page, "history");
  CHECK(KindCount(r.page, "history", "succeeded") + KindCount(r.page, "history", "stopped") ==
        options.max_drawn_trials);
  CHECK(AttributeOf(history, "data-total") ==
        std::to_string(valued + expected.failed + expected.infeasible));
  CHECK(history.find("Showing 1,000 of " + [&] {
    std::string digits = std::to_string(valued);
    return digits.substr(0, digits.size() - 3) + "," + digits.substr(digits.size() - 3);
  }()) != std::string::npos);
  CHECK(AttributeOf(history, "data-improvements") == std::to_string(expected.improvements));
  CHECK(KindCount(r.page, "parallel-coordinates", "line") == options.max_drawn_trials);
  CHECK(KindCount(r.page, "slices", "slice") ==
        options.max_drawn_trials * r.record.spec.parameters.size());
  CHECK(KindCount(r.page, "learning-curves", "curve") == options.max_learning_curves);
  CHECK(KindCount(r.page, "best-trials", "row") == 10);
  for (const char* chart : {"history", "parallel-coordinates", "slices"}) {
    INFO(chart);
    const std::string section = SectionOf(r.page, chart);
    // The ten best trials are drawn in every chart: best as `best` ranks them, the trials trained
    // to the end before those stopped early.
    const std::vector<Trial> best = RankTrials(r.trials, r.record.spec);
    REQUIRE(best.size() >= 10);
    for (int i = 0; i < 10; ++i) {
      CHECK(section.find("data-trial=\"" + std::to_string(best[i].id) + "\"") != std::string::npos);
    }
  }
  // GPU use: too many bars to tell apart, merged into busy periods per GPU.
  const std::string gpu = SectionOf(r.page, "gpu-timeline");
  CHECK(KindCount(r.page, "gpu-timeline", "busy") >= 8);
  CHECK(gpu.find("merged into busy periods") != std::string::npos);
  CHECK(CountOf(gpu, "% busy</text>") == 8);
  CHECK(SectionOf(r.page, "importance").find("class=\"imp\"") != std::string::npos);
}

TEST_CASE("User text is escaped everywhere") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  auto study = CreateHostileStudy(SqliteStudyRepository::Open(database));
  const Rendered r = Render(database, study->name());
  CheckSelfContained(r.page);
  for (const char* raw : {"<b>bold</b>", "<script>alert", "</title><script>", "</pre><script>",
                          "\"quoted\" 'single'", "a&b<"}) {
    INFO(raw);
    CHECK(r.page.find(raw) == std::string::npos);
  }
  CHECK(r.page.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  CHECK(r.page.find("&lt;/title&gt;&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; co") !=
        std::string::npos);
  CHECK(r.page.find("a&amp;b") != std::string::npos);
  // Two scripts: the tooltip data, whose '<' are all escaped, and the report's own.
  CHECK(CountOf(r.page, "<script") == 2);
  CHECK(CountOf(r.page, "</script>") == 2);
  const std::string data = r.page.substr(r.page.find("id=\"trial-data\">"));
  CHECK(data.substr(0, data.find("</script>")).find('<') == std::string::npos);
}

namespace {

// Every coordinate and size in the page's SVG is a plain number of reasonable size.
void CheckCoordinatesAreNumbers(const std::string& page) {
  static const std::regex attribute(
      R"re( (x|y|x1|y1|x2|y2|cx|cy|r|width|height|d|points)="([^"]*)")re");
  static const std::regex number(R"re(-?[0-9]+(\.[0-9]+)?)re");
  static const std::regex path_letters(R"re([^0-9 ,.\-MLHVlmzh])re");
  std::size_t checked = 0;
  const std::size_t start = page.find("<main>");
  const std::string svg_part = page.substr(start, page.find("</main>") - start);
  for (std::sregex_iterator it(svg_part.begin(), svg_part.end(), attribute), end; it != end; ++it) {
    const std::string value = (*it)[2];
    INFO((*it)[0]);
    CHECK_FALSE(std::regex_search(value, path_letters));
    for (std::sregex_iterator n(value.begin(), value.end(), number), none; n != none; ++n) {
      CHECK(std::abs(std::stod((*n)[0])) < 1e5);
      ++checked;
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("Odd values do not break the drawing") {
  StudyRecord record;
  record.name = "odd";
  record.spec = OneParameterSpec(Goal::kMaximize);
  record.spec.parameters.push_back(ParameterSpec::Categorical("c", {"a", "b"}));
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Trial> trials;
  const auto add = [&](TrialState state, std::optional<double> value, ParameterValues parameters) {
    Trial t;
    t.id = static_cast<std::int64_t>(trials.size()) + 1;
    t.state = state;
    t.final_value = value;
    t.parameters = std::move(parameters);
    t.start_time = 1714557600 + 10.0 * t.id;
    t.end_time = *t.start_time - 5;  // a clock that went backwards
    t.gpus = {static_cast<int>(t.id % 2)};
    t.measurements = {{.metric = "loss", .step = 1, .value = std::nan("")},
                      {.metric = "loss", .step = 2, .value = inf},
                      {.metric = "loss", .step = 3, .value = 1e300}};
    trials.push_back(t);
  };
  add(TrialState::kSucceeded, 1e300, {{"x", 0.5}, {"c", "a"}});
  add(TrialState::kSucceeded, -1e300, {{"x", 2.0}, {"c", "b"}});    // x outside its range
  add(TrialState::kSucceeded, 0.5, {{"x", 0.5}});                   // a parameter missing
  add(TrialState::kSucceeded, 0.5, {{"x", "text"}, {"c", "zzz"}});  // wrong kinds
  add(TrialState::kInfeasible, inf, {{"x", 0.1}, {"c", "a"}});
  add(TrialState::kSucceeded, std::nan(""), {{"x", 0.1}, {"c", "a"}});
  for (int i = 0; i < 3; ++i)
    add(TrialState::kSucceeded, 0.5, {{"x", 0.1 * i}, {"c", "b"}});  // the same value
  std::ostringstream out;
  WriteStudyReport(out, record, trials);
  const std::string page = out.str();
  CheckEverySection(page);
  CheckCoordinatesAreNumbers(page);
  CHECK(page.find("nan") == std::string::npos);
  // A single trial, and one with no measurement of the metric.
  std::ostringstream single;
  WriteStudyReport(single, record, {trials.back()});
  CheckEverySection(single.str());
  CheckCoordinatesAreNumbers(single.str());
}

TEST_CASE("The charts of the demo study draw only plain numbers") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  CheckCoordinatesAreNumbers(Render(database, "mnist-sweep").page);
}

TEST_CASE("the header says how many steps early stopping saved, only when a trial was stopped",
          "[report][stopping]") {
  TempFolder folder;
  const std::string database = folder.File("study.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  CreatePlateauStudy(SqliteStudyRepository::Open(database));
  const Rendered demo = Render(database, "mnist-sweep");
  const std::string saved = DescribeStepsSaved(CountSteps(demo.trials, demo.record.spec));
  REQUIRE_THAT(saved, Catch::StartsWith("GPU time saved: "));
  CHECK(CountOf(demo.page, EscapeHtml(saved)) == 1);
  CHECK(CountOf(Render(database, "loss-plateau").page, "GPU time saved") == 0);
}

TEST_CASE("the learning curves of an ASHA study mark its rungs and where stopped trials ended",
          "[report][asha]") {
  TempFolder folder;
  const std::string database = folder.File("asha.db");
  auto repository = SqliteStudyRepository::Open(database);
  StudyRecord record;
  record.name = "asha";
  record.spec = OneParameterSpec(Goal::kMaximize);
  record.spec.metric_tag = "accuracy";
  record.spec.enable_early_stopping = true;
  record.spec.early_stopping = {
      .rule = EarlyStoppingRule::kAsha, .min_step = 1, .max_step = 27, .reduction_factor = 3};
  record = repository->CreateStudy(record);
  // Trial 1 trained to step 27; trial 2 stopped at rung 0 (step 1), trial 3 at rung 1 (step 3).
  const auto trial = [](double x, std::int64_t last_step, bool stopped) {
    Trial t;
    t.state = TrialState::kSucceeded;
    t.parameters = {{"x", x}};
    t.start_time = 1e9;
    t.end_time = 1e9 + 10;
    for (std::int64_t step = 1; step <= last_step; ++step) {
      t.measurements.push_back({.metric = "accuracy",
                                .step = step,
                                .value = x * static_cast<double>(step) / 27,
                                .wall_time = 1e9 + static_cast<double>(step)});
    }
    t.final_value = t.measurements.back().value;
    t.final_step = last_step;
    t.stopped_early = stopped;
    return t;
  };
  for (const Trial& t : {trial(0.9, 27, false), trial(0.3, 1, true), trial(0.5, 4, true)})
    repository->AddTrial(record.id, t);
  const Rendered r = Render(database, "asha");
  const std::string curves = SectionOf(r.page, "learning-curves");
  // Rungs at steps 1, 3 and 9 (below maxStep 27): a dashed line and a label each.
  CHECK(CountOf(curves, "class=\"rung\" data-rung=") == 3);
  CHECK(CountOf(curves, "class=\"rung\" data-rung=\"0\" data-step=\"1\"") == 1);
  CHECK(CountOf(curves, "class=\"rung\" data-rung=\"1\" data-step=\"3\"") == 1);
  CHECK(CountOf(curves, "class=\"rung\" data-rung=\"2\" data-step=\"9\"") == 1);
  CHECK(CountOf(curves, ">rung 2</text>") == 1);
  CHECK(CountOf(curves, EscapeHtml("Dashed lines mark ASHA's rungs (steps 1, 3, 9)")) == 1);
  CHECK(CountOf(curves, "class=\"rung\"/>") == 1);  // the legend's mark
  CHECK(CountOf(curves, ">ASHA rung<") == 1);
  // The two stopped trials' curves end in a mark.
  CHECK(KindCount(r.page, "learning-curves", "stopped-end") == 2);
  CheckReportMarks(r.page, r.record.spec, r.trials);
  // A study without ASHA has no rung lines.
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  CHECK(CountOf(SectionOf(Render(database, "mnist-sweep").page, "learning-curves"), "rung") == 0);
}

TEST_CASE("with Hyperband brackets the learning curves mark every bracket's rungs",
          "[report][asha]") {
  TempFolder folder;
  const std::string database = folder.File("brackets.db");
  auto repository = SqliteStudyRepository::Open(database);
  StudyRecord record;
  record.name = "brackets";
  record.spec = OneParameterSpec(Goal::kMaximize);
  record.spec.metric_tag = "accuracy";
  record.spec.enable_early_stopping = true;
  // Bracket 0's rungs at steps 1, 3, 9; bracket 1's at 3, 9; bracket 2's at 9.
  record.spec.early_stopping = {.rule = EarlyStoppingRule::kAsha,
                                .min_step = 1,
                                .max_step = 27,
                                .reduction_factor = 3,
                                .brackets = 3};
  record = repository->CreateStudy(record);
  for (int id = 1; id <= 3; ++id) {
    Trial t;
    t.state = TrialState::kSucceeded;
    t.parameters = {{"x", 0.3 * id}};
    for (std::int64_t step = 1; step <= 27; ++step) {
      t.measurements.push_back({.metric = "accuracy",
                                .step = step,
                                .value = 0.3 * id * static_cast<double>(step) / 27,
                                .wall_time = 1e9 + static_cast<double>(step)});
    }
    t.final_value = t.measurements.back().value;
    t.final_step = 27;
    repository->AddTrial(record.id, t);
  }
  const Rendered r = Render(database, "brackets");
  const std::string curves = SectionOf(r.page, "learning-curves");
  CHECK(CountOf(curves, "class=\"rung\" data-bracket=") == 6);
  for (const auto& [bracket, rung, step] : std::vector<std::tuple<int, int, int>>{
           {0, 0, 1}, {0, 1, 3}, {0, 2, 9}, {1, 0, 3}, {1, 1, 9}, {2, 0, 9}}) {
    INFO("bracket " << bracket << " rung " << rung);
    CHECK(CountOf(curves, "class=\"rung\" data-bracket=\"" + std::to_string(bracket) +
                              "\" data-rung=\"" + std::to_string(rung) + "\" data-step=\"" +
                              std::to_string(step) + "\"") == 1);
    CHECK(CountOf(curves, ">b" + std::to_string(bracket) + " rung " + std::to_string(rung) +
                              "</text>") == 1);
  }
  CHECK(CountOf(curves, EscapeHtml("Dashed lines mark ASHA's rungs (steps 1, 3, 9)")) == 1);
  CHECK(CountOf(curves, "Each of the 3 brackets has its own rungs") == 1);
  CheckCoordinatesAreNumbers(r.page);
}

TEST_CASE("A trainer's infinite or absurd wall times do not break the GPU timeline") {
  // An event file's wall time is the trainer's: one of +inf made the timeline's span infinite,
  // and `bayestune report` added time ticks until it died of std::bad_alloc.
  StudyRecord record;
  record.id = 1;
  record.name = "wall";
  record.spec.metric_tag = "accuracy";
  record.spec.max_trials = 3;
  record.spec.algorithm = Algorithm::kRandomSearch;
  record.spec.parameters = {ParameterSpec::Double("x", 0.0, 1.0)};
  std::vector<Trial> trials;
  const double start = 1.7e9;
  for (int id = 1; id <= 3; ++id) {
    Trial t;
    t.id = id;
    t.parameters = {{"x", ParameterValue(0.1 * id)}};
    t.start_time = start + id;
    t.gpus = {0};
    t.measurements = {{.metric = "accuracy", .step = 1, .value = 0.5, .wall_time = start + id},
                      {.metric = "accuracy",
                       .step = 2,
                       .value = 0.6,
                       .wall_time = id == 3 ? -std::numeric_limits<double>::infinity()
                                            : std::numeric_limits<double>::infinity()},
                      {.metric = "accuracy", .step = 3, .value = 0.7, .wall_time = 1e300},
                      {.metric = "accuracy",
                       .step = 4,
                       .value = 0.8,
                       .wall_time = std::numeric_limits<double>::quiet_NaN()}};
    if (id == 1) {  // finished; 2 and 3 run
      t.state = TrialState::kSucceeded;
      t.end_time = start + 60;
      t.final_value = 0.8;
      t.final_step = 4;
    } else {
      t.state = TrialState::kActive;
    }
    trials.push_back(t);
  }
  std::ostringstream out;
  WriteStudyReport(out, record, trials, {});
  const std::string page = out.str();
  CHECK(page.size() < 200'000);
  const std::string timeline = SectionOf(page, "gpu-timeline");
  CHECK(CountOf(timeline, "data-lane=\"GPU 0\"") > 0);
  // The time axis spans the trials' own times (a minute), not the trainer's clock.
  CHECK(timeline.find("inf") == std::string::npos);
  CHECK(timeline.find(" d<") == std::string::npos);
}
