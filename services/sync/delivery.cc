#include "services/sync/delivery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/zoho/crm_client.h"
#include "services/sync/change/comment.h"

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

absl::StatusOr<zoho::ProjectsTaskWrite> ProjectsWriteOf(
    const CanonicalTask& task, const std::vector<Field>& fields, const ValueMaps& maps,
    const std::vector<zoho::ProjectsTaskStatus>& statuses) {
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
      case Field::kStatus: {
        absl::StatusOr<std::string> name =
            WriteStatus(maps, Side::kProjects, std::get<TaskStatus>(*value));
        if (!name.ok()) return name.status();
        auto status =
            std::find_if(statuses.begin(), statuses.end(),
                         [&](const zoho::ProjectsTaskStatus& s) { return s.name == *name; });
        if (status == statuses.end()) {
          return absl::NotFoundError(
              absl::StrCat("the project has no task status \"", *name, "\""));
        }
        write.custom_status = status->id;
        break;
      }
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

void Delivery::RecordWritten(const std::vector<Item*>& items, const StoredTask& task) {
  std::map<Side, std::map<Field, FieldValue>> written;
  for (const Item* item : items) {
    if (item->write.kind != OutboxKind::kUpdateTask &&
        item->write.kind != OutboxKind::kCreateTask) {
      continue;
    }
    for (const auto& [field, state] : task.canonical) {
      const bool carried = item->write.kind == OutboxKind::kCreateTask ||
                           std::find(item->write.fields.begin(), item->write.fields.end(), field) !=
                               item->write.fields.end();
      if (carried) written[item->write.target_side].emplace(field, state.value);
    }
  }
  for (const auto& [side, values] : written) {
    // The write is made: without its record a read of the side tells what it holds.
    if (absl::Status recorded = store_.RecordWritten(items.front()->write.link_id, side, values);
        !recorded.ok()) {
      LogWarning("the values written are not recorded",
                 {{"side", std::string(SideKey(side))}, {"error", recorded.ToString()}});
    }
  }
}

void Delivery::Resolve(const std::vector<Item*>& items, const WriteResult& result,
                       const StoredTask& task, const std::string& what) {
  if (result.kind == WriteResult::Kind::kDone) RecordWritten(items, task);
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
  return AfterCreate(zoho_.CreateCrmTask(task.link.portal_id, *write));
}

WriteResult Delivery::AfterCreate(WriteResult created) const {
  if (created.kind == WriteResult::Kind::kTransient && created.outcome_unknown) {
    created.retry_after =
        std::max(created.retry_after.value_or(absl::ZeroDuration()), options_.lost_create_wait);
  }
  return created;
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
    written = AfterCreate(crm ? zoho_.AddCrmNote(link.portal_id, link.crm_task_id, content)
                              : zoho_.AddProjectsComment(link.portal_id, link.project_id,
                                                         link.projects_task_id, content));
    if (written.kind != WriteResult::Kind::kDone) return written;
    if (options_.after_create) options_.after_create(item.write.kind);
  }
  absl::StatusOr<bool> recorded =
      store_.SetCopyCommentId((*copy)->copy_id, written.id, *item.claim, clock_.Now());
  if (!recorded.ok()) return Transient(recorded.status().message());
  return written;
}

struct Delivery::Unit {
  std::vector<Item> items;
  StoredTask task;
  PortalConfig config;
  // The outcome of the writes to CRM while its task does not exist.
  std::optional<QueueOutcome> crm_wait;
};

WriteResult Delivery::ProjectsStatuses(const TaskLink& link,
                                       std::vector<zoho::ProjectsTaskStatus>* statuses) {
  const std::pair<std::string, std::string> key{link.portal_id, link.project_id};
  {
    absl::MutexLock lock(&mutex_);
    auto it = statuses_.find(key);
    if (it != statuses_.end() && clock_.Now() < it->second.read + options_.statuses_ttl) {
      *statuses = it->second.statuses;
      return Written("");
    }
  }
  WriteResult read = zoho_.ReadProjectsTaskStatuses(link.portal_id, link.project_id, statuses);
  if (read.kind == WriteResult::Kind::kDone) {
    absl::MutexLock lock(&mutex_);
    statuses_[key] = {*statuses, clock_.Now()};
  }
  return read;
}

