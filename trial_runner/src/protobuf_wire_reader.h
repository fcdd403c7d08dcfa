#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bayestune {

// The protobuf wire format, read strictly: every varint at most 10 bytes and within 64 bits,
// every length within the bytes that are left, no groups, no field number 0. A failed read sets
// error() and position() and leaves the reader done.
class ProtobufWireReader {
 public:
  enum WireType : std::uint32_t {
    kVarint = 0,
    kFixed64 = 1,
    kLengthDelimited = 2,
    kStartGroup = 3,
    kEndGroup = 4,
    kFixed32 = 5,
  };

  // `base` is the offset of `bytes` in the outermost message, for error positions.
  explicit ProtobufWireReader(std::string_view bytes, std::size_t base = 0)
      : bytes_(bytes), base_(base) {}

  bool done() const { return pos_ >= bytes_.size() || error_ != nullptr; }
  const char* error() const { return error_; }
  // Where the reader is (or failed), counted from the start of the outermost message.
  std::size_t position() const { return error_ ? error_position_ : base_ + pos_; }
  // Where `inner`, a view returned by ReadBytes, starts in the outermost message: the base of a
  // reader of it.
  std::size_t OffsetOf(std::string_view inner) const {
    return base_ + static_cast<std::size_t>(inner.data() - bytes_.data());
  }

  // Reads the next key. False at the end or on an error (then error() is set).
  bool NextField(std::uint32_t& field, WireType& wire_type) {
    if (done()) return false;
    std::uint64_t key;
    if (!ReadVarint(key)) return false;
    const std::uint64_t number = key >> 3;
    const auto type = static_cast<std::uint32_t>(key & 7);
    if (number == 0 || number > 0x1FFFFFFF) return Fail("field number out of range");
    if (type == kStartGroup || type == kEndGroup) return Fail("groups are not used by Event");
    if (type != kVarint && type != kFixed64 && type != kLengthDelimited && type != kFixed32) {
      return Fail("unknown wire type");
    }
    field = static_cast<std::uint32_t>(number);
    wire_type = static_cast<WireType>(type);
    return true;
  }

  bool ReadVarint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Fail("varint runs past the end");
      const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
      if (shift == 63 && byte > 1) return Fail("varint overflows 64 bits");
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return true;
    }
    return Fail("varint longer than 10 bytes");
  }

  bool ReadFixed32(std::uint32_t& value) { return ReadFixed(value); }
  bool ReadFixed64(std::uint64_t& value) { return ReadFixed(value); }

  bool ReadBytes(std::string_view& value) {
    std::uint64_t length;
    if (!ReadVarint(length)) return false;
    if (length > bytes_.size() - pos_) return Fail("length runs past the end of its message");
    value = bytes_.substr(pos_, static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return true;
  }

  // Passes over the value of a field of this wire type.
  bool Skip(WireType wire_type) {
    switch (wire_type) {
      case kVarint: {
        std::uint64_t ignored;
        return ReadVarint(ignored);
      }
      case kFixed64:
        return Advance(8);
      case kFixed32:
        return Advance(4);
      case kLengthDelimited: {
        std::string_view ignored;
        return ReadBytes(ignored);
      }
      default:
        return Fail("unknown wire type");
    }
  }

  bool Fail(const char* reason) {
    if (!error_) {
      error_ = reason;
      error_position_ = base_ + pos_;
    }
    return false;
  }
  // Fails with the error of a reader of a nested message.
  bool Adopt(const ProtobufWireReader& inner) {
    if (!error_) {
      error_ = inner.error_;
      error_position_ = inner.position();
    }
    return false;
  }

 private:
  template <typename T>
  bool ReadFixed(T& value) {
    if (bytes_.size() - pos_ < sizeof(T)) return Fail("fixed-size value runs past the end");
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));  // little-endian hosts
    pos_ += sizeof(T);
    return true;
  }
  bool Advance(std::size_t size) {
    if (bytes_.size() - pos_ < size) return Fail("fixed-size value runs past the end");
    pos_ += size;
    return true;
  }

  std::string_view bytes_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  const char* error_ = nullptr;
  std::size_t error_position_ = 0;
};

}  // namespace bayestune
