#pragma once

// The benchmarks' and their trainers' flags: `--name=value` words, read without a parser library.
#include <optional>
#include <string>
#include <string_view>

namespace bayestune::bench {

// The value of `arg` when it is the flag `prefix` ("--seeds=" in "--seeds=3" gives "3"); nullopt
// when it is another word.
inline std::optional<std::string> FlagValue(const std::string& arg, std::string_view prefix) {
  if (arg.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return arg.substr(prefix.size());
}

}  // namespace bayestune::bench
