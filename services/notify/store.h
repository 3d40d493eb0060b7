// Where notifications live. Delivery is driven by the work queue (libs/work_queue), queue
// kEmailQueue, one item per notification; PgStore is the implementation.
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

// The work queue that sends the emails: one item per notification, keyed by failure id, its
// payload the notification id, grouped by portal and recipient (a digest's members).
inline constexpr char kEmailQueue[] = "notify_email";

class NotifyStore {
 public:
  virtual ~NotifyStore() = default;

  // Every call gives up with DEADLINE_EXCEEDED once `deadline` passes (absl::InfiniteFuture()
  // for none): a gRPC caller's deadline bounds the statements run on its behalf.

  // Stores `notification` at `now` as PENDING and, in the same transaction, queues its email
  // due at `due`, unless its failure id exists: then returns the existing one
  // unchanged with duplicate = true.
  virtual absl::StatusOr<InsertResult> Insert(const NewNotification& notification,
                                              absl::string_view subject, absl::Time now,
                                              absl::Time due, absl::Time deadline) = 0;

  // NOT_FOUND when there is no such notification.
  virtual absl::StatusOr<Notification> GetById(absl::string_view notification_id,
                                               absl::Time deadline) = 0;
  virtual absl::StatusOr<Notification> GetByFailureId(absl::string_view failure_id,
                                                      absl::Time deadline) = 0;

  // Newest first (create_time, then id, descending), strictly after `after` when given.
  virtual absl::StatusOr<ListPage> List(const ListFilter& filter, std::optional<PageKey> after,
                                        int limit, absl::Time deadline) = 0;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_STORE_H_
