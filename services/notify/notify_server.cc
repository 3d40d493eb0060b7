#include "services/notify/notify_server.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/deadline.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/grpc_server/status.h"

namespace crmsync::notify {
namespace {

grpc::Status NotReady() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "notify is not ready: schema not migrated or database unreachable");
}

}  // namespace

absl::StatusOr<NewNotification> FromProto(const v1::NotifyFailureRequest& request) {
  NewNotification n;
  RETURN_IF_ERROR(ValidateFailureId(request.failure_id()));
  n.failure_id = request.failure_id();
  if (request.portal_id().empty()) return absl::InvalidArgumentError("portal_id: required");
  RETURN_IF_ERROR(
      ValidateText(request.portal_id(), "portal_id", kMaxIdLength, /*single_line=*/true));
  n.portal_id = request.portal_id();
  if (!request.has_recipient()) return absl::InvalidArgumentError("recipient: required");
  RETURN_IF_ERROR(ValidateEmailAddress(request.recipient().email(), "recipient.email"));
  RETURN_IF_ERROR(
      ValidateDisplayName(request.recipient().display_name(), "recipient.display_name"));
  n.recipient = {request.recipient().email(), request.recipient().display_name()};
  const int kind = request.kind();
  if (kind < static_cast<int>(Kind::kDueDateBeyondStrictSchedule) ||
      kind > static_cast<int>(Kind::kOAuthGrantBroken)) {
    return absl::InvalidArgumentError(kind == 0
                                          ? std::string("kind: required")
                                          : absl::StrCat("kind: unknown notification kind ", kind));
  }
  n.kind = static_cast<Kind>(kind);
  const auto& p = request.parameters();
  if (!request.has_parameters() || !p.has_occur_time()) {
    return absl::InvalidArgumentError("parameters.occur_time: required");
  }
  if (p.side() < 0 || p.side() > 2) {
    return absl::InvalidArgumentError(absl::StrCat("parameters.side: unknown side ", p.side()));
  }
  n.parameters.side = static_cast<Side>(p.side());
  struct Bound {
    const std::string& value;
    absl::string_view field;
    size_t max_length;
    bool single_line;
  };
  for (const Bound& bound : {
           Bound{p.task_id(), "parameters.task_id", kMaxIdLength, true},
           Bound{p.task_title(), "parameters.task_title", kMaxTitleLength, false},
           Bound{p.project_id(), "parameters.project_id", kMaxIdLength, true},
           Bound{p.project_name(), "parameters.project_name", kMaxTitleLength, false},
           Bound{p.field(), "parameters.field", kMaxFieldNameLength, true},
           Bound{p.attempted_value(), "parameters.attempted_value", kMaxValueLength, false},
           Bound{p.kept_value(), "parameters.kept_value", kMaxValueLength, false},
           Bound{p.reason(), "parameters.reason", kMaxValueLength, false},
           Bound{p.parent_task_title(), "parameters.parent_task_title", kMaxTitleLength, false},
       }) {
    RETURN_IF_ERROR(ValidateText(bound.value, bound.field, bound.max_length, bound.single_line));
  }
  n.parameters.task_id = p.task_id();
  n.parameters.task_title = p.task_title();
  n.parameters.project_id = p.project_id();
  n.parameters.project_name = p.project_name();
  n.parameters.field = p.field();
  n.parameters.attempted_value = p.attempted_value();
  n.parameters.kept_value = p.kept_value();
  n.parameters.reason = p.reason();
  n.parameters.parent_task_title = p.parent_task_title();
  n.parameters.occur_time = FromProtoTimestamp(p.occur_time());
  ASSIGN_OR_RETURN(n.parameters.project_start_date,
                   FromProtoDate(p.project_start_date(), "parameters.project_start_date"));
  ASSIGN_OR_RETURN(n.parameters.project_end_date,
                   FromProtoDate(p.project_end_date(), "parameters.project_end_date"));
  return n;
}

