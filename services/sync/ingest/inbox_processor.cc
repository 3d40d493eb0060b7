#include "services/sync/ingest/inbox_processor.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/projects_codec.h"
#include "nlohmann/json.hpp"
#include "services/sync/change/validation.h"
#include "services/sync/ingest/task_changes.h"

namespace crmsync::sync {
namespace {

// Time left at the end of an item's bound for completing it.
constexpr absl::Duration kCompletionMargin = absl::Seconds(5);
// How long a webhook refused by Zoho's rate limit waits before it is read again.
constexpr absl::Duration kRateLimitedWait = absl::Seconds(1);

absl::StatusOr<http::Params> StoredParams(absl::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return absl::DataLossError("a stored Projects webhook is not a JSON array");
  http::Params params;
  for (const nlohmann::json& pair : json) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return absl::DataLossError("a stored Projects webhook parameter is not a [name, value]");
    }
    params.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return params;
}

// When the webhook says the change was made: its modified_time_long, else when it arrived.
absl::Time WebhookTime(const http::Params& params, absl::Time received) {
  for (const auto& [name, value] : params) {
    int64_t millis = 0;
    if (name == "modified_time_long" && absl::SimpleAtoi(value, &millis)) {
      return absl::FromUnixMillis(millis);
    }
  }
  return received;
}

// A change or comment Zoho's data makes invalid: logged and skipped, as no retry can mend it.
absl::Status Skipped(absl::string_view what, absl::string_view portal_id, Side origin,
                     absl::string_view task_id, const absl::Status& invalid) {
  LogWarning(absl::StrCat("a webhook's ", what, " cannot be submitted; skipped"),
             {{"portal_id", portal_id},
              {"origin", std::string(SideKey(origin))},
              {"task_id", task_id},
              {"error", invalid.ToString()}});
  return absl::OkStatus();
}

// Who deleted a task a webhook reports: neither CRM's notification nor Projects' webhook says.
Actor SystemActor() {
  return Actor{.user_id = kSystemActorId, .email = "", .display_name = "crmsync"};
}

}  // namespace

