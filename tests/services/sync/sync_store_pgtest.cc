// The sync store against a real PostgreSQL: a decision is recorded whole in one transaction
// (fields, change log and event, or failure and event), a repeated event returns its first
// outcome, concurrent changes to one task lose no update, failures page newest first, and a link
// made for Add to CRM commits with its queued creation or not at all.
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
namespace {

using testing::At;
using testing::ChangeFrom;
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

  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
};

TEST_F(SyncStorePgTest, AnAppliedChangeRecordsItsFieldsItsLogEntryAndItsEvent) {
  const TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "Migrate data (phase 2)");
  auto outcome =
      store_->RecordChange(testing::WithTime(change, At(5)),
                           Decide(testing::WithTime(change, At(5))), kNow, absl::InfiniteFuture());
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

TEST_F(SyncStorePgTest, ARepeatedEventReturnsItsFirstOutcomeWithoutDecidingAgain) {
  const TaskChange change = testing::WithTime(WithTitle(ChangeFrom(Side::kCrm), "Renamed"), At(5));
  ASSERT_TRUE(store_->RecordChange(change, Decide(change), kNow, absl::InfiniteFuture()).ok());
  bool decided = false;
  auto repeat = store_->RecordChange(
      WithTitle(change, "Renamed again"),
      [&](const std::optional<StoredTask>&, FailureContext&) -> absl::StatusOr<ChangeDecision> {
        decided = true;
        return absl::InternalError("must not be called");
      },
      kNow + absl::Minutes(1), absl::InfiniteFuture());
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
      kNow, absl::InfiniteFuture());
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
  auto outcome = store_->RecordChange(change, Decide(change), kNow, absl::InfiniteFuture());
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

TEST_F(SyncStorePgTest, AnUnlinkedTaskIsRecordedAsAnEventButNotAsAFailure) {
  TaskChange change = WithTitle(ChangeFrom(Side::kCrm), "Not synced");
  change.task_id = "6000000099999";
  auto outcome = store_->RecordChange(change, Decide(change), kNow, absl::InfiniteFuture());
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
  auto deleted = store_->RecordChange(deletion, Decide(deletion), kNow, absl::InfiniteFuture());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->decision.result, Outcome::kApplied);
  EXPECT_EQ(Task().link.state, LinkState::kDeletedInCrm);

  const TaskChange change = WithTitle(ChangeFrom(Side::kProjects), "Renamed in Projects");
  auto refused = store_->RecordChange(change, Decide(change), kNow, absl::InfiniteFuture());
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->decision.reason, FailureReason::kTaskDeletedOnOtherSide);
  EXPECT_FALSE(refused->failure_id.empty());
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
        auto outcome = store_->RecordChange(change, Decide(change), kNow, absl::InfiniteFuture());
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
    ASSERT_TRUE(
        store_
            ->RecordChange(change, Decide(change), kNow + absl::Seconds(i), absl::InfiniteFuture())
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
  TaskLink pending = Link("1700000000050", "");
  pending.state = LinkState::kPendingCreate;
  OutboxWrite create;
  create.kind = OutboxKind::kCreateTask;
  create.target_side = Side::kCrm;
  create.origin_side = Side::kProjects;
  create.accept_time = kNow;
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
