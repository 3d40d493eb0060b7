// What delivery of the outbox (services/sync/delivery.h) reads and writes in the sync database
// besides the queue itself: the linked task as recorded now, the PENDING_CREATE link turning
// ACTIVE once its CRM task exists, and the comment copies with the ids of the copies written.
// PgDeliveryStore is the implementation.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_DELIVERY_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_DELIVERY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/work_queue/work_queue.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// Why a write failed for good, as its failure records it.
struct DeliveryFailure {
  FailureReason reason = FailureReason::kDeliveryRefused;
  // A sentence without a final period; never a secret.
  std::string message;
  // The field the failure is about, when one is.
  std::optional<Field> field;
};

// A comment copy (comment_copies) as delivery needs it.
struct CommentCopy {
  int64_t copy_id = 0;
  int64_t link_id = 0;
  // The side of the original; the copy goes to the other one.
  Side origin_side = Side::kUnspecified;
  // The copy's text.
  std::string content;
  // The copy's id on the other side; "" until it was written.
  std::string copy_comment_id;
  // The original was deleted.
  bool deleted = false;
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // The task linked as `link_id` with its canonical state now; nullopt when there is no such
  // link.
  virtual absl::StatusOr<std::optional<StoredTask>> ReadLinked(int64_t link_id) = 0;

  // The CRM task of the PENDING_CREATE link `link_id` is `crm_task_id`: the link turns ACTIVE
  // with it, only while `claim` still holds its outbox item. False (nothing changed) when the
  // link is not PENDING_CREATE any more or the claim was lost.
  virtual absl::StatusOr<bool> ActivateLink(int64_t link_id, const std::string& crm_task_id,
                                            const work_queue::Claim& claim, absl::Time now) = 0;

  // Records that `side` holds `values` after crmsync wrote them there (FieldState::held), for
  // the fields whose canonical value is still the one written.
  virtual absl::Status RecordWritten(int64_t link_id, Side side,
                                     const std::map<Field, FieldValue>& values) = 0;

  // The comment copy `copy_id`; nullopt when there is none.
  virtual absl::StatusOr<std::optional<CommentCopy>> ReadCopy(int64_t copy_id) = 0;

  // Records the id of the copy written on the other side, only while `claim` still holds its
  // outbox item; false (nothing changed) when the claim was lost.
  virtual absl::StatusOr<bool> SetCopyCommentId(int64_t copy_id, const std::string& comment_id,
                                                const work_queue::Claim& claim, absl::Time now) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_DELIVERY_STORE_H_
