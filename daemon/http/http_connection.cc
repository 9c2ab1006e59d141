#include "daemon/http/http_connection.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <optional>

#include "daemon/http/http_response.h"

namespace sos::http_internal {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;
using Parser = http::request_parser<http::buffer_body>;

// Beast's SyncReadStream over our ClientReader: its limits per read, EOF as asio's eof.
class BeastStream {
 public:
  explicit BeastStream(ClientReader& reader) : reader_(reader) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    for (auto it = net::buffer_sequence_begin(buffers), end = net::buffer_sequence_end(buffers);
         it != end; ++it) {
      net::mutable_buffer b(*it);
      if (b.size() == 0) continue;
      ssize_t r = reader_.ReadSome(static_cast<char*>(b.data()), b.size());
      if (r > 0) {
        ec = {};
        return static_cast<size_t>(r);
      }
      if (r == 0) {
        ec = net::error::eof;
      } else {
        ec = error_code(static_cast<int>(-r), boost::system::system_category());
      }
      return 0;
    }
    ec = {};
    return 0;
  }

  // Required by the SyncReadStream concept; we only call the error_code form.
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) BOOST_THROW_EXCEPTION(boost::system::system_error(ec));
    return n;
  }

 private:
  ClientReader& reader_;
};

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

bool IsHttpError(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

Status BodyError(const error_code& ec, const ClientReader& reader) {
  if (ec == net::error::timed_out) {
    return Status::Timeout(reader.cut() == CutReason::kSlowBody ? "request body too slow"
                                                                : "request body stalled");
  }
  if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
      ec == net::error::eof) {
    // The client's fault, not ours: S3 answers 400 IncompleteBody, not 500.
    return Status::Cancelled("client closed the connection mid-body");
  }
  if (IsHttpError(ec)) return Status::InvalidArgument("malformed request body: " + ec.message());
  return Status::IOError("reading request body: " + ec.message());
}

// The request body, pulled through the parser into the caller's buffer.
class RequestBodyImpl final : public RequestBody {
 public:
  RequestBodyImpl(Socket& socket, ClientReader& reader, BeastStream& stream,
                  beast::flat_buffer& buffer, Parser& parser, bool expect_continue,
                  const ResponseWriterImpl& writer, milliseconds io_timeout)
      : socket_(socket),
        reader_(reader),
        stream_(stream),
        buffer_(buffer),
        parser_(parser),
        expect_continue_(expect_continue),
        writer_(writer),
        io_timeout_(io_timeout) {
    // A Content-Length body bypasses the parser: bytes go from the read buffer,
    // then straight from the socket, into the caller's buffer (one copy less,
    // and reads as large as the caller's buffer). Never reads past the body,
    // so a pipelined next request stays in the socket or the buffer.
    if (!parser_.is_done() && !parser_.chunked() && parser_.content_length()) {
      direct_ = true;
      remaining_ = *parser_.content_length();
    }
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!error_.ok()) return error_;
    if (done() || n == 0) return size_t{0};
    if (expect_continue_) {
      expect_continue_ = false;
      // After a final response has begun, a 100 would be out of place.
      if (!writer_.headers_sent()) {
        Status s = socket_.WriteAll("HTTP/1.1 100 Continue\r\n\r\n", io_timeout_);
        if (!s.ok()) return error_ = s;
      }
    }
    if (!body_begun_) {
      body_begun_ = true;
      reader_.BeginBody();  // the rate is the client's from here (and the 100)
    }
    if (direct_) return ReadDirect(buf, n);
    auto& body = parser_.get().body();
    for (;;) {
      body.data = buf;
      body.size = n;
      error_code ec;
      http::read_some(stream_, buffer_, parser_, ec);
      const size_t got = n - body.size;
      body.data = nullptr;  // the parser must not keep the caller's buffer
      body.size = 0;
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        error_ = BodyError(ec, reader_);
        if (got > 0) return got;  // the error comes with the next Read
        return error_;
      }
      if (got > 0 || parser_.is_done()) return got;
    }
  }

  std::optional<uint64_t> ContentLength() const override {
    auto len = parser_.content_length();
    if (!len) return std::nullopt;
    return *len;
  }

  bool done() const { return direct_ ? remaining_ == 0 : parser_.is_done(); }
  bool failed() const { return !error_.ok(); }

 private:
  Result<size_t> ReadDirect(char* buf, size_t n) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
    size_t got;
    if (buffer_.size() > 0) {
      got = std::min(want, buffer_.size());
      std::memcpy(buf, buffer_.data().data(), got);
      buffer_.consume(got);
    } else {
      ssize_t r = reader_.ReadSome(buf, want);
      // The same mapping as for bodies read through the parser.
      if (r == 0) return error_ = BodyError(net::error::eof, reader_);
      if (r == -ETIMEDOUT) return error_ = BodyError(net::error::timed_out, reader_);
      if (r < 0) {
        return error_ = BodyError(
                   error_code(static_cast<int>(-r), boost::system::system_category()), reader_);
      }
      got = static_cast<size_t>(r);
    }
    remaining_ -= got;
    return got;
  }

  Socket& socket_;
  ClientReader& reader_;
  BeastStream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  bool expect_continue_;
  bool body_begun_ = false;
  const ResponseWriterImpl& writer_;
  milliseconds io_timeout_;
  Status error_;
  bool direct_ = false;     // Content-Length body, read without the parser
  uint64_t remaining_ = 0;  // of a direct body
};

