#include "libs/http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace crmsync::http {
namespace {

constexpr absl::string_view kNotSentPayload = "crmsync.http/not-sent";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  Response response;
  size_t max_body = 0;
  bool body_too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (transfer->response.body.size() + n > transfer->max_body) {
    transfer->body_too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, n);
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::function<bool()>*>(user);
  return (*cancelled)() ? 1 : 0;  // non-zero aborts the transfer
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  line = absl::StripTrailingAsciiWhitespace(line);
  // A status line starts a new response (after 100 Continue): keep only the last one's headers.
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  transfer->response.headers.emplace_back(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

absl::Status StatusFromCurl(CURLcode code, const char* detail, bool sent, absl::string_view url) {
  const std::string message =
      absl::StrCat(RedactedUrl(url), ": ", curl_easy_strerror(code), detail[0] ? ": " : "", detail);
  absl::Status status;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      status = absl::DeadlineExceededError(message);
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      status = absl::CancelledError(message);
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      status = absl::UnavailableError(message);
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      status = absl::FailedPreconditionError(message);
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      status = absl::InvalidArgumentError(message);
      break;
    default:
      status = absl::UnknownError(message);
      break;
  }
  if (!sent) status.SetPayload(kNotSentPayload, absl::Cord("1"));
  return status;
}

}  // namespace

absl::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

bool IsIdempotent(const Request& request) {
  return request.method != Method::kPost || request.post_is_idempotent;
}

std::optional<std::string> Response::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

bool NotSent(const absl::Status& status) { return status.GetPayload(kNotSentPayload).has_value(); }

std::string RedactedUrl(absl::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

CurlHttpClient::CurlHttpClient(CurlOptions options) : options_(std::move(options)) {
  InitCurlOnce();
}

CurlHttpClient::~CurlHttpClient() {
  for (void* handle : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlHttpClient::AcquireHandle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::ReleaseHandle(void* handle) {
  // curl_easy_reset clears the options but keeps the handle's live connections and caches.
  curl_easy_reset(static_cast<CURL*>(handle));
  std::lock_guard lock(mutex_);
  if (static_cast<int>(idle_handles_.size()) < options_.max_idle_handles) {
    idle_handles_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::StatusOr<Response> CurlHttpClient::Send(const Request& request) {
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");

  Transfer transfer;
  transfer.max_body = options_.max_response_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* header_list = nullptr;
  // curl sends "Expect: 100-continue" for larger bodies, which costs a round trip; every server
  // crmsync talks to accepts the body at once.
  header_list = curl_slist_append(header_list, "Expect:");
  for (const auto& [name, value] : request.headers) {
    header_list = curl_slist_append(header_list, absl::StrCat(name, ": ", value).c_str());
  }

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(
                       request.timeout.value_or(options_.total_timeout))));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (request.cancelled) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.cancelled);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  switch (request.method) {
    case Method::kGet:
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
      break;
    case Method::kDelete:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
      if (!request.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      }
      break;
    case Method::kPost:
    case Method::kPut:
    case Method::kPatch:
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != Method::kPost) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, MethodName(request.method).data());
      }
      break;
  }

  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  curl_slist_free_all(header_list);
  ReleaseHandle(curl);

  if (transfer.body_too_large) {
    return absl::ResourceExhaustedError(absl::StrCat(
        RedactedUrl(request.url), ": response body over ", options_.max_response_bytes, " bytes"));
  }
  if (code != CURLE_OK) {
    // Until the request is ready to go out (pretransfer), nothing reached the server.
    return StatusFromCurl(code, error, pretransfer_us > 0, request.url);
  }
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

absl::StatusOr<Response> DeadlineHttpClient::Send(const Request& request) {
  const absl::Time deadline = deadline_;
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat("deadline passed before ", RedactedUrl(request.url), " was sent"));
  }
  Request bounded = request;
  if (deadline != absl::InfiniteFuture() && bounded.timeout.has_value()) {
    bounded.timeout = std::min(*bounded.timeout, deadline - absl::Now());
  }
  bounded.cancelled = [deadline, own = request.cancelled] {
    return absl::Now() >= deadline || (own && own());
  };
  absl::StatusOr<Response> response = inner_.Send(bounded);
  if (absl::IsCancelled(response.status()) && absl::Now() >= deadline) {
    return absl::DeadlineExceededError(absl::StrCat("deadline passed waiting for ",
                                                    RedactedUrl(request.url), ": ",
                                                    response.status().message()));
  }
  return response;
}

}  // namespace crmsync::http
