// Delivery of the outbox to Zoho: writes queued on kOutboxQueue as the outbox contract says,
// delivered by a work-queue worker running Delivery against zoho-sim, with tokens from the real
// crmsync-auth binary and a real PostgreSQL. What a user sees on each side after the worker ran,
// the failures recorded and relayed, and the queue's items.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/sync/change/comment.h"
#include "services/sync/change/decision.h"
#include "services/sync/store/pg_rate_budget.h"
#include "tests/services/sync/outbox_writes.h"
#include "tests/services/sync/sim_delivery_fixture.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

CanonicalTask Canonical(std::string title, EndDate end_date, Priority priority) {
  return {{Field::kTitle, testing::State(std::move(title), 2, SimDeliveryTest::kSet)},
          {Field::kEndDate, testing::State(end_date, 2, SimDeliveryTest::kSet)},
          {Field::kPriority, testing::State(priority, 2, SimDeliveryTest::kSet)}};
}

class DeliveryTest : public SimDeliveryTest {
 protected:
  DeliveryTest() : SimDeliveryTest({"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL"}) {}

  void SetUp() override {
    SimDeliveryTest::SetUp();
    if (HasFatalFailure()) return;
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data Migration"},
                        {"strict", true},
                        {"start_date", "06-01-2025"},
                        {"end_date", "06-30-2025"}})["id_string"];
    projects_task_ =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   {{"fields", {{"name", "Migrate data"}, {"end_date", "06-20-2025"}}},
                    {"user_email", kAdmin}})["tasks"][0]);
  }

  nlohmann::json Get(const std::string& path) {
    auto reply = sim_->Control(http::Method::kGet, path, nullptr);
    EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }
  // How many calls zoho-sim answered for `endpoint` (e.g. "PUT /crm/v2/{module}").
  int Calls(const std::string& endpoint) {
    const nlohmann::json counts = Get("/_sim/counts")["counts"];
    return counts.contains(endpoint) ? counts[endpoint].get<int>() : 0;
  }

  // Links the Projects task (the fixture's when "") to `crm_task_id` ("" and PENDING_CREATE: no
  // CRM task yet), with `canonical` as its recorded state; returns the link id.
  int64_t Link(const std::string& crm_task_id, const CanonicalTask& canonical,
               std::string projects_task = "") {
    if (projects_task.empty()) projects_task = projects_task_;
    auto linked = store_->CreateLink(LinkTo(crm_task_id, projects_task), canonical, kSet);
    EXPECT_TRUE(linked.ok()) << linked.status();
    auto id = testing::LinkIdOf(*db_.pool, projects_task);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  // A task a person created in the project.
  std::string ProjectsTask(const std::string& name) {
    return Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                      {{"fields", {{"name", name}, {"end_date", "06-20-2025"}}},
                       {"user_email", kAdmin}})["tasks"][0]);
  }

  std::vector<FailureRecord> Failures() {
    FailureQuery query;
    query.portal_id = portal_;
    auto failures = store_->ListFailures(query, absl::InfiniteFuture());
    EXPECT_TRUE(failures.ok()) << failures.status();
    return failures.ok() ? *failures : std::vector<FailureRecord>{};
  }

  std::optional<StoredTask> Task() {
    auto task = store_->ReadTask(portal_, Side::kProjects, projects_task_, absl::InfiniteFuture());
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? *task : std::nullopt;
  }

  // A CRM task as a person made it in the UI, linked to the Projects task.
  std::string CrmTask(const std::string& subject = "Migrate data") {
    return Id(Control("/_sim/crm/Tasks", {{"Subject", subject},
                                          {"Due_Date", "2025-06-20"},
                                          {"What_Id", {{"id", account_}}},
                                          {"$se_module", "Accounts"}}));
  }

  // Queues `writes` in one transaction, as the code recording a change does.
  // `count` tasks "Task <i>" linked in both Zoho sides, each with a title write to CRM (key
  // "update:<i>", renaming it "Renamed task <i>") added to `writes`; their CRM task ids.
  std::vector<std::string> RenamedTasks(int count,
                                        std::vector<std::pair<std::string, OutboxWrite>>* writes) {
    std::vector<std::string> crm_tasks;
    for (int i = 0; i < count; ++i) {
      crm_tasks.push_back(CrmTask(absl::StrCat("Task ", i)));
      const int64_t link = Link(
          crm_tasks.back(),
          Canonical(absl::StrCat("Renamed task ", i), absl::CivilDay(2025, 6, 27), Priority::kHigh),
          ProjectsTask(absl::StrCat("Task ", i)));
      writes->push_back({absl::StrCat("update:", i), Update(link, Side::kCrm, {Field::kTitle})});
    }
    return crm_tasks;
  }

  void Enqueue(const std::vector<std::pair<std::string, OutboxWrite>>& writes) {
    const absl::Status status = testing::QueueWrites(*db_.pool, writes, clock_.Now());
    ASSERT_TRUE(status.ok()) << status;
  }

  // A comment accepted from `origin` on the linked task; returns its copy id.
  int64_t Comment(int64_t link_id, Side origin, const std::string& content) {
    auto copy = testing::QueueCommentCopy(*db_.pool, link_id, origin, content, clock_.Now());
    EXPECT_TRUE(copy.ok()) << copy.status();
    return copy.ok() ? *copy : 0;
  }

  // The original of copy `copy_id` was deleted: the row is marked and the copy's deletion queued.
  void DeleteComment(int64_t link_id, Side origin, int64_t copy_id) {
    const absl::Status marked = db_.pool->Transact([&](pqxx::transaction_base& tx) {
      tx.exec_params("UPDATE comment_copies SET deleted = true WHERE copy_id = $1", copy_id);
      return absl::OkStatus();
    });
    ASSERT_TRUE(marked.ok()) << marked;
    OutboxWrite write = Update(link_id, OtherSide(origin), {});
    write.kind = OutboxKind::kDeleteComment;
    write.origin_side = origin;
    write.copy_id = copy_id;
    Enqueue({{absl::StrCat("comment-delete:", copy_id), write}});
  }

  std::string CopyCommentId(int64_t copy_id) {
    auto id = delivery_store_->ReadCopy(copy_id);
    EXPECT_TRUE(id.ok() && id->has_value()) << id.status();
    return id.ok() && id->has_value() ? (*id)->copy_comment_id : "";
  }

  OutboxWrite Update(int64_t link_id, Side target, std::vector<Field> fields) {
    OutboxWrite write;
    write.kind = OutboxKind::kUpdateTask;
    write.target_side = target;
    write.link_id = link_id;
    write.fields = std::move(fields);
    write.origin_side = OtherSide(target);
    write.event_id = absl::StrCat("event-", ++events_);
    write.actor = {"4000000000007", "george@example.com", "George"};
    write.accept_time = clock_.Now();
    return write;
  }

  // Add to CRM's creation of the linked task's CRM task.
  OutboxWrite Create(int64_t link_id) {
    OutboxWrite write;
    write.kind = OutboxKind::kCreateTask;
    write.target_side = Side::kCrm;
    write.link_id = link_id;
    write.origin_side = Side::kProjects;
    write.accept_time = clock_.Now();
    return write;
  }

  work_queue::QueueStats Stats(const std::string& queue) {
    auto stats = work_queue::ReadStats(*db_.pool, queue, clock_.Now());
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : work_queue::QueueStats{};
  }

  double Deliveries(const std::string& target, const std::string& kind, const std::string& result) {
    return metrics_.deliveries.Add({{"target", target}, {"kind", kind}, {"result", result}})
        .Value();
  }

  int events_ = 0;
};

