// The SMTP server of notify's integration tests (smtp_sink.py, on Debian's python3-aiosmtpd), the
// certificates it serves TLS with, and what it received.
#ifndef CRMSYNC_TESTS_SERVICES_NOTIFY_SMTP_SINK_H_
#define CRMSYNC_TESTS_SERVICES_NOTIFY_SMTP_SINK_H_

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/services/notify/mime.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/tls/test_certificates.h"

namespace crmsync::notify {

struct Mail {
  std::string rcpt_to;  // the envelope recipients the server saw
  std::string data;
};

// A private CA made by openssl for the test, and a certificate for 127.0.0.1 it signed, in `dir`.
struct TestPki {
  crmsync::testing::CertificateFiles ca;
  crmsync::testing::CertificateFiles server;
};
inline TestPki MakeCertificates(const std::string& dir) {
  TestPki pki;
  auto ca = crmsync::testing::MakeTestCa(dir, "mail");
  EXPECT_TRUE(ca.ok()) << ca.status();
  if (!ca.ok()) return pki;
  pki.ca = *ca;
  auto server = crmsync::testing::MakeServerCertificate(pki.ca, dir, "smtp");
  EXPECT_TRUE(server.ok()) << server.status();
  if (server.ok()) pki.server = *server;
  return pki;
}

class SmtpSink {
 public:
  // Starts the server on `port` (0: a free one), saving into `dir`.
  static std::unique_ptr<SmtpSink> Start(const std::string& dir, int port = 0,
                                         double delay_seconds = 0,
                                         std::vector<std::string> extra = {}) {
    auto sink = std::unique_ptr<SmtpSink>(new SmtpSink);
    std::vector<std::string> args = {
        absl::StrCat(CRMSYNC_SOURCE_DIR, "/tests/services/notify/smtp_sink.py"),
        absl::StrCat("--port=", port), "--dir=" + dir, absl::StrCat("--delay=", delay_seconds)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto process = crmsync::testing::Subprocess::Start("/usr/bin/python3", args);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    sink->process = *std::move(process);
    auto listening = sink->process->WaitForListeningPort();
    EXPECT_TRUE(listening.ok()) << listening.status();
    sink->port = listening.value_or(0);
    return sink;
  }
  // Starts a server speaking TLS (`mode` "starttls" or "implicit") with the certificate of `pki`.
  static std::unique_ptr<SmtpSink> StartTls(const std::string& dir, const std::string& mode,
                                            const TestPki& pki,
                                            std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(),
                 {"--tls=" + mode, "--cert=" + pki.server.cert, "--key=" + pki.server.key});
    return Start(dir, 0, 0, std::move(extra));
  }
  std::unique_ptr<crmsync::testing::Subprocess> process;
  int port = 0;
};

inline std::vector<Mail> Mailbox(const std::string& dir) {
  std::vector<Mail> mails;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string content = buffer.str();
    const size_t first_line = content.find("\r\n");
    Mail mail;
    mail.rcpt_to = content.substr(std::strlen("X-Sink-Rcpt-To: "),
                                  first_line - std::strlen("X-Sink-Rcpt-To: "));
    mail.data = content.substr(first_line + 2);
    mails.push_back(std::move(mail));
  }
  return mails;
}

inline std::vector<Mail> MailsWithId(const std::string& dir, const std::string& message_id) {
  std::vector<Mail> found;
  for (auto& mail : Mailbox(dir)) {
    if (testing::Header(mail.data, "Message-ID") == message_id) found.push_back(std::move(mail));
  }
  return found;
}

}  // namespace crmsync::notify

#endif  // CRMSYNC_TESTS_SERVICES_NOTIFY_SMTP_SINK_H_
