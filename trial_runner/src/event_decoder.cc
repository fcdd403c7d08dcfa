#include "event_decoder.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "protobuf_wire_reader.h"

namespace bayestune {
namespace {

using Wire = ProtobufWireReader;

// The field numbers of docs/tfevents.md.
namespace event_field {
constexpr std::uint32_t kWallTime = 1, kStep = 2, kSummary = 5;
}
namespace value_field {
constexpr std::uint32_t kTag = 1, kSimpleValue = 2, kOldHistogram = 3, kImage = 4, kHisto = 5,
                        kAudio = 6, kNodeName = 7, kTensor = 8, kMetadata = 9;
}
namespace tensor_field {
constexpr std::uint32_t kDtype = 1, kShape = 2, kContent = 4, kFloatVal = 5, kDoubleVal = 6,
                        kIntVal = 7, kInt64Val = 10, kHalfVal = 13;
}
enum DataType : std::uint64_t {
  kDtFloat = 1,
  kDtDouble = 2,
  kDtInt32 = 3,
  kDtInt64 = 9,
  kDtBfloat16 = 14,
  kDtHalf = 19,
};
constexpr std::uint64_t kDataClassUnknown = 0, kDataClassScalar = 1;

struct Failure {
  std::size_t offset = 0;
  std::string reason;
};

bool WireFailure(const Wire& wire, Failure& failure) {
  failure = {wire.position(), wire.error()};
  return false;
}

double HalfToDouble(std::uint16_t bits) {
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  double magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    magnitude = mantissa ? std::nan("") : INFINITY;
  } else {
    magnitude = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return (bits & 0x8000) ? -magnitude : magnitude;
}

double Bfloat16ToDouble(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

const char* DataTypeName(std::uint64_t dtype) {
  switch (dtype) {
    case kDtFloat:
      return "DT_FLOAT";
    case kDtDouble:
      return "DT_DOUBLE";
    case kDtInt32:
      return "DT_INT32";
    case kDtInt64:
      return "DT_INT64";
    case kDtBfloat16:
      return "DT_BFLOAT16";
    case kDtHalf:
      return "DT_HALF";
    default:
      return "an unsupported dtype";
  }
}

std::size_t DataTypeSize(std::uint64_t dtype) {
  switch (dtype) {
    case kDtFloat:
    case kDtInt32:
      return 4;
    case kDtDouble:
    case kDtInt64:
      return 8;
    case kDtBfloat16:
    case kDtHalf:
      return 2;
    default:
      return 0;  // not a numeric scalar we read
  }
}

// A number of the dtype from its little-endian bytes (tensor_content) or from the raw bits of a
// repeated field.
double NumberFromBits(std::uint64_t dtype, std::uint64_t bits) {
  switch (dtype) {
    case kDtFloat:
      return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    case kDtDouble:
      return std::bit_cast<double>(bits);
    case kDtInt32:
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(bits));
    case kDtInt64:
      return static_cast<double>(static_cast<std::int64_t>(bits));
    case kDtBfloat16:
      return Bfloat16ToDouble(static_cast<std::uint16_t>(bits));
    default:
      return HalfToDouble(static_cast<std::uint16_t>(bits));
  }
}

// One repeated numeric field of a TensorProto: how many values, and the first one's bits.
struct RepeatedValues {
  std::uint64_t count = 0;
  std::uint64_t first = 0;
  void Add(std::uint64_t bits) {
    if (count++ == 0) first = bits;
  }
};

// Reads one occurrence of a repeated numeric field, packed or not. `element` is the wire type of
// one element (kVarint, kFixed32, kFixed64).
bool ReadRepeated(Wire& wire, Wire::WireType wire_type, Wire::WireType element,
                  RepeatedValues& values) {
  if (wire_type == element) {
    std::uint64_t bits = 0;
    if (element == Wire::kVarint) {
      if (!wire.ReadVarint(bits)) return false;
    } else if (element == Wire::kFixed32) {
      std::uint32_t bits32 = 0;
      if (!wire.ReadFixed32(bits32)) return false;
      bits = bits32;
    } else if (!wire.ReadFixed64(bits)) {
      return false;
    }
    values.Add(bits);
    return true;
  }
  if (wire_type != Wire::kLengthDelimited) return wire.Skip(wire_type);
  std::string_view packed;
  if (!wire.ReadBytes(packed)) return false;
  if (element == Wire::kVarint) {
    Wire elements(packed, wire.OffsetOf(packed));
    while (!elements.done()) {
      std::uint64_t bits = 0;
      if (!elements.ReadVarint(bits)) return wire.Adopt(elements);
      values.Add(bits);
    }
    return true;
  }
  const std::size_t size = element == Wire::kFixed32 ? 4 : 8;
  if (packed.size() % size != 0) return wire.Fail("packed fixed-size values of a partial length");
  for (std::size_t i = 0; i < packed.size(); i += size) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, packed.data() + i, size);  // little-endian hosts
    values.Add(bits);
  }
  return true;
}

