#include "data_loading.h"

#include <zlib.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "host_random.h"
#include "trainer_error.h"

#ifndef BAYESTUNE_MLP_INSTALLED_DATA
#error \
    "BAYESTUNE_MLP_INSTALLED_DATA (the installed dataset, relative to the program) must be defined"
#endif
#ifndef BAYESTUNE_MLP_DEFAULT_DATA
#error "BAYESTUNE_MLP_DEFAULT_DATA (the digits dataset of the source tree) must be defined"
#endif

namespace bayestune {
namespace {

constexpr int kDigitsFeatures = 64;
constexpr int kDigitsMaxPixel = 16;
constexpr int kDigitsClasses = 10;
constexpr std::int64_t kDigitsValidationRows = 360;
constexpr std::uint64_t kDigitsSplitSeed = 20240601;

[[noreturn]] void ThrowDataError(const std::string& message) {
  throw TrainerError(TrainerExitCode::kDataError, message);
}

// A file read through zlib, which reads gzip-compressed and plain files alike.
class CompressedFile {
 public:
  explicit CompressedFile(const std::string& path) : path_(path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      ThrowDataError("data file " + path + " does not exist or is not a file");
    }
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) ThrowDataError("cannot open the data file " + path);
  }
  ~CompressedFile() { gzclose(file_); }
  CompressedFile(const CompressedFile&) = delete;
  CompressedFile& operator=(const CompressedFile&) = delete;

  // Reads up to `size` bytes; fewer only at the end of the file.
  std::size_t Read(void* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
      const int got = gzread(file_, static_cast<char*>(data) + done, chunk);
      if (got < 0) {
        int code = 0;
        ThrowDataError("cannot read the data file " + path_ + ": " + gzerror(file_, &code));
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  std::string ReadAll() {
    std::string content;
    char buffer[1 << 16];
    while (const std::size_t got = Read(buffer, sizeof(buffer)))
      content.append(buffer, got);
    return content;
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

// Parses one non-negative integer field of a CSV line, with the place it came from in errors.
int ParseCsvInteger(std::string_view field, int max_value, const std::string& path, int line,
                    int column, const char* what) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t'))
    field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
    field.remove_suffix(1);
  }
  int value = -1;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || error != std::errc() || end != field.data() + field.size() || value < 0 ||
      value > max_value) {
    ThrowDataError(path + ":" + std::to_string(line) + ": column " + std::to_string(column) + ": " +
                   what + " '" + std::string(field) + "' is not an integer 0.." +
                   std::to_string(max_value));
  }
  return value;
}

std::uint32_t ReadBigEndian32(CompressedFile& file, const std::string& path, const char* what) {
  unsigned char bytes[4];
  if (file.Read(bytes, 4) != 4) ThrowDataError(path + ": truncated IDX header (" + what + ")");
  return std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 |
         std::uint32_t{bytes[2]} << 8 | bytes[3];
}

// One IDX file of unsigned bytes: its dimensions and data.
struct IdxArray {
  std::vector<std::uint32_t> dimensions;
  std::vector<unsigned char> values;
};

IdxArray ReadIdx(const std::string& path, std::size_t expected_dimensions) {
  CompressedFile file(path);
  const std::uint32_t magic = ReadBigEndian32(file, path, "magic number");
  if ((magic >> 8) != 0x08 || (magic & 0xFF) != expected_dimensions) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08x", magic);
    ThrowDataError(path + ": not an IDX file of unsigned bytes with " +
                   std::to_string(expected_dimensions) + " dimension(s): magic number " + text +
                   ", expected 0x00000" + std::to_string(800 + expected_dimensions));
  }
  IdxArray array;
  std::size_t count = 1;
  for (std::size_t d = 0; d < expected_dimensions; ++d) {
    array.dimensions.push_back(ReadBigEndian32(file, path, "dimensions"));
    count *= array.dimensions.back();
  }
  if (count == 0) ThrowDataError(path + ": the IDX file holds no values");
  if (count > (std::size_t{1} << 34)) ThrowDataError(path + ": implausibly large IDX dimensions");
  array.values.resize(count);
  const std::size_t got = file.Read(array.values.data(), count);
  if (got != count) {
    ThrowDataError(path + ": truncated: the header promises " + std::to_string(count) +
                   " values, the file holds " + std::to_string(got));
  }
  unsigned char extra;
  if (file.Read(&extra, 1) != 0) {
    ThrowDataError(path + ": more bytes than the header's " + std::to_string(count) + " values");
  }
  return array;
}

