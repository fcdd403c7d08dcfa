// Catch2 2's single header <catch2/catch.hpp> on top of Catch2 3 (Debian 13, Ubuntu 24.04).
// tests/CMakeLists.txt puts this folder first on the tests' include path only when it finds
// Catch2 3; with Catch2 2.13 (Debian 12) the tests include the real header. Tests are written for
// Catch2 2; this file maps the names they use that Catch2 3 moved or renamed:
//   - Approx at global scope (Catch2 3: Catch::Approx);
//   - the matchers in namespace Catch (Catch::Contains, Catch::StartsWith, ...), as Catch2 2 has
//     them beside Catch::Matchers;
//   - Contains(string): a substring matcher, as in Catch2 2 (Catch2 3: ContainsSubstring; its
//     Contains(x) is the range matcher "has an element equal to x");
//   - Catch::MatcherBase<T> and Catch::Matchers::Impl::MatcherBase<T> for custom matchers.
// CATCH_CONFIG_RUNNER needs nothing here: Catch2 3's Catch::Session is in catch_all.hpp and the
// library Catch2::Catch2 has no main of its own.
#pragma once

#include <catch2/catch_all.hpp>
#include <concepts>
#include <string>
#include <type_traits>
#include <utility>

using Catch::Approx;

namespace Catch {
namespace Matchers {

// Contains("text") and Contains(some_string, CaseSensitive::No): a substring, as in Catch2 2.
// Being constrained, these win the overload resolution against Catch2 3's unconstrained
// Contains(T&&) and Contains(T&&, Equality&&) for every argument that converts to a string.
namespace CompatDetail {
template <typename T>
concept ConvertsToString = std::convertible_to<T, std::string>;
template <typename T>
concept IsCaseSensitive = std::same_as<std::remove_cvref_t<T>, CaseSensitive>;
}  // namespace CompatDetail

template <CompatDetail::ConvertsToString Text>
StringContainsMatcher Contains(Text&& text) {
  return ContainsSubstring(std::string(std::forward<Text>(text)));
}

template <CompatDetail::ConvertsToString Text, CompatDetail::IsCaseSensitive Sensitivity>
StringContainsMatcher Contains(Text&& text, Sensitivity&& sensitivity) {
  return ContainsSubstring(std::string(std::forward<Text>(text)), sensitivity);
}

namespace Impl {
using Catch::Matchers::MatcherBase;
}  // namespace Impl

}  // namespace Matchers

template <typename ArgT>
using MatcherBase = Matchers::MatcherBase<ArgT>;

using Matchers::Contains;
using Matchers::EndsWith;
using Matchers::Equals;
using Matchers::Matches;
using Matchers::Message;
using Matchers::Predicate;
using Matchers::StartsWith;
using Matchers::UnorderedEquals;
using Matchers::VectorContains;
using Matchers::WithinAbs;
using Matchers::WithinRel;
using Matchers::WithinULP;

}  // namespace Catch
