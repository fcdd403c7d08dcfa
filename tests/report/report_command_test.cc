// `bayestune report`, run as a real process on real databases.
#include <catch2/catch.hpp>
#include <filesystem>

#include "headless_chromium.h"
#include "report_test_studies.h"
#include "temp_folder.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

ProgramResult Bayestune(const TempFolder& folder, std::vector<std::string> args) {
  args.insert(args.begin(), BAYESTUNE_CLI);
  return RunProgram(args, folder.File("bayestune"), 120);
}

}  // namespace

TEST_CASE("bayestune report writes the report of the only study in the database") {
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  CreateDemoStudy(SqliteStudyRepository::Open(database));
  const auto result =
      Bayestune(folder, {"report", "--db", database, "--out", folder.File("r.html")});
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("wrote " + folder.File("r.html") + ": study 'mnist-sweep', 30 trials") !=
        std::string::npos);
  const std::string page = ReadWholeFile(folder.File("r.html"));
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("<h1>mnist-sweep</h1>") != std::string::npos);
  CHECK(page.find("Made by bayestune ") != std::string::npos);
  // No temporary file is left beside it.
  for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("bayestune report reads ./bayestune.db by default and writes to stdout with -") {
  TempFolder folder;
  CreateEmptyStudy(SqliteStudyRepository::Open(folder.File("bayestune.db")), "fresh");
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(folder.path());
  const auto result = Bayestune(folder, {"report", "fresh", "-o", "-"});
  std::filesystem::current_path(cwd);
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(result.out.find("<h1>fresh</h1>") != std::string::npos);
}

TEST_CASE("bayestune report names the studies when it cannot tell which one") {
  TempFolder folder;
  const std::string database = folder.File("runs.db");
  {
    auto repository = SqliteStudyRepository::Open(database);
    CreateEmptyStudy(repository, "mnist-sweep");
    CreateEmptyStudy(repository, "cifar-sweep");
  }
  const auto several =
      Bayestune(folder, {"report", "--db", database, "--out", folder.File("r.html")});
  CHECK(several.exit_code == 2);
  CHECK(several.err.find("holds 2 studies; name one: bayestune report STUDY --db " + database) !=
        std::string::npos);
  CHECK(several.err.find("'mnist-sweep'") != std::string::npos);
  CHECK(several.err.find("'cifar-sweep'") != std::string::npos);
  CHECK(!std::filesystem::exists(folder.File("r.html")));

  const auto typo =
      Bayestune(folder, {"report", "mnist-swep", "--db", database, "--out", folder.File("r.html")});
  CHECK(typo.exit_code == 3);
  CHECK(typo.err.find("has no study named 'mnist-swep'; did you mean 'mnist-sweep'?") !=
        std::string::npos);

  const auto chosen = Bayestune(
      folder, {"report", "cifar-sweep", "--db", database, "--out", folder.File("r.html")});
  CHECK(chosen.exit_code == 0);
  CHECK(ReadWholeFile(folder.File("r.html")).find("<h1>cifar-sweep</h1>") != std::string::npos);
}

TEST_CASE("bayestune report explains a missing database, an empty one and a bad --out") {
  TempFolder folder;
  const auto missing =
      Bayestune(folder, {"report", "--db", folder.File("nope.db"), "--out", folder.File("r.html")});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find("there is no bayestune database") != std::string::npos);
  CHECK(!std::filesystem::exists(folder.File("nope.db")));  // opened read-only: nothing created

  const std::string database = folder.File("empty.db");
  SqliteStudyRepository::Open(database);
  const auto no_study =
      Bayestune(folder, {"report", "--db", database, "--out", folder.File("r.html")});
  CHECK(no_study.exit_code == 3);
  CHECK(no_study.err.find("holds no study yet") != std::string::npos);

  CreateEmptyStudy(SqliteStudyRepository::Open(database), "s");
  const auto bad_out =
      Bayestune(folder, {"report", "--db", database, "--out", folder.File("no/such/r.html")});
  CHECK(bad_out.exit_code == 1);
  CHECK(bad_out.err.find("the folder '" + folder.File("no/such") + "' does not exist") !=
        std::string::npos);
  const auto folder_out = Bayestune(folder, {"report", "--db", database, "--out", folder.path()});
  CHECK(folder_out.exit_code == 1);
  CHECK(folder_out.err.find("is a folder") != std::string::npos);

  const auto no_out = Bayestune(folder, {"report", "--db", database});
  CHECK(no_out.exit_code == 2);
  CHECK(no_out.err.find("--out") != std::string::npos);

  // A name of another format: report.pdf got the HTML page without a word. .HTML and a name
  // without an extension are HTML.
  const auto pdf = Bayestune(folder, {"report", "--db", database, "--out", folder.File("r.pdf")});
  CHECK(pdf.exit_code == 2);
  CHECK(pdf.err == "bayestune: error: --out '" + folder.File("r.pdf") +
                       "': report writes one HTML file; give a name ending in .html (open it in "
                       "a browser, which can print it to PDF)\n");
  CHECK(!std::filesystem::exists(folder.File("r.pdf")));
  for (const char* name : {"r.HTML", "report"}) {
    const auto html = Bayestune(folder, {"report", "--db", database, "--out", folder.File(name)});
    INFO(name << ": " << html.err);
    CHECK(html.exit_code == 0);
  }
}
