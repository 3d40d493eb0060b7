#include "services/sync/ingest/webhook_receiver.h"

#include <httplib.h>

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/bounds.h"
#include "libs/common/ids.h"
#include "libs/common/log.h"
#include "libs/crypto/digest.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/projects_codec.h"
#include "nlohmann/json.hpp"

namespace crmsync::sync {
namespace {

constexpr char kCrmPath[] = "/webhooks/crm";
constexpr char kProjectsPath[] = "/webhooks/projects";

WebhookReply Reply(int status, absl::string_view message) {
  return {status, nlohmann::json{{"message", message}}.dump()};
}

std::string ParamOr(const http::Params& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

// 400 naming the first id that is not a record id (common.proto); nullopt when all are.
std::optional<WebhookReply> MalformedId(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> ids) {
  for (const auto& [field, id] : ids) {
    if (absl::Status status = CheckRecordId(field, id); !status.ok()) {
      return Reply(400, status.message());
    }
  }
  return std::nullopt;
}

}  // namespace

std::string NewWebhookSecret() { return absl::WebSafeBase64Escape(crypto::RandomBytes(24)); }

std::string WebhookSecretDigest(absl::string_view secret) { return crypto::Sha256Hex(secret); }

std::optional<WebhookReply> WebhookReceiver::Authenticate(absl::string_view portal_id, Side side,
                                                          absl::string_view presented) {
  absl::StatusOr<std::optional<WebhookDigests>> digests =
      store_.WebhookSecretDigests(portal_id, side);
  if (!digests.ok()) {
    LogWarning("webhook secret could not be read", {{"error", digests.status().ToString()}});
    return Reply(503, "the request could not be checked; retry later");
  }
  if (!digests->has_value()) return Reply(404, "unknown portal");
  // Digests of equal length: each comparison takes the same time whatever was presented, and
  // both are made.
  const std::string digest = WebhookSecretDigest(presented);
  const bool current = crypto::ConstantTimeEquals(digest, (*digests)->current);
  const bool previous = crypto::ConstantTimeEquals(digest, (*digests)->previous);
  if (!current && !previous) return Reply(401, "bad token or secret");
  return std::nullopt;
}

WebhookReply WebhookReceiver::Store(absl::string_view portal_id, Side side,
                                    absl::string_view body) {
  absl::StatusOr<int64_t> stored = store_.AddRequest(portal_id, side, body, clock_.Now());
  if (!stored.ok()) {
    LogWarning("webhook request could not be stored", {{"error", stored.status().ToString()}});
    return Reply(503, "the request could not be stored; retry later");
  }
  return {200, nlohmann::json{{"inbox_id", absl::StrCat(*stored)}}.dump()};
}

WebhookReply WebhookReceiver::Crm(const http::Params& query, absl::string_view body) {
  absl::StatusOr<zoho::CrmNotification> notification = zoho::ParseCrmNotification(body);
  if (!notification.ok()) return Reply(400, notification.status().message());
  nlohmann::json json = nlohmann::json::parse(body);
  // CRM also echoes the notify_url's query parameters in the body.
  std::string portal_id = ParamOr(query, "portal_id");
  if (const auto echoed = json.find("query_params");
      portal_id.empty() && echoed != json.end() && echoed->is_object()) {
    portal_id = echoed->value("portal_id", "");
  }
  if (portal_id.empty()) return Reply(400, "portal_id: missing from the notify_url");
  if (auto malformed = MalformedId({{"portal_id", portal_id}})) return *malformed;
  if (absl::Status count = CheckMaxCount("ids", notification->ids.size(), kMaxWebhookIds);
      !count.ok()) {
    return Reply(400, count.message());
  }
  for (size_t i = 0; i < notification->ids.size(); ++i) {
    const std::string field = absl::StrCat("ids[", i, "]");
    if (auto malformed = MalformedId({{field, notification->ids[i]}})) return *malformed;
  }
  if (auto refused = Authenticate(portal_id, Side::kCrm, notification->token)) return *refused;
  // The token proves the origin only: what is stored leaves it out.
  json.erase("token");
  return Store(portal_id, Side::kCrm, json.dump());
}

WebhookReply WebhookReceiver::Projects(const http::Params& params) {
  if (absl::Status count = CheckMaxCount("parameters", params.size(), kMaxWebhookParams);
      !count.ok()) {
    return Reply(400, count.message());
  }
  const std::string portal_id = ParamOr(params, "portal_id");
  if (portal_id.empty()) return Reply(400, "portal_id: missing");
  if (auto malformed = MalformedId({{"portal_id", portal_id}})) return *malformed;
  if (auto refused =
          Authenticate(portal_id, Side::kProjects, ParamOr(params, kProjectsSecretParam))) {
    return *refused;
  }
  absl::StatusOr<zoho::ProjectsWebhook> webhook = zoho::ParseProjectsWebhook(params);
  if (!webhook.ok()) return Reply(400, webhook.status().message());
  if (auto malformed =
          MalformedId({{"project_id", webhook->project_id}, {"task_id", webhook->task_id}})) {
    return *malformed;
  }
  if (webhook->comment_id) {
    if (auto malformed = MalformedId({{"comment_id", *webhook->comment_id}})) return *malformed;
  }
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& [name, value] : params) {
    if (name != kProjectsSecretParam) kept.push_back({name, value});
  }
  return Store(portal_id, Side::kProjects, kept.dump());
}

struct WebhookServer::Impl {
  httplib::Server server;
};

WebhookServer::WebhookServer(WebhookReceiver& receiver, SyncMetrics& metrics)
    : impl_(std::make_unique<Impl>()) {
  httplib::Server& server = impl_->server;
  // Every answer, those httplib gives itself (413) included, is counted once here.
  server.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    if (req.path == kCrmPath) metrics.WebhookRequest(Side::kCrm, res.status);
    if (req.path == kProjectsPath) metrics.WebhookRequest(Side::kProjects, res.status);
  });
  const auto respond = [](httplib::Response& res, const WebhookReply& reply) {
    res.status = reply.status;
    res.set_content(reply.body, "application/json");
  };
  server.set_pre_routing_handler([respond](const httplib::Request& req, httplib::Response& res) {
    size_t bytes = 0;
    for (const auto& [name, value] : req.headers) bytes += name.size() + value.size();
    if (req.headers.size() <= kMaxWebhookHeaders && bytes <= kMaxWebhookHeaderBytes) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    respond(res, Reply(431, "too many or too large headers"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Handlers that read the body themselves, up to kMaxWebhookBody: httplib would otherwise
  // refuse form bodies over 8 KiB, far below the limit Zoho's webhooks are held to. nullopt
  // when `res` was answered (413 too large, 400 cut short).
  const auto read_body = [respond](
                             const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader) -> std::optional<std::string> {
    size_t declared = 0;
    if (absl::SimpleAtoi(req.get_header_value("Content-Length"), &declared) &&
        declared > kMaxWebhookBody) {
      respond(res, Reply(413, "the body is larger than 1 MiB"));
      return std::nullopt;
    }
    std::string body;
    bool too_large = false;
    const bool complete = reader([&](const char* data, size_t length) {
      too_large = body.size() + length > kMaxWebhookBody;
      if (!too_large) body.append(data, length);
      return !too_large;
    });
    if (too_large) {
      respond(res, Reply(413, "the body is larger than 1 MiB"));
      return std::nullopt;
    }
    if (!complete) {
      respond(res, Reply(400, "the body could not be read"));
      return std::nullopt;
    }
    return body;
  };
  server.Post(kCrmPath,
              [&receiver, respond, read_body](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
                const std::optional<std::string> body = read_body(req, res, reader);
                if (!body) return;
                const http::Params query(req.params.begin(), req.params.end());
                respond(res, receiver.Crm(query, *body));
              });
  server.Post(kProjectsPath,
              [&receiver, respond, read_body](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
                const std::optional<std::string> body = read_body(req, res, reader);
                if (!body) return;
                http::Params params(req.params.begin(), req.params.end());
                const std::string content_type = req.get_header_value("Content-Type");
                if (content_type.empty() ||
                    absl::StartsWithIgnoreCase(content_type, "application/x-www-form-urlencoded")) {
                  httplib::Params form;
                  httplib::detail::parse_query_text(*body, form);
                  params.insert(params.end(), form.begin(), form.end());
                } else if (!body->empty()) {
                  respond(res, Reply(400, "the body must be form-encoded parameters"));
                  return;
                }
                respond(res, receiver.Projects(params));
              });
}

WebhookServer::~WebhookServer() = default;

absl::Status WebhookServer::Bind(const std::string& host, int port) {
  if (!impl_->server.bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind the webhook port ", host, ":", port));
  }
  return absl::OkStatus();
}

void WebhookServer::Serve(const absl::Notification& stop) {
  std::atomic<bool> ended{false};
  std::thread stopper([&] {
    while (!ended.load() && !stop.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
    }
    impl_->server.stop();
  });
  impl_->server.listen_after_bind();
  ended.store(true);
  stopper.join();
}

}  // namespace crmsync::sync
