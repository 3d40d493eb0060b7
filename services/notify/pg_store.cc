#include "services/notify/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace crmsync::notify {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

std::optional<absl::Time> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

// Decodes one row of notification_rows' columns (see V001__notifications.sql), by name.
absl::StatusOr<Notification> FromRow(const pqxx::row& row) {
  Notification n;
  n.notification_id = row["notification_id"].as<std::string>();
  n.failure_id = row["failure_id"].as<std::string>();
  n.portal_id = row["portal_id"].as<std::string>();
  n.recipient.email = row["recipient_email"].as<std::string>();
  n.recipient.display_name = row["recipient_name"].as<std::string>();
  const std::string kind_name = row["kind"].as<std::string>();
  const auto kind = KindFromName(kind_name);
  if (!kind) return absl::InternalError(absl::StrCat("stored kind is unknown: ", kind_name));
  n.kind = *kind;
  ASSIGN_OR_RETURN(n.parameters, ParametersFromJson(row["parameters"].as<std::string>()));
  n.subject = row["subject"].as<std::string>();
  const std::string state_name = row["state"].as<std::string>();
  const auto state = StateFromName(state_name);
  if (!state) return absl::InternalError(absl::StrCat("stored state is unknown: ", state_name));
  n.state = *state;
  n.attempts = row["attempts"].as<int>();
  n.last_error = row["last_error"].as<std::string>();
  n.message_id = row["message_id"].as<std::string>();
  n.create_time = absl::FromUnixMicros(row["created_us"].as<int64_t>());
  n.update_time = absl::FromUnixMicros(row["updated_us"].as<int64_t>());
  n.next_attempt_time = OptionalTime(row["next_attempt_us"]);
  n.sent_time = OptionalTime(row["sent_us"]);
  return n;
}

absl::StatusOr<Notification> OneRow(const pqxx::result& result) {
  if (result.empty()) return absl::NotFoundError("no such notification");
  return FromRow(result[0]);
}

absl::Status ExpectOneUpdated(const pqxx::result& result, const Claim& claim) {
  if (result.affected_rows() == 1) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("notification ",
                                                    claim.notification.notification_id, " attempt ",
                                                    claim.attempt, " lost its lease"));
}

// The claims of (notification id, attempt) rows, read in the same transaction.
absl::StatusOr<std::vector<Claim>> ClaimsFrom(pqxx::transaction_base& tx,
                                              const pqxx::result& claimed) {
  std::vector<Claim> claims;
  for (const auto& row : claimed) {
    ASSIGN_OR_RETURN(
        auto notification,
        OneRow(tx.exec_prepared("get_notification_by_id", row["notification_id"].as<int64_t>())));
    claims.push_back(Claim{std::move(notification), row["attempts"].as<int>()});
  }
  return claims;
}

}  // namespace

absl::StatusOr<InsertResult> PgStore::Insert(const NewNotification& n, absl::string_view subject,
                                             absl::Time now, absl::Time due) {
  return pool_.TransactValue<InsertResult>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<InsertResult> {
        const auto inserted = tx.exec_prepared(
            "insert_notification", n.failure_id, n.portal_id, n.recipient.email,
            n.recipient.display_name, std::string(KindName(n.kind)), ParametersToJson(n.parameters),
            std::string(subject), MessageIdFor(n.failure_id), Micros(now), Micros(due));
        // No row: the failure id exists, committed before this statement started or by a
        // concurrent insert it waited for; this second statement sees either.
        const bool duplicate = inserted.empty();
        ASSIGN_OR_RETURN(auto notification,
                         OneRow(tx.exec_prepared("get_notification_by_failure_id", n.failure_id)));
        return InsertResult{std::move(notification), duplicate};
      });
}

absl::StatusOr<Notification> PgStore::GetById(absl::string_view notification_id) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(notification_id, &id)) return absl::NotFoundError("no such notification");
  return pool_.TransactValue<Notification>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<Notification> {
        return OneRow(tx.exec_prepared("get_notification_by_id", id));
      });
}

absl::StatusOr<Notification> PgStore::GetByFailureId(absl::string_view failure_id) {
  return pool_.TransactValue<Notification>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<Notification> {
        return OneRow(tx.exec_prepared("get_notification_by_failure_id", std::string(failure_id)));
      });
}

