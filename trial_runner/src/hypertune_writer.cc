#include "hypertune_writer.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace bayestune {

std::string FormatPythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // The shortest round-trip digits and their decimal exponent, from to_chars' scientific form.
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string sci(buffer, result.ptr);  // e.g. "-1.2345e-05"
  const bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  const auto e = sci.find('e');
  const int exponent = std::atoi(sci.c_str() + e + 1);
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exponent < -4 || exponent >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[24];
    std::snprintf(exp_text, sizeof(exp_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp_text;
  } else if (exponent < 0) {
    out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  } else {
    const std::size_t int_len = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return negative ? "-" + out : out;
}

std::string PythonJsonString(std::string_view text) {
  std::string out = "\"";
  auto hex = [&](unsigned code) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", code);
    out += buf;
  };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            hex(c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; bytes that are not valid UTF-8 pass as U+FFFD.
    unsigned code = 0xFFFD;
    std::size_t length = 1;
    if ((c & 0xE0) == 0xC0) length = 2;
    if ((c & 0xF0) == 0xE0) length = 3;
    if ((c & 0xF8) == 0xF0) length = 4;
    if (length > 1 && i + length <= text.size()) {
      code = c & (0x7F >> length);
      for (std::size_t k = 1; k < length; ++k) {
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
    } else {
      length = 1;
    }
    if (code >= 0x10000) {
      code -= 0x10000;
      hex(0xD800 + (code >> 10));
      hex(0xDC00 + (code & 0x3FF));
    } else {
      hex(code);
    }
    i += length;
  }
  return out + "\"";
}

std::string HypertuneLine(std::string_view tag, double value, std::int64_t global_step,
                          double timestamp, std::string_view trial_id) {
  // json.dumps(sort_keys=True): keys in code point order, which byte order of UTF-8 keeps.
  std::map<std::string, std::string> fields;
  fields["timestamp"] = FormatPythonFloat(timestamp);
  fields["trial"] = PythonJsonString(trial_id);
  fields["global_step"] = PythonJsonString(std::to_string(global_step));
  fields[std::string(tag.empty() ? HypertuneWriter::kDefaultTag : tag)] =
      PythonJsonString(FormatPythonFloat(value));
  std::string line = "{";
  for (const auto& [key, text] : fields) {
    if (line.size() > 1) line += ", ";
    line += PythonJsonString(key) + ": " + text;
  }
  return line + "}";
}

HypertuneWriter::HypertuneWriter(std::string path, std::string trial_id)
    : path_(std::move(path)), trial_id_(std::move(trial_id)) {}

std::optional<HypertuneWriter> HypertuneWriter::FromEnvironment() {
  const char* path = std::getenv("CLOUD_ML_HP_METRIC_FILE");
  if (!path || !*path) return std::nullopt;
  const char* trial = std::getenv("CLOUD_ML_TRIAL_ID");
  return HypertuneWriter(path, trial ? trial : "0");
}

void HypertuneWriter::Report(std::string_view tag, double value, std::int64_t global_step,
                             double timestamp) {
  if (timestamp < 0) {
    using namespace std::chrono;
    timestamp = duration<double>(system_clock::now().time_since_epoch()).count();
  }
  lines_.push_back(HypertuneLine(tag, value, global_step, timestamp, trial_id_));
  if (lines_.size() > kMaxEntries) lines_.pop_front();
  const auto parent = std::filesystem::path(path_).parent_path();
  std::error_code ignored;
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  std::FILE* file = std::fopen(path_.c_str(), "w");
  if (!file) {
    throw std::runtime_error("cannot write the hypertune metric file " + path_ + ": " +
                             std::strerror(errno));
  }
  bool ok = true;
  for (const auto& line : lines_) {
    ok = ok && std::fputs(line.c_str(), file) >= 0 && std::fputc('\n', file) != EOF;
  }
  ok = std::fclose(file) == 0 && ok;
  if (!ok) {
    throw std::runtime_error("cannot write the hypertune metric file " + path_ + ": " +
                             std::strerror(errno));
  }
}

}  // namespace bayestune