// The first of `names` (with or without .gz) that exists in `dir`.
std::string FindIdxFile(const std::filesystem::path& dir,
                        std::initializer_list<const char*> names) {
  std::string tried;
  for (const char* name : names) {
    for (const char* suffix : {"", ".gz"}) {
      const auto path = dir / (std::string(name) + suffix);
      if (std::filesystem::is_regular_file(path)) return path.string();
      tried += (tried.empty() ? "" : ", ") + path.filename().string();
    }
  }
  ThrowDataError("the MNIST folder " + dir.string() + " lacks a file; looked for " + tried);
}

Dataset LoadIdxPair(const std::filesystem::path& dir, const char* images_name,
                    const char* labels_name, const char* images_dotted, const char* labels_dotted) {
  const std::string images_path = FindIdxFile(dir, {images_name, images_dotted});
  const std::string labels_path = FindIdxFile(dir, {labels_name, labels_dotted});
  const IdxArray images = ReadIdx(images_path, 3);
  const IdxArray labels = ReadIdx(labels_path, 1);
  if (images.dimensions[0] != labels.dimensions[0]) {
    ThrowDataError(images_path + " holds " + std::to_string(images.dimensions[0]) + " images but " +
                   labels_path + " holds " + std::to_string(labels.dimensions[0]) + " labels");
  }
  Dataset dataset;
  dataset.num_features = static_cast<int>(images.dimensions[1] * images.dimensions[2]);
  dataset.features.resize(images.values.size());
  for (std::size_t i = 0; i < images.values.size(); ++i) {
    dataset.features[i] = static_cast<float>(images.values[i]) / 255.0f;
  }
  dataset.labels.assign(labels.values.begin(), labels.values.end());
  return dataset;
}

}  // namespace

Dataset SelectSamples(const Dataset& all, const std::vector<std::int64_t>& indices) {
  Dataset selected;
  selected.num_features = all.num_features;
  selected.features.reserve(indices.size() * static_cast<std::size_t>(all.num_features));
  for (const std::int64_t i : indices) {
    selected.features.insert(selected.features.end(), all.sample(i),
                             all.sample(i) + all.num_features);
    selected.labels.push_back(all.labels[i]);
  }
  return selected;
}

int CountClasses(const Dataset& train, const Dataset& validation) {
  std::int32_t largest = 0;
  for (const Dataset* set : {&train, &validation}) {
    for (const std::int32_t label : set->labels)
      largest = std::max(largest, label);
  }
  return largest + 1;
}

