// The sync store against a real PostgreSQL: a decision is recorded whole in one transaction
// (fields, change log, the write to the other side and event, or failure, the write-back under
// REPORT_AND_RESTORE and event), a repeated event returns its first outcome, concurrent changes
// to one task lose no update, failures page newest first, a comment's copy record commits with
// its outbox write, and a link made for Add to CRM commits with its queued creation or not at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/change/decision.h"
#include "services/sync/outbox.h"
#include "services/sync/store/pg_store.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {

// Failure messages name fields and show a write's kind, sides and fields.
void PrintTo(Field field, std::ostream* os) { *os << FieldName(field); }
void PrintTo(const PendingWrite& pending, std::ostream* os) {
  *os << "{kind " << static_cast<int>(pending.write.kind) << " to "
      << SideKey(pending.write.target_side) << " from " << SideKey(pending.write.origin_side)
      << ", fields";
  for (Field field : pending.write.fields) *os << " " << FieldName(field);
  *os << "}";
}

namespace {

using testing::At;
using testing::ChangeFrom;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::LindasComment;
using ::testing::SizeIs;
using testing::State;
using testing::WithEndDate;
using testing::WithTitle;

const absl::Time kNow = absl::FromUnixSeconds(1795424400);
constexpr char kPortal[] = "750000000000001";

// Every failure of `portal_id`, a first page of `limit`.
FailureQuery Failures(std::string portal_id, int limit = 50) {
  FailureQuery query;
  query.portal_id = std::move(portal_id);
  query.limit = limit;
  return query;
}

TaskLink Link(std::string projects_task_id, std::string crm_task_id) {
  TaskLink link;
  link.portal_id = kPortal;
  link.project_id = "1700000000001";
  link.projects_task_id = std::move(projects_task_id);
  link.crm_task_id = std::move(crm_task_id);
  link.crm_module = CrmModule::kAccounts;
  link.crm_record_id = "6000000000077";
  link.state = LinkState::kActive;
  return link;
}

// A Projects task being added to CRM, and the creation Add to CRM queues for it.
TaskLink PendingCreate(std::string projects_task_id) {
  TaskLink link = Link(std::move(projects_task_id), "");
  link.state = LinkState::kPendingCreate;
  return link;
}
OutboxWrite CrmCreation() {
  OutboxWrite create;
  create.kind = OutboxKind::kCreateTask;
  create.target_side = Side::kCrm;
  create.origin_side = Side::kProjects;
  create.accept_time = kNow;
  return create;
}

// The pipeline's decision on the recorded task, with no live reads.
DecideFn Decide(const TaskChange& change) {
  return [change](const std::optional<StoredTask>& task, FailureContext&) {
    TaskContext context;
    if (task) {
      context.link = task->link.state;
      context.canonical = task->canonical;
    }
    return DecideChange(change, testing::DocumentedDefaultMaps(), context);
  };
}

class SyncStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool(8);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    auto link = store_->CreateLink(
        Link("1700000000042", "6000000012345"),
        {{Field::kTitle, State(std::string("Migrate data"), 1, At(0))},
         {Field::kEndDate, State(EndDate(absl::CivilDay(2025, 6, 20)), 1, At(0))}},
        kNow);
    ASSERT_TRUE(link.ok()) << link.status();
  }

  StoredTask Task() {
    auto task = store_->ReadTask(kPortal, Side::kCrm, "6000000012345", absl::InfiniteFuture());
    EXPECT_TRUE(task.ok()) << task.status();
    EXPECT_TRUE(task->has_value());
    return **task;
  }

  // The task's undelivered writes, oldest first.
  std::vector<PendingWrite> Pending(Side side = Side::kCrm,
                                    const std::string& task_id = "6000000012345") {
    auto pending = store_->ListPendingWrites(kPortal, side, task_id, 1000, absl::InfiniteFuture());
    EXPECT_TRUE(pending.ok()) << pending.status();
    return pending.ok() ? *pending : std::vector<PendingWrite>();
  }

  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
};

TEST_F(SyncStorePgTest, AnAppliedChangeRecordsItsFieldsItsLogEntryAndItsEvent) {
  const TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "Migrate data (phase 2)");
  auto outcome = store_->RecordChange(testing::WithTime(change, At(5)),
                                      Decide(testing::WithTime(change, At(5))),
                                      RejectionPolicy::kReportOnly, kNow, absl::InfiniteFuture());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->decision.result, Outcome::kApplied);
  EXPECT_FALSE(outcome->duplicate);
  EXPECT_FALSE(outcome->change_id.empty());
  EXPECT_TRUE(outcome->failure_id.empty());

  const StoredTask task = Task();
  const FieldState& title = task.canonical.at(Field::kTitle);
  EXPECT_EQ(std::get<std::string>(title.value), "Migrate data (phase 2)");
  EXPECT_EQ(title.version, 2);
  EXPECT_EQ(title.source_side, Side::kCrm);
  EXPECT_EQ(title.source_time, At(5));
  EXPECT_EQ(title.source_event_id, change.event_id);
  EXPECT_EQ(task.canonical.at(Field::kEndDate).version, 1);

  auto seen = store_->FindEvent(kPortal, Side::kCrm, change.event_id, absl::InfiniteFuture());
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_TRUE(seen->has_value());
  EXPECT_TRUE((*seen)->duplicate);
  EXPECT_EQ((*seen)->decision.result, Outcome::kApplied);
  EXPECT_EQ((*seen)->change_id, outcome->change_id);
  ASSERT_THAT((*seen)->decision.fields, SizeIs(1));
  EXPECT_EQ((*seen)->decision.fields[0].version, 2);
  // The same event id from the other side is another event.
  auto other = store_->FindEvent(kPortal, Side::kProjects, change.event_id, absl::InfiniteFuture());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

