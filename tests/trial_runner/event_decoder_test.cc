#include "event_decoder.h"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>

#include "event_file_writer.h"
#include "metrics_test_support.h"

using namespace bayestune;
using namespace bayestune::testing;

namespace {

struct Decoded {
  std::vector<EventScalar> scalars;
  std::optional<EventDecodeError> error;
};

Decoded DecodeWith(EventDecoder& decoder, const std::string& event) {
  Decoded decoded;
  decoded.error = decoder.Decode(event, decoded.scalars);
  return decoded;
}

Decoded Decode(const std::string& event) {
  EventDecoder decoder;
  return DecodeWith(decoder, event);
}

// The one scalar of a tensor event with this tensor.
double TensorScalar(const ProtoBuilder& tensor) {
  const Decoded decoded = Decode(EventWithValues(3, 10.5, {TensorValue("t", tensor)}));
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "t");
  CHECK(decoded.scalars[0].step == 3);
  CHECK(decoded.scalars[0].wall_time == 10.5);
  return decoded.scalars[0].value;
}

std::string LittleEndian(std::uint64_t bits, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(&bits), size);
}

ProtoBuilder Tensor(std::uint64_t dtype) {
  return ProtoBuilder().Varint(1, dtype).Message(2, Shape({}));
}

}  // namespace

TEST_CASE("simple_value scalars, as TF1 and PyTorch write them", "[event_decoder]") {
  const Decoded decoded = Decode(EncodeScalarEvent("loss/train", 42, 0.125f, 1700000000.25));
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "loss/train");
  CHECK(decoded.scalars[0].step == 42);
  CHECK(decoded.scalars[0].wall_time == 1700000000.25);
  CHECK(decoded.scalars[0].value == 0.125);
}

TEST_CASE("the file_version record has no scalar and is no error", "[event_decoder]") {
  const Decoded decoded = Decode(EncodeFileVersionEvent(5.0));
  CHECK_FALSE(decoded.error);
  CHECK(decoded.scalars.empty());
}

TEST_CASE("TF2 and Keras scalars: DT_FLOAT in tensor_content", "[event_decoder]") {
  const Decoded decoded = Decode(Tf2ScalarEvent("epoch_accuracy", 7, 0.75f, 2.0));
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "epoch_accuracy");
  CHECK(decoded.scalars[0].step == 7);
  CHECK(decoded.scalars[0].value == 0.75);
}

TEST_CASE("every dtype in tensor_content", "[event_decoder]") {
  CHECK(TensorScalar(
            Tensor(kTestDtFloat).Bytes(4, LittleEndian(std::bit_cast<std::uint32_t>(-1.5f), 4))) ==
        -1.5);
  CHECK(TensorScalar(
            Tensor(kTestDtDouble).Bytes(4, LittleEndian(std::bit_cast<std::uint64_t>(0.1), 8))) ==
        0.1);
  CHECK(TensorScalar(
            Tensor(kTestDtInt32).Bytes(4, LittleEndian(static_cast<std::uint32_t>(-7), 4))) == -7);
  CHECK(TensorScalar(Tensor(kTestDtInt64).Bytes(4, LittleEndian(std::uint64_t{1} << 40, 8))) ==
        std::ldexp(1.0, 40));
  CHECK(TensorScalar(Tensor(kTestDtHalf).Bytes(4, LittleEndian(FloatToHalfBits(-2.5f), 2))) ==
        -2.5);
  CHECK(TensorScalar(
            Tensor(kTestDtBfloat16).Bytes(4, LittleEndian(FloatToBfloat16Bits(3.0f), 2))) == 3.0);
}