// Whether a TensorShapeProto has exactly one element (rank 0, or every dim of size 1).
bool ShapeHasOneElement(std::string_view shape, std::size_t base, bool& one_element,
                        Failure& failure) {
  Wire wire(shape, base);
  std::uint32_t field;
  Wire::WireType wire_type;
  while (wire.NextField(field, wire_type)) {
    if (field == 2 && wire_type == Wire::kLengthDelimited) {  // Dim dim
      std::string_view dim;
      if (!wire.ReadBytes(dim)) break;
      Wire dim_wire(dim, wire.OffsetOf(dim));
      std::uint64_t size = 0;  // a dim without a size has size 0
      std::uint32_t dim_field;
      Wire::WireType dim_type;
      while (dim_wire.NextField(dim_field, dim_type)) {
        if (dim_field == 1 && dim_type == Wire::kVarint) {
          if (!dim_wire.ReadVarint(size)) break;
        } else if (!dim_wire.Skip(dim_type)) {
          break;
        }
      }
      if (dim_wire.error()) return WireFailure(dim_wire, failure);
      if (size != 1) one_element = false;
    } else if (field == 3 && wire_type == Wire::kVarint) {  // bool unknown_rank
      std::uint64_t unknown_rank;
      if (!wire.ReadVarint(unknown_rank)) break;
      if (unknown_rank) one_element = false;
    } else if (!wire.Skip(wire_type)) {
      break;
    }
  }
  if (wire.error()) return WireFailure(wire, failure);
  return true;
}

// The number in a TensorProto holding one numeric value; nullopt (not an error) for any other
// tensor: strings, histograms, tensors of several elements.
bool DecodeTensorScalar(std::string_view tensor, std::size_t base, std::optional<double>& value,
                        Failure& failure) {
  Wire wire(tensor, base);
  std::uint64_t dtype = 0;
  bool one_element = true;
  std::string_view content;
  std::size_t content_offset = base;
  RepeatedValues floats, doubles, ints, int64s, halves;
  std::uint32_t field;
  Wire::WireType wire_type;
  while (wire.NextField(field, wire_type)) {
    bool ok = true;
    switch (field) {
      case tensor_field::kDtype:
        ok = wire_type == Wire::kVarint ? wire.ReadVarint(dtype) : wire.Skip(wire_type);
        break;
      case tensor_field::kShape:
        if (wire_type == Wire::kLengthDelimited) {
          std::string_view shape;
          ok = wire.ReadBytes(shape);
          if (ok && !ShapeHasOneElement(shape, wire.OffsetOf(shape), one_element, failure)) {
            return false;
          }
        } else {
          ok = wire.Skip(wire_type);
        }
        break;
      case tensor_field::kContent:
        if (wire_type == Wire::kLengthDelimited) {
          ok = wire.ReadBytes(content);
          if (ok) content_offset = wire.OffsetOf(content);
        } else {
          ok = wire.Skip(wire_type);
        }
        break;
      case tensor_field::kFloatVal:
        ok = ReadRepeated(wire, wire_type, Wire::kFixed32, floats);
        break;
      case tensor_field::kDoubleVal:
        ok = ReadRepeated(wire, wire_type, Wire::kFixed64, doubles);
        break;
      case tensor_field::kIntVal:
        ok = ReadRepeated(wire, wire_type, Wire::kVarint, ints);
        break;
      case tensor_field::kInt64Val:
        ok = ReadRepeated(wire, wire_type, Wire::kVarint, int64s);
        break;
      case tensor_field::kHalfVal:
        ok = ReadRepeated(wire, wire_type, Wire::kVarint, halves);
        break;
      default:
        ok = wire.Skip(wire_type);
    }
    if (!ok) break;
  }
  if (wire.error()) return WireFailure(wire, failure);

  value.reset();
  const std::size_t size = DataTypeSize(dtype);
  if (size == 0 || !one_element) return true;
  if (!content.empty()) {
    if (content.size() != size) {
      failure = {content_offset, std::string("tensor_content holds ") +
                                     std::to_string(content.size()) + " bytes; one " +
                                     DataTypeName(dtype) + " value is " + std::to_string(size)};
      return false;
    }
    std::uint64_t bits = 0;
    std::memcpy(&bits, content.data(), size);  // little-endian hosts
    value = NumberFromBits(dtype, bits);
    return true;
  }
  const RepeatedValues* values = &halves;
  const char* field_name = "half_val";
  switch (dtype) {
    case kDtFloat:
      values = &floats, field_name = "float_val";
      break;
    case kDtDouble:
      values = &doubles, field_name = "double_val";
      break;
    case kDtInt32:
      values = &ints, field_name = "int_val";
      break;
    case kDtInt64:
      values = &int64s, field_name = "int64_val";
      break;
    default:
      break;
  }
  if (values->count > 1) {
    failure = {base, std::string("a one-element ") + DataTypeName(dtype) + " tensor with " +
                         std::to_string(values->count) + " values in " + field_name};
    return false;
  }
  if ((dtype == kDtHalf || dtype == kDtBfloat16) && values->first > 0xFFFF) {
    failure = {base, "half_val holds a value wider than 16 bits"};
    return false;
  }
  // No value at all is a zero, as TensorFlow and TensorBoard read it.
  value = values->count == 0 ? 0.0 : NumberFromBits(dtype, values->first);
  return true;
}