// A CRM change at At(5) to a task whose description was set at At(10): the new title is
// applied, the older description is STALE and the same end date an ECHO, so Projects is asked
// to write the title only; the repeated event asks for nothing more.
TEST_F(SyncStorePgTest, AnAppliedChangeQueuesOneWriteOfItsAppliedFieldsToTheOtherSide) {
  ASSERT_TRUE(
      store_
          ->CreateLink(Link("1700000000050", "6000000012350"),
                       {{Field::kTitle, State(std::string("Migrate data"), 1, At(0))},
                        {Field::kDescription, State(std::string("Phase 1"), 1, At(10))},
                        {Field::kEndDate, State(EndDate(absl::CivilDay(2025, 6, 20)), 1, At(0))}},
                       kNow)
          .ok());
  TaskChange change =
      WithEndDate(WithTitle(ChangeFrom(Side::kCrm), "Migrate data (phase 2)"), Date{2025, 6, 20});
  change.task_id = "6000000012350";
  change.fields.description = "Phase 2";
  change.source_modified_time = At(5);
  auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                      absl::InfiniteFuture());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->decision.result, Outcome::kApplied);

  const std::vector<PendingWrite> pending = Pending(Side::kCrm, "6000000012350");
  ASSERT_THAT(pending, SizeIs(1));
  const PendingWrite& write = pending[0];
  EXPECT_FALSE(write.outbox_id.empty());
  EXPECT_EQ(write.write.kind, OutboxKind::kUpdateTask);
  EXPECT_EQ(write.write.target_side, Side::kProjects);
  EXPECT_THAT(write.write.fields, ElementsAre(Field::kTitle));
  EXPECT_EQ(write.write.origin_side, Side::kCrm);
  EXPECT_EQ(write.write.event_id, change.event_id);
  EXPECT_EQ(write.write.actor.email, "george@example.com");
  EXPECT_EQ(write.write.accept_time, kNow);
  EXPECT_FALSE(write.in_flight);
  EXPECT_EQ(write.attempts, 0);
  EXPECT_EQ(write.next_attempt_time, kNow);
  EXPECT_EQ(write.create_time, kNow);
  // The other task's outbox is its own.
  EXPECT_THAT(Pending(), IsEmpty());

  auto repeat = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly,
                                     kNow + absl::Minutes(1), absl::InfiniteFuture());
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_TRUE(repeat->duplicate);
  EXPECT_THAT(Pending(Side::kCrm, "6000000012350"), SizeIs(1));
}

// A read of a CRM task gives every field the record's one Modified_Time. CRM shows description
// "Description 62" (At(1)); a person edits it in Projects to "Description 128" (At(5)); before
// that write reaches CRM, crmsync's write of the title lands there and its webhook reads CRM back
// at At(6), the title new and the description still the old one. The description did not change
// in CRM: the person's edit stays canonical and nothing sets Projects back. A later edit of the
// description in CRM is applied.
TEST_F(SyncStorePgTest, AReadBackShowingAFieldAsCrmLastHeldItIsNoEditOfThatField) {
  auto record = [&](const TaskChange& change) {
    auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                        absl::InfiniteFuture());
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? outcome->decision.result : Outcome::kUnspecified;
  };
  auto crm_read = [](std::string event_id, std::string title, std::string description,
                     absl::Time time) {
    TaskChange change =
        testing::WithTime(WithTitle(ChangeFrom(Side::kCrm), std::move(title)), time);
    change.event_id = std::move(event_id);
    change.fields.description = std::move(description);
    return change;
  };
  ASSERT_EQ(record(crm_read("crm-1", "Migrate data", "Description 62", At(1))), Outcome::kApplied);

  TaskChange title_edit =
      testing::WithTime(WithTitle(ChangeFrom(Side::kProjects), "Migrate data (phase 2)"), At(4));
  title_edit.event_id = "projects-4";
  ASSERT_EQ(record(title_edit), Outcome::kApplied);
  TaskChange description_edit = testing::WithTime(ChangeFrom(Side::kProjects), At(5));
  description_edit.event_id = "projects-5";
  description_edit.fields.description = "Description 128";
  ASSERT_EQ(record(description_edit), Outcome::kApplied);
  const size_t queued = Pending().size();

  EXPECT_EQ(record(crm_read("crm-6", "Migrate data (phase 2)", "Description 62", At(6))),
            Outcome::kEcho);
  EXPECT_EQ(std::get<std::string>(Task().canonical.at(Field::kDescription).value),
            "Description 128");
  EXPECT_THAT(Pending(), SizeIs(queued)) << "nothing is written back to Projects";

  EXPECT_EQ(record(crm_read("crm-7", "Migrate data (phase 2)", "Description 200", At(7))),
            Outcome::kApplied);
  EXPECT_EQ(std::get<std::string>(Task().canonical.at(Field::kDescription).value),
            "Description 200");
}