TEST_CASE("every dtype in its repeated field, packed and not", "[event_decoder]") {
  SECTION("float_val, as PyTorch's new_style writes it") {
    CHECK(TensorScalar(Tensor(kTestDtFloat).Float(5, 0.25f)) == 0.25);
    CHECK(TensorScalar(
              Tensor(kTestDtFloat).Bytes(5, LittleEndian(std::bit_cast<std::uint32_t>(0.5f), 4))) ==
          0.5);
  }
  SECTION("double_val, as PyTorch's double_precision writes it") {
    CHECK(TensorScalar(Tensor(kTestDtDouble).Double(6, 0.1)) == 0.1);
    CHECK(TensorScalar(
              Tensor(kTestDtDouble).Bytes(6, LittleEndian(std::bit_cast<std::uint64_t>(0.3), 8))) ==
          0.3);
  }
  SECTION("int_val, negative values sign-extended to 10 bytes") {
    CHECK(TensorScalar(Tensor(kTestDtInt32).Varint(7, static_cast<std::uint64_t>(-12))) == -12);
    CHECK(TensorScalar(Tensor(kTestDtInt32).Bytes(7, PackedVarints({99}))) == 99);
  }
  SECTION("int64_val") {
    CHECK(
        TensorScalar(Tensor(kTestDtInt64).Varint(10, static_cast<std::uint64_t>(-5000000000LL))) ==
        -5000000000.0);
    CHECK(TensorScalar(Tensor(kTestDtInt64).Bytes(10, PackedVarints({123456789012ULL}))) ==
          123456789012.0);
  }
  SECTION("half_val for DT_HALF, subnormals, infinity and NaN included") {
    CHECK(TensorScalar(Tensor(kTestDtHalf).Varint(13, FloatToHalfBits(0.375f))) == 0.375);
    CHECK(TensorScalar(Tensor(kTestDtHalf).Varint(13, FloatToHalfBits(65504.0f))) == 65504.0);
    CHECK(TensorScalar(Tensor(kTestDtHalf).Varint(13, 0x0001)) == std::ldexp(1.0, -24));
    CHECK(TensorScalar(Tensor(kTestDtHalf).Varint(13, 0xFC00)) == -INFINITY);
    CHECK(std::isnan(TensorScalar(Tensor(kTestDtHalf).Varint(13, 0x7E00))));
    CHECK(TensorScalar(Tensor(kTestDtHalf).Bytes(13, PackedVarints({FloatToHalfBits(-1.0f)}))) ==
          -1.0);
  }
  SECTION("half_val for DT_BFLOAT16") {
    CHECK(TensorScalar(Tensor(kTestDtBfloat16).Varint(13, FloatToBfloat16Bits(-0.15625f))) ==
          -0.15625);
    CHECK(TensorScalar(
              Tensor(kTestDtBfloat16).Bytes(13, PackedVarints({FloatToBfloat16Bits(256.0f)}))) ==
          256.0);
  }
}

TEST_CASE("shapes: rank 0, no shape at all, and one element in dims of 1", "[event_decoder]") {
  CHECK(TensorScalar(ProtoBuilder().Varint(1, kTestDtFloat).Float(5, 1.5f)) == 1.5);
  CHECK(TensorScalar(
            ProtoBuilder().Varint(1, kTestDtFloat).Message(2, Shape({1, 1})).Float(5, 2.5f)) ==
        2.5);
  // dtype after the values: the fields of a message come in any order.
  CHECK(TensorScalar(ProtoBuilder().Float(5, 4.5f).Varint(1, kTestDtFloat)) == 4.5);
}

TEST_CASE("a scalar tensor without a value is zero, as TensorBoard reads it", "[event_decoder]") {
  CHECK(TensorScalar(Tensor(kTestDtFloat)) == 0.0);
}

TEST_CASE("fields in any order, and unknown fields, are read", "[event_decoder]") {
  const ProtoBuilder value =
      ProtoBuilder().Varint(99, 1).Float(2, 6.5f).Fixed64(98, 7).Bytes(1, "acc").Fixed32(97, 1);
  const std::string event = ProtoBuilder()
                                .Bytes(77, "unknown")
                                .Message(5, ProtoBuilder().Message(1, value))
                                .Varint(2, static_cast<std::uint64_t>(-3))
                                .Double(1, 9.0)
                                .bytes();
  const Decoded decoded = Decode(event);
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "acc");
  CHECK(decoded.scalars[0].step == -3);
  CHECK(decoded.scalars[0].wall_time == 9.0);
  CHECK(decoded.scalars[0].value == 6.5);
}

TEST_CASE("histograms, images, audio, text, hparams and large tensors are passed over quietly",
          "[event_decoder]") {
  const ProtoBuilder histogram =
      ProtoBuilder()
          .Bytes(1, "weights")
          .Message(5, ProtoBuilder().Double(1, 0).Double(2, 1).Double(3, 10));
  const ProtoBuilder image =
      ProtoBuilder().Bytes(1, "sample").Message(4, ProtoBuilder().Varint(1, 2).Bytes(4, "png"));
  const ProtoBuilder audio =
      ProtoBuilder().Bytes(1, "voice").Message(6, ProtoBuilder().Float(1, 8000));
  const ProtoBuilder text = TensorValue(
      "notes", ProtoBuilder().Varint(1, kTestDtString).Message(2, Shape({})).Bytes(8, "hello"),
      "text");
  // hparams writes a null DT_FLOAT scalar: not a metric.
  const ProtoBuilder hparams =
      TensorValue("_hparams_/session_start_info", Tensor(kTestDtFloat).Float(5, 0.0f), "hparams");
  const ProtoBuilder tf2_histogram = TensorValue("weights2",
                                                 ProtoBuilder()
                                                     .Varint(1, kTestDtDouble)
                                                     .Message(2, Shape({2, 3}))
                                                     .Bytes(4, std::string(48, '\0')),
                                                 "histograms");
  const ProtoBuilder vector = TensorValue(
      "vector",
      ProtoBuilder().Varint(1, kTestDtFloat).Message(2, Shape({3})).Bytes(4, std::string(12, '\0')),
      "");
  const ProtoBuilder tensor_class = ProtoBuilder()
                                        .Bytes(1, "blob")
                                        .Message(9, PluginMetadata("", 2))
                                        .Message(8, Tensor(kTestDtFloat).Float(5, 1.0f));
  const ProtoBuilder scalar = ProtoBuilder().Bytes(1, "kept").Float(2, 1.25f);
  const Decoded decoded = Decode(EventWithValues(
      1, 1.0,
      {histogram, image, audio, text, hparams, tf2_histogram, vector, tensor_class, scalar}));
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "kept");
}