TEST_F(DeliveryTest, ThreeQueuedUpdatesOfATaskAreOneCrmWriteOfItsValuesNow) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 27), Priority::kHigh));
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})},
           {"update:2", Update(link, Side::kCrm, {Field::kEndDate})},
           {"update:3", Update(link, Side::kCrm, {Field::kPriority, Field::kTitle})}});

  EXPECT_EQ(Drain(), 3);
  EXPECT_EQ(Calls("PUT /crm/v2/{module}"), 1);
  const nlohmann::json task = Get("/_sim/crm/Tasks/" + crm_task);
  EXPECT_EQ(task["Subject"], "Migrate all data");
  EXPECT_EQ(task["Due_Date"], "2025-06-27");
  EXPECT_EQ(task["Priority"], "High");
  const work_queue::QueueStats stats = Stats(kOutboxQueue);
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 3);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "ok"}}).Value(), 1);
}

// crmsync writes a person's Projects description to CRM; then a person in CRM sets it back to the
// value CRM showed before that write. That is an edit, not the old value read again: it is
// applied, and queued for Projects.
TEST_F(DeliveryTest, SettingAgainInCrmTheValueCrmsyncsWriteReplacedIsAnEdit) {
  const std::string crm_task = CrmTask();
  Link(crm_task, Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  auto record = [&](Side side, std::string event_id, std::string description, int minutes) {
    TaskChange change = testing::ChangeFrom(side);
    change.portal_id = portal_;
    change.task_id = side == Side::kCrm ? crm_task : projects_task_;
    change.event_id = std::move(event_id);
    change.fields.description = std::move(description);
    change.source_modified_time = kSet + absl::Minutes(minutes);
    auto decide = [&](const std::optional<StoredTask>& task,
                      FailureContext&) -> absl::StatusOr<ChangeDecision> {
      TaskContext context;
      if (task) {
        context.link = task->link.state;
        context.canonical = task->canonical;
      }
      return DecideChange(change, testing::DocumentedDefaultMaps(), context);
    };
    auto outcome = store_->RecordChange(change, decide, RejectionPolicy::kReportOnly, kSet,
                                        absl::InfiniteFuture());
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? outcome->decision.result : Outcome::kUnspecified;
  };
  ASSERT_EQ(record(Side::kCrm, "crm-1", "Description 62", 1), Outcome::kApplied);
  ASSERT_EQ(record(Side::kProjects, "projects-2", "Description 128", 2), Outcome::kApplied);
  EXPECT_EQ(Drain(), 2) << "each change's write to the other side";
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Description"], "Description 128");

  EXPECT_EQ(record(Side::kCrm, "crm-3", "Description 62", 3), Outcome::kApplied);
  auto task = store_->ReadTask(portal_, Side::kCrm, crm_task, absl::InfiniteFuture());
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_EQ(std::get<std::string>((*task)->canonical.at(Field::kDescription).value),
            "Description 62");
  EXPECT_EQ(Stats(kOutboxQueue).pending, 1) << "the edit is queued for Projects";
}

TEST_F(DeliveryTest, UpdatesOfThirtyTasksOfAPortalAreOneCrmCallOfThirtyRecords) {
  std::vector<std::pair<std::string, OutboxWrite>> writes;
  const std::vector<std::string> crm_tasks = RenamedTasks(30, &writes);
  Enqueue(writes);

  EXPECT_EQ(Drain(), 30);
  EXPECT_EQ(Calls("PUT /crm/v2/{module}"), 1);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_tasks[i])["Subject"], absl::StrCat("Renamed task ", i));
  }
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 30);
  const work_queue::QueueStats stats = Stats(kOutboxQueue);
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
}

