#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace sos::testing {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `subject_key`, named `cn`, signed by `issuer_key` (and
// issued by `issuer`, or self-signed when it is null).
Cert MakeCert(EVP_PKEY* subject_key, const char* cn, long serial, X509* issuer,
              EVP_PKEY* issuer_key, bool is_ca) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509* c = cert.get();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 2 * 24 * 3600);
  X509_set_pubkey(c, subject_key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer != nullptr ? issuer : c;
  const bool ok = is_ca ? AddExtension(c, signer, NID_basic_constraints, "critical,CA:TRUE") &&
                              AddExtension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign")
                        : AddExtension(c, signer, NID_basic_constraints, "critical,CA:FALSE") &&
                              AddExtension(c, signer, NID_subject_alt_name,
                                           "IP:127.0.0.1,IP:::1,DNS:localhost") &&
                              AddExtension(c, signer, NID_ext_key_usage, "serverAuth");
  if (!ok || X509_sign(c, issuer_key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

template <typename Write>
Status WritePem(const std::string& path, mode_t mode, Write write) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write " + path);
  ::chmod(path.c_str(), mode);
  const bool ok = write(f) == 1;
  if (std::fclose(f) != 0 || !ok) return Status::IOError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Result<TestPki> MakeTestPki(const std::string& dir) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) return Status::Internal("EC key generation failed");
  Cert ca = MakeCert(ca_key.get(), "sos test CA", 1, nullptr, ca_key.get(), true);
  if (!ca) return Status::Internal("CA certificate failed");
  Cert server = MakeCert(server_key.get(), "localhost", 2, ca.get(), ca_key.get(), false);
  if (!server) return Status::Internal("server certificate failed");
  TestPki pki{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  SOS_RETURN_IF_ERROR(
      WritePem(pki.ca_file, 0644, [&](FILE* f) { return PEM_write_X509(f, ca.get()); }));
  SOS_RETURN_IF_ERROR(
      WritePem(pki.cert_file, 0644, [&](FILE* f) { return PEM_write_X509(f, server.get()); }));
  SOS_RETURN_IF_ERROR(WritePem(pki.key_file, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  return pki;
}

}  // namespace sos::testing
