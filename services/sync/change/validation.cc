#include "services/sync/change/validation.h"

#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/bounds.h"
#include "libs/common/status_macros.h"

namespace crmsync::sync {
namespace {

constexpr size_t kMaxEventIdLength = 255;
constexpr size_t kMaxEmailLength = 254;

absl::Status Invalid(absl::string_view path, absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ".", field, ": ", problem));
}

absl::Status CheckSide(absl::string_view path, absl::string_view field, Side side) {
  if (side == Side::kCrm || side == Side::kProjects) return absl::OkStatus();
  if (side == Side::kUnspecified) return Invalid(path, field, "required");
  return Invalid(path, field, absl::StrCat("unknown side ", static_cast<int>(side)));
}

absl::Status CheckEventId(absl::string_view path, absl::string_view event_id, EventIdRule rule) {
  if (event_id.empty()) {
    return rule == EventIdRule::kRequired ? Invalid(path, "event_id", "required")
                                          : absl::OkStatus();
  }
  if (event_id.size() > kMaxEventIdLength) {
    return Invalid(path, "event_id", "longer than 255 characters");
  }
  for (char c : event_id) {
    if (c < 0x20 || c > 0x7e) {
      return Invalid(path, "event_id", "only printable ASCII characters allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTime(absl::string_view path, const std::optional<absl::Time>& time) {
  if (!time.has_value()) return Invalid(path, "source_modified_time", "required");
  return absl::OkStatus();
}

bool IsEmail(absl::string_view email) {
  if (email.size() > kMaxEmailLength) return false;
  const size_t at = email.find('@');
  if (at == 0 || at == absl::string_view::npos || email.find('@', at + 1) != email.npos) {
    return false;
  }
  const absl::string_view domain = email.substr(at + 1);
  if (domain.empty() || domain.find('.') == domain.npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  for (char c : email) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || absl::ascii_iscntrl(c)) return false;
  }
  return true;
}

absl::Status CheckFields(absl::string_view path, const TaskChange& change) {
  const std::string fields_path = absl::StrCat(path, ".fields");
  const TaskFields& fields = change.fields;
  if (change.task_deleted) {
    if (!NoFields(fields)) {
      return absl::InvalidArgumentError(
          absl::StrCat(fields_path, ": must be empty when task_deleted is true"));
    }
    return absl::OkStatus();
  }
  if (NoFields(fields)) {
    return absl::InvalidArgumentError(absl::StrCat(fields_path, ": no field carried"));
  }
  if (fields.title.has_value()) {
    RETURN_IF_ERROR(CheckMaxCharacters(absl::StrCat(fields_path, ".title"), *fields.title,
                                       kMaxTitleInputCharacters));
  }
  if (fields.description.has_value()) {
    RETURN_IF_ERROR(CheckMaxCharacters(absl::StrCat(fields_path, ".description"),
                                       *fields.description, kMaxTextInputCharacters));
  }
  if (fields.priority.has_value()) {
    if (const auto* side_value = std::get_if<std::string>(&*fields.priority)) {
      RETURN_IF_ERROR(CheckMaxCharacters(absl::StrCat(fields_path, ".side_priority"), *side_value,
                                         kMaxSideValueCharacters));
    }
  }
  if (fields.status.has_value()) {
    if (const auto* side_value = std::get_if<std::string>(&*fields.status)) {
      RETURN_IF_ERROR(CheckMaxCharacters(absl::StrCat(fields_path, ".side_status"), *side_value,
                                         kMaxSideValueCharacters));
    }
  }
  if (fields.end_date.has_value()) {
    if (auto end_date = EndDateFromDate(*fields.end_date); !end_date.ok()) {
      return Invalid(fields_path, "end_date", end_date.status().message());
    }
  }
  if (fields.priority.has_value()) {
    if (const auto* priority = std::get_if<Priority>(&*fields.priority)) {
      if (*priority == Priority::kUnspecified)
        return Invalid(fields_path, "priority", "UNSPECIFIED");
      if (*priority < Priority::kNone || *priority > Priority::kHigh) {
        return Invalid(fields_path, "priority",
                       absl::StrCat("unknown value ", static_cast<int>(*priority)));
      }
    }
  }
  if (fields.status.has_value()) {
    if (const auto* status = std::get_if<TaskStatus>(&*fields.status)) {
      if (*status == TaskStatus::kUnspecified) return Invalid(fields_path, "status", "UNSPECIFIED");
      if (*status != TaskStatus::kOpen && *status != TaskStatus::kClosed) {
        return Invalid(fields_path, "status",
                       absl::StrCat("unknown value ", static_cast<int>(*status)));
      }
    }
  }
  if (fields.owner_user_id.has_value() && !fields.owner_user_id->empty()) {
    return CheckRecordId(absl::StrCat(fields_path, ".owner_user_id"), *fields.owner_user_id);
  }
  return absl::OkStatus();
}

std::optional<Rejection> CheckLength(absl::string_view what, absl::string_view text,
                                     size_t max_characters) {
  const size_t count = CharacterCount(text);
  if (count <= max_characters) return std::nullopt;
  return Rejection{FailureReason::kInvalidValue,
                   absl::StrFormat("The %s is %d characters long; at most %d are allowed", what,
                                   count, max_characters)};
}

}  // namespace

absl::Status ValidateChange(const TaskChange& change, absl::string_view path, EventIdRule rule) {
  RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".portal_id"), change.portal_id));
  RETURN_IF_ERROR(CheckSide(path, "origin_side", change.origin_side));
  RETURN_IF_ERROR(CheckEventId(path, change.event_id, rule));
  RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".task_id"), change.task_id));
  if (!change.project_id.empty()) {
    RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".project_id"), change.project_id));
  }
  RETURN_IF_ERROR(CheckTime(path, change.source_modified_time));
  RETURN_IF_ERROR(CheckFields(path, change));
  return ValidateActor(change.actor, absl::StrCat(path, ".actor"), /*required=*/true);
}