TEST_F(DeliveryTest, ARecordCrmRejectsInABatchIsRefusedAloneAndTheOthersAreDone) {
  std::vector<std::pair<std::string, OutboxWrite>> writes;
  const std::vector<std::string> crm_tasks = RenamedTasks(3, &writes);
  // A person deletes the second CRM task before the writes go out: CRM rejects its record.
  Control("/_sim/crm/Tasks/" + crm_tasks[1] + "/delete", {{"user_email", kAdmin}});
  Enqueue(writes);

  EXPECT_EQ(Drain(), 3);
  EXPECT_EQ(Calls("PUT /crm/v2/{module}"), 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_tasks[0])["Subject"], "Renamed task 0");
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_tasks[2])["Subject"], "Renamed task 2");
  const std::vector<FailureRecord> failures = Failures();
  ASSERT_THAT(failures, SizeIs(1));
  EXPECT_EQ(failures[0].reason, FailureReason::kDeliveryRefused);
  EXPECT_EQ(failures[0].crm_task_id, crm_tasks[1]);
  EXPECT_EQ(failures[0].field, Field::kTitle);
  EXPECT_THAT(failures[0].message, HasSubstr("Zoho CRM refused the update of \"Renamed task 1\""));
  EXPECT_THAT(failures[0].message, HasSubstr("INVALID_DATA"));
  EXPECT_EQ(Stats(kOutboxQueue).dead, 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 2);
  EXPECT_EQ(Deliveries("crm", "update_task", "refused"), 1);
}