TEST_CASE("a tag's metadata comes with its first value only and holds for later ones",
          "[event_decoder]") {
  EventDecoder decoder;
  const ProtoBuilder bare_tensor = Tensor(kTestDtFloat).Float(5, 2.0f);
  // A scalar plugin tag: its later values, without metadata, are scalars.
  CHECK(DecodeWith(decoder, Tf2ScalarEvent("acc", 1, 0.5f, 1.0)).scalars.size() == 1);
  const Decoded later = DecodeWith(decoder, Tf2ScalarEvent("acc", 2, 0.75f, 2.0, false));
  REQUIRE(later.scalars.size() == 1);
  CHECK(later.scalars[0].value == 0.75);
  // An hparams tag: its later values stay passed over.
  CHECK(DecodeWith(decoder, EventWithValues(1, 1, {TensorValue("hp", bare_tensor, "hparams")}))
            .scalars.empty());
  CHECK(DecodeWith(decoder, EventWithValues(2, 2, {TensorValue("hp", bare_tensor, "")}))
            .scalars.empty());
  // Later metadata of another plugin does not change the first (TensorBoard keeps the first)...
  CHECK(DecodeWith(decoder, EventWithValues(3, 3, {TensorValue("hp", bare_tensor, "images")}))
            .scalars.empty());
  // ...but a later value that says itself it is a scalar is read (below).
  // A tensor that never had metadata is read as a scalar when it is a numeric scalar.
  CHECK(DecodeWith(decoder, EventWithValues(1, 1, {TensorValue("plain", bare_tensor, "")}))
            .scalars.size() == 1);
}

TEST_CASE(
    "a tag first written as text or a histogram keeps the later values that say they are "
    "scalars",
    "[event_decoder]") {
  // TensorBoard keeps a tag's first metadata, so a note written with tf.summary.text under the
  // metric's tag at step 0 hid every later tf.summary.scalar of it, and the trial failed with
  // "no scalar was reported". TF2 and PyTorch write the metadata with every value: those that
  // say "scalars" are read; a bare value is still what the tag's first was.
  const ProtoBuilder text_tensor =
      ProtoBuilder().Varint(1, kTestDtString).Message(2, Shape({})).Bytes(8, "starting");
  const ProtoBuilder histogram_tensor = ProtoBuilder()
                                            .Varint(1, kTestDtDouble)
                                            .Message(2, Shape({2, 3}))
                                            .Bytes(4, std::string(48, '\0'));
  for (const auto& [plugin, first] :
       {std::pair{"text", text_tensor}, std::pair{"histograms", histogram_tensor}}) {
    CAPTURE(plugin);
    EventDecoder decoder;
    CHECK(DecodeWith(decoder, EventWithValues(0, 1, {TensorValue("accuracy", first, plugin)}))
              .scalars.empty());
    const Decoded later = DecodeWith(decoder, Tf2ScalarEvent("accuracy", 1, 0.5f, 2.0));
    REQUIRE(later.scalars.size() == 1);
    CHECK(later.scalars[0].step == 1);
    CHECK(later.scalars[0].value == 0.5);
    CHECK(
        DecodeWith(decoder, EventWithValues(2, 3,
                                            {ProtoBuilder()
                                                 .Bytes(1, "accuracy")
                                                 .Message(9, PluginMetadata("", 1))
                                                 .Message(8, Tensor(kTestDtFloat).Float(5, 1.0f))}))
            .scalars.size() == 1);
    CHECK(DecodeWith(decoder, Tf2ScalarEvent("accuracy", 3, 0.75f, 4.0, false)).scalars.empty());
  }
}

TEST_CASE("a tensor without a tag is named by node_name, as TensorBoard does", "[event_decoder]") {
  const ProtoBuilder value =
      ProtoBuilder().Bytes(7, "legacy_node").Message(8, Tensor(kTestDtFloat).Float(5, 3.0f));
  const Decoded decoded = Decode(EventWithValues(1, 1, {value}));
  REQUIRE(decoded.scalars.size() == 1);
  CHECK(decoded.scalars[0].tag == "legacy_node");
}

