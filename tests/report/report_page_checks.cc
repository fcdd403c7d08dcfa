#include "report_page_checks.h"

namespace bayestune::testing {

std::string SectionOf(std::string_view page, std::string_view id) {
  const std::string open = "<section id=\"" + std::string(id) + "\"";
  const auto start = page.find(open);
  if (start == std::string_view::npos) return "";
  const auto end = page.find("</section>", start);
  return std::string(page.substr(start, end == std::string_view::npos ? end : end - start));
}

std::size_t CountOf(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

std::string AttributeOf(std::string_view markup, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  const auto start = markup.find(key);
  if (start == std::string_view::npos) return "";
  const auto end = markup.find('"', start + key.size());
  return std::string(markup.substr(start + key.size(), end - start - key.size()));
}

}  // namespace bayestune::testing