TEST_F(DeliveryTest, AThrottledCrmBatchRetriesEveryRecordAndLandsWhole) {
  std::vector<std::pair<std::string, OutboxWrite>> writes;
  const std::vector<std::string> crm_tasks = RenamedTasks(3, &writes);
  Control("/_sim/faults", {{"error_429_share", 1.0}, {"path_prefix", "/crm/v2/Tasks"}});
  Enqueue(writes);

  EXPECT_EQ(Drain(), 3);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "429"}}).Value(), 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "retry"), 3);
  EXPECT_EQ(Stats(kOutboxQueue).pending, 3);

  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults", nullptr).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Drain(), 3);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "ok"}}).Value(), 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_tasks[i])["Subject"], absl::StrCat("Renamed task ", i));
  }
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 3);
}

TEST_F(DeliveryTest, AWriteThatCouldOutlastTheBatchsLeaseIsNotStartedAndGoesBackUncounted) {
  // The worker's lease (two minutes) is shorter than one write may take.
  DeliveryOptions options;
  options.write_bound = absl::Minutes(3);
  delivery_ =
      std::make_unique<Delivery>(*delivery_store_, portals_, *writes_, clock_, metrics_, options);
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})}});

  auto claimed = worker_->RunOnce(stop_);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(*claimed, 1);
  EXPECT_EQ(Calls("PUT /crm/v2/{module}"), 0);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate data");
  auto attempts = db_.pool->TransactValue<int>([](pqxx::transaction_base& tx) {
    return tx.exec_params1("SELECT attempts FROM work_items WHERE item_key = $1", "update:1")[0]
        .as<int>();
  });
  ASSERT_TRUE(attempts.ok()) << attempts.status();
  EXPECT_EQ(*attempts, 0);
  EXPECT_EQ(Stats(kOutboxQueue).pending, 1);
}

TEST_F(DeliveryTest, ClosedAndReopenedReachProjectsAsTheProjectsTaskStatus) {
  CanonicalTask closed = Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kNone);
  closed[Field::kStatus] = testing::State(TaskStatus::kClosed, 2, kSet);
  const int64_t link = Link(CrmTask(), closed);
  const auto projects_status = [&] {
    return Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["status"];
  };

  Enqueue({{"update:1", Update(link, Side::kProjects, {Field::kStatus})}});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(projects_status()["name"], "Closed");
  EXPECT_EQ(projects_status()["type"], "closed");

  ASSERT_TRUE(db_.pool
                  ->Transact([&](pqxx::transaction_base& tx) {
                    tx.exec_params(
                        "UPDATE task_fields SET value = $2::jsonb "
                        "WHERE link_id = $1 AND field = 'status'",
                        link,
                        absl::StrCat("{\"status\": ", static_cast<int>(TaskStatus::kOpen), "}"));
                    return absl::OkStatus();
                  })
                  .ok());
  Enqueue({{"update:2", Update(link, Side::kProjects, {Field::kStatus})}});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(projects_status()["name"], "Open");
  EXPECT_EQ(projects_status()["type"], "open");
  // The project's statuses were read once, from its task layout, for both writes.
  EXPECT_EQ(Calls("GET /restapi/portal/{portal}/projects/{project}/tasklayouts"), 1);
  EXPECT_EQ(Deliveries("projects", "update_task", "done"), 2);
}

