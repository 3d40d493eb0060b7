#include "services/sync/store/pg_inbox_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"

namespace crmsync::sync {
namespace {

using Tx = pqxx::transaction_base;

std::string SideName(Side side) { return std::string(SideKey(side)); }

}  // namespace

absl::StatusOr<std::optional<std::string>> PgInboxStore::WebhookSecretDigest(
    absl::string_view portal_id, Side side) {
  using Result = std::optional<std::string>;
  return pool_.TransactValue<Result>([&](Tx& tx) -> absl::StatusOr<Result> {
    const auto rows = tx.exec_prepared("webhook_secret", std::string(portal_id), SideName(side));
    if (rows.empty()) return std::nullopt;
    return rows[0]["secret_sha256"].as<std::string>();
  });
}

absl::Status PgInboxStore::SetWebhookSecretDigest(absl::string_view portal_id, Side side,
                                                  absl::string_view secret_sha256, absl::Time now) {
  return pool_.Transact([&](Tx& tx) {
    tx.exec_prepared("put_webhook_secret", std::string(portal_id), SideName(side),
                     std::string(secret_sha256), absl::ToUnixMicros(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgInboxStore::AddRequest(absl::string_view portal_id, Side side,
                                                 absl::string_view body, absl::Time now) {
  return pool_.TransactValue<int64_t>([&](Tx& tx) -> absl::StatusOr<int64_t> {
    const auto rows = tx.exec_prepared("insert_inbox", std::string(portal_id), SideName(side),
                                       std::string(body), absl::ToUnixMicros(now));
    const int64_t inbox_id = rows[0]["inbox_id"].as<int64_t>();
    const std::string key = absl::StrCat(inbox_id);
    absl::StatusOr<bool> queued = work_queue::Enqueue(
        tx, {.queue = kInboxQueue, .key = key, .payload = key, .group = "", .due = now}, now);
    if (!queued.ok()) return queued.status();
    tx.exec_prepared("link_inbox_item", inbox_id, kInboxQueue);
    return inbox_id;
  });
}

absl::StatusOr<InboxRequest> PgInboxStore::GetRequest(int64_t inbox_id) {
  return pool_.TransactValue<InboxRequest>([&](Tx& tx) -> absl::StatusOr<InboxRequest> {
    const auto rows = tx.exec_prepared("inbox_request", inbox_id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("no inbox request ", inbox_id));
    InboxRequest request;
    request.inbox_id = rows[0]["inbox_id"].as<int64_t>();
    request.portal_id = rows[0]["portal_id"].as<std::string>();
    request.side = SideFromKey(rows[0]["side"].as<std::string>());
    request.body = rows[0]["body"].as<std::string>();
    request.receive_time = absl::FromUnixMicros(rows[0]["receive_micros"].as<int64_t>());
    return request;
  });
}

}  // namespace crmsync::sync
