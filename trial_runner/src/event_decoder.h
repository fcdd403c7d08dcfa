#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bayestune {

// One scalar of one Event.
struct EventScalar {
  std::string_view tag;  // points into the serialized event given to Decode
  std::int64_t step = 0;
  double wall_time = 0;
  double value = 0;
};

// Why a serialized Event could not be decoded.
struct EventDecodeError {
  std::size_t offset = 0;  // the byte of the event's data where decoding failed
  std::string reason;
};

// Decodes serialized TensorBoard `Event` protobufs into their scalars, with a wire-format decoder
// of its own that checks every length against the bytes it has (no libprotobuf, no generated
// code). Scalars come from `simple_value` and from tensors of one element whose dtype is DT_FLOAT,
// DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF or DT_BFLOAT16, held in `tensor_content` or in
// float_val, double_val, int_val, int64_val or half_val. Histograms, images, audio, text (string
// tensors), tensors of more than one element and the data of plugins other than "scalars" (hparams,
// pr_curves, ...) are passed over quietly.
//
// TensorFlow writes a tag's SummaryMetadata with its first value only, so a decoder remembers the
// plugin of every tag it has seen: use one decoder per event file. A value whose own metadata says
// it is a scalar is read whatever its tag's first metadata was (a text note under the tag first).
class EventDecoder {
 public:
  // Appends the scalars of `event` to `out`. On a malformed event, appends nothing and returns why.
  std::optional<EventDecodeError> Decode(std::string_view event, std::vector<EventScalar>& out);

  struct TagMetadata {
    std::string plugin_name;
    std::uint64_t data_class = 0;  // SummaryMetadata.DataClass: 0 unknown, 1 scalar, 2 tensor, ...
  };

 private:
  std::map<std::string, TagMetadata, std::less<>> metadata_by_tag_;
};

}  // namespace bayestune