WriteResult Delivery::UpdateProjects(const StoredTask& task, const std::vector<Field>& fields,
                                     const ValueMaps& maps) {
  std::vector<zoho::ProjectsTaskStatus> statuses;
  if (std::find(fields.begin(), fields.end(), Field::kStatus) != fields.end() &&
      task.canonical.contains(Field::kStatus)) {
    WriteResult read = ProjectsStatuses(task.link, &statuses);
    if (read.kind != WriteResult::Kind::kDone) return read;
  }
  absl::StatusOr<zoho::ProjectsTaskWrite> write =
      ProjectsWriteOf(task.canonical, fields, maps, statuses);
  if (!write.ok()) return Refused(std::string(write.status().message()));
  return zoho_.UpdateProjectsTask(task.link.portal_id, task.link.project_id,
                                  task.link.projects_task_id, *write);
}

bool Delivery::Prepare(Unit& unit, const std::function<bool()>& halted) {
  std::vector<Item>& items = unit.items;
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
    return false;
  }
  if (!read->has_value() || Deleted((*read)->link.state)) {
    // The task is gone on a side: nothing is synced for it any more.
    for (Item& item : items) {
      *item.outcome = QueueOutcome::Done();
      Count(item, "dropped");
    }
    return false;
  }
  unit.task = **std::move(read);
  unit.config = *std::move(config);
  StoredTask& task = unit.task;
  for (Item& item : items) {
    if (item.write.kind != OutboxKind::kCreateTask) continue;
    if (halted()) return false;
    if (task.link.state != LinkState::kPendingCreate) {
      *item.outcome = QueueOutcome::Done();
      Count(item, "dropped");
      continue;
    }
    const WriteResult created = Create(task, unit.config.value_maps, *item.claim);
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
      unit.crm_wait = QueueOutcome::Later("waiting for the CRM task to be created",
                                          created.retry_after.value_or(options_.create_wait));
    }
    Resolve({&item}, created, task, "the new task");
  }
  return true;
}

void Delivery::WaitForCrmTask(const Unit& unit, Item& item) {
  // Without the create in this unit (it is DEAD), waiting spends attempts, so the writes end.
  *item.outcome =
      unit.crm_wait ? *unit.crm_wait : QueueOutcome::Retry("the CRM task is not created yet");
  Count(item, unit.crm_wait ? "waiting" : "retry");
}

std::vector<Delivery::Item*> Delivery::Updates(Unit& unit, Side target,
                                               std::vector<Field>* fields) {
  std::vector<Item*> updates;
  fields->clear();
  for (Item& item : unit.items) {
    if (item.write.kind != OutboxKind::kUpdateTask || item.write.target_side != target) continue;
    updates.push_back(&item);
    for (Field field : item.write.fields) {
      if (std::find(fields->begin(), fields->end(), field) == fields->end()) {
        fields->push_back(field);
      }
    }
  }
  std::sort(fields->begin(), fields->end());
  return updates;
}

void Delivery::SendCrmUpdates(const std::string& portal_id, const std::vector<CrmUpdate>& updates,
                              const std::function<bool()>& halted) {
  for (size_t begin = 0; begin < updates.size(); begin += zoho::CrmClient::kMaxRecordsPerCall) {
    if (halted()) return;
    const size_t end =
        std::min(updates.size(), begin + static_cast<size_t>(zoho::CrmClient::kMaxRecordsPerCall));
    std::vector<zoho::CrmTaskWrite> writes;
    for (size_t i = begin; i < end; ++i) writes.push_back(updates[i].write);
    const std::vector<WriteResult> results = zoho_.UpdateCrmTasks(portal_id, writes);
    for (size_t i = begin; i < end; ++i) {
      const WriteResult result = i - begin < results.size()
                                     ? results[i - begin]
                                     : Transient("CRM answered fewer results than records");
      Resolve(updates[i].items, result, updates[i].unit->task, "the update");
    }
  }
}

