#include "services/notify/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

absl::string_view NotificationStateFor(work_queue::Resolution::Kind kind) {
  switch (kind) {
    case work_queue::Resolution::Kind::kDone:
      return "SENT";
    case work_queue::Resolution::Kind::kDead:
      return "DEAD";
    case work_queue::Resolution::Kind::kRetry:
    case work_queue::Resolution::Kind::kReleased:
      return "PENDING";
  }
  return "PENDING";
}

}  // namespace

absl::StatusOr<InsertResult> PgStore::Insert(const NewNotification& n, absl::string_view subject,
                                             absl::Time now, absl::Time due, absl::Time deadline) {
  return pool_.TransactValue<InsertResult>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<InsertResult> {
        const auto inserted = tx.exec_prepared(
            "insert_notification", n.failure_id, n.portal_id, n.recipient.email,
            n.recipient.display_name, std::string(KindName(n.kind)), ParametersToJson(n.parameters),
            std::string(subject), MessageIdFor(n.failure_id), Micros(now), Micros(due));
        // No row: the failure id exists, committed before this statement started or by a
        // concurrent insert it waited for; this second statement sees either.
        const bool duplicate = inserted.empty();
        if (!duplicate) {
          work_queue::NewItem item{
              kEmailQueue, n.failure_id, inserted[0]["notification_id"].as<std::string>(),
              absl::StrCat(n.portal_id, "/", absl::AsciiStrToLower(n.recipient.email)), due};
          ASSIGN_OR_RETURN(const bool queued, work_queue::Enqueue(tx, item, now));
          if (!queued) {
            return absl::InternalError(
                absl::StrCat("an email item for failure ", n.failure_id, " exists already"));
          }
        }
        ASSIGN_OR_RETURN(auto notification,
                         OneRow(tx.exec_prepared("get_notification_by_failure_id", n.failure_id)));
        return InsertResult{std::move(notification), duplicate};
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<Notification> PgStore::GetById(absl::string_view notification_id,
                                              absl::Time deadline) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(notification_id, &id)) return absl::NotFoundError("no such notification");
  return pool_.TransactValue<Notification>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<Notification> {
        return OneRow(tx.exec_prepared("get_notification_by_id", id));
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<Notification> PgStore::GetByFailureId(absl::string_view failure_id,
                                                     absl::Time deadline) {
  return pool_.TransactValue<Notification>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<Notification> {
        return OneRow(tx.exec_prepared("get_notification_by_failure_id", std::string(failure_id)));
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<ListPage> PgStore::List(const ListFilter& filter, std::optional<PageKey> after,
                                       int limit, absl::Time deadline) {
  return pool_.TransactValue<ListPage>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<ListPage> {
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
      },
      pg::Isolation::kReadCommitted, deadline);
}

work_queue::PgHooks PgStore::QueueHooks() {
  work_queue::PgHooks hooks;
  hooks.on_claim = [](pqxx::transaction_base& tx, const std::vector<work_queue::Claim>& claims,
                      absl::Time now) {
    // One statement for the whole claim: the arrays are Postgres literals of numbers.
    std::vector<std::string> ids, attempts, lease_ends;
    for (const auto& claim : claims) {
      int64_t id = 0;
      if (!absl::SimpleAtoi(claim.payload, &id)) {
        return absl::InternalError(
            absl::StrCat("email item ", claim.key, " has no notification id"));
      }
      ids.push_back(absl::StrCat(id));
      attempts.push_back(absl::StrCat(claim.attempt));
      lease_ends.push_back(absl::StrCat(Micros(claim.lease_until)));
    }
    auto array = [](const std::vector<std::string>& numbers) {
      return absl::StrCat("{", absl::StrJoin(numbers, ","), "}");
    };
    tx.exec_prepared("notification_claimed", array(ids), array(attempts), array(lease_ends),
                     Micros(now));
    return absl::OkStatus();
  };
  hooks.on_complete = [](pqxx::transaction_base& tx, const work_queue::Claim& claim,
                         const work_queue::Resolution& resolution, absl::Time now) {
    const bool released = resolution.kind == work_queue::Resolution::Kind::kReleased;
    tx.exec_prepared("notification_outcome", claim.payload,
                     std::string(NotificationStateFor(resolution.kind)),
                     released ? claim.attempt - 1 : claim.attempt, resolution.error, released,
                     Micros(resolution.next_attempt), Micros(now));
    return absl::OkStatus();
  };
  return hooks;
}

}  // namespace crmsync::notify
