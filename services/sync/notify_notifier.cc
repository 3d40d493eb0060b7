#include "services/sync/notify_notifier.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/grpc_server/proto_convert.h"

namespace crmsync::sync {
namespace {

notify::v1::NotificationKind KindOf(FailureReason reason) {
  switch (reason) {
    case FailureReason::kDueDateBeyondStrictSchedule:
      return notify::v1::NOTIFICATION_KIND_DUE_DATE_BEYOND_STRICT_SCHEDULE;
    case FailureReason::kSubtaskParentClosed:
      return notify::v1::NOTIFICATION_KIND_SUBTASK_PARENT_CLOSED;
    case FailureReason::kDeliveryRetriesExhausted:
      return notify::v1::NOTIFICATION_KIND_DELIVERY_RETRIES_EXHAUSTED;
    case FailureReason::kGrantBroken:
      return notify::v1::NOTIFICATION_KIND_OAUTH_GRANT_BROKEN;
    default:
      return notify::v1::NOTIFICATION_KIND_CHANGE_REFUSED_BY_OTHER_SIDE;
  }
}

}  // namespace

notify::v1::NotifyFailureRequest NotifyRequestFor(const FailureRecord& failure,
                                                  const Recipient& recipient) {
  notify::v1::NotifyFailureRequest request;
  request.set_failure_id(failure.failure_id);
  request.set_portal_id(failure.portal_id);
  request.mutable_recipient()->set_email(recipient.email);
  request.mutable_recipient()->set_display_name(recipient.display_name);
  request.set_kind(KindOf(failure.reason));
  notify::v1::FailureParameters* p = request.mutable_parameters();
  p->set_side(static_cast<common::v1::Side>(failure.origin_side));
  p->set_task_id(failure.origin_side == Side::kCrm ? failure.crm_task_id
                                                   : failure.projects_task_id);
  p->set_task_title(failure.task_title);
  p->set_project_id(failure.project_id);
  p->set_project_name(failure.project_name);
  *p->mutable_project_start_date() = ToProtoDate(failure.project_start_date);
  *p->mutable_project_end_date() = ToProtoDate(failure.project_end_date);
  p->set_parent_task_title(failure.parent_task_title);
  if (failure.field) {
    // notify shows fields in title case: "End Date".
    std::string field(FieldDisplayName(*failure.field));
    for (size_t i = 0; i < field.size(); ++i) {
      if (i == 0 || field[i - 1] == ' ') field[i] = absl::ascii_toupper(field[i]);
    }
    p->set_field(field);
  }
  if (failure.attempted_value) {
    p->set_attempted_value(FitNotifyText(DisplayValue(*failure.attempted_value)));
  }
  if (failure.kept_value) p->set_kept_value(FitNotifyText(DisplayValue(*failure.kept_value)));
  p->set_reason(FitNotifyText(failure.message));
  *p->mutable_occur_time() = ToProtoTimestamp(failure.create_time);
  return request;
}

NotifyNotifier::NotifyNotifier(std::shared_ptr<grpc::Channel> notify, absl::Duration timeout)
    : client_(std::move(notify), timeout) {}

absl::Status NotifyNotifier::Notify(const FailureRecord& failure, const Recipient& recipient,
                                    const absl::Notification& stop) {
  return client_.NotifyFailure(NotifyRequestFor(failure, recipient), stop);
}

}  // namespace crmsync::sync
