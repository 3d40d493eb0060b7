// The sync store against a real PostgreSQL: a decision is recorded whole in one transaction
// (fields, change log, the write to the other side and event, or failure, the write-back under
// REPORT_AND_RESTORE and event), a repeated event returns its first outcome, concurrent changes
// to one task lose no update, and failures page newest first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/change/decision.h"
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

// A task being added to CRM: its Projects change waits in the task's group behind the creation.
TEST_F(SyncStorePgTest, AChangeToATaskBeingCreatedInCrmIsQueuedBehindTheCreation) {
  TaskLink pending_link = Link("1700000000051", "");
  pending_link.state = LinkState::kPendingCreate;
  ASSERT_TRUE(store_
                  ->CreateLink(pending_link,
                               {{Field::kTitle, State(std::string("Cut over"), 1, At(0))}}, kNow)
                  .ok());
  ASSERT_TRUE(
      pool_.pool
          ->Transact([&](pqxx::transaction_base& tx) {
            const int64_t link_id =
                tx.exec_params1("SELECT link_id FROM task_links WHERE projects_task_id = $1",
                                "1700000000051")[0]
                    .as<int64_t>();
            OutboxWrite create;
            create.kind = OutboxKind::kCreateTask;
            create.target_side = Side::kCrm;
            create.link_id = link_id;
            create.origin_side = Side::kProjects;
            create.accept_time = kNow;
            return work_queue::Enqueue(tx,
                                       {kOutboxQueue, absl::StrCat("create:", link_id),
                                        EncodeOutboxWrite(create), OutboxGroup(link_id), kNow},
                                       kNow)
                .status();
          })
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

}  // namespace
}  // namespace crmsync::sync