// SummaryMetadata: plugin_data.plugin_name and data_class (later occurrences overwrite, as
// protobuf merges them).
bool DecodeMetadata(std::string_view metadata, std::size_t base, EventDecoder::TagMetadata& out,
                    Failure& failure) {
  Wire wire(metadata, base);
  std::uint32_t field;
  Wire::WireType wire_type;
  while (wire.NextField(field, wire_type)) {
    if (field == 1 && wire_type == Wire::kLengthDelimited) {  // PluginData plugin_data
      std::string_view plugin;
      if (!wire.ReadBytes(plugin)) break;
      Wire plugin_wire(plugin, wire.OffsetOf(plugin));
      std::uint32_t plugin_field;
      Wire::WireType plugin_type;
      while (plugin_wire.NextField(plugin_field, plugin_type)) {
        if (plugin_field == 1 && plugin_type == Wire::kLengthDelimited) {
          std::string_view name;
          if (!plugin_wire.ReadBytes(name)) break;
          out.plugin_name.assign(name);
        } else if (!plugin_wire.Skip(plugin_type)) {
          break;
        }
      }
      if (plugin_wire.error()) return WireFailure(plugin_wire, failure);
    } else if (field == 4 && wire_type == Wire::kVarint) {  // DataClass data_class
      if (!wire.ReadVarint(out.data_class)) break;
    } else if (!wire.Skip(wire_type)) {
      break;
    }
  }
  if (wire.error()) return WireFailure(wire, failure);
  return true;
}

// One Summary.Value, as far as scalars need it.
struct DecodedValue {
  enum class Kind { kNone, kSimple, kTensor, kOther } kind = Kind::kNone;
  std::string_view tag;
  std::string_view node_name;
  float simple_value = 0;
  std::optional<double> tensor_value;  // kTensor: the number, when it is a numeric scalar
  bool has_metadata = false;
  EventDecoder::TagMetadata metadata;
};

bool DecodeValue(std::string_view bytes, std::size_t base, DecodedValue& value, Failure& failure) {
  Wire wire(bytes, base);
  std::string_view tensor;
  std::size_t tensor_base = base;
  std::uint32_t field;
  Wire::WireType wire_type;
  while (wire.NextField(field, wire_type)) {
    bool ok = true;
    if (field == value_field::kSimpleValue && wire_type == Wire::kFixed32) {
      std::uint32_t bits = 0;
      ok = wire.ReadFixed32(bits);
      value.simple_value = std::bit_cast<float>(bits);
      value.kind = DecodedValue::Kind::kSimple;
    } else if (wire_type != Wire::kLengthDelimited) {
      ok = wire.Skip(wire_type);
    } else {
      std::string_view bytes_value;
      if (!wire.ReadBytes(bytes_value)) break;
      const std::size_t value_base = wire.OffsetOf(bytes_value);
      switch (field) {
        case value_field::kTag:
          value.tag = bytes_value;
          break;
        case value_field::kNodeName:
          value.node_name = bytes_value;
          break;
        case value_field::kTensor:
          tensor = bytes_value;
          tensor_base = value_base;
          value.kind = DecodedValue::Kind::kTensor;
          break;
        case value_field::kMetadata:
          value.has_metadata = true;
          if (!DecodeMetadata(bytes_value, value_base, value.metadata, failure)) {
            return false;
          }
          break;
        case value_field::kOldHistogram:
        case value_field::kImage:
        case value_field::kHisto:
        case value_field::kAudio:
          value.kind = DecodedValue::Kind::kOther;
          break;
        default:
          break;
      }
    }
    if (!ok) break;
  }
  if (wire.error()) return WireFailure(wire, failure);
  if (value.kind == DecodedValue::Kind::kTensor) {
    return DecodeTensorScalar(tensor, tensor_base, value.tensor_value, failure);
  }
  return true;
}

}  // namespace

