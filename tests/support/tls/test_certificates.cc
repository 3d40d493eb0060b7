#include "tests/support/tls/test_certificates.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace crmsync::testing {
namespace {

absl::Status Run(const std::string& command) {
  if (std::system(absl::StrCat(command, " >/dev/null 2>&1").c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

// A certificate for 127.0.0.1 signed by `ca`, with extendedKeyUsage `usages`.
absl::StatusOr<CertificateFiles> MakeCertificate(const CertificateFiles& ca, absl::string_view dir,
                                                 absl::string_view name, absl::string_view usages) {
  CertificateFiles server{absl::StrCat(dir, "/", name, ".pem"),
                          absl::StrCat(dir, "/", name, ".key")};
  const std::string request = absl::StrCat(dir, "/", name, ".csr");
  const std::string extensions = absl::StrCat(dir, "/", name, ".ext");
  std::ofstream(extensions) << "subjectAltName=IP:127.0.0.1\n"
                               "basicConstraints=CA:FALSE\n"
                               "extendedKeyUsage="
                            << usages << "\n";
  absl::Status made = Run(absl::StrCat(
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 "
      "-keyout ",
      server.key, " -out ", request));
  if (made.ok()) {
    made =
        Run(absl::StrCat("openssl x509 -req -days 2 -set_serial 1 -in ", request, " -CA ", ca.cert,
                         " -CAkey ", ca.key, " -extfile ", extensions, " -out ", server.cert));
  }
  if (!made.ok()) return made;
  return server;
}

}  // namespace

absl::StatusOr<CertificateFiles> MakeTestCa(absl::string_view dir, absl::string_view name) {
  CertificateFiles ca{absl::StrCat(dir, "/", name, "-ca.pem"),
                      absl::StrCat(dir, "/", name, "-ca.key")};
  // P-256 keys: generated in milliseconds, unlike RSA.
  const absl::Status made = Run(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=crmsync-test-",
      name,
      "-ca -addext basicConstraints=critical,CA:TRUE "
      "-addext keyUsage=critical,keyCertSign,cRLSign -keyout ",
      ca.key, " -out ", ca.cert));
  if (!made.ok()) return made;
  return ca;
}

absl::StatusOr<CertificateFiles> MakeServerCertificate(const CertificateFiles& ca,
                                                       absl::string_view dir,
                                                       absl::string_view name) {
  return MakeCertificate(ca, dir, name, "serverAuth");
}

absl::StatusOr<CertificateFiles> MakePeerCertificate(const CertificateFiles& ca,
                                                     absl::string_view dir,
                                                     absl::string_view name) {
  return MakeCertificate(ca, dir, name, "serverAuth,clientAuth");
}

}  // namespace crmsync::testing