// A task being added to CRM: its Projects change waits in the task's group behind the creation.
TEST_F(SyncStorePgTest, AChangeToATaskBeingCreatedInCrmIsQueuedBehindTheCreation) {
  ASSERT_TRUE(store_
                  ->CreateLinkAndQueue(PendingCreate("1700000000051"),
                                       {{Field::kTitle, State(std::string("Cut over"), 1, At(0))}},
                                       CrmCreation(), kNow, absl::InfiniteFuture())
                  .ok());

  TaskChange change = WithTitle(ChangeFrom(Side::kProjects), "Cut over on Friday");
  change.task_id = "1700000000051";
  change.source_modified_time = At(5);
  auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly,
                                      kNow + absl::Seconds(1), absl::InfiniteFuture());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->decision.result, Outcome::kApplied);

  const std::vector<PendingWrite> pending = Pending(Side::kProjects, "1700000000051");
  ASSERT_THAT(pending, SizeIs(2));
  EXPECT_EQ(pending[0].write.kind, OutboxKind::kCreateTask);
  EXPECT_EQ(pending[1].write.kind, OutboxKind::kUpdateTask);
  EXPECT_EQ(pending[1].write.target_side, Side::kCrm);
  EXPECT_THAT(pending[1].write.fields, ElementsAre(Field::kTitle));
}

TEST_F(SyncStorePgTest, ARepeatedEventReturnsItsFirstOutcomeWithoutDecidingAgain) {
  const TaskChange change = testing::WithTime(WithTitle(ChangeFrom(Side::kCrm), "Renamed"), At(5));
  ASSERT_TRUE(store_
                  ->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                 absl::InfiniteFuture())
                  .ok());
  bool decided = false;
  auto repeat = store_->RecordChange(
      WithTitle(change, "Renamed again"),
      [&](const std::optional<StoredTask>&, FailureContext&) -> absl::StatusOr<ChangeDecision> {
        decided = true;
        return absl::InternalError("must not be called");
      },
      RejectionPolicy::kReportOnly, kNow + absl::Minutes(1), absl::InfiniteFuture());
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_FALSE(decided);
  EXPECT_TRUE(repeat->duplicate);
  EXPECT_EQ(repeat->decision.result, Outcome::kApplied);
  EXPECT_EQ(repeat->process_time, kNow);
  EXPECT_EQ(std::get<std::string>(Task().canonical.at(Field::kTitle).value), "Renamed");
}

TEST_F(SyncStorePgTest, AFailedDecisionRecordsNothing) {
  const TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "Renamed");
  auto outcome = store_->RecordChange(
      change,
      [](const std::optional<StoredTask>&, FailureContext&) -> absl::StatusOr<ChangeDecision> {
        return absl::UnavailableError("Zoho Projects did not answer");
      },
      RejectionPolicy::kReportOnly, kNow, absl::InfiniteFuture());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  auto seen = store_->FindEvent(kPortal, Side::kCrm, change.event_id, absl::InfiniteFuture());
  ASSERT_TRUE(seen.ok());
  EXPECT_FALSE(seen->has_value());
  EXPECT_EQ(Task().canonical.at(Field::kTitle).version, 1);
}

