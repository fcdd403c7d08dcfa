// A study name is a name, not a path: the one rule (study_name.h), and Study::Open keeping to it.
#include "bayestune/optimizer/study_name.h"

#include <catch2/catch.hpp>

#include "bayestune/optimizer/errors.h"
#include "bayestune/optimizer/in_memory_study_repository.h"
#include "bayestune/optimizer/study.h"

using namespace bayestune;
using Catch::Matchers::Contains;

namespace {

StudySpec OneParameterSpec() {
  StudySpec spec;
  spec.parameters = {ParameterSpec::Double("lr", 0.001, 0.1)};
  return spec;
}

}  // namespace

TEST_CASE("study names: names are valid, paths and control characters are not", "[study_name]") {
  for (const std::string& name :
       std::vector<std::string>{"book", "mnist-2", "a.b_c", "My study", "réseau", "x..y", "trial-3",
                                std::string(255, 'a'), "a\\b", "a:b"}) {
    INFO(name);
    CHECK(StudyNameProblem(name).empty());
    CHECK_NOTHROW(ValidateStudyName(name));
  }
  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"", "the study name is empty"},
      {"../../../../tmp/x", "holds a '/'"},
      {"a/b", "holds a '/'"},
      {"/tmp", "holds a '/'"},
      {".", "names a folder, not a study"},
      {"..", "names a folder, not a study"},
      {".hidden", "starts with '.'"},
      {"-rf", "starts with '-'"},
      {std::string("a\0b", 3), "holds a NUL byte"},
      {"a\nb", "holds a control character"},
      {"tab\there", "holds a control character"},
      {"esc\x1b[31m", "holds a control character"},
      {"del\x7f", "holds a control character"},
      {"c1\xc2\x9b", "holds a control character"},  // U+009B, a terminal's CSI
      {"latin1 \xe9t\xe9", "is not valid UTF-8"},
      {std::string(256, 'a'), "is 256 bytes long"},
  };
  for (const auto& [name, problem] : invalid) {
    INFO(name);
    const std::string message = StudyNameProblem(name);
    CHECK_THAT(message, Contains(problem));
    // Every message says what a valid name is.
    CHECK_THAT(message, Contains("a study name is a name, not a path") &&
                            Contains("such as mnist or book-2"));
    CHECK_THROWS_AS(ValidateStudyName(name), InvalidArgument);
  }
  // Control characters are shown escaped, never written to the terminal as they are.
  CHECK_THAT(StudyNameProblem(std::string("a\0b", 3)), Contains("study name 'a\\x00b'"));
  CHECK_THAT(StudyNameProblem("esc\x1b[31m"), Contains("'esc\\x1B[31m'"));
}

TEST_CASE("Study::Open refuses a study name that is not a name", "[study_name]") {
  auto repository = std::make_shared<InMemoryStudyRepository>();
  for (const std::string name : {"../../../../tmp/x", "", "..", "-x", "a\nb"}) {
    INFO(name);
    CHECK_THROWS_WITH(
        Study::Open(repository, name, {.create_if_missing = true, .spec = OneParameterSpec()}),
        Contains("a study name is a name, not a path"));
  }
  CHECK(repository->ListStudies().empty());
  CHECK(Study::Open(repository, "ok-name", {.create_if_missing = true, .spec = OneParameterSpec()})
            ->name() == "ok-name");
}
