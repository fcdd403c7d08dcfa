// Writes the seed inputs of event_decoding_fuzzer into a folder: event files and single Events of
// every encoding the reader accepts.
#include <bit>
#include <cstdio>
#include <filesystem>
#include <string>

#include "../metrics_test_support.h"
#include "event_file_writer.h"

using namespace bayestune;
using namespace bayestune::testing;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const auto bits32 = [](float value) {
    const auto bits = std::bit_cast<std::uint32_t>(value);
    return std::string(reinterpret_cast<const char*>(&bits), 4);
  };
  const auto tensor = [](std::uint64_t dtype) {
    return ProtoBuilder().Varint(1, dtype).Message(2, Shape({}));
  };
  const std::string events[] = {
      EncodeScalarEvent("loss", 3, 0.5f, 1700000000.5),
      Tf2ScalarEvent("epoch_accuracy", 4, 0.75f, 1700000001.0),
      EventWithValues(5, 2.0, {TensorValue("f", tensor(kTestDtFloat).Float(5, 1.5f))}),
      EventWithValues(5, 2.0, {TensorValue("d", tensor(kTestDtDouble).Double(6, 2.5))}),
      EventWithValues(5, 2.0, {TensorValue("i", tensor(kTestDtInt32).Varint(7, 7))}),
      EventWithValues(5, 2.0, {TensorValue("l", tensor(kTestDtInt64).Varint(10, 1ull << 40))}),
      EventWithValues(5, 2.0, {TensorValue("h", tensor(kTestDtHalf).Varint(13, 0x3C00))}),
      EventWithValues(5, 2.0, {TensorValue("b", tensor(kTestDtBfloat16).Varint(13, 0x3F80))}),
      EventWithValues(5, 2.0, {TensorValue("c", tensor(kTestDtFloat).Bytes(4, bits32(3.0f)))}),
      EventWithValues(6, 3.0,
                      {TensorValue("hp", tensor(kTestDtFloat).Float(5, 0), "hparams"),
                       ProtoBuilder().Bytes(1, "s").Float(2, 1.0f)}),
  };
  std::string file = FrameTfRecord(EncodeFileVersionEvent(1700000000.0));
  int n = 0;
  for (const auto& event : events) {
    WriteFileBytes(dir / ("event-" + std::to_string(n++)), event);
    file += FrameTfRecord(event);
  }
  WriteFileBytes(dir / "events.out.tfevents.seed", file);
  return 0;
}