TEST_F(SyncStorePgTest, ARejectedChangeRecordsAFailureAndAppliesNothing) {
  // An empty title is INVALID_VALUE; the end date beside it is not applied either.
  TaskChange change = WithEndDate(WithTitle(ChangeFrom(Side::kCrm), ""), Date{2025, 6, 25});
  change.source_modified_time = At(5);
  auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                      absl::InfiniteFuture());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->decision.result, Outcome::kRejected);
  EXPECT_EQ(outcome->decision.reason, FailureReason::kInvalidValue);
  EXPECT_FALSE(outcome->failure_id.empty());
  EXPECT_TRUE(outcome->change_id.empty());

  const StoredTask task = Task();
  EXPECT_EQ(task.canonical.at(Field::kTitle).version, 1);
  EXPECT_EQ(std::get<EndDate>(task.canonical.at(Field::kEndDate).value),
            absl::CivilDay(2025, 6, 20));

  auto failures = store_->ListFailures(Failures(kPortal), absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok()) << failures.status();
  ASSERT_THAT(*failures, SizeIs(1));
  const FailureRecord& f = (*failures)[0];
  EXPECT_EQ(f.failure_id, outcome->failure_id);
  EXPECT_EQ(f.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(f.message, outcome->decision.message);
  EXPECT_EQ(f.origin_side, Side::kCrm);
  EXPECT_EQ(f.event_id, change.event_id);
  EXPECT_EQ(f.projects_task_id, "1700000000042");
  EXPECT_EQ(f.crm_task_id, "6000000012345");
  EXPECT_EQ(f.project_id, "1700000000001");
  EXPECT_EQ(f.field, Field::kTitle);
  ASSERT_TRUE(f.kept_value.has_value());
  EXPECT_EQ(std::get<std::string>(*f.kept_value), "Migrate data");
  EXPECT_EQ(f.actor.email, "george@example.com");
  EXPECT_EQ(f.create_time, kNow);
}

// An empty title beside an oversize description, both INVALID_VALUE: REPORT_ONLY only reports;
// REPORT_AND_RESTORE also writes the kept title back to CRM (the description has no kept value).
TEST_F(SyncStorePgTest, ARejectionIsWrittenBackToItsOriginOnlyUnderReportAndRestore) {
  TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "");
  change.fields.description = std::string(32001, 'x');
  change.source_modified_time = At(5);
  auto reported = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                       absl::InfiniteFuture());
  ASSERT_TRUE(reported.ok()) << reported.status();
  ASSERT_EQ(reported->decision.result, Outcome::kRejected);
  EXPECT_FALSE(reported->failure_id.empty());
  EXPECT_THAT(Pending(), IsEmpty());

  change.event_id = "restore-me";
  auto restored = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportAndRestore,
                                       kNow, absl::InfiniteFuture());
  ASSERT_TRUE(restored.ok()) << restored.status();
  ASSERT_EQ(restored->decision.result, Outcome::kRejected);
  const std::vector<PendingWrite> pending = Pending();
  ASSERT_THAT(pending, SizeIs(1));
  EXPECT_EQ(pending[0].write.kind, OutboxKind::kUpdateTask);
  EXPECT_EQ(pending[0].write.target_side, Side::kCrm);
  EXPECT_THAT(pending[0].write.fields, ElementsAre(Field::kTitle));
  EXPECT_EQ(pending[0].write.origin_side, Side::kCrm);
  EXPECT_EQ(pending[0].write.event_id, "restore-me");
  EXPECT_EQ(std::get<std::string>(Task().canonical.at(Field::kTitle).value), "Migrate data");
}

TEST_F(SyncStorePgTest, AnUnlinkedTaskIsRecordedAsAnEventButNotAsAFailure) {
  TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "Not synced");
  change.task_id = "6000000099999";
  auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                      absl::InfiniteFuture());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->decision.reason, FailureReason::kTaskNotLinked);
  EXPECT_TRUE(outcome->failure_id.empty());
  auto failures = store_->ListFailures(Failures(kPortal), absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());
  auto seen = store_->FindEvent(kPortal, Side::kCrm, change.event_id, absl::InfiniteFuture());
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->decision.reason, FailureReason::kTaskNotLinked);
}

TEST_F(SyncStorePgTest, ADeletionMarksTheLinkAndRefusesTheOtherSidesChanges) {
  TaskChange deletion = ChangeFrom(Side::kCrm);
  deletion.task_deleted = true;
  auto deleted = store_->RecordChange(deletion, Decide(deletion), RejectionPolicy::kReportOnly,
                                      kNow, absl::InfiniteFuture());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->decision.result, Outcome::kApplied);
  EXPECT_EQ(Task().link.state, LinkState::kDeletedInCrm);

  const TaskChange change = WithTitle(ChangeFrom(Side::kProjects), "Renamed in Projects");
  auto refused = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly, kNow,
                                      absl::InfiniteFuture());
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->decision.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_FALSE(refused->failure_id.empty());
  // Neither the deletion nor the refusal writes anything: crmsync never deletes the other side's
  // task, and the deleted task has nothing to get back, whatever the policy.
  TaskChange again = WithTitle(ChangeFrom(Side::kProjects), "Renamed again");
  again.event_id = "renamed-again";
  auto refused_again = store_->RecordChange(
      again, Decide(again), RejectionPolicy::kReportAndRestore, kNow, absl::InfiniteFuture());
  ASSERT_TRUE(refused_again.ok()) << refused_again.status();
  EXPECT_EQ(refused_again->decision.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_THAT(Pending(), IsEmpty());
}

// A write the outbox holds for delivery, as its work item carries it.
struct QueuedWrite {
  std::string key;
  std::string group;
  OutboxWrite write;
};

