#pragma once

// What the metric-reader tests share: building Event protobufs field by field (every encoding
// the readers must accept, and broken ones), files in unique temporary folders, running programs.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bayestune::testing {

// A protobuf message written field by field, in the order given.
class ProtoBuilder {
 public:
  ProtoBuilder& Varint(int field, std::uint64_t value);
  ProtoBuilder& Fixed32(int field, std::uint32_t bits);
  ProtoBuilder& Float(int field, float value);
  ProtoBuilder& Fixed64(int field, std::uint64_t bits);
  ProtoBuilder& Double(int field, double value);
  ProtoBuilder& Bytes(int field, std::string_view bytes);
  ProtoBuilder& Message(int field, const ProtoBuilder& message) {
    return Bytes(field, message.bytes());
  }
  // Bytes as they are, for broken messages.
  ProtoBuilder& Raw(std::string_view bytes);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// A varint's bytes, and a packed repeated field's payload.
std::string VarintBytes(std::uint64_t value);
std::string PackedVarints(const std::vector<std::uint64_t>& values);

// TensorFlow's dtype numbers.
enum TestDataType : std::uint64_t {
  kTestDtFloat = 1,
  kTestDtDouble = 2,
  kTestDtInt32 = 3,
  kTestDtString = 7,
  kTestDtInt64 = 9,
  kTestDtBfloat16 = 14,
  kTestDtHalf = 19,
};

// SummaryMetadata with a plugin name (and a data class when not 0).
ProtoBuilder PluginMetadata(std::string_view plugin_name, std::uint64_t data_class = 0);
// A TensorShapeProto with these dim sizes (none: rank 0).
ProtoBuilder Shape(const std::vector<std::int64_t>& dims);
// An Event with wall_time, step and a summary of these Summary.Value messages.
std::string EventWithValues(std::int64_t step, double wall_time,
                            const std::vector<ProtoBuilder>& values);
// A Summary.Value with a tag, a tensor and, when plugin_name is not empty, metadata.
ProtoBuilder TensorValue(std::string_view tag, const ProtoBuilder& tensor,
                         std::string_view plugin_name = "scalars");
// What TF2's tf.summary.scalar and Keras write: DT_FLOAT, rank 0, 4 bytes of tensor_content.
std::string Tf2ScalarEvent(std::string_view tag, std::int64_t step, float value, double wall_time,
                           bool with_metadata = true);

// IEEE half and bfloat16 bits of a float (round to nearest even; finite values in range).
std::uint16_t FloatToHalfBits(float value);
std::uint16_t FloatToBfloat16Bits(float value);

// A new empty folder under BAYESTUNE_TEST_TMP (or the system's temp folder), unique to this
// process and call.
std::filesystem::path UniqueTempDir(std::string_view name);
std::string ReadFileBytes(const std::filesystem::path& path);
void WriteFileBytes(const std::filesystem::path& path, std::string_view bytes);
void AppendFileBytes(const std::filesystem::path& path, std::string_view bytes);

// A built program of this project (BAYESTUNE_BINARY_DIR/<relative>).
std::string BuiltProgram(std::string_view relative);

struct ProgramResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a program (no shell), waits for it, and returns its exit code and output.
ProgramResult RunProgram(const std::vector<std::string>& argv);

// A child process whose stdin and stdout are pipes to this one, for lockstep tests.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Send(char byte);
  // Writes to the child's stdin; false when it has gone.
  bool Write(std::string_view bytes);
  // One byte from the child's stdout; '\0' at its end.
  char Receive();
  // Whether it has exited (without waiting).
  bool Exited();
  // Waits for it; its exit code.
  int Wait();

 private:
  int pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int exit_code_ = -1;
  bool exited_ = false;
};

}  // namespace bayestune::testing
