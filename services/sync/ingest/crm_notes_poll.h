// NotesPoll (notes_poll.h) on Zoho CRM, through IngestSource's reads:
//  - additions: the notes of every module modified since the window's start (GET /Notes with
//    If-Modified-Since, 200 per page); those on a linked CRM task, other than crmsync's own
//    copies (they end with a CopyMarker; the pipeline would find them an ECHO too), are submitted
//    as ADD made by the note's creator (else its owner) at its Modified_Time, event id
//    "note:<note id>@<Modified_Time in Unix ms>";
//  - deletions: CRM lists no deleted notes (Get Deleted Records does not support Notes), so the
//    notes of each ACTIVE linked task with a CRM note crmsync copied and has not seen deleted are
//    read (GET /Tasks/{id}/Notes), and each such note CRM no longer has is submitted as DELETE,
//    event id "note:<note id>@delete", at the time of the poll.
// A poll thus costs one call per 200 notes modified in the window (one 304 when none was) plus
// one per such task.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_CRM_NOTES_POLL_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_CRM_NOTES_POLL_H_

#include "libs/common/clock.h"
#include "services/sync/ingest/notes_poll.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

class CrmNotesPoll : public NotesPoll {
 public:
  // All references must outlive the poll.
  CrmNotesPoll(SyncStore& store, IngestSource& zoho, ChangePipeline& pipeline, SyncMetrics& metrics,
               const Clock& clock)
      : store_(store), zoho_(zoho), pipeline_(pipeline), metrics_(metrics), clock_(clock) {}

  absl::StatusOr<int> Poll(absl::string_view portal_id, absl::Time since,
                           absl::Time deadline) override;

 private:
  // The notes added or edited in the window.
  absl::StatusOr<int> Additions(absl::string_view portal_id, absl::Time since, absl::Time deadline);
  // The copied notes CRM no longer has.
  absl::StatusOr<int> Deletions(absl::string_view portal_id, absl::Time deadline);
  // 1 when `comment` was submitted and was not a duplicate, else 0.
  absl::StatusOr<int> Submit(const CommentChange& comment, absl::Time deadline);

  SyncStore& store_;
  IngestSource& zoho_;
  ChangePipeline& pipeline_;
  SyncMetrics& metrics_;
  const Clock& clock_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_CRM_NOTES_POLL_H_