TEST_CASE("several values in one event", "[event_decoder]") {
  const Decoded decoded =
      Decode(EventWithValues(4, 4.0,
                             {ProtoBuilder().Bytes(1, "a").Float(2, 1.0f),
                              TensorValue("b", Tensor(kTestDtDouble).Double(6, 2.0)),
                              ProtoBuilder().Bytes(1, "c").Float(2, 3.0f)}));
  REQUIRE_FALSE(decoded.error);
  REQUIRE(decoded.scalars.size() == 3);
  CHECK(decoded.scalars[1].tag == "b");
  CHECK(decoded.scalars[1].value == 2.0);
  CHECK(decoded.scalars[2].step == 4);
}

TEST_CASE("malformed events are errors with an offset, and give no scalar", "[event_decoder]") {
  const ProtoBuilder good_value = ProtoBuilder().Bytes(1, "good").Float(2, 1.0f);
  struct Case {
    const char* name;
    std::string event;
  };
  const std::string good = EventWithValues(1, 1.0, {good_value});
  const std::vector<Case> cases = {
      {"a varint cut short", ProtoBuilder().Double(1, 1.0).Raw("\x10\x80").bytes()},
      {"a varint of 11 bytes",
       ProtoBuilder().Raw("\x10").Raw(std::string(10, '\x80')).Raw("\x01").bytes()},
      {"a varint beyond 64 bits",
       ProtoBuilder().Raw("\x10").Raw(std::string(9, '\xff')).Raw("\x02").bytes()},
      {"a length past the end", ProtoBuilder().Double(1, 1.0).Raw("\x2a\x10\x0a").bytes()},
      {"a fixed64 cut short", ProtoBuilder().Raw("\x09\x01\x02").bytes()},
      {"a group", ProtoBuilder().Raw("\x0b").bytes()},
      {"field number 0", ProtoBuilder().Raw(std::string("\x00\x01", 2)).bytes()},
      {"wire type 6", ProtoBuilder().Raw("\x0e").bytes()},
      {"a value whose length runs past its summary",
       ProtoBuilder().Message(5, ProtoBuilder().Raw("\x0a\x05\x0a\x01")).bytes()},
      {"tensor_content of the wrong size",
       EventWithValues(1, 1, {good_value, TensorValue("t", Tensor(kTestDtFloat).Bytes(4, "abc"))})},
      {"two values in a scalar tensor",
       EventWithValues(
           1, 1, {good_value, TensorValue("t", Tensor(kTestDtFloat).Float(5, 1).Float(5, 2))})},
      {"packed floats of a partial length",
       EventWithValues(1, 1, {TensorValue("t", Tensor(kTestDtFloat).Bytes(5, "12345"))})},
      {"packed varints cut short",
       EventWithValues(1, 1, {TensorValue("t", Tensor(kTestDtInt32).Bytes(7, "\x80"))})},
      {"half_val wider than 16 bits",
       EventWithValues(1, 1, {TensorValue("t", Tensor(kTestDtHalf).Varint(13, 0x10000))})},
      {"a bad dim inside the shape",
       EventWithValues(1, 1,
                       {TensorValue("t", ProtoBuilder().Varint(1, 1).Bytes(2, "\x12\x02\x08"))})},
      {"bad metadata",
       EventWithValues(1, 1,
                       {ProtoBuilder().Bytes(1, "m").Bytes(9, "\x0a\x03\x0a\x05x").Float(2, 1)})},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    EventDecoder decoder;
    std::vector<EventScalar> scalars;
    const auto error = decoder.Decode(c.event, scalars);
    REQUIRE(error);
    CHECK_FALSE(error->reason.empty());
    CHECK(error->offset <= c.event.size());
    CHECK(scalars.empty());
  }
  // A decoder that met a malformed event goes on with the next.
  EventDecoder decoder;
  std::vector<EventScalar> scalars;
  CHECK(decoder.Decode(cases[0].event, scalars));
  CHECK_FALSE(decoder.Decode(good, scalars));
  CHECK(scalars.size() == 1);
}

TEST_CASE("the error offset points at the broken field", "[event_decoder]") {
  // Event{wall_time}, then summary { value { tensor { tensor_content "abc" } } }.
  const std::string prefix = ProtoBuilder().Double(1, 1.0).bytes();
  const std::string event =
      prefix + EventWithValues(0, 0, {TensorValue("t", Tensor(kTestDtFloat).Bytes(4, "abc"), "")})
                   .substr(9 + 2);  // without its own wall_time and step fields
  std::vector<EventScalar> scalars;
  const auto error = EventDecoder().Decode(event, scalars);
  REQUIRE(error);
  CHECK(event.substr(error->offset, 3) == "abc");
}
