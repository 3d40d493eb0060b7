// Test builders for the sync domain: a well-formed change from each side, a comment, the portal
// value maps crmsync.common.v1 documents as defaults, and canonical field states.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_BUILDERS_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_BUILDERS_H_

#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/sync/change/task.h"
#include "services/sync/change/value_maps.h"

namespace crmsync::sync::testing {

// 2026-11-30 09:00 UTC plus `minutes`: source modified times.
inline absl::Time At(int minutes) {
  return absl::FromCivil(absl::CivilMinute(2026, 11, 30, 9, 0), absl::UTCTimeZone()) +
         absl::Minutes(minutes);
}

// A well-formed change from `side` at At(0) that carries no field yet.
inline TaskChange ChangeFrom(Side side) {
  TaskChange change;
  change.portal_id = "750000000000001";
  change.origin_side = side;
  change.event_id = "6000000012345:2026-11-30T09:00:00+00:00";
  change.task_id = side == Side::kCrm ? "6000000012345" : "1700000000042";
  change.actor = {"4000000000007", "george@example.com", "George Miller"};
  change.source_modified_time = At(0);
  return change;
}

inline TaskChange WithTitle(TaskChange change, std::string title) {
  change.fields.title = std::move(title);
  return change;
}

inline TaskChange WithEndDate(TaskChange change, Date date) {
  change.fields.end_date = date;
  return change;
}

inline TaskChange WithTime(TaskChange change, absl::Time time) {
  change.source_modified_time = time;
  return change;
}

// Linda adds a comment to a linked task in CRM at At(0).
inline CommentChange LindasComment() {
  CommentChange comment;
  comment.portal_id = "750000000000001";
  comment.origin_side = Side::kCrm;
  comment.event_id = "note-6000000099999";
  comment.task_id = "6000000012345";
  comment.comment_id = "6000000099999";
  comment.action = CommentAction::kAdd;
  comment.content = "Customer confirmed the cut-over date.";
  comment.author = {"4000000000008", "linda@example.com", "Linda Smith"};
  comment.source_modified_time = At(0);
  return comment;
}

// A canonical field state set by `side` at `time`.
inline FieldState State(FieldValue value, int64_t version, absl::Time time,
                        Side side = Side::kProjects) {
  return FieldState{std::move(value), version, side, time, "first-event", {}};
}

// The value maps documented on crmsync.common.v1.Priority and TaskStatus (mapping's GetPortal
// returns them when a portal keeps the defaults).
inline ValueMaps DocumentedDefaultMaps() {
  return ValueMaps{
      .crm_priorities = {{"", Priority::kNone, true},
                         {"Low", Priority::kLow, true},
                         {"Lowest", Priority::kLow, false},
                         {"Normal", Priority::kMedium, true},
                         {"High", Priority::kHigh, true},
                         {"Highest", Priority::kHigh, false}},
      .projects_priorities = {{"None", Priority::kNone, true},
                              {"Low", Priority::kLow, true},
                              {"Medium", Priority::kMedium, true},
                              {"High", Priority::kHigh, true}},
      .crm_statuses = {{"Not Started", TaskStatus::kOpen, true},
                       {"Deferred", TaskStatus::kOpen, false},
                       {"In Progress", TaskStatus::kOpen, false},
                       {"Waiting for input", TaskStatus::kOpen, false},
                       {"Waiting on someone else", TaskStatus::kOpen, false},
                       {"Completed", TaskStatus::kClosed, true}},
      .projects_statuses = {{"Open", TaskStatus::kOpen, true},
                            {"Closed", TaskStatus::kClosed, true}},
  };
}

}  // namespace crmsync::sync::testing

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_BUILDERS_H_
