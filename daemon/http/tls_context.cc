#include "daemon/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sos {
namespace {

// TLS 1.2's forward-secret AEAD suites; TLS 1.3's defaults are all of that kind.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

std::string OpenSslErrorText() {
  std::string out = "connection closed";
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    out = reason != nullptr ? reason : "TLS error " + std::to_string(code);
  }
  return out;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file,
                                                     const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::Internal("TLS: " + OpenSslErrorText());
  std::shared_ptr<TlsContext> out(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A client that closes without close_notify reads as a plain EOF: HTTP's own
  // framing (Content-Length, chunks) already tells a whole request from a cut one.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF |
                               SSL_OP_NO_TICKET);   // TLS 1.2 ticket keys never rotate: no tickets
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);  // idle keep-alive connections hold no buffers
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Status::Internal("TLS ciphers: " + OpenSslErrorText());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::InvalidArgument("TLS certificate " + cert_file + ": " + OpenSslErrorText());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument("TLS key " + key_file + ": " + OpenSslErrorText());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {  // OpenSSL mostly finds this above
    return Status::InvalidArgument("TLS key " + key_file + ": key values mismatch with " +
                                   cert_file);
  }
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace sos