absl::StatusOr<std::optional<ProcessedChange>> SubmitValidComment(ChangePipeline& pipeline,
                                                                  SyncMetrics& metrics,
                                                                  const CommentChange& comment,
                                                                  absl::Time deadline) {
  if (absl::Status valid = ValidateComment(comment, "comment"); !valid.ok()) {
    Skipped("comment", comment.portal_id, comment.origin_side, comment.task_id, valid)
        .IgnoreError();
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(ProcessedChange processed, pipeline.SubmitComment(comment, deadline));
  metrics.CommentProcessed(comment.origin_side, processed.outcome.decision.result,
                           processed.outcome.duplicate);
  return processed;
}

CommentSink PipelineCommentSink(ChangePipeline& pipeline, SyncMetrics& metrics) {
  return [&pipeline, &metrics](const CommentChange& comment, absl::Time deadline) -> absl::Status {
    return SubmitValidComment(pipeline, metrics, comment, deadline).status();
  };
}

absl::Status InboxProcessor::Submit(const TaskChange& change, absl::Time deadline) {
  return SubmitReadChange(pipeline_, metrics_, change, "a webhook", deadline).status();
}

absl::Status InboxProcessor::Crm(const InboxRequest& request, absl::Time deadline) {
  // The token was checked and removed at receipt; the parser wants one.
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::DataLossError("a stored CRM notification is not JSON");
  body["token"] = "-";
  ASSIGN_OR_RETURN(const zoho::CrmNotification notification,
                   zoho::ParseCrmNotification(body.dump()));
  if (notification.module != "Tasks") return absl::OkStatus();
  if (notification.operation == "delete") {
    for (const std::string& id : notification.ids) {
      RETURN_IF_ERROR(Submit(DeletionChange(request.portal_id, Side::kCrm, id,
                                            notification.server_time, SystemActor()),
                             deadline));
    }
    return absl::OkStatus();
  }
  const size_t batch = zoho::CrmClient::kMaxRecordsPerCall;
  for (size_t begin = 0; begin < notification.ids.size(); begin += batch) {
    const std::vector<std::string> ids(
        notification.ids.begin() + begin,
        notification.ids.begin() + std::min(notification.ids.size(), begin + batch));
    ASSIGN_OR_RETURN(const std::vector<zoho::CrmTask> tasks,
                     zoho_.CrmTasks(request.portal_id, ids, deadline));
    for (const zoho::CrmTask& task : tasks) {
      RETURN_IF_ERROR(Submit(ChangeFromCrmTask(request.portal_id, task), deadline));
    }
  }
  return absl::OkStatus();
}

absl::Status InboxProcessor::Projects(const InboxRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(const http::Params params, StoredParams(request.body));
  ASSIGN_OR_RETURN(const zoho::ProjectsWebhook webhook, zoho::ParseProjectsWebhook(params));
  if (webhook.event == "task_create" || webhook.event == "task_update") {
    absl::StatusOr<zoho::ProjectsTask> task =
        zoho_.ProjectsTask(request.portal_id, webhook.project_id, webhook.task_id, deadline);
    if (absl::IsNotFound(task.status())) return absl::OkStatus();
    if (!task.ok()) return task.status();
    return Submit(ChangeFromProjectsTask(request.portal_id, webhook.project_id, *task), deadline);
  }
  if (webhook.event == "task_delete") {
    return Submit(DeletionChange(request.portal_id, Side::kProjects, webhook.task_id,
                                 WebhookTime(params, request.receive_time), SystemActor()),
                  deadline);
  }
  if (!webhook.comment_id) return absl::OkStatus();
  CommentChange comment;
  comment.portal_id = request.portal_id;
  comment.origin_side = Side::kProjects;
  comment.task_id = webhook.task_id;
  comment.comment_id = *webhook.comment_id;
  if (webhook.event == "comment_add") {
    absl::StatusOr<std::vector<zoho::ProjectsComment>> listed =
        zoho_.ProjectsComments(request.portal_id, webhook.project_id, webhook.task_id, deadline);
    if (absl::IsNotFound(listed.status())) return absl::OkStatus();
    if (!listed.ok()) return listed.status();
    auto found = std::find_if(listed->begin(), listed->end(), [&](const zoho::ProjectsComment& c) {
      return c.id == comment.comment_id;
    });
    // Deleted since: its comment_delete follows.
    if (found == listed->end()) return absl::OkStatus();
    comment.event_id = absl::StrCat("comment:", comment.comment_id, "@add");
    comment.action = CommentAction::kAdd;
    comment.content = found->content;
    if (found->added_by) comment.author.user_id = *found->added_by;
    comment.author.display_name = found->added_person.value_or("");
    comment.source_modified_time = found->created_time;
  } else {
    comment.event_id = absl::StrCat("comment:", comment.comment_id, "@delete");
    comment.action = CommentAction::kDelete;
    comment.source_modified_time = WebhookTime(params, request.receive_time);
  }
  if (!comments_) {
    return absl::UnavailableError("no comment pipeline is wired yet: the comment waits");
  }
  return comments_(comment, deadline);
}

work_queue::Outcome InboxProcessor::Process(const std::vector<work_queue::Claim>& unit,
                                            const absl::Notification& stop) {
  const work_queue::Claim& claim = unit.front();
  int64_t inbox_id = 0;
  if (!absl::SimpleAtoi(claim.payload, &inbox_id)) {
    return work_queue::Outcome::Refused("the item's payload is not an inbox id");
  }
  absl::StatusOr<InboxRequest> request = inbox_.GetRequest(inbox_id);
  if (absl::IsNotFound(request.status())) {
    return work_queue::Outcome::Refused(request.status().ToString());
  }
  if (!request.ok()) return work_queue::Outcome::Retry(request.status().ToString());
  const absl::Time deadline = clock_.Now() + item_bound_ - kCompletionMargin;
  const absl::Status status =
      request->side == Side::kCrm ? Crm(*request, deadline) : Projects(*request, deadline);
  if (status.ok()) return work_queue::Outcome::Done();
  if (stop.HasBeenNotified()) return work_queue::Outcome::Interrupted();
  nlohmann::json fields = {{"inbox_id", inbox_id},
                           {"portal_id", request->portal_id},
                           {"attempt", claim.attempt},
                           {"error", status.ToString()}};
  // Zoho's reply or the stored request breaks its documented shape: retrying cannot help.
  if (absl::IsDataLoss(status) || absl::IsInvalidArgument(status)) {
    LogWarning("a webhook cannot be processed; it is given up", fields);
    return work_queue::Outcome::Refused(status.ToString());
  }
  // Zoho's rate limit (its 429, or no permit of the grant's budget left): nothing is wrong with
  // the webhook, which waits its turn without spending an attempt, as delivery's writes do.
  if (absl::IsResourceExhausted(status)) {
    return work_queue::Outcome::Later(status.ToString(), kRateLimitedWait);
  }
  LogWarning("a webhook could not be processed yet; it will be retried", fields);
  return work_queue::Outcome::Retry(status.ToString());
}

}  // namespace crmsync::sync