TEST_F(DeliveryTest, AStatusTheProjectDoesNotHaveIsRefusedNamingIt) {
  ValueMaps maps = testing::DocumentedDefaultMaps();
  maps.projects_statuses = {{"Open", TaskStatus::kOpen, true}, {"Done", TaskStatus::kClosed, true}};
  portals_.portals[portal_] = PortalConfig{maps};
  CanonicalTask closed = Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kNone);
  closed[Field::kStatus] = testing::State(TaskStatus::kClosed, 2, kSet);
  const int64_t link = Link(CrmTask(), closed);

  Enqueue({{"update:1", Update(link, Side::kProjects, {Field::kStatus})}});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["status"]["name"],
            "Open");
  const std::vector<FailureRecord> failures = Failures();
  ASSERT_THAT(failures, SizeIs(1));
  EXPECT_EQ(failures[0].reason, FailureReason::kDeliveryRefused);
  EXPECT_EQ(failures[0].field, Field::kStatus);
  EXPECT_THAT(failures[0].message, HasSubstr("no task status \"Done\""));
  EXPECT_EQ(Deliveries("projects", "update_task", "refused"), 1);
}

TEST_F(DeliveryTest, AnUpdateReachesProjectsInItsVocabulary) {
  const int64_t link = Link(
      CrmTask(), Canonical("Migrate all data", absl::CivilDay(2025, 6, 27), Priority::kMedium));
  Enqueue({{"update:1",
            Update(link, Side::kProjects, {Field::kTitle, Field::kEndDate, Field::kPriority})}});

  EXPECT_EQ(Drain(), 1);
  const nlohmann::json task = Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_);
  EXPECT_EQ(task["name"], "Migrate all data");
  EXPECT_EQ(task["end_date"], "06-27-2025");
  EXPECT_EQ(task["priority"], "Medium");
  EXPECT_EQ(Deliveries("projects", "update_task", "done"), 1);
}

TEST_F(DeliveryTest, AddToCrmCreatesTheTaskOnTheAccountAndTheLinkTurnsActive) {
  const int64_t link =
      Link("", Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kLow));
  Enqueue({{absl::StrCat("create:", link), Create(link)}});
  // A change queued meanwhile waits for the CRM task, then reaches it.
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kPriority})}});

  EXPECT_EQ(Drain(), 2);
  const std::optional<StoredTask> task = Task();
  ASSERT_TRUE(task);
  EXPECT_EQ(task->link.state, LinkState::kActive);
  ASSERT_FALSE(task->link.crm_task_id.empty());
  const nlohmann::json crm = Get("/_sim/crm/Tasks/" + task->link.crm_task_id);
  EXPECT_EQ(crm["Subject"], "Migrate data");
  EXPECT_EQ(crm["Due_Date"], "2025-06-20");
  EXPECT_EQ(crm["Priority"], "Low");
  EXPECT_EQ(crm["$se_module"], "Accounts");
  EXPECT_EQ(Id(crm["What_Id"]), account_);
  EXPECT_EQ(Calls("POST /crm/v2/{module}"), 1);
  EXPECT_EQ(Deliveries("crm", "create_task", "done"), 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 1);
}

