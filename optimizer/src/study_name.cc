#include "bayestune/optimizer/study_name.h"

#include "bayestune/optimizer/errors.h"
#include "utf8_text.h"

namespace bayestune {
namespace {

constexpr const char* kValidNames =
    "a study name is a name, not a path: 1 to 255 bytes of UTF-8 without '/' or control "
    "characters, not starting with '.' or '-', such as mnist or book-2";

}  // namespace

std::string StudyNameProblem(std::string_view name) {
  if (name.empty()) return std::string("the study name is empty; ") + kValidNames;
  constexpr std::size_t kShown = 100;
  const std::string quoted = "study name '" + EscapeForMessage(name.substr(0, kShown)) +
                             (name.size() > kShown ? "...'" : "'");
  std::string problem;
  if (name.size() > kMaxStudyNameBytes) {
    problem = "is " + std::to_string(name.size()) + " bytes long";
  } else if (name.find('/') != std::string_view::npos) {
    problem = "holds a '/'";
  } else if (name == "." || name == "..") {
    problem = "names a folder, not a study";
  } else if (name.front() == '.') {
    problem = "starts with '.'";
  } else if (name.front() == '-') {
    problem = "starts with '-'";
  } else {
    problem = ControlOrEncodingProblem(name);
  }
  return problem.empty() ? "" : quoted + " " + problem + "; " + kValidNames;
}

void ValidateStudyName(std::string_view name) {
  if (std::string problem = StudyNameProblem(name); !problem.empty()) {
    throw InvalidArgument(problem);
  }
}

}  // namespace bayestune