bool InputMayBePending(Socket& socket, const beast::flat_buffer& buffer, bool body_done) {
  return !body_done || buffer.size() > 0 || socket.WaitReadable(milliseconds(0));
}

// Beast reports garbage and "HTTP/2.0" alike as bad_version; only the latter is a 505.
bool LooksLikeOtherHttpVersion(const beast::flat_buffer& buffer) {
  std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
  size_t eol = data.find("\r\n");
  if (eol == std::string_view::npos || eol < 9) return false;
  std::string_view v = data.substr(eol - 9, 9);  // " HTTP/d.d"
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return v.substr(0, 6) == " HTTP/" && digit(v[6]) && v[7] == '.' && digit(v[8]);
}

// Answers a request the parser refused, then closes.
void RejectAndClose(Socket& socket, int status, std::string_view message,
                    const HttpServerOptions& options) {
  if (SendRejection(socket, status, message, options.render_rejection, options.io_timeout).ok()) {
    socket.ShutdownWriteAndDrain(kLingerLimit);
  }
}

// Serves one request; true if the connection may serve another.
bool ServeRequest(Socket& socket, ClientReader& reader, BeastStream& stream,
                  beast::flat_buffer& buffer, const std::string& remote_addr,
                  const HttpServerOptions& options, const HttpHandler& handler,
                  ConnectionHost& host) {
  const milliseconds io = options.io_timeout;
  Parser parser;
  parser.header_limit(static_cast<uint32_t>(
      std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  parser.body_limit(std::numeric_limits<uint64_t>::max());  // bodies stream: no limit here

  error_code ec;
  http::read_header(stream, buffer, parser, ec);
  if (ec) {
    // Socket errors, timeouts, and a client that closes: nothing to answer.
    if (!IsHttpError(ec) || ec == http::error::end_of_stream ||
        ec == http::error::partial_message) {
      return false;
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      RejectAndClose(socket, 431, "request header too large", options);
    } else if (ec == http::error::bad_version && LooksLikeOtherHttpVersion(buffer)) {
      RejectAndClose(socket, 505, "HTTP version not supported", options);
    } else {
      RejectAndClose(socket, 400, "malformed request: " + ec.message(), options);
    }
    return false;
  }
  auto& req = parser.get();  // Beast accepts only HTTP/1.0 and HTTP/1.1
  if (req.count(http::field::transfer_encoding) > 0 && !parser.chunked()) {
    // Beast would read such a body as empty; RFC 7230 3.3.3 says refuse and close.
    RejectAndClose(socket, 400, "Transfer-Encoding without chunked", options);
    return false;
  }

  HttpRequest request;
  request.head.method = std::string(Sv(req.method_string()));
  request.head.target = std::string(Sv(req.target()));
  request.head.headers.reserve(16);
  for (const auto& field : req) {
    request.head.headers.emplace_back(std::string(Sv(field.name_string())),
                                      std::string(Sv(field.value())));
  }
  request.remote_addr = remote_addr;
  const bool expects_100 =
      req.version() >= 11 && EqualsIgnoreCase(Sv(req[http::field::expect]), "100-continue");
  const bool expect_continue = expects_100 && !parser.is_done();
  if (expects_100 && parser.is_done()) {
    // No body to wait for, but answer the expectation anyway, as S3 does:
    // botocore misparses the next response on a kept-alive connection when a
    // final status comes without the 100 (a 60 s stall, then a retry).
    if (!socket.WriteAll("HTTP/1.1 100 Continue\r\n\r\n", io).ok()) return false;
  }

  std::optional<RequestBodyImpl> body;
  ResponseWriterImpl writer(
      {&socket, static_cast<int>(req.version()), req.method() == http::verb::head, io, [&] {
         return !parser.keep_alive() || !body->done() || body->failed() || host.ShuttingDown();
       }});
  body.emplace(socket, reader, stream, buffer, parser, expect_continue, writer, io);
  request.body = &*body;

  bool threw = false;
  try {
    handler(request, writer);
  } catch (...) {
    threw = true;  // handlers should not throw; the connection survives it anyway
  }

  if (threw) {
    if (!writer.headers_sent()) (void)writer.SendError(500, "internal error");
  } else if (!writer.finished()) {
    if (!writer.headers_sent()) {
      // Status set but nothing sent: send it with an empty body. Nothing at all: a bug.
      if (writer.status_set()) {
        (void)writer.Finish();
      } else {
        (void)writer.SendError(500, "handler sent no response");
      }
    } else if (writer.length_complete()) {
      (void)writer.Finish();
    } else {
      (void)writer.FlushHeader();  // a held header still goes out before the close
    }
    // Else the body is short or its chunked end is missing: close without
    // completing it, so the client sees the truncation.
  }

  const bool keep = !threw && writer.keeps_connection() && parser.keep_alive() && body->done() &&
                    !body->failed() && !host.ShuttingDown();
  if (!keep && writer.headers_sent() && !writer.broken() && writer.finished() &&
      InputMayBePending(socket, buffer, body->done())) {
    socket.ShutdownWriteAndDrain(kLingerLimit);
  }
  return keep;
}

}  // namespace

bool ServeConnection(Socket& socket, ClientReader& reader, const std::string& remote_addr,
                     uint64_t id, ClientReader::Clock::time_point accepted_at,
                     const HttpServerOptions& options, const HttpHandler& handler,
                     ConnectionHost& host, bool resumed, milliseconds park_after) {
  // Holds one header plus one read ahead; pipelined bytes stay here between requests.
  beast::flat_buffer buffer(options.max_header_bytes + (64 << 10));
  BeastStream stream(reader);
  // The first head's deadline runs from the accept.
  if (!resumed) reader.BeginHead(accepted_at);
  for (;;) {
    if (!host.EnterIdle(id)) return false;
    // Nothing read ahead and nothing arriving: to the parker, unless the first
    // head's deadline ran out meanwhile (a cut).
    if (buffer.size() == 0 && !reader.WaitReadable(park_after)) {
      return reader.cut() == CutReason::kNone;
    }
    if (!host.EnterBusy(id)) return false;
    if (!reader.in_head()) reader.BeginHead(ClientReader::Clock::now());
    if (!ServeRequest(socket, reader, stream, buffer, remote_addr, options, handler, host)) {
      return false;
    }
    reader.EndRequest();
  }
}

}  // namespace sos::http_internal
