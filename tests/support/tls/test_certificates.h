// Certificates for TLS servers in tests, made by the openssl command at test time: a private CA
// and server certificates for 127.0.0.1 that it signs. A client trusts such a server only when
// given the CA's file, so tests can show both an untrusted certificate refused and a trusted one
// accepted.
#ifndef CRMSYNC_TESTS_SUPPORT_TLS_TEST_CERTIFICATES_H_
#define CRMSYNC_TESTS_SUPPORT_TLS_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync::testing {

// PEM files on disk.
struct CertificateFiles {
  std::string cert;
  std::string key;
};

// A new self-signed CA in `dir` as <name>-ca.pem and <name>-ca.key. INTERNAL (with the command)
// when openssl fails.
absl::StatusOr<CertificateFiles> MakeTestCa(absl::string_view dir, absl::string_view name);

// A server certificate for the IP address 127.0.0.1, signed by `ca`, in `dir` as <name>.pem and
// <name>.key. INTERNAL when openssl fails.
absl::StatusOr<CertificateFiles> MakeServerCertificate(const CertificateFiles& ca,
                                                       absl::string_view dir,
                                                       absl::string_view name);

// As MakeServerCertificate, but valid as a client certificate too (extendedKeyUsage serverAuth
// and clientAuth), as a crmsync service presents its one certificate in mutual TLS.
absl::StatusOr<CertificateFiles> MakePeerCertificate(const CertificateFiles& ca,
                                                     absl::string_view dir, absl::string_view name);

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_TLS_TEST_CERTIFICATES_H_
