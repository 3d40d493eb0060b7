// Notes added or deleted in Zoho CRM on linked tasks. CRM's watch does not cover Notes, so the
// periodic reconciliation of a portal asks for them: each note that is not crmsync's own copy is
// submitted through the change pipeline as a comment from CRM (ADD, or DELETE once CRM no longer
// has it), so the comment rules and deduplication decide as for a webhook.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_NOTES_POLL_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_NOTES_POLL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crmsync::sync {

class NotesPoll {
 public:
  virtual ~NotesPoll() = default;
  // Submits the notes of the portal's linked CRM tasks added or edited at or after `since`, and
  // the deletion of each copied note CRM no longer has, whenever it was deleted (a note seen
  // twice is a DUPLICATE, so overlapping windows are safe); returns how many
  // comments it submitted that were not duplicates. Errors as IngestSource's (zoho_source.h);
  // nothing is lost on an error, as the next poll reads the same window again.
  virtual absl::StatusOr<int> Poll(absl::string_view portal_id, absl::Time since,
                                   absl::Time deadline) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_NOTES_POLL_H_
