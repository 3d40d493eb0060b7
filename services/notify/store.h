// Where notifications live and how senders share the queue. PgStore is the implementation; tests
// of the server and the sender use fakes.
#ifndef CRMSYNC_SERVICES_NOTIFY_STORE_H_
#define CRMSYNC_SERVICES_NOTIFY_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notify/notification.h"

namespace crmsync::notify {

struct InsertResult {
  Notification notification;
  bool duplicate = false;  // a notification for this failure id already existed
};

struct ListPage {
  std::vector<Notification> notifications;
  std::optional<PageKey> next;  // set when more may follow
};

// One claimed notification: `attempt` fences its completion, so a sender whose lease expired and
// whose row was claimed again cannot overwrite the newer attempt's outcome.
struct Claim {
  Notification notification;
  int attempt = 0;
};

struct QueueStats {
  int64_t depth = 0;          // PENDING or SENDING
  absl::Duration oldest_age;  // age of the oldest of them; zero when none
  struct Count {
    Kind kind;
    State state;
    int64_t count;
  };
  std::vector<Count> counts;  // every (kind, state) with at least one notification
};

class NotifyStore {
 public:
  virtual ~NotifyStore() = default;

  // Stores `notification` at `now` as PENDING, first due at `due`, unless its failure id exists:
  // then returns the existing one unchanged with duplicate = true.
  virtual absl::StatusOr<InsertResult> Insert(const NewNotification& notification,
                                              absl::string_view subject, absl::Time now,
                                              absl::Time due) = 0;

  // NOT_FOUND when there is no such notification.
  virtual absl::StatusOr<Notification> GetById(absl::string_view notification_id) = 0;
  virtual absl::StatusOr<Notification> GetByFailureId(absl::string_view failure_id) = 0;

  // Newest first (create_time, then id, descending), strictly after `after` when given.
  virtual absl::StatusOr<ListPage> List(const ListFilter& filter, std::optional<PageKey> after,
                                        int limit) = 0;

  // Claims up to `limit` notifications that are due (PENDING with next attempt <= now, or SENDING
  // with an expired lease) without waiting on rows other senders hold: each becomes SENDING with
  // a lease until now + lease and one more attempt.
  virtual absl::StatusOr<std::vector<Claim>> ClaimDue(int limit, absl::Duration lease,
                                                      absl::Time now) = 0;

  // For a digest: claims up to `limit` other PENDING notifications (due or not) of `claim`'s
  // portal and recipient, as ClaimDue does.
  virtual absl::StatusOr<std::vector<Claim>> ClaimPendingForRecipient(const Claim& claim, int limit,
                                                                      absl::Duration lease,
                                                                      absl::Time now) = 0;

  // Completes a claimed attempt. FAILED_PRECONDITION when the claim was lost (lease expired and
  // taken over); the caller then leaves the row to its new owner.
  virtual absl::Status MarkSent(const Claim& claim, absl::Time now) = 0;
  virtual absl::Status MarkRetry(const Claim& claim, absl::string_view error,
                                 absl::Time next_attempt, absl::Time now) = 0;
  virtual absl::Status MarkDead(const Claim& claim, absl::string_view error, absl::Time now) = 0;

  virtual absl::StatusOr<QueueStats> Stats(absl::Time now) = 0;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_STORE_H_