// What a comment's record, its outbox writes and its event are, read with SQL beside the store.
class CommentStorePgTest : public SyncStorePgTest {
 protected:
  absl::StatusOr<RecordedComment> Record(const CommentChange& comment) {
    return store_->RecordComment(comment, kNow, absl::InfiniteFuture());
  }

  pqxx::result Query(const std::string& sql) {
    pqxx::connection connection(pool_.database->url());
    pqxx::work tx(connection);
    pqxx::result rows = tx.exec(sql);
    tx.commit();
    return rows;
  }

  std::vector<QueuedWrite> Outbox() {
    std::vector<QueuedWrite> out;
    for (const auto& row : Query("SELECT item_key, group_key, payload FROM sync.work_items "
                                 "WHERE queue = 'sync_outbox' ORDER BY item_id")) {
      auto write = DecodeOutboxWrite(row["payload"].as<std::string>());
      EXPECT_TRUE(write.ok()) << write.status();
      out.push_back({row["item_key"].as<std::string>(), row["group_key"].as<std::string>(),
                     write.ok() ? *write : OutboxWrite{}});
    }
    return out;
  }

  int64_t LinkId() {
    return Query(
               "SELECT link_id FROM sync.task_links "
               "WHERE portal_id = '750000000000001' AND crm_task_id = '6000000012345'")[0][0]
        .as<int64_t>();
  }
};

TEST_F(CommentStorePgTest, AnAddedCommentIsRecordedWithItsCopyAndItsOutboxWriteInOneTransaction) {
  auto recorded = Record(LindasComment());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->outcome.decision.result, Outcome::kApplied);
  EXPECT_EQ(recorded->outcome.decision.message, "Copying the comment to Zoho Projects");
  EXPECT_FALSE(recorded->outcome.duplicate);
  EXPECT_TRUE(recorded->outcome.failure_id.empty());
  ASSERT_TRUE(recorded->link.has_value());
  EXPECT_EQ(recorded->link->projects_task_id, "1700000000042");

  const pqxx::result copies = Query(
      "SELECT copy_id, origin_side, origin_comment_id, content, author->>'email' AS email, "
      "copy_comment_id IS NULL AS not_written, deleted, xmin::text AS tx FROM sync.comment_copies");
  ASSERT_EQ(copies.size(), 1u);
  const int64_t copy_id = copies[0]["copy_id"].as<int64_t>();
  EXPECT_EQ(copies[0]["origin_side"].as<std::string>(), "crm");
  EXPECT_EQ(copies[0]["origin_comment_id"].as<std::string>(), "6000000099999");
  EXPECT_EQ(copies[0]["content"].as<std::string>(),
            "Customer confirmed the cut-over date.\n\n— Linda Smith (via Zoho CRM)");
  EXPECT_EQ(copies[0]["email"].as<std::string>(), "linda@example.com");
  EXPECT_TRUE(copies[0]["not_written"].as<bool>());
  EXPECT_FALSE(copies[0]["deleted"].as<bool>());

  const std::vector<QueuedWrite> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(1));
  EXPECT_EQ(outbox[0].key, absl::StrCat("comment-add:", copy_id));
  EXPECT_EQ(outbox[0].group, OutboxGroup(LinkId()));
  EXPECT_EQ(outbox[0].write.kind, OutboxKind::kAddComment);
  EXPECT_EQ(outbox[0].write.target_side, Side::kProjects);
  EXPECT_EQ(outbox[0].write.copy_id, copy_id);
  EXPECT_EQ(outbox[0].write.link_id, LinkId());
  EXPECT_EQ(outbox[0].write.origin_side, Side::kCrm);
  EXPECT_EQ(outbox[0].write.event_id, "note-6000000099999");
  EXPECT_EQ(outbox[0].write.actor.email, "linda@example.com");
  EXPECT_EQ(outbox[0].write.accept_time, kNow);

  // The copy, its write and the event were committed by one transaction.
  const std::string copy_tx = copies[0]["tx"].as<std::string>();
  EXPECT_EQ(Query("SELECT xmin::text FROM sync.work_items WHERE queue = 'sync_outbox'")[0][0]
                .as<std::string>(),
            copy_tx);
  EXPECT_EQ(Query("SELECT xmin::text FROM sync.processed_events")[0][0].as<std::string>(), copy_tx);
}

TEST_F(CommentStorePgTest, ARepeatedEventIsADuplicateAndANewEventForTheSameCommentAnEcho) {
  auto first = Record(LindasComment());
  ASSERT_TRUE(first.ok()) << first.status();
  CommentChange repeat = LindasComment();
  repeat.content = "Edited in between";
  auto duplicate = store_->RecordComment(repeat, kNow + absl::Minutes(1), absl::InfiniteFuture());
  ASSERT_TRUE(duplicate.ok()) << duplicate.status();
  EXPECT_TRUE(duplicate->outcome.duplicate);
  EXPECT_EQ(duplicate->outcome.decision.result, Outcome::kApplied);
  EXPECT_EQ(duplicate->outcome.process_time, kNow);
  ASSERT_TRUE(duplicate->link.has_value());

  repeat.event_id = "note-6000000099999-again";
  auto again = Record(repeat);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->outcome.duplicate);
  EXPECT_EQ(again->outcome.decision.result, Outcome::kEcho);
  EXPECT_EQ(Query("SELECT count(*) FROM sync.comment_copies")[0][0].as<int>(), 1);
  EXPECT_THAT(Outbox(), SizeIs(1));
}

