// The file transport: one .eml per email in a folder, for local runs without an SMTP server.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/notify/transport.h"

namespace crmsync::notify {
namespace {

// The Message-ID's digest, which the email's boundary carries after "=_crmsync_".
std::string FileStem(const Email& email) {
  const size_t at = email.data.find("boundary=\"=_crmsync_");
  if (at == std::string::npos) return "email";
  const size_t start = at + std::strlen("boundary=\"=_crmsync_");
  const size_t end = email.data.find('"', start);
  return email.data.substr(start, end - start);
}

class FileTransport : public MailTransport {
 public:
  explicit FileTransport(std::string dir) : dir_(std::move(dir)) {}

  SendOutcome Send(const Email& email, const absl::Notification&) override {
    const std::string stem = FileStem(email);
    const std::string path = absl::StrCat(dir_, "/", stem, ".eml");
    const std::string partial = absl::StrCat(dir_, "/.", stem, ".eml.partial");
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out << "X-Envelope-From: " << email.envelope_from
          << "\r\nX-Envelope-To: " << email.envelope_to << "\r\n"
          << email.data;
      out.flush();
      if (!out) {
        return {SendOutcome::Result::kTransient, absl::StrCat("cannot write ", partial)};
      }
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
      return {SendOutcome::Result::kTransient,
              absl::StrCat("cannot rename to ", path, ": ", std::strerror(errno))};
    }
    return {SendOutcome::Result::kSent, ""};
  }

 private:
  const std::string dir_;
};

}  // namespace

std::unique_ptr<MailTransport> MakeFileTransport(std::string dir) {
  return std::make_unique<FileTransport>(std::move(dir));
}

}  // namespace crmsync::notify
