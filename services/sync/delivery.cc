#include "services/sync/delivery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/log.h"

namespace crmsync::sync {
namespace {

using QueueOutcome = work_queue::Outcome;

// Far more refusals than can await their completion at once.
constexpr size_t kMaxFailuresKept = 10000;

absl::string_view KindName(OutboxKind kind) {
  switch (kind) {
    case OutboxKind::kCreateTask:
      return "create_task";
    case OutboxKind::kUpdateTask:
      return "update_task";
    case OutboxKind::kAddComment:
      return "add_comment";
    case OutboxKind::kDeleteComment:
      return "delete_comment";
    default:
      return "unspecified";
  }
}

const FieldValue* ValueOf(const CanonicalTask& task, Field field) {
  auto it = task.find(field);
  return it == task.end() ? nullptr : &it->second.value;
}

std::string TitleOf(const CanonicalTask& task) {
  const FieldValue* title = ValueOf(task, Field::kTitle);
  return title ? std::get<std::string>(*title) : "";
}

bool Deleted(LinkState state) {
  return state == LinkState::kDeletedInCrm || state == LinkState::kDeletedInProjects;
}

WriteResult Refused(std::string error) {
  return {WriteResult::Kind::kRefused, std::move(error), std::nullopt, ""};
}

WriteResult Transient(absl::string_view error) {
  return {WriteResult::Kind::kTransient, std::string(error), std::nullopt, ""};
}

WriteResult Written(std::string id) {
  return {WriteResult::Kind::kDone, "", std::nullopt, std::move(id)};
}

}  // namespace

std::string CopyMarker(int64_t copy_id) {
  // Invisible separator, the id in base 4 as zero-width space / non-joiner / joiner / word
  // joiner, invisible separator: framed, so one copy's marker is never part of another's.
  static constexpr const char* kDigits[] = {"\u200b", "\u200c", "\u200d", "\u2060"};
  std::string digits;
  do {
    digits.insert(0, kDigits[copy_id % 4]);
    copy_id /= 4;
  } while (copy_id > 0);
  return absl::StrCat("\u2063", digits, "\u2063");
}

bool EndsWithCopyMarker(absl::string_view text) {
  static constexpr absl::string_view kFrame = "\u2063";
  if (!absl::ConsumeSuffix(&text, kFrame)) return false;
  bool digits = false;
  while (!absl::ConsumeSuffix(&text, kFrame)) {
    if (!absl::ConsumeSuffix(&text, "\u200b") && !absl::ConsumeSuffix(&text, "\u200c") &&
        !absl::ConsumeSuffix(&text, "\u200d") && !absl::ConsumeSuffix(&text, "\u2060")) {
      return false;
    }
    digits = true;
  }
  return digits;
}

absl::StatusOr<zoho::CrmTaskWrite> CrmWriteOf(const CanonicalTask& task,
                                              const std::vector<Field>& fields,
                                              const ValueMaps& maps) {
  zoho::CrmTaskWrite write;
  for (Field field : fields) {
    const FieldValue* value = ValueOf(task, field);
    if (value == nullptr) continue;
    switch (field) {
      case Field::kTitle:
        write.subject = std::get<std::string>(*value);
        break;
      case Field::kDescription: {
        const auto& text = std::get<std::string>(*value);
        write.description = text.empty() ? std::nullopt : std::optional<std::string>(text);
        break;
      }
      case Field::kEndDate:
        write.due_date = std::get<EndDate>(*value);
        break;
      case Field::kPriority: {
        absl::StatusOr<std::string> priority =
            WritePriority(maps, Side::kCrm, std::get<Priority>(*value));
        if (!priority.ok()) return priority.status();
        write.priority = *priority;
        break;
      }
      case Field::kStatus: {
        absl::StatusOr<std::string> status =
            WriteStatus(maps, Side::kCrm, std::get<TaskStatus>(*value));
        if (!status.ok()) return status.status();
        write.status = *status;
        break;
      }
      case Field::kOwner: {
        // CRM tasks always have an owner: "no owner" leaves CRM's as it is.
        const std::string& id = std::get<Owner>(*value).crm_user_id;
        if (!id.empty()) write.owner_id = id;
        break;
      }
    }
  }
  return write;
}

absl::StatusOr<zoho::ProjectsTaskWrite> ProjectsWriteOf(const CanonicalTask& task,
                                                        const std::vector<Field>& fields,
                                                        const ValueMaps& maps) {
  zoho::ProjectsTaskWrite write;
  for (Field field : fields) {
    const FieldValue* value = ValueOf(task, field);
    if (value == nullptr) continue;
    switch (field) {
      case Field::kTitle:
        write.name = std::get<std::string>(*value);
        break;
      case Field::kDescription:
        write.description = std::get<std::string>(*value);
        break;
      case Field::kEndDate:
        write.end_date = std::get<EndDate>(*value);
        break;
      case Field::kPriority: {
        absl::StatusOr<std::string> priority =
            WritePriority(maps, Side::kProjects, std::get<Priority>(*value));
        if (!priority.ok()) return priority.status();
        // Projects' write form takes the value in lower case.
        write.priority = absl::AsciiStrToLower(*priority);
        break;
      }
      case Field::kStatus:
        break;
      case Field::kOwner: {
        const std::string& id = std::get<Owner>(*value).projects_user_id;
        write.owner_ids = id.empty() ? std::vector<std::string>{} : std::vector<std::string>{id};
        break;
      }
    }
  }
  return write;
}

Delivery::Delivery(DeliveryStore& store, PortalSettingsSource& portals, ZohoWrites& zoho,
                   const Clock& clock, SyncMetrics& metrics, DeliveryOptions options)
    : store_(store),
      portals_(portals),
      zoho_(zoho),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {}

std::optional<DeliveryFailure> Delivery::FailureOf(const work_queue::Claim& claim) {
  absl::MutexLock lock(&mutex_);
  auto it = failures_.find({claim.item_id, claim.fence});
  if (it == failures_.end()) return std::nullopt;
  return it->second;
}

void Delivery::Count(const Item& item, absl::string_view result) {
  metrics_.Delivered(item.write.target_side, KindName(item.write.kind), result);
  if (result == "done") metrics_.Propagated(clock_.Now() - item.write.accept_time);
}

void Delivery::Resolve(const std::vector<Item*>& items, const WriteResult& result,
                       const StoredTask& task, const std::string& what) {
  for (Item* item : items) {
    switch (result.kind) {
      case WriteResult::Kind::kDone:
        *item->outcome = QueueOutcome::Done();
        Count(*item, "done");
        break;
      case WriteResult::Kind::kTransient:
        *item->outcome = QueueOutcome::Retry(result.error, result.retry_after);
        Count(*item, "retry");
        break;
      case WriteResult::Kind::kThrottled:
        *item->outcome =
            QueueOutcome::Later(result.error, result.retry_after.value_or(absl::ZeroDuration()));
        Count(*item, "waiting");
        break;
      case WriteResult::Kind::kRefused:
      case WriteResult::Kind::kGrantBroken: {
        const bool broken = result.kind == WriteResult::Kind::kGrantBroken;
        DeliveryFailure failure;
        failure.reason = broken ? FailureReason::kGrantBroken : FailureReason::kDeliveryRefused;
        const std::string title = TitleOf(task.canonical);
        failure.message =
            broken ? absl::StrCat("The Zoho ", SideDisplayName(item->write.target_side),
                                  " connection of the portal must be renewed by an "
                                  "administrator before ",
                                  what, " of \"", title, "\" can be written: ", result.error)
                   : absl::StrCat(SideDisplayName(item->write.target_side), " refused ", what,
                                  " of \"", title, "\": ", result.error);
        if (item->write.fields.size() == 1) failure.field = item->write.fields.front();
        {
          absl::MutexLock lock(&mutex_);
          failures_[{item->claim->item_id, item->claim->fence}] = std::move(failure);
          if (failures_.size() > kMaxFailuresKept) failures_.erase(failures_.begin());
        }
        *item->outcome = QueueOutcome::Refused(result.error);
        Count(*item, broken ? "grant_broken" : "refused");
        break;
      }
    }
  }
}

WriteResult Delivery::Create(const StoredTask& task, const ValueMaps& maps,
                             const work_queue::Claim& claim) {
  std::vector<Field> all(std::begin(kAllFields), std::end(kAllFields));
  absl::StatusOr<zoho::CrmTaskWrite> write = CrmWriteOf(task.canonical, all, maps);
  if (!write.ok()) return Refused(std::string(write.status().message()));
  write->what_id = task.link.crm_record_id;
  write->se_module = task.link.crm_module == CrmModule::kDeals ? "Deals" : "Accounts";
  if (claim.attempt > 1) {
    // Modified since the create was queued, less a margin for clocks.
    WriteResult found =
        zoho_.FindCrmTask(task.link.portal_id, task.link.crm_record_id, write->subject.value_or(""),
                          claim.created - absl::Minutes(1));
    if (found.kind != WriteResult::Kind::kDone || !found.id.empty()) return found;
  }
  return zoho_.CreateCrmTask(task.link.portal_id, *write);
}

WriteResult Delivery::Comment(const StoredTask& task, const Item& item) {
  absl::StatusOr<std::optional<CommentCopy>> copy = store_.ReadCopy(item.write.copy_id);
  if (!copy.ok()) return Transient(copy.status().message());
  const TaskLink& link = task.link;
  const bool crm = item.write.target_side == Side::kCrm;
  if (item.write.kind == OutboxKind::kDeleteComment) {
    // A copy never written has nothing to delete.
    if (!copy->has_value() || (*copy)->copy_comment_id.empty()) return Written("");
    const std::string& id = (*copy)->copy_comment_id;
    return crm ? zoho_.DeleteCrmNote(link.portal_id, id)
               : zoho_.DeleteProjectsComment(link.portal_id, link.project_id, link.projects_task_id,
                                             id);
  }
  // Written already, or its original deleted before it was: nothing to add.
  if (!copy->has_value() || !(*copy)->copy_comment_id.empty() || (*copy)->deleted) {
    return Written("");
  }
  const std::string marker = CopyMarker((*copy)->copy_id);
  WriteResult written = Written("");
  if (item.claim->attempt > 1) {
    written = crm ? zoho_.FindCrmNote(link.portal_id, link.crm_task_id, marker)
                  : zoho_.FindProjectsComment(link.portal_id, link.project_id,
                                              link.projects_task_id, marker);
    if (written.kind != WriteResult::Kind::kDone) return written;
  }
  if (written.id.empty()) {
    const std::string content = absl::StrCat((*copy)->content, marker);
    written = crm ? zoho_.AddCrmNote(link.portal_id, link.crm_task_id, content)
                  : zoho_.AddProjectsComment(link.portal_id, link.project_id, link.projects_task_id,
                                             content);
    if (written.kind != WriteResult::Kind::kDone) return written;
    if (options_.after_create) options_.after_create(item.write.kind);
  }
  absl::StatusOr<bool> recorded =
      store_.SetCopyCommentId((*copy)->copy_id, written.id, *item.claim, clock_.Now());
  if (!recorded.ok()) return Transient(recorded.status().message());
  return written;
}

WriteResult Delivery::Update(const StoredTask& task, Side target, const std::vector<Field>& fields,
                             const ValueMaps& maps) {
  if (target == Side::kCrm) {
    absl::StatusOr<zoho::CrmTaskWrite> write = CrmWriteOf(task.canonical, fields, maps);
    if (!write.ok()) return Refused(std::string(write.status().message()));
    write->id = task.link.crm_task_id;
    return zoho_.UpdateCrmTask(task.link.portal_id, *write);
  }
  absl::StatusOr<zoho::ProjectsTaskWrite> write = ProjectsWriteOf(task.canonical, fields, maps);
  if (!write.ok()) return Refused(std::string(write.status().message()));
  return zoho_.UpdateProjectsTask(task.link.portal_id, task.link.project_id,
                                  task.link.projects_task_id, *write);
}

std::vector<QueueOutcome> Delivery::Deliver(const std::vector<work_queue::Claim>& unit,
                                            const absl::Notification& stop) {
  std::vector<QueueOutcome> outcomes(unit.size(), QueueOutcome::Interrupted());
  std::vector<Item> items;
  for (size_t i = 0; i < unit.size(); ++i) {
    absl::StatusOr<OutboxWrite> write = DecodeOutboxWrite(unit[i].payload);
    if (!write.ok()) {
      outcomes[i] = QueueOutcome::Refused(std::string(write.status().message()));
      continue;
    }
    items.push_back({&unit[i], *std::move(write), &outcomes[i]});
  }
  if (items.empty()) return outcomes;
  {
    absl::MutexLock lock(&mutex_);
    for (const Item& item : items) {
      failures_.erase(failures_.lower_bound({item.claim->item_id, 0}),
                      failures_.lower_bound({item.claim->item_id + 1, 0}));
    }
  }
  // The claim puts due items first; the task's writes go in the order they were queued.
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.claim->item_id < b.claim->item_id; });

  const int64_t link_id = items.front().write.link_id;
  absl::StatusOr<std::optional<StoredTask>> read = store_.ReadLinked(link_id);
  absl::StatusOr<PortalConfig> config = absl::UnavailableError("not read");
  if (read.ok() && read->has_value()) {
    config = portals_.Get((*read)->link.portal_id, clock_.Now() + absl::Seconds(30));
  }
  if (!read.ok() || (read->has_value() && !config.ok())) {
    const absl::Status error = read.ok() ? config.status() : read.status();
    for (Item& item : items) {
      *item.outcome = QueueOutcome::Retry(std::string(error.message()));
      Count(item, "retry");
    }
    return outcomes;
  }
  if (!read->has_value() || Deleted((*read)->link.state)) {
    // The task is gone on a side: nothing is synced for it any more.
    for (Item& item : items) {
      *item.outcome = QueueOutcome::Done();
      Count(item, "dropped");
    }
    return outcomes;
  }
  StoredTask& task = **read;
  const ValueMaps& maps = config->value_maps;

  // The outcome of the writes to CRM while its task does not exist.
  std::optional<QueueOutcome> crm_wait;
  for (Item& item : items) {
    if (item.write.kind != OutboxKind::kCreateTask) continue;
    if (stop.HasBeenNotified()) return outcomes;
    if (task.link.state != LinkState::kPendingCreate) {
      *item.outcome = QueueOutcome::Done();
      Count(item, "dropped");
      continue;
    }
    const WriteResult created = Create(task, maps, *item.claim);
    if (created.kind == WriteResult::Kind::kDone) {
      if (options_.after_create) options_.after_create(item.write.kind);
      absl::StatusOr<bool> activated =
          store_.ActivateLink(link_id, created.id, *item.claim, clock_.Now());
      if (!activated.ok()) {
        *item.outcome = QueueOutcome::Retry(std::string(activated.status().message()));
        Count(item, "retry");
        continue;
      }
      if (*activated) {
        task.link.state = LinkState::kActive;
        task.link.crm_task_id = created.id;
      }
    } else if (created.kind == WriteResult::Kind::kTransient) {
      crm_wait = QueueOutcome::Later("waiting for the CRM task to be created",
                                     created.retry_after.value_or(options_.create_wait));
    }
    Resolve({&item}, created, task, "the new task");
  }

  // Without the create in this unit (it is DEAD), waiting spends attempts, so the writes end.
  const auto wait_for_crm_task = [&](Item& item) {
    *item.outcome = crm_wait ? *crm_wait : QueueOutcome::Retry("the CRM task is not created yet");
    Count(item, crm_wait ? "waiting" : "retry");
  };
  for (Side target : {Side::kCrm, Side::kProjects}) {
    std::vector<Item*> updates;
    std::vector<Field> fields;
    for (Item& item : items) {
      if (item.write.kind != OutboxKind::kUpdateTask || item.write.target_side != target) continue;
      updates.push_back(&item);
      for (Field field : item.write.fields) {
        if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
          fields.push_back(field);
        }
      }
    }
    if (updates.empty()) continue;
    if (stop.HasBeenNotified()) return outcomes;
    if (target == Side::kCrm && task.link.state == LinkState::kPendingCreate) {
      for (Item* item : updates) wait_for_crm_task(*item);
      continue;
    }
    std::sort(fields.begin(), fields.end());
    Resolve(updates, Update(task, target, fields, maps), task, "the update");
  }

  for (Item& item : items) {
    if (item.write.kind == OutboxKind::kAddComment ||
        item.write.kind == OutboxKind::kDeleteComment) {
      if (stop.HasBeenNotified()) return outcomes;
      if (item.write.target_side == Side::kCrm && task.link.state == LinkState::kPendingCreate) {
        wait_for_crm_task(item);
        continue;
      }
      Resolve({&item}, Comment(task, item), task,
              item.write.kind == OutboxKind::kAddComment ? "the copy of a comment"
                                                         : "the deletion of a comment's copy");
    } else if (item.write.kind == OutboxKind::kUnspecified) {
      Resolve({&item}, Refused("an outbox write of no kind"), task, "a write");
    }
  }
  return outcomes;
}

}  // namespace crmsync::sync