TEST_F(DeliveryTest, WhileTheCrmTaskCannotBeCreatedItsWritesWaitWithoutSpendingAttempts) {
  const int64_t link =
      Link("", Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kLow));
  Enqueue({{absl::StrCat("create:", link), Create(link)},
           {"update:1", Update(link, Side::kCrm, {Field::kPriority})}});
  Control("/_sim/faults", {{"error_429_share", 1.0}, {"path_prefix", "/crm/v2/Tasks"}});

  EXPECT_EQ(Drain(), 2);
  EXPECT_EQ(Deliveries("crm", "create_task", "retry"), 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "waiting"), 1);
  auto waiting = work_queue::ReadStats(*db_.pool, kOutboxQueue, clock_.Now());
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->pending, 2);
  auto attempts = db_.pool->TransactValue<int>([](pqxx::transaction_base& tx) {
    return tx.exec_params1("SELECT attempts FROM work_items WHERE item_key = $1", "update:1")[0]
        .as<int>();
  });
  ASSERT_TRUE(attempts.ok()) << attempts.status();
  EXPECT_EQ(*attempts, 0);

  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults", nullptr).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Drain(), 2);
  const std::optional<StoredTask> task = Task();
  ASSERT_TRUE(task);
  EXPECT_EQ(task->link.state, LinkState::kActive);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + task->link.crm_task_id)["Priority"], "Low");
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 1);
}

TEST_F(DeliveryTest, ThrottledByCrmTheWriteWaitsForRetryAfterAndThenLands) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  Control("/_sim/faults", {{"error_429_share", 1.0}, {"path_prefix", "/crm/v2/Tasks"}});
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})}});

  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate data");
  EXPECT_EQ(Deliveries("crm", "update_task", "retry"), 1);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "429"}}).Value(), 1);
  // Not before the Retry-After (one second) the sim asked for.
  clock_.Advance(absl::Milliseconds(900));
  EXPECT_EQ(Drain(), 0);

  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults", nullptr).ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate all data");
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 1);
  const work_queue::QueueStats stats = Stats(kOutboxQueue);
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
}

TEST_F(DeliveryTest, APortalsProjectsBudgetSpentHoldsItsWritesUntilTheMinuteHasPassed) {
  RateBudgetMetrics budget_metrics(registry_);
  PgRateBudget budget(*db_.pool, clock_, {.projects_requests_per_minute = 1}, budget_metrics);
  caller_ = std::make_unique<ZohoCaller>(*tokens_, http_, metrics_,
                                         ZohoRateLimit{&budget, &clock_, absl::ZeroDuration()});
  writes_ = std::make_unique<ZohoDeliveryWrites>(*caller_, sim_->base_url());
  delivery_ = std::make_unique<Delivery>(*delivery_store_, portals_, *writes_, clock_, metrics_);
  const int64_t link = Link(
      CrmTask(), Canonical("Migrate all data", absl::CivilDay(2025, 6, 27), Priority::kMedium));
  const auto projects_title = [&] {
    return Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["name"];
  };

  Enqueue({{"update:1", Update(link, Side::kProjects, {Field::kTitle})}});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(projects_title(), "Migrate all data");

  // The minute's one request is spent: the next write is not sent, and waits without spending an
  // attempt.
  ASSERT_TRUE(db_.pool
                  ->Transact([&](pqxx::transaction_base& tx) {
                    tx.exec_params(
                        "UPDATE task_fields SET value = '{\"text\": \"Migrate every record\"}' "
                        "WHERE link_id = $1 AND field = 'title'",
                        link);
                    return absl::OkStatus();
                  })
                  .ok());
  Enqueue({{"update:2", Update(link, Side::kProjects, {Field::kTitle})}});
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(projects_title(), "Migrate all data");
  EXPECT_EQ(Deliveries("projects", "update_task", "waiting"), 1);
  EXPECT_EQ(Deliveries("projects", "update_task", "retry"), 0);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "projects"}, {"result", "ok"}}).Value(), 1);

  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(projects_title(), "Migrate every record");
  EXPECT_EQ(Deliveries("projects", "update_task", "done"), 2);
}

