#include "daemon/http/http_response.h"

#include <time.h>

#include <boost/beast/http/status.hpp>
#include <cstdio>

namespace sos::http_internal {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool ValidValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string_view ReasonPhrase(int status) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  std::string_view r(reason.data(), reason.size());
  if (!r.empty() && r.front() == '<') return "Status";  // "<unknown-status>"
  return r;
}

}  // namespace

std::string HttpDate(std::chrono::system_clock::time_point when) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = std::chrono::system_clock::to_time_t(when);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

void ResponseWriterImpl::SetStatus(int status) {
  // A status the status line cannot carry is a handler bug: answer 500.
  status_ = (status >= 100 && status <= 999) ? status : 500;
  status_set_ = true;
}

void ResponseWriterImpl::AddHeader(std::string_view name, std::string_view value) {
  if (!ValidName(name) || !ValidValue(value)) {
    if (invalid_header_.ok()) {
      invalid_header_ =
          Status::InvalidArgument("invalid response header '" + std::string(name) + "'");
    }
    return;
  }
  if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
      EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Keep-Alive")) {
    return;  // framing belongs to the server
  }
  if (EqualsIgnoreCase(name, "Date")) has_date_ = true;
  if (EqualsIgnoreCase(name, "Server")) has_server_ = true;
  headers_.emplace_back(name, value);
}

std::string ResponseWriterImpl::StartResponse(std::optional<uint64_t> content_length) {
  const bool no_body_status = (status_ >= 100 && status_ < 200) || status_ == 204 || status_ == 304;
  suppress_body_ = options_.head || no_body_status;
  close_ = force_close_ || (options_.should_close && options_.should_close());

  std::string h;
  h.reserve(256);
  h.append("HTTP/1.1 ");
  h.append(std::to_string(status_));
  h.push_back(' ');
  h.append(ReasonPhrase(status_));
  h.append("\r\n");
  for (const auto& [name, value] : headers_) {
    h.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_date_)
    h.append("Date: ").append(HttpDate(std::chrono::system_clock::now())).append("\r\n");
  if (!has_server_) h.append("Server: sos\r\n");

  if (content_length) {
    framing_ = Framing::kLength;
    length_ = *content_length;
    // 1xx and 204 must not carry a Content-Length; HEAD and 304 keep the GET's.
    if (!(status_ < 200 || status_ == 204)) {
      h.append("Content-Length: ").append(std::to_string(length_)).append("\r\n");
    }
  } else if (suppress_body_) {
    framing_ = Framing::kNone;
  } else if (options_.http_version >= 11) {
    framing_ = Framing::kChunked;
    h.append("Transfer-Encoding: chunked\r\n");
  } else {
    framing_ = Framing::kUntilClose;  // HTTP/1.0 has no chunking: the close ends the body
    close_ = true;
  }
  if (close_) {
    h.append("Connection: close\r\n");
  } else if (options_.http_version < 11) {
    h.append("Connection: keep-alive\r\n");
  }
  h.append("\r\n");
  headers_sent_ = true;
  return h;
}

Status ResponseWriterImpl::WriteOut(iovec* iov, int n) {
  Status s = options_.socket->WriteAll(iov, n, options_.io_timeout);
  if (!s.ok()) broken_ = true;
  return s;
}

Status ResponseWriterImpl::SendHeaders(std::optional<uint64_t> content_length) {
  if (headers_sent_) return Status::InvalidArgument("response headers already sent");
  if (!invalid_header_.ok()) return invalid_header_;
  std::string header = StartResponse(content_length);
  if (framing_ == Framing::kLength && !suppress_body_ && length_ > 0) {
    held_header_ = std::move(header);  // goes out with the first body bytes
    return Status::Ok();
  }
  iovec iov{header.data(), header.size()};
  return WriteOut(&iov, 1);
}

Status ResponseWriterImpl::FlushHeader() {
  if (held_header_.empty()) return Status::Ok();
  std::string header = std::move(held_header_);
  held_header_.clear();
  iovec iov{header.data(), header.size()};
  return WriteOut(&iov, 1);
}

Status ResponseWriterImpl::Write(std::string_view data) {
  if (finished_) return Status::InvalidArgument("response already finished");
  if (broken_) return Status::IOError("connection broken");
  if (!headers_sent_) SOS_RETURN_IF_ERROR(SendHeaders(std::nullopt));
  if (data.empty()) return Status::Ok();
  if (framing_ == Framing::kLength && data.size() > length_ - written_) {
    (void)FlushHeader();
    broken_ = true;
    return Status::InvalidArgument("response body longer than its Content-Length");
  }
  written_ += data.size();
  if (suppress_body_ || framing_ == Framing::kNone) return Status::Ok();
  if (framing_ == Framing::kChunked) {
    char prefix[24];
    int len = std::snprintf(prefix, sizeof(prefix), "%zx\r\n", data.size());
    static char crlf[] = "\r\n";
    iovec iov[3] = {{prefix, static_cast<size_t>(len)},
                    {const_cast<char*>(data.data()), data.size()},
                    {crlf, 2}};
    return WriteOut(iov, 3);
  }
  iovec iov[2] = {{held_header_.data(), held_header_.size()},
                  {const_cast<char*>(data.data()), data.size()}};
  Status s = WriteOut(iov, 2);
  held_header_.clear();
  return s;
}

Status ResponseWriterImpl::Finish() {
  if (finished_) return Status::Ok();
  if (broken_) return Status::IOError("connection broken");
  if (!headers_sent_) SOS_RETURN_IF_ERROR(SendHeaders(0));
  if (framing_ == Framing::kLength && !suppress_body_ && written_ != length_) {
    // Never pretend a short body is whole: the header goes out, the connection
    // closes, and the client sees the truncation.
    (void)FlushHeader();
    broken_ = true;
    return Status::InvalidArgument("response body shorter than its Content-Length");
  }
  SOS_RETURN_IF_ERROR(FlushHeader());
  if (framing_ == Framing::kChunked && !suppress_body_) {
    static char last[] = "0\r\n\r\n";
    iovec iov{last, 5};
    SOS_RETURN_IF_ERROR(WriteOut(&iov, 1));
  }
  finished_ = true;
  return Status::Ok();
}

Status ResponseWriterImpl::Send(int status, std::string_view content_type, std::string_view body) {
  if (headers_sent_) return Status::InvalidArgument("response headers already sent");
  SetStatus(status);
  if (!content_type.empty()) AddHeader("Content-Type", content_type);
  if (!invalid_header_.ok()) return invalid_header_;
  std::string header = StartResponse(body.size());
  iovec iov[2] = {{header.data(), header.size()}, {const_cast<char*>(body.data()), body.size()}};
  if (suppress_body_) iov[1].iov_len = 0;
  SOS_RETURN_IF_ERROR(WriteOut(iov, 2));
  written_ = body.size();
  finished_ = true;
  return Status::Ok();
}

Status ResponseWriterImpl::SendError(int status, std::string_view message) {
  if (headers_sent_) return Status::Ok();
  force_close_ = true;
  headers_.clear();
  invalid_header_ = Status::Ok();
  std::string body(message);
  body.push_back('\n');
  return Send(status, "text/plain", body);
}

Status SendRejection(Socket& socket, int status, std::string_view reason,
                     const RejectionRenderer& render, std::chrono::milliseconds timeout) {
  ResponseWriterImpl writer({&socket, 11, false, timeout, [] { return true; }});
  if (!render) return writer.SendError(status, reason);
  HttpRejection r = render(status, reason);
  return writer.Send(r.status, r.content_type, r.body);
}

}  // namespace sos::http_internal
