// The webhook receivers of the sync service: what Zoho POSTs to /webhooks/crm (CRM watch
// notifications) and /webhooks/projects (Projects task and comment webhooks) is checked, stored
// in the inbox and queued for processing (inbox_processor.h), and answered at once.
//
// A request names its portal (CRM: the `portal_id` parameter of the channel's notify_url, in
// the URL or echoed in the body's query_params;
// Projects: the webhook's `portal_id` parameter) and proves its origin with the portal's webhook
// secret for that side (CRM: the channel's `token`, echoed in each notification; Projects: the
// `crmsync_secret` parameter), compared in constant time with what was issued. Answers:
//   200 stored and queued;
//   400 malformed (no portal_id, JSON or parameters that break Zoho's documented shape, an id
//       that is not a record id, more than kMaxWebhookIds ids or kMaxWebhookParams parameters);
//   401 the token or secret is missing or wrong;
//   404 the portal has no webhook secret for that side (unknown portal);
//   413 a body over kMaxWebhookBody (answered by the HTTP server before any of this);
//   431 more than kMaxWebhookHeaders headers or kMaxWebhookHeaderBytes of them (likewise);
//   503 the database could not store it (the sender may retry).
// Only a 200 stores anything. The secret itself is never stored, logged or echoed.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_RECEIVER_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_RECEIVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "libs/common/clock.h"
#include "libs/http/url.h"
#include "services/sync/metrics.h"
#include "services/sync/store/inbox_store.h"

namespace crmsync::sync {

// The largest body accepted; a larger one is answered 413.
inline constexpr size_t kMaxWebhookBody = 1 << 20;
// Most record ids one CRM notification lists (CRM's bulk writes take 100 records a call).
inline constexpr size_t kMaxWebhookIds = 1000;
// Most parameters (URL and form together) of one Projects webhook; Zoho sends a handful.
inline constexpr size_t kMaxWebhookParams = 100;
// Most headers, and most bytes of names and values together, of one webhook request; the HTTP
// server already cuts each header line at 8 KiB.
inline constexpr size_t kMaxWebhookHeaders = 100;
inline constexpr size_t kMaxWebhookHeaderBytes = 32 * 1024;
// The Projects webhook parameter that carries the portal's secret.
inline constexpr char kProjectsSecretParam[] = "crmsync_secret";

// A new webhook secret: 32 URL-safe characters (CRM takes a channel token of at most 50).
std::string NewWebhookSecret();
// The digest a secret is stored as (InboxStore::SetWebhookSecretDigest).
std::string WebhookSecretDigest(absl::string_view secret);

struct WebhookReply {
  int status = 200;
  std::string body;  // JSON
};

class WebhookReceiver {
 public:
  // `store` and `clock` must outlive the receiver.
  WebhookReceiver(InboxStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // POST /webhooks/crm: `query` is the URL's parameters, `body` the notification's JSON.
  WebhookReply Crm(const http::Params& query, absl::string_view body);
  // POST /webhooks/projects: `params` are the URL's and the form body's parameters together.
  WebhookReply Projects(const http::Params& params);

 private:
  // 404 / 401 / 503 when the portal's secret on `side` does not let `presented` in; nullopt
  // when it does.
  std::optional<WebhookReply> Authenticate(absl::string_view portal_id, Side side,
                                           absl::string_view presented);
  WebhookReply Store(absl::string_view portal_id, Side side, absl::string_view body);

  InboxStore& store_;
  const Clock& clock_;
};

// The HTTP port of the receivers (cpp-httplib): POST /webhooks/crm and /webhooks/projects, every
// answer counted in crmsync_sync_webhook_requests_total.
class WebhookServer {
 public:
  // `receiver` and `metrics` must outlive the server.
  WebhookServer(WebhookReceiver& receiver, SyncMetrics& metrics);
  ~WebhookServer();

  // Binds `host`:`port` (1..65535). UNAVAILABLE when it is taken.
  absl::Status Bind(const std::string& host, int port);
  // Serves until `stop` is notified; requests in progress finish first.
  void Serve(const absl::Notification& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_RECEIVER_H_
