#pragma once

// Self-signed certificates made in-process with the OpenSSL C API, so TLS
// tests need neither the openssl command nor files checked into the repo.

#include <string>
#include <vector>

namespace lusifer::testing {

struct TestCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A P-256 key and a self-signed CA:TRUE certificate, valid from an hour ago
// for a day, whose subjectAltName lists `dns_names` and `ip_addresses`.
// Throws std::runtime_error if OpenSSL fails.
TestCertificate make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                             const std::vector<std::string>& ip_addresses);

}  // namespace lusifer::testing
