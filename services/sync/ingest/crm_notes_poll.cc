#include "services/sync/ingest/crm_notes_poll.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "services/sync/change/comment.h"
#include "services/sync/ingest/inbox_processor.h"

namespace crmsync::sync {
namespace {

// If-Modified-Since names a second and CRM answers what was modified after it: one second
// earlier keeps a note modified in the window's first second.
constexpr absl::Duration kHeaderResolution = absl::Seconds(1);

CommentChange NoteComment(absl::string_view portal_id, const std::string& task_id,
                          const std::string& note_id) {
  CommentChange comment;
  comment.portal_id = std::string(portal_id);
  comment.origin_side = Side::kCrm;
  comment.task_id = task_id;
  comment.comment_id = note_id;
  return comment;
}

}  // namespace

absl::StatusOr<int> CrmNotesPoll::Poll(absl::string_view portal_id, absl::Time since,
                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(const int added, Additions(portal_id, since, deadline));
  ASSIGN_OR_RETURN(const int deleted, Deletions(portal_id, deadline));
  return added + deleted;
}

absl::StatusOr<int> CrmNotesPoll::Additions(absl::string_view portal_id, absl::Time since,
                                            absl::Time deadline) {
  int submitted = 0;
  std::map<std::string, bool> linked;
  for (int page = 1;; ++page) {
    ASSIGN_OR_RETURN(const zoho::CrmPage<zoho::CrmNote> notes,
                     zoho_.CrmNotes(portal_id, since - kHeaderResolution, page, deadline));
    for (const zoho::CrmNote& note : notes.records) {
      if ((note.parent_module && *note.parent_module != "Tasks") ||
          EndsWithCopyMarker(note.content)) {
        continue;
      }
      auto [known, inserted] = linked.try_emplace(note.parent_id, false);
      if (inserted) {
        ASSIGN_OR_RETURN(const std::optional<StoredTask> task,
                         store_.ReadTask(portal_id, Side::kCrm, note.parent_id, deadline));
        known->second = task.has_value();
      }
      if (!known->second) continue;
      CommentChange comment = NoteComment(portal_id, note.parent_id, note.id);
      comment.event_id =
          absl::StrCat("note:", note.id, "@", absl::ToUnixMillis(note.modified_time));
      comment.action = CommentAction::kAdd;
      comment.content = note.content;
      if (const auto& author = note.created_by ? note.created_by : note.owner) {
        comment.author.user_id = author->id;
        comment.author.display_name = author->name.value_or("");
      }
      comment.source_modified_time = note.modified_time;
      ASSIGN_OR_RETURN(const int counted, Submit(comment, deadline));
      submitted += counted;
    }
    if (!notes.more_records) return submitted;
  }
}

absl::StatusOr<int> CrmNotesPoll::Deletions(absl::string_view portal_id, absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::vector<CopiedComment> copied,
                   store_.ListCopiedComments(portal_id, Side::kCrm, deadline));
  int submitted = 0;
  for (auto begin = copied.begin(); begin != copied.end();) {
    const std::string& task_id = begin->task_id;
    auto end = std::find_if(begin, copied.end(),
                            [&](const CopiedComment& c) { return c.task_id != task_id; });
    absl::StatusOr<std::vector<zoho::CrmNote>> notes =
        zoho_.CrmTaskNotes(portal_id, task_id, deadline);
    // CRM refuses the notes of a task it no longer has; the task's deletion is its own change.
    if (absl::IsInvalidArgument(notes.status()) || absl::IsNotFound(notes.status())) {
      LogInfo(
          "a linked CRM task's notes cannot be read; its deleted notes wait",
          {{"portal_id", portal_id}, {"task_id", task_id}, {"error", notes.status().ToString()}});
      begin = end;
      continue;
    }
    if (!notes.ok()) return notes.status();
    std::set<std::string> present;
    for (const zoho::CrmNote& note : *notes) present.insert(note.id);
    for (; begin != end; ++begin) {
      if (present.contains(begin->comment_id)) continue;
      CommentChange comment = NoteComment(portal_id, begin->task_id, begin->comment_id);
      comment.event_id = absl::StrCat("note:", begin->comment_id, "@delete");
      comment.action = CommentAction::kDelete;
      comment.source_modified_time = clock_.Now();
      ASSIGN_OR_RETURN(const int counted, Submit(comment, deadline));
      submitted += counted;
    }
  }
  return submitted;
}

absl::StatusOr<int> CrmNotesPoll::Submit(const CommentChange& comment, absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::optional<ProcessedChange> processed,
                   SubmitValidComment(pipeline_, metrics_, comment, deadline));
  return processed.has_value() && !processed->outcome.duplicate ? 1 : 0;
}

}  // namespace crmsync::sync
