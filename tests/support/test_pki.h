// MakeTestPki: a throwaway certificate authority and a server certificate it
// signed, for HTTPS tests (made in-process with OpenSSL, so no test depends on
// a CLI's flags). The server certificate names 127.0.0.1, ::1 and localhost;
// both are valid from an hour ago for two days, EC P-256 keys, SHA-256.
#pragma once

#include <string>

#include "s3core/status.h"

namespace sos::testing {

struct TestPki {
  std::string ca_file;    // DIR/ca.pem: what a client trusts
  std::string cert_file;  // DIR/server.pem: the server's certificate
  std::string key_file;   // DIR/server.key: its private key (0600)
};

// Writes the three files into `dir` (which must exist).
Result<TestPki> MakeTestPki(const std::string& dir);

}  // namespace sos::testing
