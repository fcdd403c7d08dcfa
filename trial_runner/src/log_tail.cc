#include "log_tail.h"

#include <fstream>

namespace bayestune {

std::string LogTail(const std::filesystem::path& path, std::size_t max_lines,
                    std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || max_lines == 0) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                   ? size - static_cast<std::streamoff>(max_bytes)
                                   : 0;
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.seekg(start);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (start > 0) {  // drop the partial first line when a whole one follows
    if (auto newline = text.find('\n'); newline != std::string::npos) text.erase(0, newline + 1);
  }
  std::size_t lines = 0;
  std::size_t cut = text.size();
  while (cut > 0) {
    const auto newline = text.rfind('\n', cut - 1);
    if (newline == std::string::npos) break;
    if (++lines == max_lines) {
      text.erase(0, newline + 1);
      break;
    }
    cut = newline;
  }
  return text;
}

}  // namespace bayestune