Dataset LoadDigitsCsv(const std::string& path) {
  const std::string content = CompressedFile(path).ReadAll();
  Dataset dataset;
  dataset.num_features = kDigitsFeatures;
  std::size_t line_start = 0;
  for (int line_number = 1; line_start < content.size(); ++line_number) {
    std::size_t line_end = content.find('\n', line_start);
    if (line_end == std::string::npos) line_end = content.size();
    const std::string_view line(content.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::size_t field_start = 0;
    for (int column = 0; column <= kDigitsFeatures; ++column) {
      if (field_start > line.size()) {
        ThrowDataError(path + ":" + std::to_string(line_number) + ": " + std::to_string(column) +
                       " columns, expected " + std::to_string(kDigitsFeatures + 1) +
                       " (64 pixel counts 0..16, then the label 0..9)");
      }
      std::size_t field_end = line.find(',', field_start);
      if (field_end == std::string_view::npos) field_end = line.size();
      const auto field = line.substr(field_start, field_end - field_start);
      field_start = field_end + 1;
      if (column < kDigitsFeatures) {
        dataset.features.push_back(
            static_cast<float>(ParseCsvInteger(field, kDigitsMaxPixel, path, line_number,
                                               column + 1, "pixel count")) /
            kDigitsMaxPixel);
      } else {
        dataset.labels.push_back(
            ParseCsvInteger(field, kDigitsClasses - 1, path, line_number, column + 1, "label"));
      }
    }
    if (field_start <= line.size()) {
      ThrowDataError(path + ":" + std::to_string(line_number) + ": more than " +
                     std::to_string(kDigitsFeatures + 1) +
                     " columns (64 pixel counts 0..16, then the label 0..9)");
    }
  }
  if (dataset.size() <= kDigitsValidationRows) {
    ThrowDataError(path + ": " + std::to_string(dataset.size()) + " rows; the digits dataset has " +
                   "1,797 and the trainer needs more than " +
                   std::to_string(kDigitsValidationRows) + " (the validation rows)");
  }
  return dataset;
}

TrainingData SplitDigits(const Dataset& all, const std::string& path) {
  const std::vector<std::int64_t> order = HostRandom(kDigitsSplitSeed).Permutation(all.size());
  const auto validation_start = order.end() - kDigitsValidationRows;
  TrainingData data;
  data.train = SelectSamples(all, {order.begin(), validation_start});
  data.validation = SelectSamples(all, {validation_start, order.end()});
  data.num_classes = kDigitsClasses;
  data.description = "digits " + path + ": " + std::to_string(data.train.size()) + " train, " +
                     std::to_string(data.validation.size()) + " validation (fixed split), " +
                     std::to_string(all.num_features) + " features, " +
                     std::to_string(data.num_classes) + " classes";
  return data;
}

TrainingData LoadMnistIdx(const std::string& dir) {
  TrainingData data;
  data.train = LoadIdxPair(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "train-images.idx3-ubyte", "train-labels.idx1-ubyte");
  data.validation = LoadIdxPair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte");
  if (data.train.num_features != data.validation.num_features) {
    ThrowDataError("the MNIST folder " + dir + " has training images of " +
                   std::to_string(data.train.num_features) + " pixels but test images of " +
                   std::to_string(data.validation.num_features));
  }
  data.num_classes = CountClasses(data.train, data.validation);
  if (data.num_classes < 2) {
    ThrowDataError("the MNIST folder " + dir + " has a single class; a classifier needs two");
  }
  data.description = "MNIST IDX " + dir + ": " + std::to_string(data.train.size()) + " train, " +
                     std::to_string(data.validation.size()) + " validation (t10k), " +
                     std::to_string(data.train.num_features) + " features, " +
                     std::to_string(data.num_classes) + " classes";
  return data;
}

std::string DefaultDataPath() {
  // Installed: the dataset installed beside the program (<prefix>/share/bayestune), found relative
  // to the program itself so that the install tree can move. Built: the source tree's.
  std::error_code error;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path installed = program.parent_path() / BAYESTUNE_MLP_INSTALLED_DATA;
    if (std::filesystem::is_regular_file(installed, error))
      return installed.lexically_normal().string();
  }
  return BAYESTUNE_MLP_DEFAULT_DATA;
}

TrainingData LoadTrainingData(const std::string& data_flag) {
  std::string path = data_flag;
  std::string origin = "--data";
  if (path.empty()) {
    const char* from_environment = std::getenv("BAYESTUNE_MLP_DATA");
    if (from_environment && *from_environment) {
      path = from_environment;
      origin = "BAYESTUNE_MLP_DATA";
    }
  }
  if (path.empty()) {
    path = DefaultDataPath();
    origin = "the default";
  }
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return LoadMnistIdx(path);
  if (!std::filesystem::exists(path, error)) {
    ThrowDataError("no data at " + path + " (" + origin +
                   "): give --data=DIR (a folder of MNIST IDX files) or --data=FILE (a " +
                   "digits-format CSV, gzip compressed or not), or set BAYESTUNE_MLP_DATA");
  }
  return SplitDigits(LoadDigitsCsv(path), path);
}

}  // namespace bayestune