TEST_F(DeliveryTest, ARefusedWriteIsOneFailureRelayedOnceAndTheTasksOtherWritesGoOn) {
  const std::string crm_task = CrmTask();
  // The strict project ends on 2025-06-30: Projects refuses the task's end date.
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 7, 15), Priority::kNone));
  Enqueue({{"update:1", Update(link, Side::kProjects, {Field::kEndDate})},
           {"update:2", Update(link, Side::kCrm, {Field::kTitle})}});

  EXPECT_EQ(Drain(), 2);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate all data");
  EXPECT_EQ(Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["end_date"],
            "06-20-2025");
  FailureQuery query;
  query.portal_id = portal_;
  auto failures = store_->ListFailures(query, absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok()) << failures.status();
  ASSERT_THAT(*failures, SizeIs(1));
  const FailureRecord& failure = failures->front();
  EXPECT_EQ(failure.reason, FailureReason::kDeliveryRefused);
  EXPECT_THAT(failure.message,
              HasSubstr("Zoho Projects refused the update of \"Migrate all data\""));
  EXPECT_EQ(failure.origin_side, Side::kCrm);
  EXPECT_EQ(failure.event_id, "event-1");
  EXPECT_EQ(failure.actor.email, "george@example.com");
  EXPECT_EQ(failure.field, Field::kEndDate);
  EXPECT_EQ(failure.crm_task_id, crm_task);
  EXPECT_EQ(Stats(kFailureRelayQueue).pending, 1);
  EXPECT_EQ(Stats(kOutboxQueue).dead, 1);
  // The canonical state keeps the value crmsync accepted.
  const std::optional<StoredTask> task = Task();
  ASSERT_TRUE(task);
  EXPECT_EQ(std::get<EndDate>(task->canonical.at(Field::kEndDate).value),
            absl::CivilDay(2025, 7, 15));
  EXPECT_EQ(Deliveries("projects", "update_task", "refused"), 1);
}

TEST_F(DeliveryTest, ATokenZohoRefusesIsExchangedOnceAndTheWriteGoesThrough) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  // The token auth holds for the grant is revoked behind its back.
  auto token =
      tokens_->Get(portal_, Side::kCrm, {std::begin(kCrmWriteScopes), std::end(kCrmWriteScopes)},
                   "", absl::InfiniteFuture());
  ASSERT_TRUE(token.ok()) << token.status();
  ASSERT_TRUE(sim_->Control(http::Method::kPost,
                            "/oauth/v2/token/revoke?token=" + token->access_token, nullptr)
                  .ok());
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})}});

  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate all data");
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "401"}}).Value(), 1);
  EXPECT_EQ(metrics_.zoho_calls.Add({{"side", "crm"}, {"result", "ok"}}).Value(), 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "done"), 1);
}

TEST_F(DeliveryTest, ABrokenGrantEndsTheWriteWithAGrantBrokenFailure) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  // The admin revoked crmsync's access in Zoho: the refresh token and its access tokens.
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/oauth/v2/token/revoke?token=" + refresh_token_, nullptr)
          .ok());
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})}});

  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate data");
  FailureQuery query;
  query.portal_id = portal_;
  auto failures = store_->ListFailures(query, absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok()) << failures.status();
  ASSERT_THAT(*failures, SizeIs(1));
  EXPECT_EQ(failures->front().reason, FailureReason::kGrantBroken);
  EXPECT_EQ(Stats(kFailureRelayQueue).pending, 1);
  EXPECT_EQ(Stats(kOutboxQueue).dead, 1);
  EXPECT_EQ(Deliveries("crm", "update_task", "grant_broken"), 1);
}