v1::Notification ToProto(const Notification& n) {
  v1::Notification out;
  out.set_notification_id(n.notification_id);
  out.set_failure_id(n.failure_id);
  out.set_portal_id(n.portal_id);
  out.mutable_recipient()->set_email(n.recipient.email);
  out.mutable_recipient()->set_display_name(n.recipient.display_name);
  out.set_kind(static_cast<v1::NotificationKind>(n.kind));
  auto& p = *out.mutable_parameters();
  p.set_side(static_cast<common::v1::Side>(n.parameters.side));
  p.set_task_id(n.parameters.task_id);
  p.set_task_title(n.parameters.task_title);
  p.set_project_id(n.parameters.project_id);
  p.set_project_name(n.parameters.project_name);
  p.set_field(n.parameters.field);
  p.set_attempted_value(n.parameters.attempted_value);
  p.set_kept_value(n.parameters.kept_value);
  p.set_reason(n.parameters.reason);
  *p.mutable_occur_time() = ToProtoTimestamp(n.parameters.occur_time);
  *p.mutable_project_start_date() = ToProtoDate(n.parameters.project_start_date);
  *p.mutable_project_end_date() = ToProtoDate(n.parameters.project_end_date);
  p.set_parent_task_title(n.parameters.parent_task_title);
  out.set_subject(n.subject);
  out.set_state(static_cast<v1::NotificationState>(n.state));
  out.set_attempts(n.attempts);
  out.set_last_error(n.last_error);
  out.set_message_id(n.message_id);
  *out.mutable_create_time() = ToProtoTimestamp(n.create_time);
  *out.mutable_update_time() = ToProtoTimestamp(n.update_time);
  if (n.state == State::kPending && n.next_attempt_time) {
    *out.mutable_next_attempt_time() = ToProtoTimestamp(*n.next_attempt_time);
  }
  if (n.state == State::kSent && n.sent_time)
    *out.mutable_sent_time() = ToProtoTimestamp(*n.sent_time);
  return out;
}

grpc::Status NotifyServer::NotifyFailure(grpc::ServerContext* context,
                                         const v1::NotifyFailureRequest* request,
                                         v1::NotifyFailureResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  auto notification = FromProto(*request);
  if (!notification.ok()) return ToGrpcStatus(notification.status());
  const std::string subject = RenderSubject(templates_.For(notification->kind),
                                            notification->recipient, notification->parameters);
  const absl::Time now = clock_.Now();
  auto result =
      store_.Insert(*notification, subject, now, now + first_send_delay_, CallerDeadline(*context));
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (!result->duplicate) metrics_.Created(notification->kind);
  *response->mutable_notification() = ToProto(result->notification);
  response->set_duplicate(result->duplicate);
  return grpc::Status::OK;
}

grpc::Status NotifyServer::GetNotification(grpc::ServerContext* context,
                                           const v1::GetNotificationRequest* request,
                                           v1::GetNotificationResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  absl::StatusOr<Notification> found;
  switch (request->key_case()) {
    case v1::GetNotificationRequest::kNotificationId:
      if (request->notification_id().empty()) {
        return ToGrpcStatus(absl::InvalidArgumentError("notification_id: required"));
      }
      if (auto s = ValidateText(request->notification_id(), "notification_id", kMaxIdLength,
                                /*single_line=*/true);
          !s.ok()) {
        return ToGrpcStatus(s);
      }
      found = store_.GetById(request->notification_id(), CallerDeadline(*context));
      break;
    case v1::GetNotificationRequest::kFailureId:
      if (auto s = ValidateFailureId(request->failure_id()); !s.ok()) return ToGrpcStatus(s);
      found = store_.GetByFailureId(request->failure_id(), CallerDeadline(*context));
      break;
    case v1::GetNotificationRequest::KEY_NOT_SET:
      return ToGrpcStatus(
          absl::InvalidArgumentError("key: notification_id or failure_id is required"));
  }
  if (!found.ok()) return ToGrpcStatus(found.status());
  *response->mutable_notification() = ToProto(*found);
  return grpc::Status::OK;
}

grpc::Status NotifyServer::ListNotifications(grpc::ServerContext* context,
                                             const v1::ListNotificationsRequest* request,
                                             v1::ListNotificationsResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  ListFilter filter;
  if (auto s = ValidateText(request->portal_id(), "portal_id", kMaxIdLength, /*single_line=*/true);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  filter.portal_id = request->portal_id();
  if (!request->recipient_email().empty()) {
    if (auto status = ValidateEmailAddress(request->recipient_email(), "recipient_email");
        !status.ok()) {
      return ToGrpcStatus(status);
    }
    filter.recipient_email = absl::AsciiStrToLower(request->recipient_email());
  }
  const int state = request->state();
  if (state < 0 || state > static_cast<int>(State::kDead)) {
    return ToGrpcStatus(
        absl::InvalidArgumentError(absl::StrCat("state: unknown notification state ", state)));
  }
  if (state != 0) filter.state = static_cast<State>(state);
  auto limit = EffectivePageSize(request->page_size());
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  std::optional<PageKey> after;
  if (!request->page_token().empty()) {
    auto key = DecodePageToken(request->page_token(), filter);
    if (!key.ok()) return ToGrpcStatus(key.status());
    after = *key;
  }
  auto page = store_.List(filter, after, *limit, CallerDeadline(*context));
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const auto& n : page->notifications) *response->add_notifications() = ToProto(n);
  if (page->next) response->set_next_page_token(EncodePageToken(*page->next, filter));
  return grpc::Status::OK;
}

}  // namespace crmsync::notify
