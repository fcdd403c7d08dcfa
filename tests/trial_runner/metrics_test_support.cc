#include "metrics_test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace bayestune::testing {
namespace {

constexpr int kVarintType = 0, kFixed64Type = 1, kBytesType = 2, kFixed32Type = 5;

std::string Key(int field, int wire_type) {
  return VarintBytes(static_cast<std::uint64_t>(field) << 3 |
                     static_cast<std::uint64_t>(wire_type));
}

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const auto& arg : argv)
    pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string VarintBytes(std::uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

std::string PackedVarints(const std::vector<std::uint64_t>& values) {
  std::string out;
  for (auto value : values)
    out += VarintBytes(value);
  return out;
}

ProtoBuilder& ProtoBuilder::Varint(int field, std::uint64_t value) {
  bytes_ += Key(field, kVarintType) + VarintBytes(value);
  return *this;
}

ProtoBuilder& ProtoBuilder::Fixed32(int field, std::uint32_t bits) {
  bytes_ += Key(field, kFixed32Type);
  bytes_.append(reinterpret_cast<const char*>(&bits), 4);
  return *this;
}

ProtoBuilder& ProtoBuilder::Float(int field, float value) {
  return Fixed32(field, std::bit_cast<std::uint32_t>(value));
}

ProtoBuilder& ProtoBuilder::Fixed64(int field, std::uint64_t bits) {
  bytes_ += Key(field, kFixed64Type);
  bytes_.append(reinterpret_cast<const char*>(&bits), 8);
  return *this;
}

ProtoBuilder& ProtoBuilder::Double(int field, double value) {
  return Fixed64(field, std::bit_cast<std::uint64_t>(value));
}

ProtoBuilder& ProtoBuilder::Bytes(int field, std::string_view bytes) {
  bytes_ += Key(field, kBytesType) + VarintBytes(bytes.size());
  bytes_ += bytes;
  return *this;
}

ProtoBuilder& ProtoBuilder::Raw(std::string_view bytes) {
  bytes_ += bytes;
  return *this;
}

ProtoBuilder PluginMetadata(std::string_view plugin_name, std::uint64_t data_class) {
  ProtoBuilder metadata;
  metadata.Message(1, ProtoBuilder().Bytes(1, plugin_name));
  if (data_class != 0) metadata.Varint(4, data_class);
  return metadata;
}

ProtoBuilder Shape(const std::vector<std::int64_t>& dims) {
  ProtoBuilder shape;
  for (auto size : dims)
    shape.Message(2, ProtoBuilder().Varint(1, static_cast<std::uint64_t>(size)));
  return shape;
}

std::string EventWithValues(std::int64_t step, double wall_time,
                            const std::vector<ProtoBuilder>& values) {
  ProtoBuilder summary;
  for (const auto& value : values)
    summary.Message(1, value);
  return ProtoBuilder()
      .Double(1, wall_time)
      .Varint(2, static_cast<std::uint64_t>(step))
      .Message(5, summary)
      .bytes();
}

ProtoBuilder TensorValue(std::string_view tag, const ProtoBuilder& tensor,
                         std::string_view plugin_name) {
  ProtoBuilder value;
  value.Bytes(1, tag);
  if (!plugin_name.empty()) value.Message(9, PluginMetadata(plugin_name));
  value.Message(8, tensor);
  return value;
}

std::string Tf2ScalarEvent(std::string_view tag, std::int64_t step, float value, double wall_time,
                           bool with_metadata) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  const ProtoBuilder tensor =
      ProtoBuilder()
          .Varint(1, kTestDtFloat)
          .Message(2, Shape({}))
          .Bytes(4, std::string_view(reinterpret_cast<const char*>(&bits), 4));
  ProtoBuilder summary_value;
  summary_value.Bytes(1, tag);
  if (with_metadata) summary_value.Message(9, PluginMetadata("scalars", 1));
  summary_value.Message(8, tensor);
  return EventWithValues(step, wall_time, {summary_value});
}

std::uint16_t FloatToHalfBits(float value) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000);
  const int exponent = static_cast<int>((bits >> 23) & 0xFF) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7FFFFF;
  if ((bits & 0x7FFFFFFF) == 0) return sign;
  if (exponent >= 31) return sign | 0x7C00;
  if (exponent <= 0) {  // subnormal
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    return sign | static_cast<std::uint16_t>(mantissa >> (14 - exponent));
  }
  return sign | static_cast<std::uint16_t>(exponent << 10) |
         static_cast<std::uint16_t>(mantissa >> 13);
}

std::uint16_t FloatToBfloat16Bits(float value) {
  return static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(value) >> 16);
}

std::filesystem::path UniqueTempDir(std::string_view name) {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("BAYESTUNE_TEST_TMP");
  const std::filesystem::path root =
      base && *base ? std::filesystem::path(base) : std::filesystem::temp_directory_path();
  const auto dir = root / ("metrics-" + std::string(name) + "-" + std::to_string(getpid()) + "-" +
                           std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void WriteFileBytes(const std::filesystem::path& path, std::string_view bytes) {
  // Overwritten in place and then cut to size: ext4 flushes a file truncated to zero when it is
  // closed (auto_da_alloc), which costs milliseconds a write.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t wrote =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    ok = wrote > 0;
    done += ok ? static_cast<std::size_t>(wrote) : 0;
  }
  ok = ok && ::ftruncate(fd, static_cast<off_t>(bytes.size())) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
}

void AppendFileBytes(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string BuiltProgram(std::string_view relative) {
  return std::string(BAYESTUNE_BINARY_DIR) + "/" + std::string(relative);
}

ProgramResult RunProgram(const std::vector<std::string>& argv) {
  const auto dir = UniqueTempDir("run");
  const std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  auto pointers = ArgvPointers(argv);
  pid_t pid;
  const int spawned = posix_spawn(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ProgramResult result{ExitCodeOf(status), ReadFileBytes(out_path), ReadFileBytes(err_path)};
  std::filesystem::remove_all(dir);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  // A child that exits early makes writes to it fail with EPIPE instead of killing the test.
  ::signal(SIGPIPE, SIG_IGN);
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot make pipes");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  auto pointers = ArgvPointers(argv);
  const int spawned = posix_spawn(&pid_, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  to_child_ = to_child[1];
  from_child_ = from_child[0];
  if (spawned != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + strerror(spawned));
}

ChildProcess::~ChildProcess() {
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

void ChildProcess::Send(char byte) {
  if (write(to_child_, &byte, 1) != 1) throw std::runtime_error("the child's stdin is closed");
}

bool ChildProcess::Write(std::string_view bytes) {
  return write(to_child_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
}

char ChildProcess::Receive() {
  char byte = 0;
  ssize_t got;
  while ((got = read(from_child_, &byte, 1)) < 0 && errno == EINTR) {
  }
  return got == 1 ? byte : '\0';
}

bool ChildProcess::Exited() {
  if (exited_) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exited_ = true;
    exit_code_ = ExitCodeOf(status);
  }
  return exited_;
}

int ChildProcess::Wait() {
  if (exited_) return exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  exit_code_ = ExitCodeOf(status);
  return exit_code_;
}

}  // namespace bayestune::testing