TEST_F(CommentStorePgTest, OurCopyComingBackFromTheOtherSideIsAnEcho) {
  ASSERT_TRUE(Record(LindasComment()).ok());
  // Delivery wrote the copy in Projects as comment 1700000000555.
  Query("UPDATE sync.comment_copies SET copy_comment_id = '1700000000555'");
  CommentChange copy = LindasComment();
  copy.origin_side = Side::kProjects;
  copy.event_id = "comment-1700000000555";
  copy.task_id = "1700000000042";
  copy.comment_id = "1700000000555";
  copy.content = "Customer confirmed the cut-over date.\n\n— Linda Smith (via Zoho CRM)";
  auto echo = Record(copy);
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->outcome.decision.result, Outcome::kEcho);
  EXPECT_EQ(echo->outcome.decision.message, "The comment is a copy crmsync wrote; nothing to do");
  EXPECT_EQ(Query("SELECT count(*) FROM sync.comment_copies")[0][0].as<int>(), 1);
  EXPECT_THAT(Outbox(), SizeIs(1));

  // Its deletion in Projects is crmsync's copy going away, not a comment to delete in CRM.
  copy.action = CommentAction::kDelete;
  copy.event_id = "comment-1700000000555-deleted";
  auto deleted = Record(copy);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->outcome.decision.result, Outcome::kEcho);
  EXPECT_THAT(Outbox(), SizeIs(1));
}

TEST_F(CommentStorePgTest, DeletingACopiedCommentQueuesTheDeletionOfItsCopyOnce) {
  ASSERT_TRUE(Record(LindasComment()).ok());
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  deletion.content.clear();
  deletion.event_id = "note-6000000099999-deleted";
  auto deleted = Record(deletion);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->outcome.decision.result, Outcome::kApplied);
  EXPECT_EQ(deleted->outcome.decision.message, "Deleting the comment's copy in Zoho Projects");

  const pqxx::result copies = Query("SELECT copy_id, deleted FROM sync.comment_copies");
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_TRUE(copies[0]["deleted"].as<bool>());
  const int64_t copy_id = copies[0]["copy_id"].as<int64_t>();
  const std::vector<QueuedWrite> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(2));
  EXPECT_EQ(outbox[1].key, absl::StrCat("comment-delete:", copy_id));
  EXPECT_EQ(outbox[1].group, outbox[0].group);
  EXPECT_EQ(outbox[1].write.kind, OutboxKind::kDeleteComment);
  EXPECT_EQ(outbox[1].write.target_side, Side::kProjects);
  EXPECT_EQ(outbox[1].write.copy_id, copy_id);

  // Deleted twice (another event for it), or added again late: nothing more to do.
  deletion.event_id = "note-6000000099999-deleted-again";
  auto twice = Record(deletion);
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->outcome.decision.result, Outcome::kEcho);
  CommentChange late_add = LindasComment();
  late_add.event_id = "note-6000000099999-late";
  auto late = Record(late_add);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->outcome.decision.result, Outcome::kEcho);
  EXPECT_THAT(Outbox(), SizeIs(2));
}

TEST_F(CommentStorePgTest, DeletingACommentNeverCopiedIsAnEcho) {
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  deletion.content.clear();
  auto deleted = Record(deletion);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->outcome.decision.result, Outcome::kEcho);
  EXPECT_EQ(deleted->outcome.decision.message,
            "The deleted comment was never copied; nothing to do");
  EXPECT_THAT(Outbox(), IsEmpty());
  EXPECT_EQ(Query("SELECT count(*) FROM sync.comment_copies")[0][0].as<int>(), 0);
}

