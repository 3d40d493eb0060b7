#include "services/sync/store/pg_inbox_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"

namespace crmsync::sync {
namespace {

using Tx = pqxx::transaction_base;

std::string SideName(Side side) { return std::string(SideKey(side)); }

}  // namespace

absl::StatusOr<std::optional<WebhookDigests>> PgInboxStore::WebhookSecretDigests(
    absl::string_view portal_id, Side side) {
  using Result = std::optional<WebhookDigests>;
  return pool_.TransactValue<Result>([&](Tx& tx) -> absl::StatusOr<Result> {
    const auto rows = tx.exec_prepared("webhook_secret", std::string(portal_id), SideName(side));
    if (rows.empty()) return std::nullopt;
    return WebhookDigests{rows[0]["secret_sha256"].as<std::string>(),
                          rows[0]["previous_sha256"].as<std::string>()};
  });
}

absl::Status PgInboxStore::SetWebhookSecretDigest(absl::string_view portal_id, Side side,
                                                  absl::string_view secret_sha256, absl::Time now) {
  return pool_.Transact([&](Tx& tx) {
    tx.exec_prepared("put_webhook_secret", std::string(portal_id), SideName(side),
                     std::string(secret_sha256), absl::ToUnixMicros(now), /*keep_previous=*/false);
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

absl::StatusOr<int64_t> PgInboxStore::AddCrmWatch(absl::string_view portal_id, int64_t channel_id,
                                                  absl::Time now) {
  return pool_.TransactValue<int64_t>([&](Tx& tx) -> absl::StatusOr<int64_t> {
    const auto rows = tx.exec_prepared("insert_crm_watch", std::string(portal_id), channel_id,
                                       absl::ToUnixMicros(now));
    return rows[0]["channel_id"].as<int64_t>();
  });
}

absl::StatusOr<std::vector<CrmWatchClaim>> PgInboxStore::ClaimCrmWatches(absl::Time now,
                                                                         absl::Time renew_before,
                                                                         absl::Time lease_until,
                                                                         int limit) {
  using Result = std::vector<CrmWatchClaim>;
  return pool_.TransactValue<Result>([&](Tx& tx) -> absl::StatusOr<Result> {
    const auto rows =
        tx.exec_prepared("claim_crm_watches", absl::ToUnixMicros(now),
                         absl::ToUnixMicros(renew_before), absl::ToUnixMicros(lease_until), limit);
    Result claims;
    for (const auto& row : rows) {
      claims.push_back({row["portal_id"].as<std::string>(), row["channel_id"].as<int64_t>()});
    }
    return claims;
  });
}

absl::Status PgInboxStore::CrmWatchRenewed(absl::string_view portal_id,
                                           absl::string_view token_sha256, absl::Time expiry,
                                           absl::Time now) {
  return pool_.Transact([&](Tx& tx) {
    tx.exec_prepared("put_webhook_secret", std::string(portal_id), SideName(Side::kCrm),
                     std::string(token_sha256), absl::ToUnixMicros(now), /*keep_previous=*/true);
    tx.exec_prepared("finish_crm_watch", std::string(portal_id),
                     std::optional<int64_t>(absl::ToUnixMicros(expiry)), std::string());
    return absl::OkStatus();
  });
}

absl::Status PgInboxStore::CrmWatchFailed(absl::string_view portal_id, absl::string_view error) {
  return pool_.Transact([&](Tx& tx) {
    tx.exec_prepared("finish_crm_watch", std::string(portal_id), std::optional<int64_t>(),
                     std::string(error));
    return absl::OkStatus();
  });
}

}  // namespace crmsync::sync
