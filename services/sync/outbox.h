// The outbox: the writes to Zoho that an accepted change, comment or Add to CRM queues, in the
// same transaction that records it. Each write is one item of the work queue kOutboxQueue
// (libs/work_queue), in the group of its task (OutboxGroup), so one task's writes are claimed
// together and by one worker at a time; its payload is an OutboxWrite (EncodeOutboxWrite).
// Delivery reads the values to write from the canonical state when it runs, so an UPDATE_TASK
// carries field names only and several pending ones of a task coalesce into one write.
//
// Item keys, unique per write, so a retried transaction never queues a write twice:
//   CREATE_TASK     "create:<link_id>"
//   UPDATE_TASK     "update:<change_id>"            (a change applied; target = the other side)
//                   "restore:<failure_id>"          (REPORT_AND_RESTORE; target = the origin side)
//   ADD_COMMENT     "comment-add:<copy_id>"         (comment_copies row)
//   DELETE_COMMENT  "comment-delete:<copy_id>"
#ifndef CRMSYNC_SERVICES_SYNC_OUTBOX_H_
#define CRMSYNC_SERVICES_SYNC_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// The work queue of the outbox.
inline constexpr char kOutboxQueue[] = "sync_outbox";

// crmsync.sync.v1.OutboxKind.
enum class OutboxKind {
  kUnspecified = 0,
  kCreateTask = 1,
  kUpdateTask = 2,
  kAddComment = 3,
  kDeleteComment = 4
};

// One queued write to one side.
struct OutboxWrite {
  OutboxKind kind = OutboxKind::kUnspecified;
  Side target_side = Side::kUnspecified;
  int64_t link_id = 0;
  // UPDATE_TASK: the fields to write, in kAllFields order.
  std::vector<Field> fields;
  // ADD_COMMENT / DELETE_COMMENT: the comment_copies row.
  int64_t copy_id = 0;
  // The change (or comment, or Add to CRM) that queued it: a failed delivery is recorded
  // against it and its actor is told. origin_side is the side it came from (for a restore, the
  // target side itself); event_id is empty for Add to CRM.
  Side origin_side = Side::kUnspecified;
  std::string event_id;
  Actor actor;
  // When crmsync accepted the change: the start of its propagation latency.
  absl::Time accept_time;
};

// The group of every write of the task linked as `link_id`.
std::string OutboxGroup(int64_t link_id);

// The payload of the item (JSON), and back. Decode: INTERNAL when `payload` is not one.
std::string EncodeOutboxWrite(const OutboxWrite& write);
absl::StatusOr<OutboxWrite> DecodeOutboxWrite(absl::string_view payload);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_OUTBOX_H_