TEST_F(CommentStorePgTest, AnEmptyCommentIsAFailureAboutTheWholeTaskRelayedToItsAuthor) {
  CommentChange empty = LindasComment();
  empty.content.clear();
  auto rejected = Record(empty);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->outcome.decision.result, Outcome::kRejected);
  EXPECT_EQ(rejected->outcome.decision.reason, FailureReason::kInvalidValue);
  ASSERT_FALSE(rejected->outcome.failure_id.empty());
  EXPECT_THAT(Outbox(), IsEmpty());

  auto failure = store_->GetFailure(rejected->outcome.failure_id);
  ASSERT_TRUE(failure.ok()) << failure.status();
  EXPECT_EQ(failure->reason, FailureReason::kInvalidValue);
  EXPECT_EQ(failure->message, "The comment cannot be empty");
  EXPECT_EQ(failure->event_id, "note-6000000099999");
  EXPECT_EQ(failure->origin_side, Side::kCrm);
  EXPECT_EQ(failure->crm_task_id, "6000000012345");
  EXPECT_EQ(failure->projects_task_id, "1700000000042");
  EXPECT_EQ(failure->task_title, "Migrate data");
  EXPECT_FALSE(failure->field.has_value());
  EXPECT_FALSE(failure->attempted_value.has_value());
  EXPECT_EQ(failure->actor.email, "linda@example.com");
  EXPECT_EQ(failure->actor.display_name, "Linda Smith");
  const pqxx::result relay =
      Query("SELECT item_key, payload FROM sync.work_items WHERE queue = 'sync_failure_relay'");
  ASSERT_EQ(relay.size(), 1u);
  EXPECT_EQ(relay[0]["item_key"].as<std::string>(), rejected->outcome.failure_id);
  EXPECT_EQ(relay[0]["payload"].as<std::string>(), rejected->outcome.failure_id);
}

TEST_F(CommentStorePgTest, ACommentOnATaskDeletedOnTheOtherSideIsAFailure) {
  TaskChange deletion = ChangeFrom(Side::kProjects);
  deletion.task_deleted = true;
  ASSERT_TRUE(store_
                  ->RecordChange(deletion, Decide(deletion), RejectionPolicy::kReportOnly, kNow,
                                 absl::InfiniteFuture())
                  .ok());
  auto rejected = Record(LindasComment());
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->outcome.decision.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_FALSE(rejected->outcome.failure_id.empty());
  ASSERT_TRUE(rejected->link.has_value());
  EXPECT_EQ(rejected->link->state, LinkState::kDeletedInProjects);
  EXPECT_THAT(Outbox(), IsEmpty());
  auto failures = store_->ListFailures(Failures(kPortal), absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok()) << failures.status();
  ASSERT_THAT(*failures, SizeIs(1));
  EXPECT_EQ((*failures)[0].reason, FailureReason::kTaskDeletedOnOtherSide);
}

TEST_F(CommentStorePgTest, AnotherPortalsCommentNeverReachesThisPortalsTask) {
  CommentChange elsewhere = LindasComment();
  elsewhere.portal_id = "750000000000002";
  auto rejected = Record(elsewhere);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->outcome.decision.reason, FailureReason::kTaskNotLinked);
  EXPECT_TRUE(rejected->outcome.failure_id.empty());
  EXPECT_FALSE(rejected->link.has_value());
  EXPECT_THAT(Outbox(), IsEmpty());
  auto failures = store_->ListFailures(Failures("750000000000002"), absl::InfiniteFuture());
  ASSERT_TRUE(failures.ok());
  EXPECT_THAT(*failures, IsEmpty());

  // The same task id linked in that portal gets the comment, in its own task's group.
  auto other = Link("1700000000042", "6000000012345");
  other.portal_id = "750000000000002";
  auto linked = store_->CreateLink(other, {}, kNow);
  ASSERT_TRUE(linked.ok()) << linked.status();
  elsewhere.event_id = "note-6000000099999-b";
  auto applied = Record(elsewhere);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome.decision.result, Outcome::kApplied);
  EXPECT_EQ(applied->link->portal_id, "750000000000002");
  const std::vector<QueuedWrite> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(1));
  EXPECT_NE(outbox[0].group, OutboxGroup(LinkId()));
  // This portal's task has no copy of it, so its deletion here is nothing to do.
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  deletion.event_id = "note-6000000099999-deleted";
  auto deleted = Record(deletion);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->outcome.decision.result, Outcome::kEcho);
}

// Two writers submit 50 title changes each to one task at once. Every change is decided from
// the state the one before it left, so all 100 are applied with versions 2..101.
TEST_F(SyncStorePgTest, ConcurrentChangesToOneTaskLoseNoUpdate) {
  constexpr int kWriters = 2;
  constexpr int kChangesEach = 50;
  std::atomic<int> applied{0};
  std::vector<std::thread> writers;
  std::vector<std::vector<int64_t>> versions(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kChangesEach; ++i) {
        TaskChange change = ChangeFrom(w == 0 ? Side::kCrm : Side::kProjects);
        change.event_id = absl::StrCat("writer", w, "-", i);
        change.fields.title = absl::StrCat("Title ", w, "-", i);
        change.source_modified_time = At(10);
        auto outcome = store_->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly,
                                            kNow, absl::InfiniteFuture());
        ASSERT_TRUE(outcome.ok()) << outcome.status();
        ASSERT_EQ(outcome->decision.result, Outcome::kApplied);
        versions[w].push_back(outcome->decision.fields.at(0).version);
        ++applied;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(applied.load(), kWriters * kChangesEach);
  EXPECT_EQ(Task().canonical.at(Field::kTitle).version, 1 + kWriters * kChangesEach);
  std::vector<int64_t> all;
  for (const auto& v : versions) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int64_t>(i) + 2);
  // One write per applied change, each to the side it did not come from.
  const std::vector<PendingWrite> pending = Pending();
  ASSERT_THAT(pending, SizeIs(kWriters * kChangesEach));
  const auto to_projects = std::count_if(pending.begin(), pending.end(), [](const auto& p) {
    return p.write.target_side == Side::kProjects && p.write.origin_side == Side::kCrm;
  });
  EXPECT_EQ(to_projects, kChangesEach);
}