std::optional<EventDecodeError> EventDecoder::Decode(std::string_view event,
                                                     std::vector<EventScalar>& out) {
  const std::size_t first = out.size();
  // Metadata met for the first time in this event: remembered only if the whole event decodes.
  std::vector<std::pair<std::string_view, TagMetadata>> new_metadata;
  Failure failure;
  double wall_time = 0;
  std::int64_t step = 0;
  bool ok = true;

  Wire wire(event);
  std::uint32_t field;
  Wire::WireType wire_type;
  while (ok && wire.NextField(field, wire_type)) {
    if (field == event_field::kWallTime && wire_type == Wire::kFixed64) {
      std::uint64_t bits = 0;
      ok = wire.ReadFixed64(bits);
      wall_time = std::bit_cast<double>(bits);
    } else if (field == event_field::kStep && wire_type == Wire::kVarint) {
      std::uint64_t bits = 0;
      ok = wire.ReadVarint(bits);
      step = static_cast<std::int64_t>(bits);
    } else if (field == event_field::kSummary && wire_type == Wire::kLengthDelimited) {
      std::string_view summary;
      if (!wire.ReadBytes(summary)) break;
      Wire summary_wire(summary, wire.OffsetOf(summary));
      std::uint32_t summary_field;
      Wire::WireType summary_type;
      while (ok && summary_wire.NextField(summary_field, summary_type)) {
        if (summary_field != 1 || summary_type != Wire::kLengthDelimited) {
          ok = summary_wire.Skip(summary_type);
          continue;
        }
        std::string_view value_bytes;
        if (!summary_wire.ReadBytes(value_bytes)) break;
        DecodedValue value;
        if (!DecodeValue(value_bytes, summary_wire.OffsetOf(value_bytes), value, failure)) {
          ok = false;
          break;
        }
        if (value.kind == DecodedValue::Kind::kSimple) {
          out.push_back({value.tag, 0, 0, value.simple_value});
          continue;
        }
        if (value.kind != DecodedValue::Kind::kTensor) continue;
        const std::string_view tag = value.tag.empty() ? value.node_name : value.tag;
        // A value that says itself it is a scalar is one, whatever its tag's first metadata said:
        // TF2 and PyTorch write the metadata with every value, and a tag first written as text
        // or a histogram (a note at step 0) hid all its scalars behind "no scalar was reported"
        // (TensorBoard shows such a tag as text only). A value without metadata is what its tag's
        // first was.
        const bool says_scalar =
            value.has_metadata && (value.metadata.plugin_name == "scalars" ||
                                   value.metadata.data_class == kDataClassScalar);
        // TensorBoard keeps the first metadata of a tag; later values usually carry none.
        const TagMetadata* metadata = nullptr;
        if (auto known = metadata_by_tag_.find(tag); known != metadata_by_tag_.end()) {
          metadata = &known->second;
        } else {
          for (const auto& [new_tag, new_value] : new_metadata) {
            if (new_tag == tag) metadata = &new_value;
          }
          if (!metadata && value.has_metadata) {
            new_metadata.emplace_back(tag, std::move(value.metadata));
            metadata = &new_metadata.back().second;
          }
        }
        const bool scalar_plugin =
            says_scalar || !metadata ||
            ((metadata->plugin_name.empty() || metadata->plugin_name == "scalars") &&
             (metadata->data_class == kDataClassUnknown ||
              metadata->data_class == kDataClassScalar));
        if (scalar_plugin && value.tensor_value) out.push_back({tag, 0, 0, *value.tensor_value});
      }
      if (summary_wire.error()) {
        WireFailure(summary_wire, failure);
        ok = false;
      }
    } else {
      ok = wire.Skip(wire_type);
    }
  }
  if (wire.error()) {
    WireFailure(wire, failure);
    ok = false;
  }
  if (!ok) {
    out.resize(first);
    return EventDecodeError{failure.offset, std::move(failure.reason)};
  }
  for (auto& [tag, metadata] : new_metadata) {
    metadata_by_tag_.emplace(std::string(tag), std::move(metadata));
  }
  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].step = step;
    out[i].wall_time = wall_time;
  }
  return std::nullopt;
}

}  // namespace bayestune
