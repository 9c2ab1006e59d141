// Streaming bodies: how object data moves without ever being held whole.
//
// A BodySource yields the bytes of an upload; it can be rewound so that a
// request may be retried. A BodySink receives the bytes of a download in
// chunks, in order. Neither is thread-safe; one request owns one of each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "s3core/status.h"

namespace sos {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Reads up to n bytes into buf; returns 0 at the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Total length, if known up front (needed for Content-Length).
  virtual std::optional<uint64_t> Size() const = 0;
  // Starts again from the first byte; false if the source cannot rewind.
  virtual bool Rewind() = 0;
};

// Receives downloaded bytes; a non-OK return aborts the transfer.
using BodySink = std::function<Status(std::string_view chunk)>;

// A source over bytes in memory (the caller keeps them alive).
class StringViewSource : public BodySource {
 public:
  explicit StringViewSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override;
  std::optional<uint64_t> Size() const override { return data_.size(); }
  bool Rewind() override {
    pos_ = 0;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// A source over a byte range of an open file descriptor (pread; does not own fd).
class FileRangeSource : public BodySource {
 public:
  FileRangeSource(int fd, uint64_t offset, uint64_t length)
      : fd_(fd), offset_(offset), length_(length) {}
  Result<size_t> Read(char* buf, size_t n) override;
  std::optional<uint64_t> Size() const override { return length_; }
  bool Rewind() override {
    pos_ = 0;
    return true;
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t length_;
  uint64_t pos_ = 0;
};

// A sink that appends into a string (tests and small metadata objects only).
BodySink AppendTo(std::string* out);

}  // namespace sos