TEST_F(SyncStorePgTest, FailuresPageNewestFirstFilteredByTaskAndReasonAndPortal) {
  auto second = Link("1700000000043", "6000000012346");
  ASSERT_TRUE(store_->CreateLink(second, {}, kNow).ok());
  auto other_portal = Link("1700000000042", "6000000012345");
  other_portal.portal_id = "750000000000002";
  ASSERT_TRUE(store_->CreateLink(other_portal, {}, kNow).ok());
  // Five empty titles: on the first task at kNow+0..2, on the second at kNow+3, and on the
  // other portal's task at kNow+4.
  for (int i = 0; i < 5; ++i) {
    TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "");
    change.event_id = absl::StrCat("event-", i);
    if (i == 3) change.task_id = "6000000012346";
    if (i == 4) change.portal_id = "750000000000002";
    ASSERT_TRUE(store_
                    ->RecordChange(change, Decide(change), RejectionPolicy::kReportOnly,
                                   kNow + absl::Seconds(i), absl::InfiniteFuture())
                    .ok());
  }
  auto page1 = store_->ListFailures(Failures(kPortal, 2), absl::InfiniteFuture());
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_THAT(*page1, SizeIs(2));
  EXPECT_EQ((*page1)[0].event_id, "event-3");
  EXPECT_EQ((*page1)[1].event_id, "event-2");
  FailureQuery next = Failures(kPortal, 2);
  next.after = FailurePosition{(*page1)[1].create_time, std::stoll((*page1)[1].failure_id)};
  auto page2 = store_->ListFailures(next, absl::InfiniteFuture());
  ASSERT_TRUE(page2.ok()) << page2.status();
  ASSERT_THAT(*page2, SizeIs(2));
  EXPECT_EQ((*page2)[0].event_id, "event-1");
  EXPECT_EQ((*page2)[1].event_id, "event-0");

  FailureQuery of_task_query = Failures(kPortal);
  of_task_query.task_side = Side::kProjects;
  of_task_query.task_id = "1700000000043";
  auto of_task = store_->ListFailures(of_task_query, absl::InfiniteFuture());
  ASSERT_TRUE(of_task.ok()) << of_task.status();
  ASSERT_THAT(*of_task, SizeIs(1));
  EXPECT_EQ((*of_task)[0].event_id, "event-3");

  FailureQuery by_reason_query = Failures(kPortal);
  by_reason_query.reason = FailureReason::kUnknownOwner;
  auto by_reason = store_->ListFailures(by_reason_query, absl::InfiniteFuture());
  ASSERT_TRUE(by_reason.ok());
  EXPECT_THAT(*by_reason, IsEmpty());

  auto other = store_->ListFailures(Failures("750000000000002"), absl::InfiniteFuture());
  ASSERT_TRUE(other.ok());
  ASSERT_THAT(*other, SizeIs(1));
  EXPECT_EQ((*other)[0].event_id, "event-4");
}

TEST_F(SyncStorePgTest, ALinkAndItsQueuedCreationCommitTogetherOrNotAtAll) {
  const TaskLink pending = PendingCreate("1700000000050");
  const OutboxWrite create = CrmCreation();
  const CanonicalTask canonical = {{Field::kTitle, State(std::string("Move invoices"), 1, At(2))}};
  auto linked =
      store_->CreateLinkAndQueue(pending, canonical, create, kNow, absl::InfiniteFuture());
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->state, LinkState::kPendingCreate);
  EXPECT_EQ(linked->crm_task_id, "");
  auto queued = work_queue::ReadStats(*pool_.pool, kOutboxQueue, kNow);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->pending, 1);

  // The same task again, and a task linked already: refused, and nothing more is queued.
  for (const std::string task_id : {"1700000000050", "1700000000042"}) {
    SCOPED_TRACE(task_id);
    auto again = store_->CreateLinkAndQueue(Link(task_id, ""), canonical, create, kNow,
                                            absl::InfiniteFuture());
    EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  }
  queued = work_queue::ReadStats(*pool_.pool, kOutboxQueue, kNow);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->pending, 1);
  auto task = store_->ReadTask(kPortal, Side::kProjects, "1700000000050", absl::InfiniteFuture());
  ASSERT_TRUE(task.ok()) << task.status();
  ASSERT_TRUE(task->has_value());
  EXPECT_EQ(std::get<std::string>((*task)->canonical.at(Field::kTitle).value), "Move invoices");
}

}  // namespace
}  // namespace crmsync::sync
