// The failure relay on a real PostgreSQL and the real work queue: a rejected change's failure
// and its queue item commit together; the relay hands it to notify once, addressed to the actor
// (their email looked up through the user links when the change did not carry it); an actor with
// no known email is recorded, counted and not retried.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/sync/change/decision.h"
#include "services/sync/failure_relay.h"
#include "services/sync/notify_notifier.h"
#include "services/sync/store/pg_store.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1795424400);
constexpr char kPortal[] = "750000000000001";

// Stands in for notify: keeps what it was given and answers with `answer`.
class RecordingNotifier : public FailureNotifier {
 public:
  struct Call {
    FailureRecord failure;
    Recipient recipient;
  };
  std::vector<Call> calls;
  absl::Status answer;

  absl::Status Notify(const FailureRecord& failure, const Recipient& recipient,
                      const absl::Notification&) override {
    calls.push_back({failure, recipient});
    return answer;
  }
};

class FailureRelayPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    TaskLink link;
    link.portal_id = kPortal;
    link.project_id = "1700000000001";
    link.projects_task_id = "1700000000042";
    link.crm_task_id = "6000000012345";
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = LinkState::kActive;
    ASSERT_TRUE(store_
                    ->CreateLink(link,
                                 {{Field::kTitle,
                                   testing::State(std::string("Migrate data"), 1, testing::At(0))}},
                                 kNow)
                    .ok());
    queue_ = std::make_unique<work_queue::PgWorkQueue>(*pool_.pool, kFailureRelayQueue, clock_,
                                                       work_queue::RetryPolicy{}, queue_metrics_);
    relay_ = std::make_unique<FailureRelay>(*store_, users_, notifier_, registry_);
    worker_ = std::make_unique<work_queue::Worker>(
        *queue_,
        [this](const std::vector<work_queue::Claim>& unit, const absl::Notification& stop) {
          return relay_->Deliver(unit, stop);
        },
        work_queue::WorkerOptions{});
  }

  // Records an empty title from CRM by `actor`: REJECTED INVALID_VALUE; returns its failure id.
  std::string RejectedChange(Actor actor) {
    TaskChange change = testing::WithTitle(testing::ChangeFrom(Side::kCrm), "");
    change.actor = std::move(actor);
    auto outcome = store_->RecordChange(
        change,
        [&](const std::optional<StoredTask>& task, FailureContext& failure) {
          failure.project_name = "Data Migration";
          failure.project_start_date = absl::CivilDay(2025, 6, 1);
          failure.project_end_date = absl::CivilDay(2025, 6, 30);
          TaskContext context;
          context.link = task->link.state;
          context.canonical = task->canonical;
          return DecideChange(change, testing::DocumentedDefaultMaps(), context);
        },
        RejectionPolicy::kReportOnly, kNow, absl::InfiniteFuture());
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome->failure_id;
  }

  work_queue::QueueStats Stats() {
    auto stats = work_queue::ReadStats(*pool_.pool, kFailureRelayQueue, clock_.Now());
    EXPECT_TRUE(stats.ok()) << stats.status();
    return *stats;
  }

  double Relayed(const std::string& result) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != "crmsync_sync_failure_relay_total") continue;
      for (const auto& metric : family.metric) {
        if (metric.label[0].value == result) return metric.counter.value;
      }
    }
    return -1;
  }

  FakeClock clock_{kNow};
  prometheus::Registry registry_;
  work_queue::Metrics queue_metrics_{registry_};
  testing::FakeUsers users_;
  RecordingNotifier notifier_;
  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<work_queue::PgWorkQueue> queue_;
  std::unique_ptr<FailureRelay> relay_;
  std::unique_ptr<work_queue::Worker> worker_;
  absl::Notification never_;
};

