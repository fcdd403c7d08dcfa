// Prints how long `WriteStudyReport` takes and how large the page is, for the demo study (30
// trials, every state), one whose trials all failed, an empty one, and simulated sweeps of 10,
// 1,000 and 10,000 trials (5 measurements each).
//
//   report_bench [FOLDER]   (default: a new folder under /tmp; the databases and the reports
//                           stay there, to look at)
//
// Columns: load (read-only open and ListTrials, as `bayestune report` does), report (best of 3
// runs of WriteStudyReport, importance included), importance alone, the page's size.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bayestune/report/study_report.h"
#include "parameter_importance.h"
#include "report_test_studies.h"

using namespace bayestune;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Measure(
    const std::string& folder, const std::string& name,
    const std::function<std::shared_ptr<Study>(const std::shared_ptr<SqliteStudyRepository>&)>&
        create) {
  const std::string database = folder + "/" + name + ".db";
  std::filesystem::remove(database);
  const std::string study_name = create(SqliteStudyRepository::Open(database))->name();

  // What `bayestune report` does first: open the database read-only and load the study.
  auto start = std::chrono::steady_clock::now();
  SqliteOpenOptions read_only;
  read_only.read_only = true;
  auto repository = SqliteStudyRepository::Open(database, read_only);
  const StudyRecord record = *repository->FindStudy(study_name);
  const auto trials = repository->ListTrials(record.id);
  const double load_seconds = Seconds(start);

  start = std::chrono::steady_clock::now();
  const ImportanceEstimate importance = EstimateParameterImportance(record.spec, trials);
  const double importance_seconds = Seconds(start);

  double best = 1e9;
  std::string page;
  for (int run = 0; run < 3; ++run) {
    start = std::chrono::steady_clock::now();
    std::ostringstream out;
    WriteStudyReport(out, record, trials);
    best = std::min(best, Seconds(start));
    page = out.str();
  }
  const std::string html = folder + "/" + name + ".html";
  std::ofstream(html) << page;
  std::printf(
      "%-12s %6zu trials  load %6.1f ms  report %6.1f ms (importance %6.1f ms)  %7.1f KiB  %s\n",
      name.c_str(), trials.size(), load_seconds * 1000, best * 1000, importance_seconds * 1000,
      static_cast<double>(page.size()) / 1024, html.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string folder;
  if (argc > 1) {
    folder = argv[1];
    std::filesystem::create_directories(folder);
  } else {
    char pattern[] = "/tmp/report_bench-XXXXXX";
    folder = mkdtemp(pattern);
  }
  std::printf("report_bench: in %s\n", folder.c_str());
  Measure(folder, "demo", [](const auto& r) { return testing::CreateDemoStudy(r); });
  Measure(folder, "failed",
          [](const auto& r) { return testing::CreateOnlyFailedStudy(r, "only-failed", 8); });
  Measure(folder, "empty", [](const auto& r) { return testing::CreateEmptyStudy(r, "empty"); });
  for (int trials : {10, 1000, 10000}) {
    const std::string name = "sweep-" + std::to_string(trials);
    Measure(folder, name,
            [&](const auto& r) { return testing::CreateLargeStudy(r, name, trials, 5); });
  }
  return 0;
}