absl::Status ValidateBatch(const std::vector<TaskChange>& changes) {
  if (changes.empty()) return absl::InvalidArgumentError("changes: at least one change required");
  if (changes.size() > kMaxBatchChanges) {
    return absl::InvalidArgumentError(
        absl::StrCat("changes: ", changes.size(), " changes; at most 100 allowed"));
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateChange(changes[i], absl::StrCat("changes[", i, "]"), EventIdRule::kRequired));
  }
  return absl::OkStatus();
}

absl::Status ValidateComment(const CommentChange& comment, absl::string_view path) {
  RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".portal_id"), comment.portal_id));
  RETURN_IF_ERROR(CheckSide(path, "origin_side", comment.origin_side));
  RETURN_IF_ERROR(CheckEventId(path, comment.event_id, EventIdRule::kRequired));
  RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".task_id"), comment.task_id));
  RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".comment_id"), comment.comment_id));
  if (comment.action != CommentAction::kAdd && comment.action != CommentAction::kDelete) {
    return Invalid(path, "action",
                   comment.action == CommentAction::kUnspecified
                       ? "required"
                       : absl::StrCat("unknown value ", static_cast<int>(comment.action)));
  }
  RETURN_IF_ERROR(
      CheckMaxCharacters(absl::StrCat(path, ".content"), comment.content, kMaxTextInputCharacters));
  RETURN_IF_ERROR(CheckTime(path, comment.source_modified_time));
  return ValidateActor(comment.author, absl::StrCat(path, ".author"), /*required=*/false);
}

absl::Status ValidateActor(const Actor& actor, absl::string_view path, bool required) {
  if (required && actor.user_id.empty() && actor.email.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": user_id or email required"));
  }
  if (!actor.user_id.empty()) {
    RETURN_IF_ERROR(CheckRecordId(absl::StrCat(path, ".user_id"), actor.user_id));
  }
  if (!actor.email.empty() && !IsEmail(actor.email)) {
    return Invalid(path, "email", "not an email address");
  }
  return CheckMaxCharacters(absl::StrCat(path, ".display_name"), actor.display_name,
                            kMaxDisplayNameCharacters);
}

size_t CharacterCount(absl::string_view text) {
  size_t count = 0;
  for (char c : text) {
    // Every code point has exactly one byte that is not a UTF-8 continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::optional<Rejection> CheckTitle(absl::string_view title) {
  if (title.empty()) return Rejection{FailureReason::kInvalidValue, "The title cannot be empty"};
  return CheckLength("title", title, kMaxTitleCharacters);
}

std::optional<Rejection> CheckDescription(absl::string_view description) {
  return CheckLength("description", description, kMaxDescriptionCharacters);
}

std::optional<Rejection> CheckCommentContent(const CommentChange& comment) {
  if (comment.action != CommentAction::kAdd) return std::nullopt;
  if (comment.content.empty()) {
    return Rejection{FailureReason::kInvalidValue, "The comment cannot be empty"};
  }
  return CheckLength("comment", comment.content, kMaxCommentCharacters);
}

}  // namespace crmsync::sync
