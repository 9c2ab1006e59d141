// ResponseWriterImpl: the ResponseWriter handed to handlers; frames one HTTP/1.x
// response onto a connection's Socket.
//
// Owns the response's framing decisions: Content-Length vs chunked vs
// close-delimited (HTTP/1.0 without a length), body suppression for HEAD, 1xx,
// 204 and 304, `Connection: close`/`keep-alive`, and the `Date` and
// `Server: sos` headers. The header is formatted here (not by Beast's
// serializer) so that Send() puts header and small body into one sendmsg, and
// chunks go out as one gather-write per Write() with no copy. A header sent
// with a Content-Length is held until the first Write() (or Finish()), so a
// small object's header and body also leave in one sendmsg (one segment).
//
// Framing headers (Content-Length, Transfer-Encoding, Connection, Keep-Alive)
// set by the handler are ignored: the server owns the message framing. Header
// names/values that could split the header (CR, LF, NUL, non-token names) make
// SendHeaders fail, and the connection then answers 500.
//
// Contract with the connection: after the handler returns, `finished()` and
// `keeps_connection()` say whether the connection may serve another request.
// A body shorter than its Content-Length, or a chunked body not ended by
// Finish(), is never completed by the server: the connection is closed so the
// client sees a truncated response rather than a short one that looks whole.
//
// Not thread-safe: used only on its connection's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http/http_server.h"
#include "daemon/http/http_socket.h"

namespace sos::http_internal {

// RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::chrono::system_clock::time_point when);

class ResponseWriterImpl final : public ResponseWriter {
 public:
  struct Options {
    Socket* socket = nullptr;
    int http_version = 11;  // of the request: 10 or 11
    bool head = false;      // HEAD request: no body, lengths kept
    std::chrono::milliseconds io_timeout{300000};
    // Asked when the header goes out: must this connection close afterwards?
    std::function<bool()> should_close;
  };

  explicit ResponseWriterImpl(Options options) : options_(std::move(options)) {}

  void SetStatus(int status) override;
  void AddHeader(std::string_view name, std::string_view value) override;
  Status SendHeaders(std::optional<uint64_t> content_length) override;
  Status Write(std::string_view data) override;
  Status Finish() override;
  Status Send(int status, std::string_view content_type, std::string_view body) override;
  bool headers_sent() const override { return headers_sent_; }

  // --- for the connection ---
  bool status_set() const { return status_set_; }
  bool finished() const { return finished_; }
  // True if the response is complete and did not announce or need a close.
  bool keeps_connection() const { return finished_ && !close_ && !broken_; }
  // A write failed or the handler over/underran its Content-Length.
  bool broken() const { return broken_; }
  // All declared Content-Length bytes written (the handler may have skipped Finish).
  bool length_complete() const {
    return framing_ == Framing::kLength && (suppress_body_ || written_ == length_);
  }
  // Sends a header SendHeaders() held back, if any (a response left short).
  Status FlushHeader();
  // A canned text/plain error with `Connection: close`; no-op once headers went out.
  Status SendError(int status, std::string_view message);

 private:
  enum class Framing { kNone, kLength, kChunked, kUntilClose };

  // Decides framing and returns the formatted header block.
  std::string StartResponse(std::optional<uint64_t> content_length);
  Status WriteOut(iovec* iov, int n);

  Options options_;
  int status_ = 200;
  bool status_set_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  Status invalid_header_;
  bool has_date_ = false;
  bool has_server_ = false;
  bool force_close_ = false;

  bool headers_sent_ = false;
  std::string held_header_;  // formatted by SendHeaders, not yet on the wire
  bool finished_ = false;
  bool close_ = false;   // Connection: close announced (or implied)
  bool broken_ = false;  // a write failed or the body overran/underran its length
  bool suppress_body_ = false;
  Framing framing_ = Framing::kNone;
  uint64_t length_ = 0;
  uint64_t written_ = 0;
};

// Answers a request refused before any handler ran (or a connection refused
// before its request was read) with `status` and `reason`, rendered by
// `render` when set, else as text/plain; always with `Connection: close`.
// `timeout` bounds each stalled write (0: only what the socket takes at once).
Status SendRejection(Socket& socket, int status, std::string_view reason,
                     const RejectionRenderer& render, std::chrono::milliseconds timeout);

}  // namespace sos::http_internal
