#pragma once

#include <string>
#include <string_view>

namespace bayestune {

// A study name is a name, not a path: it becomes a folder name (bayestune-jobs/<study>/), a
// command-line word and a protobuf string. Valid: 1 to kMaxStudyNameBytes bytes of UTF-8, with no
// '/', no control character (C0, DEL or C1), and not starting with '.' (so never "." or "..", nor
// a hidden folder) or '-' (it would read as a flag). Spaces and other printable characters are
// allowed.
inline constexpr std::size_t kMaxStudyNameBytes = 255;  // a folder name's limit (NAME_MAX)

// What is wrong with `name` as a study name and what would be valid; empty when it is valid.
std::string StudyNameProblem(std::string_view name);

// Throws InvalidArgument with StudyNameProblem(name) unless `name` is a valid study name. Every
// place that creates a study calls it: Study::Open, `bayestune run --study`, gRPC CreateStudy.
void ValidateStudyName(std::string_view name);

}  // namespace bayestune
