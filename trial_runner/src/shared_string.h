#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bayestune {

// An immutable string whose copies share one buffer: copying one costs a reference count, not an
// allocation. The metric readers give every record of a tag the same SharedString, so that a file
// of a million scalars of a few tags makes a few strings, not a million. It reads as a
// `const std::string&` (it converts to one) and compares with strings by content:
//   record.tag == "loss", std::string full = record.tag, by_run[record.run], JsonString(record.tag)
// For a std::string_view, use view(). Safe to copy and destroy from any thread.
class SharedString {
 public:
  SharedString() = default;  // ""
  // Implicit, so that records can be written as {".", "loss", step, wall_time, value}.
  SharedString(std::string text);
  SharedString(std::string_view text) : SharedString(std::string(text)) {}
  SharedString(const char* text) : SharedString(std::string(text)) {}

  const std::string& str() const { return text_ ? *text_ : Empty(); }
  operator const std::string&() const { return str(); }
  std::string_view view() const { return str(); }
  bool empty() const { return str().empty(); }
  std::size_t size() const { return str().size(); }

  friend bool operator==(const SharedString& a, const SharedString& b) {
    return a.text_ == b.text_ || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const SharedString& a, const SharedString& b) {
    return a.view() <=> b.view();
  }
  friend std::strong_ordering operator<=>(const SharedString& a, std::string_view b) {
    return a.view() <=> b;
  }
  friend std::ostream& operator<<(std::ostream& out, const SharedString& text) {
    return out << text.str();
  }

 private:
  static const std::string& Empty();

  std::shared_ptr<const std::string> text_;  // null for ""
};

// Hands out one SharedString per distinct text: what a reader keeps to share its tags among its
// records.
class SharedStringTable {
 public:
  const SharedString& Get(std::string_view text);
  std::size_t size() const { return strings_.size(); }

 private:
  // The keys view the characters of their values, which never move.
  std::unordered_map<std::string_view, SharedString> strings_;
};

}  // namespace bayestune
