// SMTP through libcurl. Each transport owns one easy handle, and libcurl keeps that handle's
// connection open between messages, so a sender sends many emails over one SMTP session.
#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/notify/transport.h"

namespace crmsync::notify {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// libcurl calls it about once a second and on progress; non-zero aborts the transfer.
int AbortWhenNotified(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const absl::Notification*>(abort)->HasBeenNotified() ? 1 : 0;
}

class SmtpTransport : public MailTransport {
 public:
  explicit SmtpTransport(SmtpOptions options) : options_(std::move(options)) {
    GlobalInit();
    curl_ = curl_easy_init();
  }
  ~SmtpTransport() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  SendOutcome Send(const Email& email, const absl::Notification& abort) override {
    if (curl_ == nullptr) return {SendOutcome::Result::kTransient, "libcurl: no handle"};
    CURL* curl = curl_;
    Upload upload{&email.data};
    char error[CURL_ERROR_SIZE] = {0};
    const std::string from = absl::StrCat("<", email.envelope_from, ">");
    const std::string to = absl::StrCat("<", email.envelope_to, ">");
    curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(email.data.size()));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &AbortWhenNotified);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<absl::Notification*>(&abort));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    // Credentials never cross the network in clear text: with them, a server that offers no
    // STARTTLS is refused rather than given the password.
    const bool sends_credentials = !options_.username.empty();
    if (options_.starttls || (sends_credentials && !options_.allow_plaintext_auth)) {
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
    }
    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(recipients);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (code == CURLE_OK) return {SendOutcome::Result::kSent, ""};
    if (code == CURLE_ABORTED_BY_CALLBACK) return {SendOutcome::Result::kInterrupted, "stopping"};

    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    const std::string detail = error[0] != '\0' ? std::string(error) : curl_easy_strerror(code);
    if (reply >= 500 && reply < 600) {
      return {SendOutcome::Result::kPermanent, absl::StrCat(reply, " ", detail)};
    }
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
      return {SendOutcome::Result::kPermanent, detail};
    }
    if (reply >= 400 && reply < 500) {
      return {SendOutcome::Result::kTransient, absl::StrCat(reply, " ", detail)};
    }
    return {SendOutcome::Result::kTransient, detail};
  }

 private:
  const SmtpOptions options_;
  CURL* curl_ = nullptr;
};

}  // namespace

absl::Status ValidateSmtpOptions(const SmtpOptions& options) {
  if (!absl::StartsWith(options.url, "smtp://") && !absl::StartsWith(options.url, "smtps://")) {
    return absl::InvalidArgumentError("--smtp_url: must start with smtp:// or smtps://");
  }
  if (options.url.find('@') != std::string::npos) {
    // Credentials in the URL would show in error messages; flags keep them out of sight.
    return absl::InvalidArgumentError(
        "--smtp_url: no user or password in the URL; use --smtp_username and "
        "CRMSYNC_SMTP_PASSWORD");
  }
  if (options.starttls && absl::StartsWith(options.url, "smtps://")) {
    return absl::InvalidArgumentError(
        "--smtp_starttls: smtps:// already uses TLS from the start; use smtp:// with STARTTLS");
  }
  if (options.username.empty() != options.password.empty()) {
    return absl::InvalidArgumentError("--smtp_username: needs --smtp_password and vice versa");
  }
  if (!options.username.empty() && absl::StartsWith(options.url, "smtp://") && !options.starttls &&
      !options.allow_plaintext_auth) {
    return absl::InvalidArgumentError(
        "--smtp_username: SMTP AUTH needs TLS: use an smtps:// --smtp_url or --smtp_starttls "
        "(--smtp_allow_plaintext_auth only for local tests)");
  }
  return absl::OkStatus();
}

std::unique_ptr<MailTransport> MakeSmtpTransport(const SmtpOptions& options) {
  return std::make_unique<SmtpTransport>(options);
}

}  // namespace crmsync::notify