void Delivery::DeliverComments(Unit& unit, const std::function<bool()>& halted) {
  const StoredTask& task = unit.task;
  for (Item& item : unit.items) {
    if (item.write.kind == OutboxKind::kAddComment ||
        item.write.kind == OutboxKind::kDeleteComment) {
      if (halted()) return;
      if (item.write.target_side == Side::kCrm && task.link.state == LinkState::kPendingCreate) {
        WaitForCrmTask(unit, item);
        continue;
      }
      Resolve({&item}, Comment(task, item), task,
              item.write.kind == OutboxKind::kAddComment ? "the copy of a comment"
                                                         : "the deletion of a comment's copy");
    } else if (item.write.kind == OutboxKind::kUnspecified) {
      Resolve({&item}, Refused("an outbox write of no kind"), task, "a write");
    }
  }
}

std::vector<QueueOutcome> Delivery::Deliver(const std::vector<work_queue::Claim>& batch,
                                            const absl::Notification& stop) {
  std::vector<QueueOutcome> outcomes(batch.size(), QueueOutcome::Interrupted());
  if (batch.empty()) return outcomes;
  // No write starts that could outlast a lease of the batch (another worker could take the
  // item over and write it again).
  absl::Time leases_end = absl::InfiniteFuture();
  for (const work_queue::Claim& claim : batch) leases_end = std::min(leases_end, claim.lease_until);
  const absl::Time last_start = leases_end - options_.write_bound;
  const std::function<bool()> halted = [&] {
    return stop.HasBeenNotified() || clock_.Now() > last_start;
  };
  // A unit per task, in the order the batch first names them.
  std::vector<Unit> units;
  std::map<int64_t, size_t> unit_of_link;
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<OutboxWrite> write = DecodeOutboxWrite(batch[i].payload);
    if (!write.ok()) {
      outcomes[i] = QueueOutcome::Refused(std::string(write.status().message()));
      continue;
    }
    auto [it, added] = unit_of_link.emplace(write->link_id, units.size());
    if (added) units.emplace_back();
    units[it->second].items.push_back({&batch[i], *std::move(write), &outcomes[i]});
  }
  {
    absl::MutexLock lock(&mutex_);
    for (const Unit& unit : units) {
      for (const Item& item : unit.items) {
        failures_.erase(failures_.lower_bound({item.claim->item_id, 0}),
                        failures_.lower_bound({item.claim->item_id + 1, 0}));
      }
    }
  }

  std::vector<Unit*> ready;
  for (Unit& unit : units) {
    // The claim puts due items first; the task's writes go in the order they were queued.
    std::sort(unit.items.begin(), unit.items.end(),
              [](const Item& a, const Item& b) { return a.claim->item_id < b.claim->item_id; });
    if (halted()) return outcomes;
    if (Prepare(unit, halted)) ready.push_back(&unit);
  }

  // The CRM records of every task of a portal go together.
  std::map<std::string, std::vector<CrmUpdate>> crm_updates;
  for (Unit* unit : ready) {
    std::vector<Field> fields;
    std::vector<Item*> updates = Updates(*unit, Side::kCrm, &fields);
    if (updates.empty()) continue;
    const StoredTask& task = unit->task;
    if (task.link.state == LinkState::kPendingCreate) {
      for (Item* item : updates) WaitForCrmTask(*unit, *item);
      continue;
    }
    absl::StatusOr<zoho::CrmTaskWrite> write =
        CrmWriteOf(task.canonical, fields, unit->config.value_maps);
    if (!write.ok()) {
      Resolve(updates, Refused(std::string(write.status().message())), task, "the update");
      continue;
    }
    write->id = task.link.crm_task_id;
    crm_updates[task.link.portal_id].push_back({unit, std::move(updates), *std::move(write)});
  }
  for (const auto& [portal_id, updates] : crm_updates) SendCrmUpdates(portal_id, updates, halted);

  for (Unit* unit : ready) {
    std::vector<Field> fields;
    std::vector<Item*> updates = Updates(*unit, Side::kProjects, &fields);
    if (updates.empty()) continue;
    if (halted()) return outcomes;
    Resolve(updates, UpdateProjects(unit->task, fields, unit->config.value_maps), unit->task,
            "the update");
  }

  for (Unit* unit : ready) DeliverComments(*unit, halted);
  return outcomes;
}

}  // namespace crmsync::sync
