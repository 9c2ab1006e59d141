// TlsContext: the certificate, key and protocol settings of an HTTPS listener.
//
// OpenSSL is used directly rather than through asio::ssl::stream because the
// server's sockets do their own poll()-based I/O with per-call timeouts
// (http_socket.h says why); Socket drives an SSL object over that descriptor.
// Defaults are Mozilla's "intermediate" profile: TLS 1.2 and 1.3 only, forward-
// secret AEAD ciphers, no renegotiation, no compression.
//
// Immutable once loaded, so one context serves every connection thread.
#pragma once

#include <memory>
#include <string>

#include "s3core/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace sos {

class TlsContext {
 public:
  // Reads a PEM certificate chain (the server's certificate first, then any
  // intermediates) and its PEM private key. InvalidArgument naming the file
  // when either cannot be read or they do not belong together.
  static Result<std::shared_ptr<TlsContext>> Load(const std::string& cert_file,
                                                  const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }

 private:
  explicit TlsContext(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

// OpenSSL's reason for its last failure on this thread ("connection closed"
// when it queued none), and clears the thread's error queue.
std::string OpenSslErrorText();

}  // namespace sos