TEST_F(FailureRelayPgTest, ARecordedFailureIsQueuedWithItAndHandedToNotifyOnce) {
  const std::string failure_id =
      RejectedChange({"4000000000007", "george@example.com", "George Miller"});
  EXPECT_EQ(Stats().pending, 1);

  auto claimed = worker_->RunOnce(never_);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(*claimed, 1);
  ASSERT_THAT(notifier_.calls, SizeIs(1));
  EXPECT_EQ(notifier_.calls[0].failure.failure_id, failure_id);
  EXPECT_EQ(notifier_.calls[0].recipient.email, "george@example.com");
  EXPECT_EQ(notifier_.calls[0].recipient.display_name, "George Miller");
  // What the email tells beside the values: the task's title and what the decision read.
  EXPECT_EQ(notifier_.calls[0].failure.task_title, "Migrate data");
  EXPECT_EQ(notifier_.calls[0].failure.project_name, "Data Migration");
  EXPECT_EQ(notifier_.calls[0].failure.project_start_date, absl::CivilDay(2025, 6, 1));
  EXPECT_EQ(notifier_.calls[0].failure.project_end_date, absl::CivilDay(2025, 6, 30));
  EXPECT_EQ(notifier_.calls[0].failure.parent_task_title, "");
  EXPECT_EQ(Stats().pending, 0);
  EXPECT_EQ(Relayed("delivered"), 1);

  auto again = worker_->RunOnce(never_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_THAT(notifier_.calls, SizeIs(1));
}

TEST_F(FailureRelayPgTest, AnActorWithoutEmailIsLookedUpThroughTheUserLinks) {
  users_.users[{kPortal, Side::kCrm, "4000000000008"}] = {"linda@example.com", "4000000000008",
                                                          "1800000000008", "Linda Smith"};
  RejectedChange({"4000000000008", "", ""});
  ASSERT_TRUE(worker_->RunOnce(never_).ok());
  ASSERT_THAT(notifier_.calls, SizeIs(1));
  EXPECT_EQ(notifier_.calls[0].recipient.email, "linda@example.com");
  EXPECT_EQ(notifier_.calls[0].recipient.display_name, "Linda Smith");
}

TEST_F(FailureRelayPgTest, AnActorWithNoKnownEmailIsCountedAndNotRetried) {
  RejectedChange({"4000000000009", "", ""});
  ASSERT_TRUE(worker_->RunOnce(never_).ok());
  EXPECT_THAT(notifier_.calls, SizeIs(0));
  EXPECT_EQ(Relayed("no_email"), 1);
  const work_queue::QueueStats stats = Stats();
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(stats.dead, 1);
}

TEST_F(FailureRelayPgTest, NotifyUnavailableIsRetriedLater) {
  RejectedChange({"4000000000007", "george@example.com", "George Miller"});
  notifier_.answer = absl::UnavailableError("notify is restarting");
  ASSERT_TRUE(worker_->RunOnce(never_).ok());
  EXPECT_EQ(Stats().pending, 1);
  notifier_.answer = absl::OkStatus();
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(worker_->RunOnce(never_).ok());
  EXPECT_THAT(notifier_.calls, SizeIs(2));
  EXPECT_EQ(Stats().pending, 0);
  EXPECT_EQ(Stats().dead, 0);
}

TEST(NotifyRequestFor, TheKindFollowsTheReasonAndTheFailureIdIsTheKey) {
  FailureRecord failure;
  failure.failure_id = "42";
  failure.portal_id = kPortal;
  failure.reason = FailureReason::kDueDateBeyondStrictSchedule;
  failure.message =
      "End date 2025-07-15 is after the end of strict project Data Migration (2025-06-30)";
  failure.origin_side = Side::kCrm;
  failure.crm_task_id = "6000000012345";
  failure.project_id = "1700000000001";
  failure.field = Field::kEndDate;
  failure.attempted_value = EndDate(absl::CivilDay(2025, 7, 15));
  failure.kept_value = EndDate(absl::CivilDay(2025, 6, 20));
  failure.create_time = kNow;
  failure.task_title = "Migrate data";
  failure.project_name = "Data Migration";
  failure.project_start_date = absl::CivilDay(2025, 6, 1);
  failure.project_end_date = absl::CivilDay(2025, 6, 30);
  notify::v1::NotifyFailureRequest request =
      NotifyRequestFor(failure, {"george@example.com", "George Miller"});
  EXPECT_EQ(request.failure_id(), "42");
  EXPECT_EQ(request.kind(), notify::v1::NOTIFICATION_KIND_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_EQ(request.recipient().email(), "george@example.com");
  EXPECT_EQ(request.parameters().task_id(), "6000000012345");
  EXPECT_EQ(request.parameters().field(), "End Date");
  EXPECT_EQ(request.parameters().attempted_value(), "2025-07-15");
  EXPECT_EQ(request.parameters().kept_value(), "2025-06-20");
  EXPECT_EQ(request.parameters().reason(), failure.message);
  EXPECT_EQ(request.parameters().task_title(), "Migrate data");
  EXPECT_EQ(request.parameters().project_name(), "Data Migration");
  EXPECT_EQ(request.parameters().project_start_date().day(), 1);
  EXPECT_EQ(request.parameters().project_end_date().month(), 6);
  EXPECT_EQ(request.parameters().project_end_date().day(), 30);

  failure.reason = FailureReason::kSubtaskParentClosed;
  EXPECT_EQ(NotifyRequestFor(failure, {}).kind(),
            notify::v1::NOTIFICATION_KIND_SUBTASK_PARENT_CLOSED);
  failure.reason = FailureReason::kUnknownOwner;
  EXPECT_EQ(NotifyRequestFor(failure, {}).kind(),
            notify::v1::NOTIFICATION_KIND_CHANGE_REFUSED_BY_OTHER_SIDE);
}

}  // namespace
}  // namespace crmsync::sync