TEST_F(DeliveryTest, AWriteZohoKeepsFailingEndsWithARetriesExhaustedFailure) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate all data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  Control("/_sim/faults", {{"error_5xx_share", 1.0}, {"path_prefix", "/crm/v2/Tasks"}});
  Enqueue({{"update:1", Update(link, Side::kCrm, {Field::kTitle})}});

  // The test's budget is five attempts.
  for (int attempt = 1; attempt <= 5; ++attempt) {
    EXPECT_EQ(Drain(), 1) << "attempt " << attempt;
    clock_.Advance(absl::Minutes(2));
  }
  EXPECT_EQ(Drain(), 0);
  EXPECT_EQ(Stats(kOutboxQueue).dead, 1);
  FailureQuery query;
  query.portal_id = portal_;
  auto failures = store_->ListFailures(query, absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok()) << failures.status();
  ASSERT_THAT(*failures, SizeIs(1));
  EXPECT_EQ(failures->front().reason, FailureReason::kDeliveryRetriesExhausted);
  EXPECT_THAT(failures->front().message, HasSubstr("gave up after 5 attempts"));
  EXPECT_EQ(Stats(kFailureRelayQueue).pending, 1);
  EXPECT_EQ(Get("/_sim/crm/Tasks/" + crm_task)["Subject"], "Migrate data");
}

TEST_F(DeliveryTest, ACommentWhoseAnswerWasLostIsLookedForOnlyAfterTheLostCreateWait) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  const std::string comments_path =
      "/restapi/portal/" + portal_ + "/projects/" + project_ + "/tasks/" + projects_task_;
  Control("/_sim/faults", {{"error_5xx_share", 1.0}, {"path_prefix", comments_path}});
  const int64_t copy = Comment(link, Side::kCrm, "George (Zoho CRM): customer agreed");
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(Deliveries("projects", "add_comment", "retry"), 1);

  // Zoho may still be adding the comment: its retry waits (DeliveryOptions' default 10 s),
  // however short the queue's backoff.
  clock_.Advance(absl::Seconds(9));
  EXPECT_EQ(Drain(), 0);
  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults", nullptr).ok());
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(Drain(), 1);
  const nlohmann::json comments =
      Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["comments"];
  ASSERT_THAT(comments, SizeIs(1));
  EXPECT_EQ(Id(comments[0]), CopyCommentId(copy));
}

TEST_F(DeliveryTest, CommentsAreCopiedEachWayAndTheirDeletionsFollow) {
  const std::string crm_task = CrmTask();
  const int64_t link =
      Link(crm_task, Canonical("Migrate data", absl::CivilDay(2025, 6, 20), Priority::kNone));
  const int64_t to_crm = Comment(link, Side::kProjects, "Ana Lima (Zoho Projects): invoices moved");
  const int64_t to_projects = Comment(link, Side::kCrm, "George (Zoho CRM): customer agreed");

  EXPECT_EQ(Drain(), 2);
  const std::string note_id = CopyCommentId(to_crm);
  ASSERT_FALSE(note_id.empty());
  const nlohmann::json note = Get("/_sim/crm/Notes/" + note_id);
  EXPECT_EQ(Id(note["Parent_Id"]), crm_task);
  EXPECT_EQ(note["Note_Content"],
            absl::StrCat("Ana Lima (Zoho Projects): invoices moved", CopyMarker(to_crm)));
  const nlohmann::json comments =
      Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["comments"];
  ASSERT_THAT(comments, SizeIs(1));
  EXPECT_EQ(Id(comments[0]), CopyCommentId(to_projects));
  EXPECT_THAT(comments[0].dump(), HasSubstr("George (Zoho CRM): customer agreed"));
  EXPECT_EQ(Deliveries("crm", "add_comment", "done"), 1);
  EXPECT_EQ(Deliveries("projects", "add_comment", "done"), 1);

  DeleteComment(link, Side::kProjects, to_crm);
  DeleteComment(link, Side::kCrm, to_projects);
  EXPECT_EQ(Drain(), 2);
  EXPECT_FALSE(sim_->Control(http::Method::kGet, "/_sim/crm/Notes/" + note_id, nullptr).ok());
  EXPECT_THAT(Get("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_)["comments"],
              SizeIs(0));
  const work_queue::QueueStats stats = Stats(kOutboxQueue);
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
}

}  // namespace
}  // namespace crmsync::sync