absl::StatusOr<ListPage> PgStore::List(const ListFilter& filter, std::optional<PageKey> after,
                                       int limit) {
  return pool_.TransactValue<ListPage>([&](pqxx::transaction_base& tx) -> absl::StatusOr<ListPage> {
    // One row more than asked tells whether another page follows.
    const auto rows = tx.exec_prepared(
        "list_notifications", filter.portal_id, absl::AsciiStrToLower(filter.recipient_email),
        filter.state ? std::string(StateName(*filter.state)) : std::string(), after.has_value(),
        after ? Micros(after->create_time) : int64_t{0}, after ? after->notification_id : 0,
        limit + 1);
    ListPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.notifications.size()) == limit) {
        const auto& last = page.notifications.back();
        PageKey key{last.create_time, 0};
        absl::SimpleAtoi(last.notification_id, &key.notification_id);
        page.next = key;
        break;
      }
      ASSIGN_OR_RETURN(auto notification, FromRow(row));
      page.notifications.push_back(std::move(notification));
    }
    return page;
  });
}

absl::StatusOr<std::vector<Claim>> PgStore::ClaimDue(int limit, absl::Duration lease,
                                                     absl::Time now) {
  return pool_.TransactValue<std::vector<Claim>>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::vector<Claim>> {
        const auto claimed = tx.exec_prepared("claim_due_notifications", limit, Micros(now),
                                              absl::ToInt64Microseconds(lease));
        return ClaimsFrom(tx, claimed);
      });
}

absl::StatusOr<std::vector<Claim>> PgStore::ClaimPendingForRecipient(const Claim& claim, int limit,
                                                                     absl::Duration lease,
                                                                     absl::Time now) {
  return pool_.TransactValue<std::vector<Claim>>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::vector<Claim>> {
        const Notification& n = claim.notification;
        const auto claimed = tx.exec_prepared(
            "claim_pending_for_recipient", n.portal_id, absl::AsciiStrToLower(n.recipient.email),
            n.notification_id, limit, Micros(now), absl::ToInt64Microseconds(lease));
        return ClaimsFrom(tx, claimed);
      });
}

absl::Status PgStore::MarkSent(const Claim& claim, absl::Time now) {
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    return ExpectOneUpdated(
        tx.exec_prepared("mark_notification_sent", claim.notification.notification_id,
                         claim.attempt, Micros(now)),
        claim);
  });
}

absl::Status PgStore::MarkRetry(const Claim& claim, absl::string_view error,
                                absl::Time next_attempt, absl::Time now) {
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    return ExpectOneUpdated(
        tx.exec_prepared("mark_notification_retry", claim.notification.notification_id,
                         claim.attempt, std::string(error), Micros(next_attempt), Micros(now)),
        claim);
  });
}

absl::Status PgStore::MarkDead(const Claim& claim, absl::string_view error, absl::Time now) {
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    return ExpectOneUpdated(
        tx.exec_prepared("mark_notification_dead", claim.notification.notification_id,
                         claim.attempt, std::string(error), Micros(now)),
        claim);
  });
}

absl::StatusOr<QueueStats> PgStore::Stats(absl::Time now) {
  return pool_.TransactValue<QueueStats>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<QueueStats> {
        QueueStats stats;
        std::optional<absl::Time> oldest;
        for (const auto& row : tx.exec_prepared("notification_counts")) {
          const auto kind = KindFromName(row["kind"].as<std::string>());
          const auto state = StateFromName(row["state"].as<std::string>());
          if (!kind || !state) continue;
          const int64_t count = row["count"].as<int64_t>();
          stats.counts.push_back({*kind, *state, count});
          if (*state == State::kPending || *state == State::kSending) {
            stats.depth += count;
            const absl::Time created = absl::FromUnixMicros(row["oldest_created_us"].as<int64_t>());
            if (!oldest || created < *oldest) oldest = created;
          }
        }
        if (oldest) stats.oldest_age = std::max(absl::ZeroDuration(), now - *oldest);
        return stats;
      });
}

}  // namespace crmsync::notify
